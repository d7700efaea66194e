// Package components reads a bundle part's components file: what the part's programs are built
// from and where each lands, for the archive's SBOM (tools/sbom) and the bundle test (the
// programs an archive must hold, and each one's --version). bundle_part (release/bundle.bzl)
// writes one per part and architecture, as JSON:
//
//	{
//	  "pins": ["crun", "libcap"],
//	  "crates": [{"lock": "third_party/netavark", "vendor": "external/<repo>/vendor"}],
//	  "programs": {"crun": {"pin": "crun", "dir": "lib/podman"}, "podman": {"gomod": "third_party/podman", "dir": "bin"}, "rootlessport": {"dir": "lib/podman"}}
//	}
//
// pins: pins of third_party/pins.json (version, license, upstream URL and sha256). crates: the
// registry packages of LOCK/Cargo.lock, with their sha256; VENDOR is the crates' directory
// source (VENDOR/NAME-VERSION/Cargo.toml: each crate's declared license; the crates stubbed
// there, which no Linux target needs, are left out). programs: each program of the part, and
// the pin it is built from (the SBOM relates them; its --version prints the pin's version), or
// the go.mod directory of a Go program (related to its modules through its build information,
// its --version prints the go.mod's direct requirement, its modules' licenses come from
// DIR/go.licenses), or neither (no version; a Go program among those takes the license table of
// the part's one gomod); dir is the program's directory in the bundle. A part absent on an
// architecture has no programs.
package components

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
)

// Part is one components file.
type Part struct {
	Pins     []string           `json:"pins"`
	Crates   []Crates           `json:"crates"`
	Programs map[string]Program `json:"programs"`
}

// Crates are the registry packages of one Cargo.lock.
type Crates struct {
	Lock   string `json:"lock"`   // the directory of the Cargo.lock
	Vendor string `json:"vendor"` // the crates' directory source; "" when not vendored
}

// Program says what one program is built from (a pin, a Go module, or neither) and where it lands.
type Program struct {
	Pin   string `json:"pin,omitempty"`
	GoMod string `json:"gomod,omitempty"`
	Dir   string `json:"dir"` // its directory in the bundle: "bin", "lib/podman", "" (the top)
}

// Read reads and checks a components file.
func Read(path string) (*Part, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p Part
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, c := range p.Crates {
		if c.Lock == "" {
			return nil, fmt.Errorf("%s: a crates entry without its lock directory", path)
		}
	}
	for name, prog := range p.Programs {
		if prog.Pin != "" && prog.GoMod != "" {
			return nil, fmt.Errorf("%s: program %s names both a pin (%s) and a go.mod (%s)", path, name, prog.Pin, prog.GoMod)
		}
	}
	return &p, nil
}

// ProgramNames are the part's programs, sorted.
func (p *Part) ProgramNames() []string {
	var out []string
	for name := range p.Programs {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// In returns the part's programs in directory dir, sorted.
func (p *Part) In(dir string) []string {
	var out []string
	for _, name := range p.ProgramNames() {
		if p.Programs[name].Dir == dir {
			out = append(out, name)
		}
	}
	return out
}
