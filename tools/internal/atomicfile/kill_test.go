package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/fault"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/fault/faulttest"
)

// helperEnv makes the test binary a writer that the tests below kill: it writes killGroup into
// the two directories the variable names and exits.
const helperEnv = "ATOMICFILE_TEST_WRITER"

func TestMain(m *testing.M) {
	if spec := os.Getenv(helperEnv); spec != "" {
		mode, dirs, _ := strings.Cut(spec, ":")
		one, two, _ := strings.Cut(dirs, ":")
		w := Writer{}
		if mode == "failing" { // the rename of c.txt fails: the write is undone
			w.Rename = func(oldpath, newpath string) error {
				if filepath.Base(newpath) == "c.txt" && strings.Contains(oldpath, "new-") {
					return errors.New("injected fault")
				}
				return os.Rename(oldpath, newpath)
			}
		}
		if err := w.WriteAll(killGroup(one, two)...); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// killGroup is a write across two directories: a.txt, b.txt (existing) and c.txt (new) in one,
// d.txt (new) in two.
func killGroup(one, two string) []File {
	return append(group(one), File{filepath.Join(two, "d.txt"), []byte("new d"), 0o644})
}

// A write killed at any step leaves its targets as they were, or, once it had committed, the
// next Recover of either directory finishes it; a write that was failing is undone; no scratch
// directory is left.
func TestWriteAllKilledAtEachStep(t *testing.T) {
	for _, tc := range []struct {
		mode string
		// want: the state after recovery, by the step the writer died at
		steps int
		want  func(step int) string // "old" or "new"
	}{
		// 4 staged, committed, 4 replaced
		{"ok", 9, func(step int) string {
			if step <= 4 {
				return "old"
			}
			return "new"
		}},
		// 4 staged, committed, a and b replaced, failing (the journal says undo), b and a put
		// back, then exit 3: a death before "failing" finishes the write, after it undoes it
		{"failing", 10, func(step int) string {
			if step <= 4 || step >= 8 {
				return "old"
			}
			return "new"
		}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			var one, two, old string
			wantExit := map[string]int{"ok": 0, "failing": 3}[tc.mode]
			faulttest.KillAtEachStep(t, tc.steps, wantExit, func(int) *exec.Cmd {
				one, two = setup(t), t.TempDir()
				old = fmt.Sprint(snapshot(t, one), snapshot(t, two))
				return faulttest.Self(helperEnv + "=" + tc.mode + ":" + one + ":" + two)
			}, func(step int, out string) {
				// the next processes to touch the directories recover the write: the one with
				// the journal first, or the other
				for _, d := range [][]string{{one, two}, {two, one}}[step%2] {
					if err := Recover(d); err != nil {
						t.Fatalf("killed at step %d (%s): Recover: %v", step, out, err)
					}
				}
				got := fmt.Sprint(snapshot(t, one), snapshot(t, two))
				want := old
				if tc.want(step) == "new" {
					want = fmt.Sprint(map[string]string{
						"a.txt": `-rw-r--r-- "new a"`, "b.txt": `-rw------- "new b"`, "c.txt": `-rw-r--r-- "new c"`,
						"other": `-rw-r--r-- "untouched"`,
					}, map[string]string{"d.txt": `-rw-r--r-- "new d"`})
				}
				if got != want {
					t.Errorf("killed at step %d (%s), after Recover:\n got %s\nwant %s (%s)", step, strings.TrimSpace(out), got, want, tc.want(step))
				}
			})
		})
	}
}

// Recover leaves alone the scratch directory of a write whose process still lives.
func TestRecoverLeavesALivingWriteAlone(t *testing.T) {
	one, two := setup(t), t.TempDir()
	// killed at step 5, "committed"
	_ = faulttest.Self(helperEnv+"=ok:"+one+":"+two, fault.Env+"=5").Run()
	// the killed writer's leftovers, held now by this process as a living writer would hold them
	left, _ := filepath.Glob(filepath.Join(one, scratchGlob))
	if len(left) != 1 {
		t.Fatalf("the killed writer left %v in %s, want its scratch directory", left, one)
	}
	held, err := os.Open(left[0])
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if err := syscall.Flock(int(held.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	before := fmt.Sprint(snapshot(t, one))
	if err := Recover(one); err != nil {
		t.Fatal(err)
	}
	if after := fmt.Sprint(snapshot(t, one)); after != before {
		t.Errorf("Recover changed a held write:\nbefore %s\nafter  %s", before, after)
	}
	held.Close()
	if err := Recover(one); err != nil {
		t.Fatal(err)
	}
	if got := snapshot(t, one); got["a.txt"] != `-rw-r--r-- "new a"` || got[filepath.Base(left[0])] != "" {
		t.Errorf("once let go, Recover did not finish the committed write: %v", got)
	}
}
