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
Moves TOOL's pin in third_party/TOOL/ to VERSION (default: upstream's newest
stable release in the tool's tracked lines, asked of GitHub): go.mod and go.sum
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
	dir := filepath.Join(root, "third_party", tool.Name)
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		return usagef("%s has no go.mod: is --repo the repository's top directory?", dir)
	}
	maxGo, err := pinnedGoSDK(root)
	if err != nil {
		return err
	}
	target := ""
	if fs.NArg() == 2 {
		v, err := version.Parse(fs.Arg(1))
		if err != nil {
			return usageError{err}
		}
		target = v.String()
	} else {
		if target, err = upstreamNewest(ctx, api, env, cfg, tool); err != nil {
			return err
		}
		env.logf("bump: upstream's newest %s is %s", tool.Name, target)
	}
	res, err := bump.Run(ctx, bump.Options{Dir: dir, Version: target, Go: *goCmd, MaxGo: maxGo, Raise: raises, Logf: env.logf})
	if err != nil {
		return err
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
		fmt.Fprintf(env.Stdout, "  rewrote %s\n", filepath.Join("third_party", tool.Name, f))
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

// upstreamNewest is the newest stable upstream release in any of the tool's tracked lines.
func upstreamNewest(ctx context.Context, api *apiFlags, env Env, cfg *config.Config, tool *config.Tool) (string, error) {
	client, err := api.client(env, env.getenv("GITHUB_TOKEN"))
	if err != nil {
		return "", err
	}
	results, err := check.Run(ctx, client, cfg, []*config.Tool{tool}, func(f string, a ...any) { env.logf("warning: "+f, a...) })
	if err != nil {
		return "", err
	}
	var best *version.Version
	for _, r := range results {
		if r.Upstream == "" {
			continue
		}
		v, err := version.Parse(r.Upstream)
		if err != nil {
			return "", err
		}
		if best == nil || v.Compare(*best) > 0 {
			best = &v
		}
	}
	if best == nil {
		return "", fmt.Errorf("%s: no stable upstream release in the tracked lines %v", tool.Name, tool.Lines)
	}
	return best.String(), nil
}
