package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/fault/faulttest"
)

// As faulttest's helper, the test binary is the release command, for the tests below to kill.
func TestMain(m *testing.M) {
	if args, ok := faulttest.Args(); ok {
		shipped, err := os.ReadFile("../../config.json")
		if err != nil {
			panic(err)
		}
		os.Exit(Run(context.Background(), args, Env{Stdout: os.Stdout, Stderr: os.Stderr, Config: shipped, LookupEnv: os.LookupEnv}))
	}
	os.Exit(m.Run())
}

// A sign killed at any step leaves no signature (and the one there before as it was), or,
// once it had committed, all of them as soon as verify reads the directory; nothing else.
func TestSignKilledAtEachStep(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "cosign")
	pw := map[string]string{"COSIGN_PASSWORD": "pw"}
	mustRun(t, pw, "keygen", "--output-prefix", keys)
	names := []string{"a.tar.zst", "b.tar.zst", "c.tar.zst"}
	// steps: 3 files signed, 3 signatures staged, committed, 3 replaced
	const steps, committed = 10, 7
	var dir string
	var files []string
	faulttest.KillAtEachStep(t, steps, 0, func(int) *exec.Cmd {
		dir, files = t.TempDir(), nil
		for _, n := range names {
			files = append(files, filepath.Join(dir, n))
			if err := os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(files[0]+".sig", []byte("an older signature\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return faulttest.SelfRunning(append([]string{"sign", "--key", keys + ".key"}, files...), "COSIGN_PASSWORD=pw")
	}, func(step int, out string) {
		code, _, errOut := run(t, nil, append([]string{"verify", "--key", keys + ".pub"}, files...)...)
		entries, _ := os.ReadDir(dir)
		if step < committed {
			if code == 0 {
				t.Errorf("killed at step %d (%s) before committing: verify passed", step, out)
			}
			if data, _ := os.ReadFile(files[0] + ".sig"); string(data) != "an older signature\n" || len(entries) != 4 {
				t.Errorf("killed at step %d (%s) before committing: a.tar.zst.sig is %q, %d entries, want the older one and 4", step, out, data, len(entries))
			}
			return
		}
		if code != 0 || len(entries) != 6 {
			t.Errorf("killed at step %d (%s) after committing: verify exit %d (%s), %d entries, want 0 and 6 (3 files, 3 signatures)", step, out, code, errOut, len(entries))
		}
	})
}
