package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/pins"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/check"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/config"
)

func runCheck(ctx context.Context, args []string, env Env) error {
	fs := newFlags(env, "check", "[flags]", `
Tools: for each tracked release line of each tool (or only --tool), find the
latest stable upstream release (drafts, pre-releases and tags that are not
versions are skipped; the latter with a warning) and our latest published
release {tool}-v{version} in that line; it needs building when upstream's is
newer.

Parts, with --pins FILE (third_party/pins.json): for each part pinned there
(or only --part), find the newest stable upstream release where the pin's
"upstream" says (kind github-release: the GitHub releases of the repository
its URL names, drafts, pre-releases and tags not spelled like the pinned one
skipped, and with "line" (e.g. "1.x") other lines' releases; go, zig, gnome, rust-dist: those projects' release indexes); it needs
a pin bump (release bump-pin) when upstream's is newer than the pin. Pins no
one follows are printed as "not tracked" with the reason. --tool without
--part checks only tools, --part without --tool only parts.

Prints one line per release line and per part, or with --json an object
{"tools": [...], "parts": [...]}. Finding something to build or bump is not an
error: the exit status is 0 either way; a part whose look-up failed is printed
and makes the exit status 1, after the other parts are checked and the
outputs written.`)
	tool := fs.String("tool", "", "check only this tool")
	part := fs.String("part", "", "check only this part of --pins")
	pinsPath := fs.String("pins", "", "also check the parts pinned in this file, usually third_party/pins.json")
	asJSON := fs.Bool("json", false, `print the results as JSON, {"tools": [...], "parts": [...]}`)
	ghOutput := fs.String("github-output", "", "append matrix=<json> (a GitHub Actions build matrix of {tool, version, line, bundles}) and count=<n>, and with --pins pin_matrix=<json> (of {part, version}) and pin_count=<n>, to this file, usually $GITHUB_OUTPUT")
	var mirrors listFlag
	fs.Var(&mirrors, "mirror", "FROM=TO: fetch URLs starting with FROM from TO instead, e.g. a local mirror (repeatable)")
	api := addAPIFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments: %v", fs.Args())
	}
	if *part != "" && *pinsPath == "" {
		return usagef("--part needs --pins")
	}
	cfg, err := api.loadConfig(env)
	if err != nil {
		return err
	}
	var tools []*config.Tool
	if *part == "" || *tool != "" {
		if tools, err = selectTools(cfg, *tool); err != nil {
			return err
		}
	}
	var parts []*pins.Part
	if *pinsPath != "" && (*tool == "" || *part != "") {
		if parts, err = selectParts(*pinsPath, *part); err != nil {
			return err
		}
	}
	client, err := api.client(env, env.getenv("GITHUB_TOKEN"))
	if err != nil {
		return err
	}
	warn := func(f string, a ...any) { env.logf("warning: "+f, a...) }
	var results []check.Result
	if len(tools) > 0 {
		if results, err = check.Run(ctx, client, cfg, tools, warn); err != nil {
			return err
		}
	}
	var partResults []check.PartResult
	if len(parts) > 0 {
		src, err := (&sourceFlags{mirrors: mirrors, goproxy: "off"}).sources(ctx, env, client)
		if err != nil {
			return err
		}
		partResults = check.Parts(ctx, src, parts, warn)
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		out := struct {
			Tools []check.Result     `json:"tools"`
			Parts []check.PartResult `json:"parts"`
		}{append([]check.Result{}, results...), append([]check.PartResult{}, partResults...)}
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			fmt.Fprintln(env.Stdout, check.Describe(r))
		}
		for _, r := range partResults {
			fmt.Fprintln(env.Stdout, check.DescribePart(r))
		}
	}
	if *ghOutput != "" {
		matrix, n := check.Matrix(results)
		lines := []string{"matrix=" + matrix, fmt.Sprintf("count=%d", n)}
		if *pinsPath != "" {
			pm, pn := check.PartMatrix(partResults)
			lines = append(lines, "pin_matrix="+pm, fmt.Sprintf("pin_count=%d", pn))
		}
		if err := appendGitHubOutput(*ghOutput, lines...); err != nil {
			return err
		}
	}
	if n := check.PartsFailed(partResults); n > 0 {
		return fmt.Errorf("%d of %d parts could not be checked (see above)", n, len(partResults))
	}
	return nil
}

// selectParts reads the pins file's parts, or only the one named (a usage error if unknown).
func selectParts(path, name string) ([]*pins.Part, error) {
	f, err := pins.Load(path)
	if err != nil {
		return nil, usagef("--pins: %v", err)
	}
	if name != "" {
		p, err := f.Part(name)
		if err != nil {
			return nil, usageError{err}
		}
		return []*pins.Part{p}, nil
	}
	parts, err := f.Parts()
	if err != nil {
		return nil, usagef("--pins: %s: %v", path, err)
	}
	return parts, nil
}

// appendGitHubOutput appends KEY=VALUE lines to a GitHub Actions output file.
func appendGitHubOutput(path string, lines ...string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	for _, l := range lines {
		if _, err = fmt.Fprintln(f, l); err != nil {
			break
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
