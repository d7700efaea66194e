// Package cargolock reads the packages of a Cargo.lock: tools/sbom lists its crates, the advisory
// watch (tools/release check-advisories) asks about them.
package cargolock

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// Package is one [[package]] of a Cargo.lock.
type Package struct {
	Name, Version string
	Source        string // "registry+..." for a crate from a registry; "" for the workspace's own
	Checksum      string
}

// FromRegistry reports whether the package is a crate from a registry (not the workspace's own).
func (p Package) FromRegistry() bool { return strings.HasPrefix(p.Source, "registry+") }

// Read returns the packages of the Cargo.lock at path, in its order.
func Read(path string) ([]Package, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Package
	var cur *Package
	s := bufio.NewScanner(f)
	for s.Scan() {
		l := strings.TrimSpace(s.Text())
		if l == "[[package]]" {
			out = append(out, Package{})
			cur = &out[len(out)-1]
			continue
		}
		k, v, ok := strings.Cut(l, " = ")
		if !ok || cur == nil {
			continue
		}
		v = strings.Trim(v, `"`)
		switch k {
		case "name":
			cur.Name = v
		case "version":
			cur.Version = v
		case "source":
			cur.Source = v
		case "checksum":
			cur.Checksum = v
		}
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}
