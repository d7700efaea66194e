package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/atomicfile"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/gograph"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/vulndbpin"
)

// SourceResults is what --scan-source writes and --source reads: govulncheck's source-mode
// findings per main package of the shipped programs (advisory -> "symbol": a call from the
// program's code reaches a vulnerable function; "package" or "module": only imported or
// required), with how they were scanned.
type SourceResults struct {
	GoVersion string                               `json:"go_version"`
	Database  string                               `json:"database"`
	Scans     []SourceScan                         `json:"scans"`
	Packages  map[string]map[string]*SourceFinding `json:"packages"`
}

// SourceFinding is one advisory in one main package's source-mode scan.
type SourceFinding struct {
	Level   string   `json:"level"`
	Module  string   `json:"module"`
	Version string   `json:"version"`
	Aliases []string `json:"aliases,omitempty"`
}

// SourceScan is one govulncheck source-mode run: a graph's main packages, with its tags (the
// programs' without the cgo-only ones, which Dropped lists with why).
type SourceScan struct {
	Graph    string            `json:"graph"`
	Packages []string          `json:"packages"`
	Tags     []string          `json:"tags"`
	Dropped  map[string]string `json:"dropped_tags,omitempty"`
}

// sourceLevel reads a level SourceResults spells.
func sourceLevel(s string) (Level, bool) {
	for l := Module; l <= Symbol; l++ {
		if l.String() == s {
			return l, true
		}
	}
	return 0, false
}

// cgoOnlyTags are build tags that select code needing cgo, which a source scan without a C
// toolchain (CGO_ENABLED=0) cannot type-check: left out of the scan's tags, the code they select
// is left out of its call graph (the results say which were dropped).
var cgoOnlyTags = map[string]string{
	"seccomp": "libseccomp's Go binding (github.com/seccomp/libseccomp-golang) is cgo only",
}

