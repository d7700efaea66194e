package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/fault/faulttest"
)

// As faulttest's helper, the test binary is an sbom run, for the test below to kill.
func TestMain(m *testing.M) {
	if args, ok := faulttest.Args(); ok {
		os.Exit(run(args, os.Stderr))
	}
	os.Exit(m.Run())
}

// sbom killed at any step leaves --out as it was or whole and new, never part of a document;
// the next run replaces it and leaves nothing else beside it.
func TestDescribeKilledAtEachStep(t *testing.T) {
	root, archive := tree(t)
	// steps: document made, staged, committed, replaced
	const steps = 4
	var out string
	var args []string
	faulttest.KillAtEachStep(t, steps, 0, func(int) *exec.Cmd {
		out = filepath.Join(t.TempDir(), "t.spdx.json")
		if err := os.WriteFile(out, []byte("the previous document\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		args = []string{"--archive", archive, "--root", root, "--out", out, filepath.Join(root, "components/part.json")}
		return faulttest.SelfRunning(args)
	}, func(step int, msg string) {
		data, err := os.ReadFile(out)
		if err != nil || (string(data) != "the previous document\n" && !json.Valid(data)) {
			t.Errorf("killed at step %d (%s): --out holds %q, %v: neither the old document nor a whole new one", step, msg, data, err)
		}
		var stderr bytes.Buffer
		if code := run(args, &stderr); code != 0 {
			t.Fatalf("killed at step %d, the next run: exit %d, %s", step, code, stderr.String())
		}
		if data, _ := os.ReadFile(out); !json.Valid(data) {
			t.Errorf("killed at step %d, then run again: --out is not a document: %q", step, data)
		}
		if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 1 {
			t.Errorf("killed at step %d, then run again: %d entries beside --out", step, len(entries)-1)
		}
	})
}
