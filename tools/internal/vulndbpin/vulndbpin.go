// Package vulndbpin reads and moves the pin of the Go vulnerability database the gate reads: a
// pseudo-version of the golang.org/x/vulndb module and its go.sum hash, in
// third_party/govulncheck/govulncheck.MODULE.bazel (the advisory watch moves it; tools/vulncheck
// --scan-source fetches the version it names).
package vulndbpin

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// File is the pin's file, relative to the workspace.
const File = "third_party/govulncheck/govulncheck.MODULE.bazel"

// Module is the database's Go module.
const Module = "golang.org/x/vulndb"

var (
	versionRE = regexp.MustCompile(`(?m)^VULNDB_VERSION = "([^"]+)"$`)
	sumRE     = regexp.MustCompile(`(path = "golang\.org/x/vulndb",\n\s*sum = ")(h1:[^"]+)(")`)
)

// Pin is the pinned database: its version and go.sum hash, and the file's text.
type Pin struct {
	Version, Sum string
	data         []byte
}

// Read reads the pin of the workspace at root.
func Read(root string) (*Pin, error) {
	data, err := os.ReadFile(filepath.Join(root, File))
	if err != nil {
		return nil, err
	}
	vm, sm := versionRE.FindAllSubmatch(data, -1), sumRE.FindAllSubmatch(data, -1)
	if len(vm) != 1 || len(sm) != 1 {
		return nil, fmt.Errorf("%s: want one VULNDB_VERSION = \"...\" line and one sum of %s, found %d and %d", File, Module, len(vm), len(sm))
	}
	return &Pin{Version: string(vm[0][1]), Sum: string(sm[0][2]), data: data}, nil
}

// Moved is the pin file's text moved to version, with its go.sum hash.
func (p *Pin) Moved(version, sum string) []byte {
	out := versionRE.ReplaceAll(p.data, []byte(`VULNDB_VERSION = "`+version+`"`))
	return sumRE.ReplaceAll(out, []byte("${1}"+sum+"${3}"))
}
