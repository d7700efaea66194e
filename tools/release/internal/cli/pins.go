package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/check"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/version"
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
Prints the pinned version of each release line of each tool (the go.mod in the
line's pin directory, tools/release/config.json: third_party/TOOL/ unless the
line names another), one "TOOL VERSION" line per line. With --changed-since
REV, only the lines whose pinned version differs from the one at git revision
REV, or that had no go.mod there: the releases a commit asks for; a go.mod at
REV that git cannot read or that names no version is an error, not a change.
With --github-output, appends matrix=<json> (a GitHub Actions matrix of {tool,
version, line, bundles}: bundles is the Bazel package whose bundles.json lists
the line's archives) and count=<n> to that file.`)
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
		if _, err := git(ctx, root, "rev-parse", "--git-dir"); err != nil {
			return fmt.Errorf("--changed-since %s: %s is not a git work tree: %w", *since, root, err)
		}
		if _, err := git(ctx, root, "rev-parse", "--verify", "--quiet", *since+"^{commit}"); err != nil {
			return usagef("--changed-since %s: not a commit of %s", *since, root)
		}
	}
	var matrix []check.MatrixEntry
	for _, t := range tools {
		for _, line := range t.Lines {
			rel := filepath.Join(filepath.FromSlash(line.Pin), "go.mod")
			data, err := os.ReadFile(filepath.Join(root, rel))
			if err != nil {
				return fmt.Errorf("%s %s: %w", t.Name, line, err)
			}
			v, err := pinnedVersion(data)
			if err != nil {
				return fmt.Errorf("%s: %w", rel, err)
			}
			if parsed, err := version.Parse(v); err != nil || !line.Version().Contains(parsed) {
				return fmt.Errorf("%s pins %s %s, which is not in its release line %s", rel, t.Name, v, line)
			}
			if *since != "" {
				old, existed, err := fileAt(ctx, root, *since, rel)
				if err != nil {
					return err
				}
				// a tool new since REV counts as moved; a go.mod there that names no version
				// cannot say whether the pin moved, so it is an error, not a reason to publish
				if existed {
					oldV, err := pinnedVersion(old)
					if err != nil {
						return fmt.Errorf("%s at %s: %w", rel, *since, err)
					}
					if oldV == v {
						continue // the pin did not move
					}
				}
			}
			matrix = append(matrix, check.MatrixEntry{Tool: t.Name, Version: v, Line: line.Line, Bundles: line.Bundles})
			fmt.Fprintf(env.Stdout, "%s %s\n", t.Name, v)
		}
	}
	if *ghOutput != "" {
		js, n := check.FormatMatrix(matrix)
		return appendGitHubOutput(*ghOutput, "matrix="+js, fmt.Sprintf("count=%d", n))
	}
	return nil
}

// fileAt reads the file rel (relative to the work tree root) at git revision rev: existed is
// false only when rev has no such path. Any other failure (rev unknown, an object missing,
// not a repository, rel not a file) is an error, naming what git said.
func fileAt(ctx context.Context, root, rev, rel string) (data []byte, existed bool, err error) {
	path := filepath.ToSlash(rel)
	entry, err := git(ctx, root, "ls-tree", "--full-tree", "-z", rev, "--", path)
	if err != nil {
		return nil, false, fmt.Errorf("%s at %s: %w", path, rev, err)
	}
	if len(entry) == 0 {
		return nil, false, nil
	}
	// "<mode> <type> <object>\t<path>\x00"
	meta, name, _ := strings.Cut(strings.TrimSuffix(string(entry), "\x00"), "\t")
	f := strings.Fields(meta)
	if name != path || len(f) != 3 {
		return nil, false, fmt.Errorf("%s at %s: unexpected git ls-tree output %q", path, rev, entry)
	}
	if f[1] != "blob" {
		return nil, false, fmt.Errorf("%s at %s is a %s, not a file", path, rev, f[1])
	}
	data, err = git(ctx, root, "cat-file", "blob", f[2])
	if err != nil {
		return nil, false, fmt.Errorf("%s at %s: %w", path, rev, err)
	}
	return data, true, nil
}

// git runs git in dir and returns its standard output; its error carries git's message.
func git(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("git %s: %s", strings.Join(args, " "), msg)
	}
	return out, nil
}
