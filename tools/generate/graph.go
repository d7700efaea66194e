package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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

// repoName is the name gazelle's go_deps gives a module's repository (go_repository's naming:
// the host's labels reversed, then the path, with '.', '-' and '/' as '_').
func repoName(module string) string {
	parts := strings.Split(strings.ToLower(module), "/")
	labels := strings.Split(parts[0], ".")
	for i, j := 0, len(labels)-1; i < j; i, j = i+1, j-1 {
		labels[i], labels[j] = labels[j], labels[i]
	}
	name := strings.Join(append(labels, parts[1:]...), "_")
	return strings.NewReplacer(".", "_", "-", "_").Replace(name)
}
