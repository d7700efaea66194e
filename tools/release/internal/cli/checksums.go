package cli

import (
	"context"
	"fmt"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/checksums"
)

func runChecksums(_ context.Context, args []string, env Env) error {
	fs := newFlags(env, "checksums", "DIR", `
Write DIR/checksums.txt: the SHA-256 of every file in DIR except
checksums.txt itself, signature material (*.sig, *.pem, *.sigstore.json) and
hidden files, sorted by name, in the format 'sha256sum -c' reads. Each must be
a regular file: a symlink or a directory among them is an error. The file is
written to a temporary name and renamed, so it is never seen half-written.`)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("want exactly one directory, got %d arguments", fs.NArg())
	}
	path, err := checksums.Write(fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, path)
	return nil
}
