package main

import (
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// mallocBench builds the allocator benchmark with mimalloc and with musl's malloc and prints the
// best of three runs of each and their ratio.
func mallocBench(ws string, stdout io.Writer) error {
	targets := map[string]string{
		"mimalloc": "//third_party/mimalloc/c:malloc_bench_mimalloc",
		"musl":     "//third_party/mimalloc/c:malloc_bench_musl",
	}
	if _, err := bazel(ws, ws, "build", targets["mimalloc"], targets["musl"]); err != nil {
		return err
	}
	best := map[string]float64{}
	for name, label := range targets {
		files, err := filesOf(ws, label)
		if err != nil {
			return err
		}
		for i := 0; i < 3; i++ {
			// the program prints its own time, in seconds
			out, err := exec.Command(filepath.Join(ws, files[0])).Output()
			if err != nil {
				return fmt.Errorf("%s: %v", files[0], err)
			}
			s, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
			if err != nil {
				return fmt.Errorf("%s printed %q, not seconds", files[0], out)
			}
			if b, ok := best[name]; !ok || s < b {
				best[name] = s
			}
		}
	}
	fmt.Fprintf(stdout, "malloc benchmark (4 threads x 2,000,000 malloc/free, linux/amd64 musl, best of 3): mimalloc %gs, musl %gs, musl/mimalloc %.1fx\n",
		best["mimalloc"], best["musl"], best["musl"]/best["mimalloc"])
	return nil
}
