package skopeo_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/archtest"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/ocitest"
)

var gomod = flag.String("gomod", "", "rlocationpath of third_party/skopeo/go.mod")

func TestSkopeo(t *testing.T) {
	version := archtest.ModuleVersion(t, *gomod)
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		// cgo's allocations go to mimalloc, linked in place of musl's malloc
		b.CheckMimalloc(t, "--version")
		out := b.Run(t, nil, "--version")
		// no commit: skopeo takes it from Go's VCS build info, absent from a build of the released module
		if out != "skopeo version "+version+"\n" {
			t.Fatalf("--version = %q, want %q", out, "skopeo version "+version+"\n")
		}

		tmp := t.TempDir()
		src := filepath.Join(tmp, "src")
		desc, err := ocitest.WriteLayout(src, "v1", ocitest.Image{Arch: b.Arch, Files: map[string]string{"hello.txt": "hello from " + b.Arch + "\n"}})
		if err != nil {
			t.Fatal(err)
		}
		// --insecure-policy: no /etc/containers/policy.json in the test environment
		dir := filepath.Join(tmp, "dir")
		b.Run(t, nil, "--insecure-policy", "copy", "oci:"+src+":v1", "dir:"+dir)
		back := filepath.Join(tmp, "back")
		b.Run(t, nil, "--insecure-policy", "copy", "dir:"+dir, "oci:"+back+":v2")

		for _, ref := range []string{"dir:" + dir, "oci:" + back + ":v2"} {
			var info struct {
				Architecture string
				Layers       []string
			}
			if err := json.Unmarshal([]byte(b.Run(t, nil, "inspect", ref)), &info); err != nil {
				t.Fatalf("inspect %s: %v", ref, err)
			}
			if info.Architecture != b.Arch || len(info.Layers) != 1 {
				t.Errorf("inspect %s = %+v, want architecture %s and one layer", ref, info, b.Arch)
			}
		}
		// the round trip keeps the manifest byte for byte
		var index struct{ Manifests []ocitest.Descriptor }
		data, err := os.ReadFile(filepath.Join(back, "index.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &index); err != nil || len(index.Manifests) != 1 || index.Manifests[0].Digest != desc.Digest {
			t.Errorf("copied image's manifest = %+v (%v), want digest %s", index.Manifests, err, desc.Digest)
		}
	})
}
