package buildah_test

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/archtest"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/ocitest"
)

var gomod = flag.String("gomod", "", "rlocationpath of third_party/buildah/go.mod")

func TestBuildah(t *testing.T) {
	version := archtest.ModuleVersion(t, *gomod)
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		// cgo's allocations go to mimalloc, linked in place of musl's malloc
		b.CheckMimalloc(t, "--version")
		if out := b.Run(t, nil, "--version"); !strings.HasPrefix(out, "buildah version "+version+" ") {
			t.Fatalf("--version = %q, want buildah version %s", out, version)
		}
		dir := t.TempDir()
		cfg := ocitest.NewConfig(t, dir, b.Arch)
		run := func(args ...string) string {
			return strings.TrimSpace(b.Run(t, cfg.Env, append(cfg.Storage, args...)...))
		}
		content := "built by buildah on " + b.Arch + "\n"
		file := filepath.Join(dir, "hello.txt")
		if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		ctr := run("from", "--signature-policy", cfg.PolicyJSON, "scratch")
		run("add", ctr, file, "/hello.txt")
		run("config", "--arch", b.Arch, "--cmd", "/hello.txt", ctr)
		layout := filepath.Join(dir, "out")
		run("commit", "--signature-policy", cfg.PolicyJSON, ctr, "oci:"+layout+":built")

		got := layerFile(t, layout, "hello.txt")
		if got != content {
			t.Errorf("committed image holds hello.txt = %q, want %q", got, content)
		}
	})
}

// layerFile returns the content of name in the (only) image of the OCI layout at dir.
func layerFile(t *testing.T, dir, name string) string {
	t.Helper()
	readJSON := func(path string, v any) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	blob := func(d string) string { return filepath.Join(dir, "blobs", "sha256", strings.TrimPrefix(d, "sha256:")) }
	var index struct{ Manifests []ocitest.Descriptor }
	readJSON(filepath.Join(dir, "index.json"), &index)
	if len(index.Manifests) != 1 {
		t.Fatalf("index.json has %d manifests, want 1", len(index.Manifests))
	}
	var manifest struct{ Layers []ocitest.Descriptor }
	readJSON(blob(index.Manifests[0].Digest), &manifest)
	for _, l := range manifest.Layers {
		f, err := os.Open(blob(l.Digest))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var r io.Reader = f
		if strings.HasSuffix(l.MediaType, "gzip") {
			if r, err = gzip.NewReader(f); err != nil {
				t.Fatal(err)
			}
		}
		tr := tar.NewReader(r)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimPrefix(h.Name, "./") == name {
				data, err := io.ReadAll(tr)
				if err != nil {
					t.Fatal(err)
				}
				return string(data)
			}
		}
	}
	t.Fatalf("%s not found in the layers of %s", name, dir)
	return ""
}