// scanSource runs govulncheck in source mode over the graph of every Go program of the archives
// given, in the workspace ws: for each graph (third_party/**/go_graph.json) whose module is a
// program's main module, the graph's go.mod and go.sum with the modules Bazel patches replaced by
// patched copies (gograph's PatchedModfile: what Bazel compiles), the build tags in the program's
// build information, the Go release it was built with (GOTOOLCHAIN), CGO_ENABLED=0 (no C
// toolchain: files that need cgo are left out of the call graph). The database is the pinned one
// (vulndbpin.File's version of golang.org/x/vulndb, from the Go module proxy), govulncheck the pinned one (third_party/govulncheck/go.mod).
func scanSource(ws, out string, targets []string, govulncheckCmd, dbDir string, stderr io.Writer) error {
	scratch, err := os.MkdirTemp("", "vulncheck-source-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	if targets, err = releaseArchives(targets); err != nil {
		return err
	}
	programs, err := collect(targets, scratch)
	if err != nil {
		return err
	}
	graphs, err := gograph.Load(ws)
	if err != nil {
		return err
	}
	res := &SourceResults{Packages: map[string]map[string]*SourceFinding{}}
	type key struct{ graph, tags, goVersion string }
	groups := map[key][]string{}
	var order []key
	for _, p := range programs {
		var g *gograph.Graph
		for _, c := range graphs.Graphs {
			if c.Module == p.MainModule {
				g = c
			}
		}
		if g == nil {
			fmt.Fprintf(stderr, "vulncheck: %s (%s): no graph of the workspace has its module %s: not scanned in source mode\n", p.Names[0], p.Package, p.MainModule)
			continue
		}
		var tags []string
		for _, t := range p.Tags {
			if _, cgo := cgoOnlyTags[t]; !cgo {
				tags = append(tags, t)
			}
		}
		k := key{g.Name, strings.Join(tags, ","), p.GoVersion}
		if groups[k] == nil {
			order = append(order, k)
		}
		if !slices.Contains(groups[k], p.Package) {
			groups[k] = append(groups[k], p.Package)
		}
	}
	if len(order) == 0 {
		return fmt.Errorf("no Go program of %s is built from a graph of the workspace", strings.Join(targets, " "))
	}
	env := append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
	goEnv := func(goVersion string) []string { return append(append([]string{}, env...), "GOTOOLCHAIN="+goVersion) }
	govulncheck := govulncheckCmd
	if govulncheck == "" {
		govulncheck = filepath.Join(scratch, "govulncheck")
		fmt.Fprintln(stderr, "vulncheck: building the pinned govulncheck (third_party/govulncheck)")
		if err := runIn(ws, goEnv(order[0].goVersion), "go", "build", "-C", "third_party/govulncheck", "-o", govulncheck, "golang.org/x/vuln/cmd/govulncheck"); err != nil {
			return err
		}
	}
	db, err := filepath.Abs(dbDir)
	if err != nil {
		return err
	}
	res.Database = db
	if dbDir == "" {
		if db, res.Database, err = pinnedDatabase(ws, goEnv(order[0].goVersion), stderr); err != nil {
			return err
		}
	}
	for i, k := range order {
		g := graphs.Graph(k.graph)
		pkgs := groups[k]
		sort.Strings(pkgs)
		res.GoVersion = k.goVersion
		fmt.Fprintf(stderr, "vulncheck: [%d/%d] source mode: %s (%s, tags %s)\n", i+1, len(order), strings.Join(pkgs, " "), k.goVersion, k.tags)
		work := filepath.Join(scratch, fmt.Sprintf("graph-%d", i))
		modfile, err := graphs.PatchedModfile(ws, g, work, "go", goEnv(k.goVersion))
		if err != nil {
			return err
		}
		args := []string{"-mode=source", "-format=json", "-db", "file://" + db}
		if k.tags != "" {
			args = append(args, "-tags", k.tags)
		}
		// one run per main package: govulncheck gives one example trace per vulnerable symbol,
		// which names one entry point only when several packages are scanned together
		for _, pkg := range pkgs {
			cmd := exec.Command(govulncheck, append(args, pkg)...)
			cmd.Dir = filepath.Join(ws, filepath.FromSlash(g.Pkg()))
			cmd.Env = append(goEnv(k.goVersion), "GOFLAGS=-mod=mod -modfile="+modfile)
			var stdout, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &errb
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("govulncheck -mode=source %s: %v\n%s", pkg, err, lastLines(errb.String(), 30))
			}
			found, err := sourceFindings(stdout.Bytes(), []string{pkg})
			if err != nil {
				return err
			}
			res.Packages[pkg] = found[pkg]
		}
		scan := SourceScan{Graph: g.File(), Packages: pkgs, Tags: strings.Split(k.tags, ",")}
		for _, p := range programs {
			for _, t := range p.Tags {
				if why, cgo := cgoOnlyTags[t]; cgo && slices.Contains(pkgs, p.Package) {
					if scan.Dropped == nil {
						scan.Dropped = map[string]string{}
					}
					scan.Dropped[t] = why
				}
			}
		}
		res.Scans = append(res.Scans, scan)
	}
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(out, append(data, '\n'), 0o644)
}

