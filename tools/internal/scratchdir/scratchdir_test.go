package scratchdir

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// holderEnv makes the test binary a process that holds a new directory in the named parent,
// prints its path and waits to be killed.
const holderEnv = "SCRATCHDIR_TEST_HOLD_IN"

func TestMain(m *testing.M) {
	if parent := os.Getenv(holderEnv); parent != "" {
		d, err := New(parent, "held-*")
		if err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString(d.Path + "\n")
		select {}
	}
	os.Exit(m.Run())
}

// Sweep removes a directory only once the process holding it has died, and leaves what does not
// match its pattern.
func TestSweepRemovesOnlyWhatNoLivingProcessHolds(t *testing.T) {
	parent := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), holderEnv+"="+parent)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	held, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	held = held[:len(held)-1]
	other := filepath.Join(parent, "other-1")
	if err := os.Mkdir(other, 0o755); err != nil {
		t.Fatal(err)
	}
	mine, err := New(parent, "held-*")
	if err != nil {
		t.Fatal(err)
	}
	if removed, err := Sweep(parent, "held-*"); err != nil || len(removed) != 0 {
		t.Fatalf("Sweep with both holders alive removed %v, %v", removed, err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	// a cleanup that fails keeps the leftover; one that succeeds sees only it, then it goes
	var seen []string
	if removed, err := SweepWith(parent, "held-*", func(p string) error {
		seen = append(seen, p)
		return os.ErrPermission
	}); err == nil || len(removed) != 0 || len(seen) != 1 || seen[0] != held {
		t.Fatalf("SweepWith a failing cleanup: removed %v, saw %v, %v; want nothing removed, %s seen, an error", removed, seen, err, held)
	}
	if _, err := os.Stat(held); err != nil {
		t.Fatalf("the leftover went although its cleanup failed: %v", err)
	}
	seen = nil
	removed, err := SweepWith(parent, "held-*", func(p string) error { seen = append(seen, p); return nil })
	if err != nil || len(removed) != 1 || removed[0] != held || len(seen) != 1 || seen[0] != held {
		t.Fatalf("Sweep after the holder died removed %v (cleanup saw %v), %v; want %s", removed, seen, err, held)
	}
	for _, p := range []string{mine.Path, other} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: %v (held by this process, or not matching: must stay)", p, err)
		}
	}
	if err := mine.Remove(); err != nil {
		t.Fatal(err)
	}
}
