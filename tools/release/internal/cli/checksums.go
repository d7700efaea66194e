package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/bundles"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/checksums"
)

func runChecksums(_ context.Context, args []string, env Env) error {
	fs := newFlags(env, "checksums", "--tool T [--version V] [--bundles FILE] DIR", `
Write DIR/checksums.txt for the release of tool T: the SHA-256 of each of
T's archives, which bundles.json lists (DIR is what 'bazel build
//release:all' writes, bazel-bin/release/, or a copy of it), sorted by name,
in the format 'sha256sum -c' reads. Nothing else in DIR is listed. Each
archive must be there as a regular file: a missing archive, a symlink or a
directory is an error. With --version, each archive must also hold the one
top directory T-vV/ with a program in its bin/ (as publish checks). The file
is written to a temporary name and renamed, so it is never seen
half-written.`)
	tool := fs.String("tool", "", "the tool whose archives to list (required)")
	ver := fs.String("version", "", "also check that every archive holds TOOL-vVERSION/, built from that pin")
	manifest := fs.String("bundles", "", bundlesHelp)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("want exactly one directory, got %d arguments", fs.NArg())
	}
	if *tool == "" {
		return usagef("--tool is required: checksums.txt lists the archives of one tool's release")
	}
	dir := fs.Arg(0)
	archives, err := releaseArchives(dir, *manifest, *tool)
	if err != nil {
		return err
	}
	if *ver != "" {
		v, err := parseVersion(*ver)
		if err != nil {
			return err
		}
		var wrong []string
		for _, a := range archives {
			p := filepath.Join(dir, a)
			if err := checksums.Regular(p); err != nil {
				return err
			}
			if err := bundles.CheckFile(p, *tool, v.String()); err != nil {
				wrong = append(wrong, err.Error())
			}
		}
		if len(wrong) > 0 {
			return fmt.Errorf("not the archives of %s %s:\n  %s", *tool, v, strings.Join(wrong, "\n  "))
		}
	}
	path, err := checksums.Write(dir, archives)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, path)
	return nil
}
