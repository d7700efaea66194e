package advisories

import (
	"slices"
	"strings"
	"testing"
)

// What the watch asks about in this workspace: every shipped pin on GitHub with the record
// files of the parts built from it, the crates of both netavark and aardvark-dns lines, every
// Go graph's modules; and what it cannot ask, said.
func TestWhatTheWorkspaceShips(t *testing.T) {
	s, err := Find("../../../..")
	if err != nil {
		t.Fatal(err)
	}
	find := func(kind, name string) []*Target {
		var out []*Target
		for _, tg := range s.Targets {
			if tg.Kind == kind && tg.Name == name {
				out = append(out, tg)
			}
		}
		return out
	}
	for name, files := range map[string][]string{
		"crun":           {"third_party/crun/advisories.json"},
		"conmon":         {"third_party/conmon/advisories.json"},
		"fuse-overlayfs": {"third_party/fuse-overlayfs/advisories.json"},
		"catatonit":      {"third_party/catatonit/advisories.json"},
		"mimalloc":       {"release/common/advisories.json"},
		// libseccomp is linked into podman (both lines), buildah and crun
		"libseccomp": {"third_party/buildah/advisories.json", "third_party/crun/advisories.json", "third_party/podman/advisories.json", "third_party/podman/v5/advisories.json"},
	} {
		got := find(Repo, name)
		if len(got) != 1 {
			t.Errorf("repository %s: %d targets, want 1", name, len(got))
			continue
		}
		slices.Sort(got[0].Files)
		if !slices.Equal(got[0].Files, files) {
			t.Errorf("%s: records go to %v, want %v", got[0], got[0].Files, files)
		}
	}
	// netavark: two lines, two versions, two parts
	if got := find(Repo, "netavark"); len(got) != 2 || got[0].Repo != "containers/netavark" {
		t.Errorf("netavark: %v, want its two release lines", got)
	}
	// a crate: in the records of each part whose Cargo.lock has that version
	var tokio []string
	for _, tg := range find(Rust, "tokio") {
		tokio = append(tokio, tg.Files...)
	}
	slices.Sort(tokio)
	if want := []string{"third_party/aardvark-dns/advisories.json", "third_party/aardvark-dns/v1/advisories.json", "third_party/netavark/advisories.json", "third_party/netavark/v1/advisories.json"}; !slices.Equal(tokio, want) {
		t.Errorf("crate tokio: records in %v, want %v", tokio, want)
	}
	for _, module := range []string{"go.podman.io/podman/v6", "github.com/containers/podman/v5", "go.podman.io/buildah", "golang.org/x/crypto"} {
		if got := find(Go, module); len(got) == 0 || got[0].Files[0] != GoRecords {
			t.Errorf("Go module %s: %v", module, got)
		}
	}
	var skipped []string
	for _, sk := range s.Skipped {
		skipped = append(skipped, strings.Fields(sk.Pin)[0])
		if sk.Why == "" {
			t.Errorf("%s is not watched and says not why", sk.Pin)
		}
	}
	slices.Sort(skipped)
	if want := []string{"glib", "gnulib", "go_sdk", "libcap", "passt", "rust_std", "zig"}; !slices.Equal(skipped, want) {
		t.Errorf("not watched: %v, want %v", skipped, want)
	}
}
