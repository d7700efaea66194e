package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/check"
)

// pinnedVersion reads the version of the one module a tool's go.mod requires on a single-line
// `require` (the tool's module; the other requirements are in a block, marked indirect).
func pinnedVersion(gomod []byte) (string, error) {
	var found []string
	for _, line := range strings.Split(string(gomod), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[0] == "require" {
			found = append(found, strings.TrimPrefix(f[2], "v"))
		}
	}
	if len(found) != 1 {
		return "", fmt.Errorf("want exactly one single-line require (the tool's module), found %d", len(found))
	}
	return found[0], nil
}

func runPins(ctx context.Context, args []string, env Env) error {
	fs := newFlags(env, "pins", "[flags]", `
Prints each tool's pinned version (third_party/TOOL/go.mod), one "TOOL VERSION"
line per tool. With --changed-since REV, only the tools whose pinned version
differs from the one at git revision REV: the releases a commit asks for. With
--github-output, appends matrix=<json> (a GitHub Actions matrix of {tool,
version}) and count=<n> to that file.`)
	repo := fs.String("repo", "", "the repository's top directory (default: the git work tree containing the current directory)")
	since := fs.String("changed-since", "", "only tools whose pin differs from the one at this git revision")
	tool := fs.String("tool", "", "only this tool")
	ghOutput := fs.String("github-output", "", "append matrix=<json> and count=<n> to this file, usually $GITHUB_OUTPUT")
	configPath := fs.String("config", "", "config file (default: the built-in tools/release/config.json)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments: %v", fs.Args())
	}
	cfg, err := (&apiFlags{config: *configPath}).loadConfig(env)
	if err != nil {
		return err
	}
	tools, err := selectTools(cfg, *tool)
	if err != nil {
		return err
	}
	root, err := repoRoot(ctx, *repo)
	if err != nil {
		return err
	}
	if *since != "" {
		cmd := exec.CommandContext(ctx, "git", "rev-parse", "--verify", "--quiet", *since+"^{commit}")
		cmd.Dir = root
		if err := cmd.Run(); err != nil {
			return usagef("--changed-since %s: not a commit of %s", *since, root)
		}
	}
	var matrix []check.MatrixEntry
	for _, t := range tools {
		rel := filepath.Join("third_party", t.Name, "go.mod")
		data, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
		v, err := pinnedVersion(data)
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		if *since != "" {
			cmd := exec.CommandContext(ctx, "git", "show", *since+":"+rel)
			cmd.Dir = root
			old, err := cmd.Output()
			if err == nil {
				if oldV, err := pinnedVersion(old); err == nil && oldV == v {
					continue // the pin did not move
				}
			} // a tool new since REV counts as changed
		}
		matrix = append(matrix, check.MatrixEntry{Tool: t.Name, Version: v})
		fmt.Fprintf(env.Stdout, "%s %s\n", t.Name, v)
	}
	if *ghOutput != "" {
		js, n := check.FormatMatrix(matrix)
		return appendGitHubOutput(*ghOutput, "matrix="+js, fmt.Sprintf("count=%d", n))
	}
	return nil
}
