package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/check"
)

func runCheck(ctx context.Context, args []string, env Env) error {
	fs := newFlags(env, "check", "[flags]", `
For each tracked release line of each tool (or only --tool), find the latest
stable upstream release (drafts, pre-releases and tags that are not versions
are skipped; the latter with a warning) and our latest published release
{tool}-v{version} in that line; it needs building when upstream's is newer.
Prints one line per release line, or JSON with --json. Finding something to
build is not an error: the exit status is 0 either way.`)
	tool := fs.String("tool", "", "check only this tool")
	asJSON := fs.Bool("json", false, "print the results as a JSON array")
	ghOutput := fs.String("github-output", "", "append matrix=<json> (a GitHub Actions build matrix of {tool, version}) and count=<n> to this file, usually $GITHUB_OUTPUT")
	api := addAPIFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments: %v", fs.Args())
	}
	cfg, err := api.loadConfig(env)
	if err != nil {
		return err
	}
	tools, err := selectTools(cfg, *tool)
	if err != nil {
		return err
	}
	client, err := api.client(env, env.getenv("GITHUB_TOKEN"))
	if err != nil {
		return err
	}
	results, err := check.Run(ctx, client, cfg, tools, func(f string, a ...any) { env.logf("warning: "+f, a...) })
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			fmt.Fprintln(env.Stdout, check.Describe(r))
		}
	}
	if *ghOutput != "" {
		matrix, n := check.Matrix(results)
		return appendGitHubOutput(*ghOutput, matrix, n)
	}
	return nil
}

// appendGitHubOutput appends matrix=<json> and count=<n> to a GitHub Actions output file.
func appendGitHubOutput(path, matrix string, n int) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "matrix=%s\ncount=%d\n", matrix, n)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
