// Package pins reads and rewrites third_party/pins.json: every pinned
// upstream archive, with its upstream half (urls, sha256, strip_prefix), its
// offline half (the same release as a registry serves it) and, for the parts
// the daily check follows, where upstream publishes its releases ("upstream").
// A pin writes its version once: URLs, prefixes and offline names spell it
// {version}, which the accessors fill in (as //third_party:pins.bzl
// does for Bazel and tools/setup.d/distfiles.py for the set-up). Every Go
// program and test that reads the pins reads them through this package.
// Rewriting keeps the file's order and layout, so a bump's diff is the bump.
package pins

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/atomicfile"
)

// Path is where the pins live, relative to the repository's top directory.
const Path = "third_party/pins.json"

// Upstream kinds: where a part's releases are listed.
const (
	GitHubRelease = "github-release" // the GitHub releases of the repository its first URL names
	GoDev         = "go"             // the Go project's list of stable releases
	Zig           = "zig"            // the Zig project's download index
	Gnome         = "gnome"          // the GNOME download server's cache.json of the module its URL names
	RustDist      = "rust-dist"      // the Rust project's stable channel manifest beside its URL
	Untracked     = "untracked"      // followed by nobody; "why" says why
)

// Kinds are the upstream kinds the check knows.
var Kinds = []string{GitHubRelease, GoDev, Zig, Gnome, RustDist, Untracked}

// Unavailable is the offline kind of a pin whose release no registry we
// reach was found to serve: the offline setup must stop on it, not use
// another release's file.
const Unavailable = "unavailable"

// File is a parsed pins.json.
type File struct {
	path string
	root *object
}

// Load reads a pins.json.
func Load(path string) (*File, error) {
	// a bump-pin killed while it saved is finished first: never read half of one
	if err := atomicfile.Recover(filepath.Dir(path)); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.path = path
	return f, nil
}

// Parse parses a pins.json.
func Parse(data []byte) (*File, error) {
	n, err := parseJSON(data)
	if err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	if n.obj == nil {
		return nil, fmt.Errorf("not a JSON object")
	}
	f := &File{root: n.obj}
	for _, name := range f.Names() {
		if f.root.get(name).obj == nil {
			return nil, fmt.Errorf("pin %s is not an object", name)
		}
	}
	return f, nil
}

// Bytes is the file's text.
func (f *File) Bytes() []byte {
	var b strings.Builder
	(&node{obj: f.root}).write(&b, "")
	b.WriteString("\n")
	return []byte(b.String())
}

// Save writes the file back where it was loaded from, atomically, together with the extra
// files: all of them or, when any cannot be written, none.
func (f *File) Save(extra ...atomicfile.File) error {
	if f.path == "" {
		return fmt.Errorf("pins: Save of a file not loaded from disk")
	}
	mode := os.FileMode(0o644)
	if st, err := os.Stat(f.path); err == nil {
		mode = st.Mode().Perm()
	}
	return atomicfile.WriteAll(append([]atomicfile.File{{Path: f.path, Data: f.Bytes(), Perm: mode}}, extra...)...)
}

// Names are the pins' keys in file order; keys starting with "_" are comments.
func (f *File) Names() []string {
	var out []string
	for _, k := range f.root.keys {
		if !strings.HasPrefix(k, "_") {
			out = append(out, k)
		}
	}
	return out
}

// Pin returns the pin named name.
func (f *File) Pin(name string) (*Pin, error) {
	n := f.root.get(name)
	if strings.HasPrefix(name, "_") || n == nil || n.obj == nil {
		return nil, fmt.Errorf("no pin %q in %s", name, Path)
	}
	return &Pin{Name: name, o: n.obj}, nil
}

// Pin is one entry of the file.
type Pin struct {
	Name string
	o    *object
}

// VersionVar is how a pin's fields spell its version.
const VersionVar = "{version}"

func (p *Pin) Version() string { return p.o.str("version") }
func (p *Pin) SHA256() string  { return p.o.str("sha256") }
func (p *Pin) License() string { return p.o.str("license") }

