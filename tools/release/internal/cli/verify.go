package cli

import (
	"context"
	"fmt"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/config"
)

func runVerify(_ context.Context, args []string, env Env) error {
	fs := newFlags(env, "verify", "(--key cosign.pub | --keyless | --certificate-identity-regexp RE --certificate-oidc-issuer URL) FILE...", `
Verify the cosign signature of each FILE: FILE.sig against a public key, or,
keyless, FILE.sigstore.json against Sigstore's trusted root (certificate
chain, certificate transparency, transparency-log entry) and the expected
identity; --keyless expects our release workflow's identity (the built-in
config's repository). Every file is checked; the exit status is 1 if any fails.`)
	vf := addVerifyFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("no files to verify")
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
	for _, f := range fs.Args() {
		if err := v.Verify(f); err != nil {
			fmt.Fprintf(env.Stderr, "FAILED %v\n", err)
			failed++
			continue
		}
		fmt.Fprintf(env.Stdout, "verified %s\n", f)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files failed verification", failed, fs.NArg())
	}
	return nil
}
