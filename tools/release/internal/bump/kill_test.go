package bump

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/fault/faulttest"
)

// helperEnv makes the test binary a bump of the pin directory it names to v1.1.0, which the test
// below kills.
const helperEnv = "BUMP_TEST_BUMP"

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperEnv); dir != "" {
		if _, err := Run(context.Background(), Options{Dir: dir, Version: "1.1.0"}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// A bump killed at any step leaves the pin as it was, or, once it had committed its files,
// whole and new as soon as anything reads it; the next bump removes the killed one's scratch copy
// and ends with the same pin as an uninterrupted bump.
func TestBumpKilledAtEachStep(t *testing.T) {
	proxy := fakeProxy(t, []string{"v1.0.0", "v1.1.0"}, nil)
	ctx := context.Background()
	// the pin an uninterrupted bump makes
	done, env := setup(t, proxy, "v1.0.0")
	if _, err := Run(ctx, Options{Dir: done, Version: "1.1.0", Env: env}); err != nil {
		t.Fatal(err)
	}
	complete := fmt.Sprint(snapshot(t, done))
	// steps: scratch copy, tidy, new files, 4 files staged, committed, 4 files replaced
	const steps, committed = 12, 8
	var pin, before, tmp string
	faulttest.KillAtEachStep(t, steps, 0, func(int) *exec.Cmd {
		pin, env = setup(t, proxy, "v1.0.0")
		before = fmt.Sprint(snapshot(t, pin))
		tmp = t.TempDir()
		env = append(env, "TMPDIR="+tmp)
		t.Setenv("TMPDIR", tmp) // the next bump's, in this process
		c := faulttest.Self()
		c.Env = append(env, helperEnv+"="+pin)
		return c
	}, func(step int, out string) {
		// what the next reader sees: Pinned is where every bump starts
		module, ver, err := Pinned(ctx, "go", env, pin)
		if err != nil {
			t.Fatalf("killed at step %d (%s): Pinned: %v", step, out, err)
		}
		want, wantVer := before, "1.0.0"
		if step >= committed {
			want, wantVer = complete, "1.1.0"
		}
		if got := fmt.Sprint(snapshot(t, pin)); got != want || module != toolModule || ver != wantVer {
			t.Errorf("killed at step %d (%s): the pin reads %s %s:\n got %s\nwant %s", step, out, module, ver, got, want)
		}
		if _, err := Run(ctx, Options{Dir: pin, Version: "1.1.0", Env: env}); err != nil {
			t.Fatalf("killed at step %d: the next bump: %v", step, err)
		}
		if got := fmt.Sprint(snapshot(t, pin)); got != complete {
			t.Errorf("killed at step %d, then bumped again: the pin differs from an uninterrupted bump's:\n got %s\nwant %s", step, got, complete)
		}
		if left, _ := filepath.Glob(filepath.Join(tmp, "*")); len(left) > 0 {
			t.Errorf("killed at step %d, then bumped again: %v left in the temporary directory", step, left)
		}
	})
}
