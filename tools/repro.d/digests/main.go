// Command digests prints the sha256 of each output of a build, for tools/repro to compare.
//
// Usage:
//
//	digests --execroot DIR --output-base DIR < FILES
//
// FILES lists the build's outputs, one path a line, as `bazel cquery --output=files` names them:
// relative to the execution root (bazel-out/..., and external/... for a source file of another
// repository, found in the output base when no action of the build linked it into the execution
// root). Each file gets a line "SHA256  PATH"; a directory (a tree artifact) one line per regular
// file below it, "SHA256  PATH/REL", in byte order of REL. Exit status 2, with what is missing,
// when a listed path exists in neither place.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/filehash"
)

// digest writes the lines of one listed path.
func digest(w io.Writer, execroot, outputBase, path string) error {
	p := filepath.Join(execroot, path)
	info, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) && strings.HasPrefix(path, "external/") {
		p = filepath.Join(outputBase, path)
		info, err = os.Stat(p)
	}
	if err != nil {
		return fmt.Errorf("the build lacks %s: %w", path, err)
	}
	if !info.IsDir() {
		sum, err := filehash.SHA256(p)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s  %s\n", sum, path)
		return err
	}
	var rels []string
	err = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, err := filepath.Rel(p, q)
			if err != nil {
				return err
			}
			rels = append(rels, rel)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(rels)
	for _, rel := range rels {
		sum, err := filehash.SHA256(filepath.Join(p, rel))
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "%s  %s/%s\n", sum, path, rel); err != nil {
			return err
		}
	}
	return nil
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("digests", flag.ContinueOnError)
	fl.SetOutput(stderr)
	execroot := fl.String("execroot", "", "the build's execution root (`bazel info execution_root`)")
	outputBase := fl.String("output-base", "", "its output base (`bazel info output_base`)")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: digests --execroot DIR --output-base DIR < FILES\n\n"+
			"Prints \"SHA256  PATH\" for each output path read from stdin (relative to the execution root;\n"+
			"external/... from the output base when the execution root has no link), every regular file\n"+
			"of a directory as PATH/REL in byte order. Exit status 2 when a path exists in neither place.")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *execroot == "" || *outputBase == "" || fl.NArg() != 0 {
		fmt.Fprintln(stderr, "digests: --execroot and --output-base are required, the paths come on stdin (see --help)")
		return 2
	}
	w := bufio.NewWriter(stdout)
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	n := 0
	for sc.Scan() {
		if sc.Text() == "" {
			continue
		}
		if err := digest(w, *execroot, *outputBase, sc.Text()); err != nil {
			w.Flush()
			fmt.Fprintln(stderr, "digests:", err)
			return 2
		}
		n++
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(stderr, "digests: reading the paths:", err)
		return 2
	}
	if n == 0 {
		fmt.Fprintln(stderr, "digests: no paths on stdin")
		return 2
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(stderr, "digests:", err)
		return 2
	}
	return 0
}

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
