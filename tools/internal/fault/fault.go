// Package fault kills the process at a chosen step, so that tests can prove what a command
// leaves behind when it dies there (SIGKILL: no deferred function, no clean-up runs).
//
// Steps are the calls of Point, counted from 1 in the order the process makes them. With
// RST_FAULT_KILL_AT=N in the environment the Nth call prints "fault: killed at step N: NAME" to
// standard error and kills the process; without it, Point does nothing. A test runs a command
// with N = 1, 2, ... until the command runs to its end: every step has then been a place of death.
package fault

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Env is the variable that names the step to die at.
const Env = "RST_FAULT_KILL_AT"

var (
	mu    sync.Mutex
	at    = -1 // the step to die at; 0 when none (read once)
	calls int
)

// Point is one step: the process dies here when it is the step Env names.
func Point(name string) {
	mu.Lock()
	defer mu.Unlock()
	if at < 0 {
		at, _ = strconv.Atoi(os.Getenv(Env))
	}
	if at <= 0 {
		return
	}
	calls++
	if calls == at {
		fmt.Fprintf(os.Stderr, "fault: killed at step %d: %s\n", calls, name)
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		for {
			time.Sleep(time.Second) // the signal is on its way
		}
	}
}
