// Command bench measures the project: its Go tools built cold by Bazel and by plain go build,
// mimalloc against musl's malloc, the remote cache and execution, and our static programs against
// Debian's builds of the same programs at run time. See usage.
package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

const usage = `Usage: go run ./tools/bench [TOOL...]   (from the workspace root)
       go run ./tools/bench malloc
       go run ./tools/bench remote
       go run ./tools/bench runtime [--out DIR] [--reps N] [--only W,...] [--image-mib N]
                                    [--files N] [--containers N] [--images N] [--budget DURATION]

TOOL... (default: skopeo podman buildah; target linux/amd64 musl): each Go tool built cold by
  Bazel and by plain go build, one after the other. Both builds use the same module versions
  (third_party/<tool>/go.mod) with the same patches (go build gets a go.mod replacing each
  patched module by a patched copy: the patches of the tool's go_graph.json and of
  third_party/go_modules.json, as tools/generate gives them to Bazel), the same pinned Go SDK,
  the same zig cc and the same libseccomp (built by Bazel first, outside the timing; Bazel says
  where each is), the tags, stamping and link flags of the tool's go_binary (asked of Bazel).
  "Cold": Bazel gets a fresh output base in a copy of the tree and no disk cache, per tool (the
  repository cache stays: downloads are not what is measured); go build gets an empty GOCACHE
  (the module cache stays). Both start from an empty zig cache. Bazel keeps this machine's
  caches of fetched inputs as go build keeps its module cache: the repository cache, and
  gazelle's module cache and the Go build cache of its own tools (tools/setup shares them across
  output bases). Prints one line per tool with both times, their ratio and where Bazel's time
  went (its server's start, the external repositories, then analysis and each kind of action,
  summed over the actions from Bazel's own profile). A run that is killed leaves its copy of
  the tree behind: the next run removes it, with its output base.
malloc: mimalloc against musl's malloc: one multi-threaded malloc/free program
  (third_party/mimalloc/c/src/malloc_bench.c) built both ways, run 3 times each in one go;
  prints the best times and their ratio.
remote: remote cache and execution (tools/serve.d/bench_remote.sh): warm-cache build, no-op,
  one bump, local vs Buildbarn.
runtime: our static programs (podman-full of the podman 5 line, skopeo; linux/amd64) against
  Debian sid's builds of the same programs, as root in a Debian root of their own (made once
  per machine; tools/bench/runtime.sh): A/B alternating, N repetitions (default 5), median and
  range per side and the cost ratio ours/Debian's. Workloads: startup (podman version, skopeo
  and crun --version), crun (run + delete), podman-run (run --rm --init), podman-many (ps -a
  with 200 containers, images with 50), skopeo (copy of a 1 GiB image oci:->oci: gzip and zstd,
  oci:->dir:), pasta (rootless: iperf3 throughput through the tap and splice paths, a 1-byte
  TCP round trip; each pasta as installed, with its pasta.avx2, and alone), fuse-overlayfs
  (50,000 small files unpacked, a 1 GiB file written and read; and the daemon's own CPU time
  for each). Prints the table; writes it with the date, machine and versions to DIR/runtime.md
  and as a bar chart to DIR/runtime.svg (default DIR: measurements/). Removes what it made
  (mounts, containers, cgroups, servers); about 16 minutes, bounded by --budget (default 45m).

Exit status: 0 measured; 1 a build or a run failed (what and why on stderr); 2 bad usage.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprint(stdout, usage)
		return 0
	}
	ws, err := workspace()
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}
	sub := ""
	if len(args) > 0 {
		sub = args[0]
	}
	switch sub {
	case "runtime":
		return script(filepath.Join(ws, "tools/bench/runtime.sh"), args[1:], stdout, stderr)
	case "remote", "malloc":
		if len(args) > 1 {
			if args[1] == "-h" || args[1] == "--help" {
				fmt.Fprint(stdout, usage)
				return 0
			}
			fmt.Fprintf(stderr, "bench: %s takes no arguments\n%s", sub, usage)
			return 2
		}
		if sub == "remote" {
			return script(filepath.Join(ws, "tools/serve.d/bench_remote.sh"), nil, stdout, stderr)
		}
		err = mallocBench(ws, stdout)
	default:
		for _, a := range args {
			if strings.HasPrefix(a, "-") {
				fmt.Fprintf(stderr, "bench: unknown flag %s\n%s", a, usage)
				return 2
			}
		}
		err = buildBench(ws, args, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	return 0
}

// workspace is the workspace root: $BUILD_WORKSPACE_DIRECTORY under bazel run, else the current
// directory, which must hold MODULE.bazel.
func workspace() (string, error) {
	dir := os.Getenv("BUILD_WORKSPACE_DIRECTORY")
	if dir == "" {
		dir = "."
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, "MODULE.bazel")); err != nil {
		return "", fmt.Errorf("%s is not the workspace (no MODULE.bazel): run go run ./tools/bench from the workspace root", dir)
	}
	return dir, nil
}

// script runs a shell part of the benchmark (what prepares roots and servers) with args and
// returns its exit status.
func script(path string, args []string, stdout, stderr io.Writer) int {
	cmd := exec.Command(path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() > 0 {
			return ee.ExitCode()
		}
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	return 0
}
