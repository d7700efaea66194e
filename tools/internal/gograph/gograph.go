// Package gograph reads the Go tools' dependency graphs: each go_graph.json (one tool's graph,
// beside the go.mod it describes) and third_party/go_modules.json (what gazelle does in every
// graph). tools/generate writes each graph's MODULE fragment from them; tools/bench patches the
// same modules for plain go build.
package gograph

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Directives is a group of gazelle directives and why they are there (a comment above them).
type Directives struct {
	Why   string   `json:"why"`
	Lines []string `json:"lines"`
}

// Override is what gazelle and go_deps do differently for one module of a graph: directives on
// top of the graph's defaults (gazelle_override), no BUILD file generation, patches
// (module_override, applied with -p1).
type Override struct {
	Path                string       `json:"path"`
	Why                 string       `json:"why,omitempty"`
	Directives          []Directives `json:"directives,omitempty"`
	BuildFileGeneration string       `json:"build_file_generation,omitempty"`
	Patches             []string     `json:"patches,omitempty"`
}

// Files is a group of a module's files (paths inside it) and why the graph exports them.
type Files struct {
	Why   string   `json:"why,omitempty"`
	Files []string `json:"files"`
}

// Graph is a go_graph.json: one tool's Go dependency graph, from the go.mod beside it.
type Graph struct {
	Comment string `json:"_comment"`
	// Name names the graph's go_deps usage (go_deps_<name>), its module repository
	// (<name>_module), its upstream files repository (<name>_upstream_files) and its fragment.
	Name string `json:"name"`
	Why  string `json:"why"`
	// Module is the tool's own module (required by the go.mod beside the file).
	Module string `json:"module"`
	// Gotags are the tool's build tags; GotagsOf takes another graph's instead (one list).
	Gotags   []string `json:"gotags,omitempty"`
	GotagsOf string   `json:"gotags_of,omitempty"`
	// Overrides of modules of this graph only (third_party/go_modules.json has those of every
	// graph that requires the module).
	Overrides []Override `json:"overrides,omitempty"`
	// UpstreamFiles are files of the tool's module the build uses (its license, units...);
	// UpstreamFilesOf takes another graph's list, as paths in this graph's module.
	UpstreamFiles   []Files `json:"upstream_files,omitempty"`
	UpstreamFilesOf string  `json:"upstream_files_of,omitempty"`

	file     string          // the go_graph.json, relative to the workspace
	pkg      string          // its Bazel package
	requires map[string]bool // the module paths the go.mod beside it requires
}

// Modules is third_party/go_modules.json: what gazelle does in every graph.
type Modules struct {
	Comment string `json:"_comment"`
	// Directives are every graph's defaults, after its build tags.
	Directives []Directives `json:"directives"`
	// Overrides apply in each graph whose go.mod requires the module (after the graph's own
	// directives and patches for it, if it has any).
	Overrides []Override `json:"overrides"`
}

func decode(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}

func readModules(path string) (*Modules, error) {
	var m Modules
	if err := decode(path, &m); err != nil {
		return nil, err
	}
	if err := validate(m.Overrides); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return &m, nil
}

func readGraph(root, path string) (*Graph, error) {
	var g Graph
	if err := decode(path, &g); err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return nil, err
	}
	g.file = filepath.ToSlash(rel)
	g.pkg = filepath.ToSlash(filepath.Dir(rel))
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%s: %s", g.file, fmt.Sprintf(format, a...))
	}
	if g.Name == "" || strings.Trim(g.Name, "abcdefghijklmnopqrstuvwxyz0123456789_") != "" {
		return nil, bad("name %q: want lower-case letters, digits and _", g.Name)
	}
	if g.Module == "" {
		return nil, bad("no module")
	}
	if (len(g.Gotags) == 0) == (g.GotagsOf == "") {
		return nil, bad("give either gotags or gotags_of")
	}
	if len(g.UpstreamFiles) > 0 && g.UpstreamFilesOf != "" {
		return nil, bad("give upstream_files or upstream_files_of, not both")
	}
	if err := validate(g.Overrides); err != nil {
		return nil, bad("%v", err)
	}
	g.requires, err = requires(filepath.Join(filepath.Dir(path), "go.mod"))
	if err != nil {
		return nil, bad("%v", err)
	}
	if !g.requires[g.Module] {
		return nil, bad("the go.mod beside it does not require its module %s", g.Module)
	}
	for _, o := range g.Overrides {
		if !g.requires[o.Path] {
			return nil, bad("override of %s, which its go.mod does not require", o.Path)
		}
	}
	return &g, nil
}

// validate checks a list of overrides: each changes something, names its patches by label, and
// no module has two.
func validate(overrides []Override) error {
	seen := map[string]bool{}
	for _, o := range overrides {
		if err := o.validate(); err != nil {
			return err
		}
		if seen[o.Path] {
			return fmt.Errorf("module %s has two overrides", o.Path)
		}
		seen[o.Path] = true
	}
	return nil
}

func (o Override) validate() error {
	if o.Path == "" {
		return fmt.Errorf("an override without a path")
	}
	if len(o.Directives) == 0 && o.BuildFileGeneration == "" && len(o.Patches) == 0 {
		return fmt.Errorf("override of %s changes nothing", o.Path)
	}
	for _, p := range o.Patches {
		if !strings.HasPrefix(p, "//") || !strings.Contains(p, ":") {
			return fmt.Errorf("override of %s: patch %q is not a label (//package:file)", o.Path, p)
		}
	}
	return nil
}

