// Package advisories is the advisory watch: it asks GitHub's advisory database about everything
// the bundles ship — every module of every Go tool's graph (the go ecosystem), every crate of
// each Cargo.lock a part is built from (rust), and the repository of each pinned part on GitHub
// (its own security advisories: crun, conmon, fuse-overlayfs, netavark...) — and records each
// advisory against a shipped version that no record names yet as under_investigation, which
// the release's publish refuses until someone decides. It also moves the pin of the Go
// vulnerability database the gate reads (third_party/govulncheck/govulncheck.MODULE.bazel).
package advisories

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/cargolock"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/gograph"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/pins"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/upstream"
)

// Kinds of Target: where its advisories are looked up.
const (
	Go   = "go"   // GitHub's global advisories, ecosystem go
	Rust = "rust" // GitHub's global advisories, ecosystem rust
	Repo = "repo" // the security advisories of the part's GitHub repository
)

// GoRecords is the file of records about Go module versions (several graphs share modules; a
// record applies to the programs that link its version).
const GoRecords = "third_party/go_advisories.json"

// Target is one shipped thing whose advisories the watch looks up.
type Target struct {
	Kind    string
	Name    string // module path, crate name, or the repository's name (records' module)
	Version string // as shipped: "v1.2.3" (Go), "1.2.3" (crates, parts)
	Repo    string // OWNER/NAME (Repo)
	// Files are the advisories.json (workspace-relative) a new record goes to: GoRecords, or
	// those of the parts built from the pin or the Cargo.lock
	Files []string
}

func (t *Target) String() string { return t.Name + "@" + t.Version }

// Skipped is a shipped pin the watch cannot ask GitHub about, and why.
type Skipped struct{ Pin, Why string }

// Shipped is what the bundles ship, as the watch sees it.
type Shipped struct {
	Targets []*Target
	Skipped []Skipped
}

// bundlePart is a bundle_part call of a BUILD file: the pins and Cargo.lock directories its
// programs are built from, and the advisories.json beside it.
type bundlePart struct {
	records string
	pins    []string
	crates  []string
}

var (
	partCallRE = regexp.MustCompile(`(?ms)^bundle_part\(\n(.*?)^\)`)
	pinsRE     = regexp.MustCompile(`(?s)\bpins = \[(.*?)\]`)
	cratesRE   = regexp.MustCompile(`(?s)\bcrates = \{(.*?)\}`)
	quotedRE   = regexp.MustCompile(`"([^"]*)"`)
	crateKeyRE = regexp.MustCompile(`"([^"]*)":`)
)