// URLs are the upstream URLs, the version filled in.
func (p *Pin) URLs() []string {
	var out []string
	for _, u := range p.o.strs("urls") {
		out = append(out, p.fill(u))
	}
	return out
}

// StripPrefix is the upstream archive's top directory, the version filled in.
func (p *Pin) StripPrefix() string { return p.fill(p.o.str("strip_prefix")) }

// Note returns a string field given as is (a "_note" and the like: prose, never filled in).
func (p *Pin) Note(key string) string { return p.o.str(key) }

// Offline returns a field of the offline half ("kind", "file", "sha256", ...), the version
// filled in.
func (p *Pin) Offline(key string) string {
	if n := p.o.get("offline"); n != nil && n.obj != nil {
		return p.fill(n.obj.str(key))
	}
	return ""
}

func (p *Pin) fill(s string) string { return strings.ReplaceAll(s, VersionVar, p.Version()) }

// spell writes s as a field that was templated (old holds VersionVar) is written: the pin's
// version spelled VersionVar again, so a bump keeps a pin's one version.
func (p *Pin) spell(old, s string) string {
	if v := p.Version(); v != "" && strings.Contains(old, VersionVar) {
		return strings.ReplaceAll(s, v, VersionVar)
	}
	return s
}

// OfflineKeys are the offline half's fields in file order.
func (p *Pin) OfflineKeys() []string {
	if n := p.o.get("offline"); n != nil && n.obj != nil {
		return append([]string{}, n.obj.keys...)
	}
	return nil
}

// The setters take values as the accessors return them (the version filled in). Set the
// version first: a field that spelled the version {version} spells the new one so again.
func (p *Pin) SetVersion(v string) { p.o.setStr("version", v) }
func (p *Pin) SetSHA256(s string)  { p.o.setStr("sha256", s) }

func (p *Pin) SetURLs(urls []string) {
	old := strings.Join(p.o.strs("urls"), " ")
	var raw []string
	for _, u := range urls {
		raw = append(raw, p.spell(old, u))
	}
	p.o.setStrs("urls", raw)
}

func (p *Pin) SetStripPrefix(s string) {
	p.o.setStr("strip_prefix", p.spell(p.o.str("strip_prefix"), s))
}

// SetOffline replaces the offline half by these key, value pairs, in order.
func (p *Pin) SetOffline(pairs ...[2]string) {
	var prev *object
	if n := p.o.get("offline"); n != nil {
		prev = n.obj
	}
	o := newObject()
	for _, kv := range pairs {
		v := kv[1]
		if prev != nil {
			v = p.spell(prev.str(kv[0]), v)
		}
		o.setStr(kv[0], v)
	}
	p.o.set("offline", &node{obj: o})
}

// Upstream is a pin's "upstream": where its part's releases come from. The
// rest (the GitHub repository, how a tag spells the version, the index a
// kind reads) is derived from the pin's URLs and version, never restated.
type Upstream struct {
	Kind    string // one of Kinds; "" when Follows is set
	Follows string // another pin, whose part this pin belongs to (same version, bumped together)
	Part    string // the part's name, when not the pin's
	Why     string // for Untracked: why nobody follows it
	Line    string // "1.x", "1.17.x": only releases of this line count (a part pinned per podman line); "" all
}

