package cli

import (
	"context"
	"regexp"
	"strings"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/publish"
)

func runPublish(ctx context.Context, args []string, env Env) error {
	fs := newFlags(env, "publish", "--tool T --version V --commit SHA (--key cosign.pub | --keyless | --certificate-identity-regexp RE --certificate-oidc-issuer URL) [--bundles FILE] [--dry-run] DIR", `
Publish the tool's archives in DIR as the GitHub release {tool}-v{version}
titled "{Title} {version}" in the repository named in the config, its tag at
commit SHA. DIR is the directory of the release line's bundles that
'bazel build //release:all' writes (bazel-bin/ + the line's "bundles" in
tools/release/config.json: bazel-bin/release/, bazel-bin/release/podman5/),
or a copy of it; its bundles.json says which archives are the tool's. V must
be in one of the tool's tracked lines; only a release of the tool's newest
line becomes the repository's latest release (make_latest), an older line's
never does. The assets are those archives, checksums.txt and their
signatures; nothing else in DIR (other tools' archives, bundles.json).

First DIR is checked, and nothing is published, nor asked of GitHub, unless:
every archive bundles.json lists for the tool is there as a regular file (not
a symlink or a directory), checksums.txt lists exactly those with their
digests, each of them and checksums.txt has a signature that verifies, and
every archive holds the one top directory {tool}-v{version}/ with a program
in its bin/, so the version released is the pin the archives were built
from. Then the release is found (published, or a draft left by an earlier
attempt; either must target SHA) or created as a draft targeting SHA; every
file and its signature material is uploaded unless an asset with the same
content is there; the draft is then published. Safe to re-run after any
failure: only what is missing is uploaded. An existing asset with other
content (compared by SHA-256) is an error and is never replaced; the remains
of an interrupted upload are removed and uploaded again. Two releases with
the tag are an error.

Needs $GITHUB_TOKEN (contents: write), except with --dry-run, which only
reads and prints what it would do. Uploads print progress on stderr.`)
	tool := fs.String("tool", "", "tool to publish (required)")
	ver := fs.String("version", "", "the version released, MAJOR.MINOR.PATCH: the pin the archives were built from (required)")
	commit := fs.String("commit", "", "the commit the archives were built from, a full 40-hex-digit SHA; the release's tag is made there (required; default $GITHUB_SHA, which GitHub Actions sets)")
	dryRun := fs.Bool("dry-run", false, "check and print what would be done; change nothing")
	manifest := fs.String("bundles", "", bundlesHelp)
	vf := addVerifyFlags(fs)
	api := addAPIFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("want exactly one release directory after the flags, got %d arguments", fs.NArg())
	}
	cfg, err := api.loadConfig(env)
	if err != nil {
		return err
	}
	if *tool == "" {
		return usagef("--tool is required (one of %v)", cfg.Names())
	}
	t, err := cfg.Tool(*tool)
	if err != nil {
		return usageError{err}
	}
	if *ver == "" {
		return usagef("--version is required")
	}
	v, err := parseVersion(*ver)
	if err != nil {
		return err
	}
	sha, from := *commit, "--commit"
	if sha == "" {
		sha, from = env.getenv("GITHUB_SHA"), "$GITHUB_SHA"
	}
	if sha == "" {
		return usagef("--commit is required: the SHA of the commit the archives were built from, where the tag is made")
	}
	if !fullSHA.MatchString(sha) {
		return usagef("malformed %s %q: want a full commit SHA, 40 hex digits", from, sha)
	}
	token := env.getenv("GITHUB_TOKEN")
	if token == "" && !*dryRun {
		return usagef("GITHUB_TOKEN is not set; publishing needs a token with contents: write")
	}
	verifier, err := vf.verifier(cfg.Repository)
	if err != nil {
		return err
	}
	client, err := api.client(env, token)
	if err != nil {
		return err
	}
	return publish.Run(ctx, publish.Options{
		Client: client, Repo: cfg.Repository, Tool: t, Version: v, Commit: strings.ToLower(sha),
		Dir: fs.Arg(0), Bundles: *manifest, Verifier: verifier, DryRun: *dryRun, Log: env.logf,
	})
}

var fullSHA = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)