// pinnedDatabase fetches the pinned Go vulnerability database (the version
// third_party/govulncheck/govulncheck.MODULE.bazel names) through the Go module proxy and returns
// its directory of OSV reports and its module version.
func pinnedDatabase(ws string, env []string, stderr io.Writer) (dir, version string, err error) {
	pin, err := vulndbpin.Read(ws)
	if err != nil {
		return "", "", err
	}
	version = vulndbpin.Module + "@" + pin.Version
	fmt.Fprintln(stderr, "vulncheck: fetching the pinned database", version)
	var dl bytes.Buffer
	cmd := exec.Command("go", "mod", "download", "-json", version)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = filepath.Join(ws, "third_party/govulncheck"), env, &dl, stderr
	if err := cmd.Run(); err != nil {
		return "", "", fmt.Errorf("go mod download %s: %v", version, err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(dl.Bytes(), &mod); err != nil || mod.Dir == "" {
		return "", "", fmt.Errorf("go mod download %s: no directory (%v)", version, err)
	}
	return filepath.Join(mod.Dir, "data", "osv"), version, nil
}

// releaseArchives replaces each directory among targets by the archives of the release
// directories in it: every bundles.json below it (//release:all writes one per release line's
// package, {tool: [archive file names]}) names archives beside it.
func releaseArchives(targets []string) ([]string, error) {
	var out []string
	for _, t := range targets {
		if fi, err := os.Stat(t); err != nil || !fi.IsDir() {
			out = append(out, t)
			continue
		}
		n := len(out)
		err := filepath.WalkDir(t, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.Name() != "bundles.json" {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			var bundles map[string][]string
			if err := json.Unmarshal(data, &bundles); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			for _, archives := range bundles {
				for _, a := range archives {
					if strings.HasSuffix(a, ".tar.zst") {
						out = append(out, filepath.Join(filepath.Dir(path), a))
					}
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(out) == n {
			return nil, fmt.Errorf("%s: no bundles.json below it names an archive", t)
		}
	}
	sort.Strings(out)
	return out, nil
}

// sourceFindings folds govulncheck's source-mode JSON per main package: a symbol-level finding
// belongs to the package its trace starts from (the last frame: a function of that program's
// code), a package- or module-level one to every package scanned.
func sourceFindings(out []byte, pkgs []string) (map[string]map[string]*SourceFinding, error) {
	res := map[string]map[string]*SourceFinding{}
	for _, p := range pkgs {
		res[p] = map[string]*SourceFinding{}
	}
	aliases := map[string][]string{}
	raise := func(pkg, id, module, version string, l Level) {
		f := res[pkg][id]
		if f == nil {
			f = &SourceFinding{Level: l.String(), Module: module, Version: version}
			res[pkg][id] = f
		}
		if old, _ := sourceLevel(f.Level); l > old {
			f.Level = l.String()
		}
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var m message
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("reading govulncheck's source-mode output: %w", err)
		}
		if m.OSV != nil {
			aliases[m.OSV.ID] = m.OSV.Aliases
		}
		if m.Finding == nil || len(m.Finding.Trace) == 0 {
			continue
		}
		t := m.Finding.Trace[0]
		switch {
		case t.Function != "":
			entry := m.Finding.Trace[len(m.Finding.Trace)-1].Package
			if _, ok := res[entry]; !ok {
				return nil, fmt.Errorf("govulncheck's trace of %s starts in %s, not in a package scanned (%s)", m.Finding.OSV, entry, strings.Join(pkgs, " "))
			}
			raise(entry, m.Finding.OSV, t.Module, t.Version, Symbol)
		case t.Package != "":
			for _, p := range pkgs {
				raise(p, m.Finding.OSV, t.Module, t.Version, Package)
			}
		default:
			for _, p := range pkgs {
				raise(p, m.Finding.OSV, t.Module, t.Version, Module)
			}
		}
	}
	for _, byID := range res {
		for id, f := range byID {
			f.Aliases = aliases[id]
		}
	}
	return res, nil
}

// readSource reads --source's file and gives each program scanned its results.
func readSource(file string, programs []*Program) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var res SourceResults
	if err := json.Unmarshal(data, &res); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	for _, p := range programs {
		byID, ok := res.Packages[p.Package]
		if !ok {
			continue
		}
		p.Source = map[string]*SourceFinding{}
		for id, f := range byID {
			if _, ok := sourceLevel(f.Level); !ok {
				return fmt.Errorf("%s: %s: %s: level %q", file, p.Package, id, f.Level)
			}
			p.Source[id] = f
		}
	}
	return nil
}

func runIn(dir string, env []string, argv ...string) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = dir, env
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v\n%s", strings.Join(argv, " "), err, lastLines(string(out), 30))
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