// Upstream returns the pin's upstream, or nil when it has none.
func (p *Pin) Upstream() (*Upstream, error) {
	n := p.o.get("upstream")
	if n == nil {
		return nil, nil
	}
	if n.obj == nil {
		return nil, fmt.Errorf("pin %s: upstream is not an object", p.Name)
	}
	u := &Upstream{Kind: n.obj.str("kind"), Follows: n.obj.str("follows"), Part: n.obj.str("part"), Why: n.obj.str("why"), Line: n.obj.str("line")}
	for _, k := range n.obj.keys {
		switch k {
		case "kind", "follows", "part", "why", "line":
		default:
			return nil, fmt.Errorf("pin %s: upstream has unknown field %q (known: kind, follows, part, why, line)", p.Name, k)
		}
	}
	switch {
	case u.Follows != "" && (u.Kind != "" || u.Part != ""):
		return nil, fmt.Errorf("pin %s: upstream gives follows with kind or part: a follower takes both from the pin it follows", p.Name)
	case u.Follows != "":
	case !known(u.Kind):
		return nil, fmt.Errorf("pin %s: unknown upstream kind %q (known: %s)", p.Name, u.Kind, strings.Join(Kinds, ", "))
	case u.Kind == Untracked && u.Why == "":
		return nil, fmt.Errorf("pin %s: upstream kind %s needs a why", p.Name, Untracked)
	case u.Line != "" && (u.Kind != GitHubRelease || !lineRE.MatchString(u.Line)):
		return nil, fmt.Errorf("pin %s: upstream line %q: want MAJOR.x or MAJOR.MINOR.x, with kind %s", p.Name, u.Line, GitHubRelease)
	}
	return u, nil
}

var lineRE = regexp.MustCompile(`^\d+\.(\d+\.)?x$`)

// InLine reports whether version v is a release of the upstream's line (every version when
// no line is set).
func (u *Upstream) InLine(v string) bool {
	return u.Line == "" || strings.HasPrefix(v, strings.TrimSuffix(u.Line, "x"))
}

func known(kind string) bool {
	for _, k := range Kinds {
		if k == kind {
			return true
		}
	}
	return false
}

// Part is what one bump moves: a pin with an upstream and the pins that
// follow it, or a pin nobody follows.
type Part struct {
	Name      string
	Pins      []*Pin    // the leading pin first, then its followers in file order
	Upstream  *Upstream // the leading pin's; nil when not tracked
	Untracked string    // why the check does not follow it; "" when it does
}

// Version is the part's pinned version (its pins share it).
func (p *Part) Version() string { return p.Pins[0].Version() }

// Parts groups the pins into parts, in file order of their leading pins. A
// pin without an upstream is a part of its own, not tracked, with the reason.
func (f *File) Parts() ([]*Part, error) {
	var parts []*Part
	byPin := map[string]*Part{}
	var followers []*Pin
	for _, name := range f.Names() {
		p, _ := f.Pin(name)
		u, err := p.Upstream()
		if err != nil {
			return nil, err
		}
		if u != nil && u.Follows != "" {
			followers = append(followers, p)
			continue
		}
		part := &Part{Name: name, Pins: []*Pin{p}, Upstream: u}
		switch {
		case u == nil && len(p.URLs()) == 0:
			part.Untracked = "offline only (no upstream URL): it comes with another pin's registry release"
		case u == nil:
			part.Untracked = Path + " gives it no upstream"
		case u.Kind == Untracked:
			part.Untracked = u.Why
		}
		if u != nil && u.Part != "" {
			part.Name = u.Part
		}
		parts = append(parts, part)
		byPin[name] = part
	}
	names := map[string]bool{}
	for _, p := range parts {
		if names[p.Name] {
			return nil, fmt.Errorf("two parts named %s in %s", p.Name, Path)
		}
		names[p.Name] = true
	}
	for _, p := range followers {
		u, _ := p.Upstream()
		lead := byPin[u.Follows]
		if lead == nil || lead.Untracked != "" {
			return nil, fmt.Errorf("pin %s follows %q, which is not a tracked pin with an upstream kind", p.Name, u.Follows)
		}
		if p.Version() != lead.Version() {
			return nil, fmt.Errorf("pin %s (version %s) follows %s (version %s): a part's pins share one version", p.Name, p.Version(), u.Follows, lead.Version())
		}
		lead.Pins = append(lead.Pins, p)
	}
	return parts, nil
}

// Part returns the part named name.
func (f *File) Part(name string) (*Part, error) {
	parts, err := f.Parts()
	if err != nil {
		return nil, err
	}
	var tracked []string
	for _, p := range parts {
		if p.Name == name {
			return p, nil
		}
		if p.Untracked == "" {
			tracked = append(tracked, p.Name)
		}
	}
	return nil, fmt.Errorf("no part %q in %s (tracked: %s)", name, Path, strings.Join(tracked, ", "))
}
