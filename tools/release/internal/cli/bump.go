package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/bump"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/check"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/config"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/version"
)

func runBump(ctx context.Context, args []string, env Env) error {
	fs := newFlags(env, "bump", "[flags] TOOL [VERSION]", `
Moves the pin of the release line VERSION belongs to (each line of TOOL in
tools/release/config.json has its own pin directory, default third_party/TOOL/)
to VERSION; without VERSION, every tracked line to its own newest stable
upstream release, asked of GitHub (a line never moves to another's version, so
5.x -> 6.x is never a bump; a VERSION in no tracked line is refused): go.mod and go.sum
through the Go module proxy (checksum-verified by the go command), stamp.bzl
(the tag's commit and time from the proxy's data) and go.licenses (the licenses
of the modules go.sum pins, from their license files). Nothing else is touched; a
failure leaves the tree as it was; bumping to the pinned version changes
nothing. A new major version with a new module path is refused (rename it by
hand first). --raise MODULE@vVERSION (repeatable) also raises a dependency of the
tool's graph, e.g. to the release that fixes a vulnerability the gate found
(VERSION may then be the pinned one); a raise that would lower the module or
names one outside the graph is refused. Prints "TOOL FROM -> TO", each raised
module and the files it rewrote.`)
	repo := fs.String("repo", "", "the repository's top directory (default: the git work tree containing the current directory)")
	goCmd := fs.String("go", "go", "the go command")
	var raises listFlag
	fs.Var(&raises, "raise", "MODULE@vVERSION: raise this dependency of the tool too (repeatable)")
	api := addAPIFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() < 1 || fs.NArg() > 2 {
		return usagef("want TOOL [VERSION], got %d arguments", fs.NArg())
	}
	cfg, err := api.loadConfig(env)
	if err != nil {
		return err
	}
	tool, err := cfg.Tool(fs.Arg(0))
	if err != nil {
		return usageError{err}
	}
	root, err := repoRoot(ctx, *repo)
	if err != nil {
		return err
	}
	maxGo, err := pinnedGoSDK(root)
	if err != nil {
		return err
	}
	// the line a given version belongs to, or every line to its own newest upstream release
	var targets []lineTarget
	if fs.NArg() == 2 {
		v, err := version.Parse(fs.Arg(1))
		if err != nil {
			return usageError{err}
		}
		line, err := tool.LineOf(v)
		if err != nil {
			return usageError{err}
		}
		targets = append(targets, lineTarget{line, v.String()})
	} else {
		if targets, err = upstreamNewest(ctx, api, env, cfg, tool); err != nil {
			return err
		}
	}
	for _, t := range targets {
		if err := bumpLine(ctx, env, root, tool, t, *goCmd, maxGo, raises); err != nil {
			return err
		}
	}
	return nil
}

// lineTarget is a version to pin one line of a tool at.
type lineTarget struct {
	line    *config.Line
	version string
}

func bumpLine(ctx context.Context, env Env, root string, tool *config.Tool, t lineTarget, goCmd, maxGo string, raises []string) error {
	dir := filepath.Join(root, filepath.FromSlash(t.line.Pin))
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		return usagef("%s has no go.mod: is --repo the repository's top directory?", dir)
	}
	res, err := bump.Run(ctx, bump.Options{Dir: dir, Version: t.version, Go: goCmd, MaxGo: maxGo, Raise: raises, Logf: env.logf})
	if err != nil {
		return fmt.Errorf("%s %s line: %w", tool.Name, t.line, err)
	}
	if len(res.Changed) == 0 {
		fmt.Fprintf(env.Stdout, "%s %s: already pinned, nothing changed\n", tool.Name, res.To)
		return nil
	}
	fmt.Fprintf(env.Stdout, "%s %s -> %s (%s@v%s, commit %s)\n", tool.Name, res.From, res.To, res.Module, res.To, orNone(res.Commit))
	for _, r := range res.Raised {
		fmt.Fprintf(env.Stdout, "  dependency %s\n", r)
	}
	for _, f := range res.Changed {
		fmt.Fprintf(env.Stdout, "  rewrote %s\n", filepath.Join(filepath.FromSlash(t.line.Pin), f))
	}
	return nil
}

// listFlag is a flag given any number of times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func orNone(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// pinnedGoSDK reads the Go SDK's version from third_party/pins.json.
func pinnedGoSDK(root string) (string, error) {
	data, err := os.ReadFile(filepath.Join(root, "third_party", "pins.json"))
	if err != nil {
		return "", fmt.Errorf("reading the pinned Go SDK: %w", err)
	}
	var pins struct {
		GoSDK struct{ Version string } `json:"go_sdk"`
	}
	if err := json.Unmarshal(data, &pins); err != nil || pins.GoSDK.Version == "" {
		return "", fmt.Errorf("third_party/pins.json: no go_sdk version (%v)", err)
	}
	return pins.GoSDK.Version, nil
}

// upstreamNewest is each tracked line's newest stable upstream release: a line with none is an
// error, as bump without a version promises every line.
func upstreamNewest(ctx context.Context, api *apiFlags, env Env, cfg *config.Config, tool *config.Tool) ([]lineTarget, error) {
	client, err := api.client(env, env.getenv("GITHUB_TOKEN"))
	if err != nil {
		return nil, err
	}
	results, err := check.Run(ctx, client, cfg, []*config.Tool{tool}, func(f string, a ...any) { env.logf("warning: "+f, a...) })
	if err != nil {
		return nil, err
	}
	var targets []lineTarget
	for _, r := range results {
		line, err := tool.LineNamed(r.Line)
		if err != nil {
			return nil, err
		}
		if r.Upstream == "" {
			return nil, fmt.Errorf("%s: no stable upstream release in the tracked line %s", tool.Name, r.Line)
		}
		env.logf("bump: upstream's newest %s in line %s is %s", tool.Name, r.Line, r.Upstream)
		targets = append(targets, lineTarget{line, r.Upstream})
	}
	return targets, nil
}
