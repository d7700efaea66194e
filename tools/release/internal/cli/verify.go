package cli

import (
	"context"
	"fmt"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/config"
)

func runVerify(_ context.Context, args []string, env Env) error {
	fs := newFlags(env, "verify", "(--key cosign.pub | --keyless | --certificate-identity-regexp RE --certificate-oidc-issuer URL) (FILE... | --tool T [--bundles FILE] DIR)", `
Verify the cosign signature of each FILE: FILE.sig against a public key, or,
keyless, FILE.sigstore.json against Sigstore's trusted root (certificate
chain, certificate transparency, transparency-log entry) and the expected
identity; --keyless expects our release workflow's identity (the built-in
config's repository). With --tool T, the files are T's archives in the
release directory DIR, as its bundles.json lists them, and DIR/checksums.txt,
which must list exactly those archives with their digests.
Every file is checked; the exit status is 1 if any fails.`)
	vf := addVerifyFlags(fs)
	tool := fs.String("tool", "", "verify this tool's archives and checksums.txt in the one release directory given")
	manifest := fs.String("bundles", "", "with --tool: "+bundlesHelp)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("no files to verify")
	}
	files, err := releaseFiles(fs.Args(), *tool, *manifest)
	if err != nil {
		return err
	}
	cfg, err := config.Parse(env.Config)
	if err != nil {
		return usageError{err}
	}
	v, err := vf.verifier(cfg.Repository)
	if err != nil {
		return err
	}
	failed := 0
	for _, f := range files {
		if err := v.Verify(f); err != nil {
			fmt.Fprintf(env.Stderr, "FAILED %v\n", err)
			failed++
			continue
		}
		fmt.Fprintf(env.Stdout, "verified %s\n", f)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files failed verification", failed, len(files))
	}
	return nil
}
