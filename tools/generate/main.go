// Command generate writes the files of the tree that are made from data in it: each Go tool's
// MODULE fragment (third_party/.../<graph>.MODULE.bazel, included by MODULE.bazel) from the
// go_graph.json beside its go.mod and third_party/go_modules.json. With --check it writes nothing
// and fails, naming each file that differs from what it would write (tools/lint runs it so).
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/atomicfile"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/gograph"
)

const usage = `Usage: generate [--check] [--root DIR]

Writes each Go tool graph's MODULE fragment, <name>.MODULE.bazel beside the
graph's go_graph.json (third_party/<tool>/go_graph.json, third_party/<tool>/<line>/
go_graph.json), from that file and third_party/go_modules.json (what every graph
does for every module, and for some modules wherever a graph requires them).
Edit those JSON files, never the fragments; then run generate. All fragments are
written or none.

  --check     write nothing; exit 1 naming every fragment that is not what
              generate would write (stale, hand-edited or missing)
  --root DIR  the workspace (default: $BUILD_WORKSPACE_DIRECTORY under
              bazel run, else the current directory); it must hold MODULE.bazel

Exit status: 0 written (or, with --check, current); 1 stale fragments (--check)
or a file that cannot be read, parsed or written, with what and why; 2 bad usage.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	check := fs.Bool("check", false, "")
	root := fs.String("root", os.Getenv("BUILD_WORKSPACE_DIRECTORY"), "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			return 0
		}
		fmt.Fprintf(stderr, "generate: %v\n%s", err, usage)
		return 2
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "generate: unexpected argument %q\n%s", fs.Arg(0), usage)
		return 2
	}
	if *root == "" {
		*root = "."
	}
	if _, err := os.Stat(filepath.Join(*root, "MODULE.bazel")); err != nil {
		fmt.Fprintf(stderr, "generate: %s is not the workspace (no MODULE.bazel): run it from the workspace root or give --root\n", *root)
		return 2
	}
	files, err := Fragments(*root)
	if err != nil {
		fmt.Fprintf(stderr, "generate: %v\n", err)
		return 1
	}
	var stale []atomicfile.File
	for _, f := range files {
		old, err := os.ReadFile(f.Path)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(stderr, "generate: %v\n", err)
			return 1
		}
		if !bytes.Equal(old, f.Data) {
			stale = append(stale, f)
		}
	}
	if *check {
		if len(stale) == 0 {
			fmt.Fprintf(stdout, "generate: %d fragments current\n", len(files))
			return 0
		}
		for _, f := range stale {
			rel, _ := filepath.Rel(*root, f.Path)
			fmt.Fprintf(stderr, "generate: %s is not what its go_graph.json and third_party/go_modules.json make: run tools/generate (go run ./tools/generate)\n", rel)
		}
		return 1
	}
	if err := atomicfile.WriteAll(stale...); err != nil {
		fmt.Fprintf(stderr, "generate: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "generate: %d fragments, %d rewritten\n", len(files), len(stale))
	return 0
}

// Fragments reads every go_graph.json under root's third_party/ and third_party/go_modules.json
// and returns the MODULE fragments they make, sorted by path. Every fragment must be included by
// root's MODULE.bazel.
func Fragments(root string) ([]atomicfile.File, error) {
	s, err := gograph.Load(root)
	if err != nil {
		return nil, err
	}
	top, err := os.ReadFile(filepath.Join(root, "MODULE.bazel"))
	if err != nil {
		return nil, err
	}
	var out []atomicfile.File
	for _, g := range s.Graphs {
		text, err := fragment(s, g)
		if err != nil {
			return nil, err
		}
		include := fmt.Sprintf("include(\"//%s:%s.MODULE.bazel\")", g.Pkg(), g.Name)
		if !bytes.Contains(top, []byte(include)) {
			return nil, fmt.Errorf("%s: MODULE.bazel does not include its fragment: add %s", g.File(), include)
		}
		out = append(out, atomicfile.File{
			Path: filepath.Join(root, filepath.FromSlash(g.Pkg()), g.Name+".MODULE.bazel"),
			Data: []byte(text),
			Perm: 0o644,
		})
	}
	return out, nil
}