// requires returns the module paths a go.mod requires (its require lines and blocks).
func requires(gomod string) (map[string]bool, error) {
	f, err := os.Open(gomod)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	req := map[string]bool{}
	inBlock := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "//")
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0:
		case inBlock && fields[0] == ")":
			inBlock = false
		case inBlock:
			req[fields[0]] = true
		case fields[0] == "require" && len(fields) == 2 && fields[1] == "(":
			inBlock = true
		case fields[0] == "require" && len(fields) >= 3:
			req[fields[1]] = true
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(req) == 0 {
		return nil, fmt.Errorf("%s requires no module", gomod)
	}
	return req, nil
}

// RepoName is the name gazelle's go_deps gives a module's repository (go_repository's naming:
// the host's labels reversed, then the path, with '.', '-' and '/' as '_').
func RepoName(module string) string {
	parts := strings.Split(strings.ToLower(module), "/")
	labels := strings.Split(parts[0], ".")
	for i, j := 0, len(labels)-1; i < j; i, j = i+1, j-1 {
		labels[i], labels[j] = labels[j], labels[i]
	}
	name := strings.Join(append(labels, parts[1:]...), "_")
	return strings.NewReplacer(".", "_", "-", "_").Replace(name)
}

// Gotags are the graph's build tags (its own, or those of the graph its gotags_of names).
func (s *Set) Gotags(g *Graph) ([]string, error) {
	from, err := s.takes(g, "gotags", func(x *Graph) string { return x.GotagsOf })
	if err != nil {
		return nil, err
	}
	return from.Gotags, nil
}

// UpstreamFiles are the files of the tool's module the build uses (the graph's own list, or
// that of the graph its upstream_files_of names).
func (s *Set) UpstreamFiles(g *Graph) ([]Files, error) {
	from, err := s.takes(g, "upstream_files", func(x *Graph) string { return x.UpstreamFilesOf })
	if err != nil {
		return nil, err
	}
	if len(from.UpstreamFiles) == 0 {
		return nil, fmt.Errorf("%s: no upstream_files (the tool's license at least)", g.file)
	}
	return from.UpstreamFiles, nil
}

// takes is the graph whose field g uses: g itself, or the graph its <field>_of names (of(g)),
// which must have the field of its own.
func (s *Set) takes(g *Graph, field string, of func(*Graph) string) (*Graph, error) {
	name := of(g)
	if name == "" {
		return g, nil
	}
	other, ok := s.byName[name]
	if !ok || of(other) != "" {
		return nil, fmt.Errorf("%s: %s_of %q: no graph of that name with %s of its own", g.file, field, name, field)
	}
	return other, nil
}

// Overrides are the graph's own overrides, its module's first: after its own directives, the
// tool's command package gets the visibility of the package that embeds it in a go_binary. Then,
// per module path, those of third_party/go_modules.json for the modules the graph requires (merged
// into the graph's own override of that module when it has one: its directives and patches first).
func (s *Set) Overrides(g *Graph) []Override {
	visibility := Directives{
		Why:   fmt.Sprintf("the tool's command package is embedded by a go_binary of //%s", g.pkg),
		Lines: []string{fmt.Sprintf("gazelle:go_visibility @@//%s:__pkg__", g.pkg)},
	}
	out := []Override{{Path: g.Module}}
	for _, o := range g.Overrides {
		if o.Path == g.Module {
			out[0] = o
			continue
		}
		out = append(out, o)
	}
	out[0].Directives = append(append([]Directives(nil), out[0].Directives...), visibility)
	for _, d := range s.Modules.Overrides {
		if !g.requires[d.Path] {
			continue
		}
		merged := false
		for i := range out {
			if out[i].Path == d.Path {
				out[i].Why = strings.TrimSpace(out[i].Why + " " + d.Why)
				out[i].Directives = append(out[i].Directives, d.Directives...)
				out[i].Patches = append(out[i].Patches, d.Patches...)
				if d.BuildFileGeneration != "" {
					out[i].BuildFileGeneration = d.BuildFileGeneration
				}
				merged = true
			}
		}
		if !merged {
			out = append(out, d)
		}
	}
	return out
}

// File is the graph's go_graph.json, relative to the workspace.
func (g *Graph) File() string { return g.file }

// ModuleRepo is the apparent name of the repository of the tool's module (its use_repo name).
func (g *Graph) ModuleRepo() string { return g.Name + "_module" }

// Pkg is the Bazel package of the graph (its go_graph.json's directory).
func (g *Graph) Pkg() string { return g.pkg }

// Set is every graph of a workspace with the shared third_party/go_modules.json.
type Set struct {
	Modules *Modules
	Graphs  []*Graph // by the path of their go_graph.json
	byName  map[string]*Graph
}

// Graph is the graph of that name, or nil.
func (s *Set) Graph(name string) *Graph { return s.byName[name] }

// Load reads third_party/go_modules.json and every go_graph.json under root's third_party/ (a
// tool's, third_party/<tool>/, or one of its release lines', third_party/<tool>/<line>/).
func Load(root string) (*Set, error) {
	var paths []string
	for _, pattern := range []string{"third_party/*/go_graph.json", "third_party/*/*/go_graph.json"} {
		m, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			return nil, err
		}
		paths = append(paths, m...)
	}
	sort.Strings(paths)
	modules, err := readModules(filepath.Join(root, "third_party", "go_modules.json"))
	if err != nil {
		return nil, err
	}
	s := &Set{Modules: modules, byName: map[string]*Graph{}}
	for _, p := range paths {
		g, err := readGraph(root, p)
		if err != nil {
			return nil, err
		}
		if other, ok := s.byName[g.Name]; ok {
			return nil, fmt.Errorf("%s: graph name %q is taken by %s", g.file, g.Name, other.file)
		}
		s.byName[g.Name] = g
		s.Graphs = append(s.Graphs, g)
	}
	return s, nil
}
