package gograph

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// PatchedModfile fetches the graph's modules into the module cache of the go command goBin (run
// with goenv) as Bazel's repository cache has them, applies the patches Bazel applies to them (every
// override of the graph with patches: its own and third_party/go_modules.json's, as
// tools/generate writes them into the graph's MODULE fragment, each with -p1) to copies of those
// modules, and returns the path of a copy of the tool's go.mod (go.sum beside it) that replaces
// each patched module by its copy: go build -modfile FILE then compiles what Bazel compiles. (An
// -overlay cannot do it: go refuses to overlay files of the module cache.) tools/bench builds the
// tools with it; tools/vulncheck scans their source with it.
func (s *Set) PatchedModfile(ws string, g *Graph, work, goBin string, goenv []string) (string, error) {
	tooldir := filepath.Join(ws, filepath.FromSlash(g.Pkg()))
	if err := os.MkdirAll(work, 0o755); err != nil {
		return "", err
	}
	// every module of the graph in the module cache first, as Bazel's repository cache has them:
	// downloads are not what is measured
	download := exec.Command(goBin, "mod", "download")
	download.Dir, download.Env = tooldir, goenv
	if out, err := download.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go mod download in %s: %v\n%s", g.Pkg(), err, lastLines(string(out), 20))
	}
	var replaces strings.Builder
	for _, o := range s.Overrides(g) {
		if len(o.Patches) == 0 {
			continue
		}
		list := exec.Command(goBin, "list", "-m", "-f", "{{.Dir}}", o.Path)
		list.Dir, list.Env, list.Stderr = tooldir, goenv, os.Stderr
		out, err := list.Output()
		if err != nil {
			return "", fmt.Errorf("go list -m %s: %v", o.Path, err)
		}
		moddir := strings.TrimSpace(string(out))
		if moddir == "" {
			return "", fmt.Errorf("module %s is not in the module cache after go mod download in %s", o.Path, g.Pkg())
		}
		copy := filepath.Join(work, "modules", o.Path)
		if err := os.MkdirAll(filepath.Dir(copy), 0o755); err != nil {
			return "", err
		}
		steps := [][]string{{"cp", "-R", moddir, copy}, {"chmod", "-R", "u+w", copy}}
		for _, label := range o.Patches {
			steps = append(steps, []string{"patch", "-s", "-p1", "-d", copy, "-i", filepath.Join(ws, LabelPath(label))})
		}
		for _, step := range steps {
			if out, err := exec.Command(step[0], step[1:]...).CombinedOutput(); err != nil {
				return "", fmt.Errorf("%s: %v\n%s", strings.Join(step, " "), err, out)
			}
		}
		if _, err := os.Stat(filepath.Join(copy, "go.mod")); os.IsNotExist(err) {
			if err := os.WriteFile(filepath.Join(copy, "go.mod"), []byte("module "+o.Path+"\n"), 0o644); err != nil {
				return "", err
			}
		}
		fmt.Fprintf(&replaces, "replace %s => %s\n", o.Path, copy)
	}
	gomod, err := os.ReadFile(filepath.Join(tooldir, "go.mod"))
	if err != nil {
		return "", err
	}
	gosum, err := os.ReadFile(filepath.Join(tooldir, "go.sum"))
	if err != nil {
		return "", err
	}
	modfile := filepath.Join(work, "go.mod")
	if err := os.WriteFile(modfile, []byte(string(gomod)+"\n"+replaces.String()), 0o644); err != nil {
		return "", err
	}
	return modfile, os.WriteFile(filepath.Join(work, "go.sum"), gosum, 0o644)
}

// LabelPath is the workspace path of a label of the main repository (//pkg:file -> pkg/file).
func LabelPath(label string) string {
	pkg, file, _ := strings.Cut(strings.TrimPrefix(label, "//"), ":")
	return filepath.Join(filepath.FromSlash(pkg), file)
}

// lastLines is the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
