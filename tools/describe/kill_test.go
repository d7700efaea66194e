package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/fault"
)

// helperEnv makes the test binary a describe run with the arguments it holds (a JSON list), for
// the test below to kill.
const helperEnv = "DESCRIBE_TEST_ARGS"

func TestMain(m *testing.M) {
	if spec := os.Getenv(helperEnv); spec != "" {
		var args []string
		if err := json.Unmarshal([]byte(spec), &args); err != nil {
			panic(err)
		}
		os.Exit(run(args, os.Stderr))
	}
	os.Exit(m.Run())
}

// describe killed at any step leaves --out as it was or whole and new, never part of a document;
// the next run replaces it and leaves nothing else beside it.
func TestDescribeKilledAtEachStep(t *testing.T) {
	root, archive := tree(t)
	// steps: document made, staged, committed, replaced
	const steps = 4
	for step := 1; ; step++ {
		outDir := t.TempDir()
		out := filepath.Join(outDir, "t.spdx.json")
		if err := os.WriteFile(out, []byte("the previous document\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		args := []string{"--archive", archive, "--root", root, "--out", out, filepath.Join(root, "components/part.txt")}
		spec, _ := json.Marshal(args)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"="+string(spec), fmt.Sprintf("%s=%d", fault.Env, step))
		msg, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || !ee.Sys().(syscall.WaitStatus).Signaled() {
			if err != nil || step-1 != steps {
				t.Errorf("uninterrupted describe: %v (%s) after %d steps, want success after %d", err, msg, step-1, steps)
			}
			break
		}
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
		if entries, _ := os.ReadDir(outDir); len(entries) != 1 {
			t.Errorf("killed at step %d, then run again: %d entries beside --out", step, len(entries)-1)
		}
	}
}
