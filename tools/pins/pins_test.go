package pins

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// The project's pins.json survives a read and a write byte for byte, and every part is valid.
func TestRoundTripOfTheProjectsPins(t *testing.T) {
	data, err := os.ReadFile("../../" + Path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(f.Bytes()); got != string(data) {
		t.Errorf("rewritten pins.json differs from the original")
		os.WriteFile(t.TempDir()+"/x", []byte(got), 0o644)
	}
	if _, err := f.Parts(); err != nil {
		t.Fatal(err)
	}
}

// A pin's URLs, prefixes and offline names are read with its version filled in; a bump's
// setters spell the new version {version} again where the field did, and literally where not.
func TestVersionWrittenOnce(t *testing.T) {
	f, err := Parse([]byte(`{
  "a": {
    "version": "1.2",
    "urls": ["https://example.org/{version}/a-{version}.tar.gz"],
    "strip_prefix": "a-{version}",
    "offline": {"kind": "debian-orig", "package": "a={version}-1", "file": "a_1.2.orig.tar.gz", "sha256": "00"}
  }
}`))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := f.Pin("a")
	if got := p.URLs(); len(got) != 1 || got[0] != "https://example.org/1.2/a-1.2.tar.gz" {
		t.Errorf("URLs() = %q", got)
	}
	if p.StripPrefix() != "a-1.2" || p.Offline("package") != "a=1.2-1" || p.Offline("file") != "a_1.2.orig.tar.gz" {
		t.Errorf("StripPrefix() = %q, offline package %q file %q", p.StripPrefix(), p.Offline("package"), p.Offline("file"))
	}
	p.SetVersion("1.3")
	p.SetURLs([]string{"https://example.org/1.3/a-1.3.tar.gz"})
	p.SetStripPrefix("a-1.3")
	p.SetOffline([2]string{"kind", "debian-orig"}, [2]string{"package", "a=1.3-1"}, [2]string{"file", "a_1.3.orig.tar.gz"}, [2]string{"sha256", "01"})
	want := `{
  "a": {
    "version": "1.3",
    "urls": [
      "https://example.org/{version}/a-{version}.tar.gz"
    ],
    "strip_prefix": "a-{version}",
    "offline": {
      "kind": "debian-orig",
      "package": "a={version}-1",
      "file": "a_1.3.orig.tar.gz",
      "sha256": "01"
    }
  }
}
`
	if got := string(f.Bytes()); got != want {
		t.Errorf("after the bump:\n%s\nwant:\n%s", got, want)
	}
}

// No pin of the project spells its version literally where {version} can stand: a bump then
// changes one line (and the checksums), and nothing can name another release by mistake.
func TestProjectsPinsWriteTheirVersionOnce(t *testing.T) {
	f, err := Load("../../" + Path)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range f.Names() {
		p, _ := f.Pin(name)
		v := p.Version()
		fields := map[string]string{"strip_prefix": p.o.str("strip_prefix")}
		for i, u := range p.o.strs("urls") {
			fields[fmt.Sprintf("urls[%d]", i)] = u
		}
		if n := p.o.get("offline"); n != nil && n.obj != nil {
			for _, k := range []string{"file", "module", "package", "strip_prefix"} {
				fields["offline."+k] = n.obj.str(k)
			}
		}
		for k, s := range fields {
			if v != "" && strings.Contains(s, v) {
				t.Errorf("pin %s: %s %q spells the version %s: write %s", name, k, s, v, VersionVar)
			}
		}
	}
}
