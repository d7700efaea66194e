// Package faulttest kills a command at each of its steps (package fault) and hands each death's
// output to the test, which checks what the command left behind.
package faulttest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/fault"
)

// Self is this test binary run as a helper process: it runs no test, and the variables in env
// (e.g. the one its TestMain turns it into the command under test with) are added to its
// environment.
func Self(env ...string) *exec.Cmd {
	c := exec.Command(os.Args[0], "-test.run=^$")
	c.Env = append(os.Environ(), env...)
	return c
}

// KillAtEachStep runs cmd(step) for step = 1, 2, ..., each to die at that step, and calls
// after(step, output) after each death. The first run that is not killed ends the loop: it must
// have taken exactly steps steps and exited with wantExit.
func KillAtEachStep(t *testing.T, steps, wantExit int, cmd func(step int) *exec.Cmd, after func(step int, out string)) {
	t.Helper()
	for step := 1; ; step++ {
		c := cmd(step)
		if c.Env == nil {
			c.Env = os.Environ()
		}
		c.Env = append(c.Env, fmt.Sprintf("%s=%d", fault.Env, step))
		out, err := c.CombinedOutput()
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signaled() {
			after(step, string(out))
			continue
		}
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("step %d: %v", step, err)
		}
		if step-1 != steps || c.ProcessState.ExitCode() != wantExit {
			t.Errorf("the uninterrupted run: exit %d after %d steps, want exit %d after %d: %s", c.ProcessState.ExitCode(), step-1, wantExit, steps, out)
		}
		return
	}
}

// argsEnv carries a command line to a helper made with SelfRunning.
const argsEnv = "RST_FAULTTEST_ARGS"

// SelfRunning is Self as the command whose arguments are args: the helper's TestMain gets them
// from Args and runs its command's main with them.
func SelfRunning(args []string, env ...string) *exec.Cmd {
	data, _ := json.Marshal(args)
	return Self(append(env, argsEnv+"="+string(data))...)
}

// Args are the arguments a helper made with SelfRunning was given; ok is false in a test binary
// that is no such helper.
func Args() (args []string, ok bool) {
	spec := os.Getenv(argsEnv)
	if spec == "" {
		return nil, false
	}
	if err := json.Unmarshal([]byte(spec), &args); err != nil {
		panic(fmt.Sprintf("%s: %v", argsEnv, err))
	}
	return args, true
}
