package cli

import (
	"context"
	"fmt"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/signing"
)

func runKeygen(_ context.Context, args []string, env Env) error {
	fs := newFlags(env, "keygen", "[--output-prefix PREFIX]", `
Write a cosign key pair: PREFIX.key (private, encrypted with $COSIGN_PASSWORD,
which must be set; it may be empty) and PREFIX.pub. Existing files are not
overwritten. The keys work with the cosign CLI too.`)
	prefix := fs.String("output-prefix", "cosign", "path prefix of the key files")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments: %v", fs.Args())
	}
	password, err := cosignPassword(env)
	if err != nil {
		return err
	}
	key, pub, err := signing.GenerateKeyPair(*prefix, password)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s\n%s\n", key, pub)
	return nil
}

// cosignPassword reads COSIGN_PASSWORD; unset is an error, as there is no
// terminal to ask on in CI.
func cosignPassword(env Env) ([]byte, error) {
	pw, ok := env.LookupEnv("COSIGN_PASSWORD")
	if !ok {
		return nil, usagef("COSIGN_PASSWORD is not set (set it, empty for an unencrypted key)")
	}
	return []byte(pw), nil
}
