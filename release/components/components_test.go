package components

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "c.json")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// What bundle_part writes reads back; an absent part's {} is an empty part.
func TestReadsWhatBundlePartWrites(t *testing.T) {
	p, err := Read(write(t, `{"pins": ["netavark", "rust_std"], "crates": [{"lock": "third_party/netavark", "vendor": "external/x/vendor"}], "programs": {"netavark": {"pin": "netavark", "dir": "lib/podman"}, "podman": {"gomod": "third_party/podman", "dir": "bin"}, "rootlessport": {"dir": "lib/podman"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Pins) != 2 || p.Crates[0].Vendor != "external/x/vendor" || p.Programs["podman"].GoMod != "third_party/podman" ||
		p.Programs["rootlessport"] != (Program{Dir: "lib/podman"}) || strings.Join(p.ProgramNames(), ",") != "netavark,podman,rootlessport" ||
		strings.Join(p.In("lib/podman"), ",") != "netavark,rootlessport" || strings.Join(p.In("bin"), ",") != "podman" {
		t.Errorf("read %+v", p)
	}
	if p, err := Read(write(t, "{}")); err != nil || len(p.Pins)+len(p.Crates)+len(p.Programs) != 0 {
		t.Errorf("{}: %+v, %v", p, err)
	}
}

// A misspelt field, a program with two origins or a crates entry without its lock are errors
// naming the file, never a part read as empty.
func TestRefusesWhatItDoesNotKnow(t *testing.T) {
	for _, text := range []string{
		`{"pin": ["crun"]}`,
		`{"programs": {"x": {"pin": "a", "gomod": "b"}}}`,
		`{"crates": [{"vendor": "v"}]}`,
		`pin crun`,
	} {
		path := write(t, text)
		if _, err := Read(path); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %v, want one naming the file", text, err)
		}
	}
}