// bundleParts reads the bundle_part calls of the BUILD files under third_party/ and release/ (as
// buildifier formats them): which pins and crates each part declares.
func bundleParts(root string) ([]bundlePart, error) {
	var parts []bundlePart
	for _, top := range []string{"third_party", "release"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d os.DirEntry, err error) error {
			if err != nil {
				if path == filepath.Join(root, top) && errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			if d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if d.IsDir() || d.Name() != "BUILD.bazel" {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, filepath.Dir(path))
			for _, call := range partCallRE.FindAllStringSubmatch(string(data), -1) {
				p := bundlePart{records: filepath.ToSlash(filepath.Join(rel, "advisories.json"))}
				if m := pinsRE.FindStringSubmatch(call[1]); m != nil {
					for _, q := range quotedRE.FindAllStringSubmatch(m[1], -1) {
						p.pins = append(p.pins, q[1])
					}
				}
				if m := cratesRE.FindStringSubmatch(call[1]); m != nil {
					for _, q := range crateKeyRE.FindAllStringSubmatch(m[1], -1) {
						p.crates = append(p.crates, q[1])
					}
				}
				parts = append(parts, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return parts, nil
}

// notOnGitHub says why the watch cannot ask GitHub about a pin of this upstream kind.
var notOnGitHub = map[string]string{
	pins.GoDev:    "Go's standard library: the Go vulnerability database the gate reads (govulncheck) covers it",
	pins.Zig:      "zig (the musl libc and compiler-rt it links in): no machine-readable advisory feed; not watched",
	pins.Gnome:    "a GNOME project (GNOME's GitLab): its advisories are not in GitHub's database; not watched",
	pins.RustDist: "the Rust standard library: the Rust project announces its advisories on its blog, not in GitHub's database; not watched",
}

// Find reads what the bundles at root ship: the Go graphs (go_graph.json and its go.mod), the
// bundle_part calls (their pins and Cargo.lock directories) and third_party/pins.json.
func Find(root string) (*Shipped, error) {
	pf, err := pins.Load(filepath.Join(root, "third_party", "pins.json"))
	if err != nil {
		return nil, err
	}
	allParts, err := pf.Parts()
	if err != nil {
		return nil, err
	}
	partOf := map[string]*pins.Part{}
	for _, p := range allParts {
		for _, pin := range p.Pins {
			partOf[pin.Name] = p
		}
	}
	bparts, err := bundleParts(root)
	if err != nil {
		return nil, err
	}
	s := &Shipped{}
	byKey := map[string]*Target{}
	add := func(kind, name, version, repo, file string) {
		key := kind + " " + name + "@" + version
		t := byKey[key]
		if t == nil {
			t = &Target{Kind: kind, Name: name, Version: version, Repo: repo}
			byKey[key] = t
			s.Targets = append(s.Targets, t)
		}
		for _, f := range t.Files {
			if f == file {
				return
			}
		}
		t.Files = append(t.Files, file)
	}
	skipped := map[string]bool{}
	for _, bp := range bparts {
		for _, name := range bp.pins {
			part := partOf[name]
			if part == nil {
				return nil, fmt.Errorf("%s: bundle_part names pin %q, which third_party/pins.json lacks", filepath.Dir(bp.records), name)
			}
			var pin *pins.Pin
			for _, p := range part.Pins {
				if p.Name == name {
					pin = p
				}
			}
			why := ""
			switch {
			case part.Untracked != "":
				why = "its upstream is not on GitHub (" + part.Untracked + "); not watched"
			case part.Upstream.Kind != pins.GitHubRelease:
				why = notOnGitHub[part.Upstream.Kind]
			}
			if why == "" {
				repo, err := upstream.GitHubRepo(pin)
				if err != nil {
					return nil, err
				}
				add(Repo, repo[strings.Index(repo, "/")+1:], pin.Version(), repo, bp.records)
				continue
			}
			if !skipped[name] {
				skipped[name] = true
				s.Skipped = append(s.Skipped, Skipped{name + " " + pin.Version(), why})
			}
		}
		for _, dir := range bp.crates {
			crates, err := cargoLock(filepath.Join(root, dir, "Cargo.lock"))
			if err != nil {
				return nil, err
			}
			for _, c := range crates {
				add(Rust, c[0], c[1], "", bp.records)
			}
		}
	}
	graphs, err := gograph.Load(root)
	if err != nil {
		return nil, err
	}
	for _, g := range graphs.Graphs {
		gomod := filepath.Join(root, filepath.Dir(g.File()), "go.mod")
		data, err := os.ReadFile(gomod)
		if err != nil {
			return nil, err
		}
		mf, err := modfile.ParseLax(gomod, data, nil)
		if err != nil {
			return nil, err
		}
		for _, r := range mf.Require {
			add(Go, r.Mod.Path, r.Mod.Version, "", GoRecords)
		}
	}
	sort.Slice(s.Targets, func(i, j int) bool {
		a, b := s.Targets[i], s.Targets[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.String() < b.String()
	})
	return s, nil
}

// cargoLock returns the [name, version] of each crate from a registry in a Cargo.lock (the
// workspace's own packages have no source).
func cargoLock(path string) ([][2]string, error) {
	pkgs, err := cargolock.Read(path)
	if err != nil {
		return nil, err
	}
	var out [][2]string
	for _, p := range pkgs {
		if p.FromRegistry() {
			out = append(out, [2]string{p.Name, p.Version})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no crate from a registry", path)
	}
	return out, nil
}
