package catatonit_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/archtest"
)

// catatonit prints tini's version line (docker recognises the init by it) with its own version.
func TestVersion(t *testing.T) {
	want := fmt.Sprintf("tini version %s_catatonit\n", archtest.PinVersion(t, "catatonit"))
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		if got := b.Run(t, nil, "--version"); got != want {
			t.Errorf("catatonit --version = %q, want %q", got, want)
		}
	})
}

func TestMimalloc(t *testing.T) {
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) { b.CheckMimalloc(t, "--version") })
}

// As pid 1 of a new pid namespace (how podman runs it): catatonit adopts and reaps an orphan,
// forwards SIGTERM to its child and exits with the child's status.
func TestPid1(t *testing.T) {
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		runInit(t, b, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID, Pdeathsig: syscall.SIGKILL})
	})
}

// Not pid 1 (e.g. `podman run --init` with the host's pid namespace): catatonit makes itself
// the child subreaper (prctl PR_SET_CHILD_SUBREAPER), then behaves as pid 1 does.
func TestSubreaper(t *testing.T) {
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		// decided before catatonit runs: qemu-user does not emulate this prctl
		b.SkipIfEmulatorLacks(t, archtest.ChildSubreaper)
		runInit(t, b, &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL})
	})
}

// The child: leaves an orphan (a subshell starts `sleep` in the background and exits at once),
// says where it is, then waits for SIGTERM and exits 42 on it.
const childScript = `
d=$1
trap 'exit 42' TERM
( sleep 3 & echo $! > "$d/orphan.tmp"; mv "$d/orphan.tmp" "$d/orphan" )
echo $$ > "$d/ready.tmp"; mv "$d/ready.tmp" "$d/ready"
while :; do sleep 0.1; done
`

const childStatus = 42

func runInit(t *testing.T, b archtest.Binary, attr *syscall.SysProcAttr) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.Path, "--", "/bin/sh", "-c", childScript, "child", dir)
	cmd.SysProcAttr = attr
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Kill()
		<-exited
	}()
	initPid := cmd.Process.Pid

	// the orphan's pid as the child sees it (in catatonit's pid namespace)
	orphanNS, err := waitForFile(filepath.Join(dir, "orphan"), exited)
	if err != nil {
		t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	if _, err := waitForFile(filepath.Join(dir, "ready"), exited); err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, stderr.String())
	}

	// catatonit adopted the orphan ...
	orphan := 0
	for deadline := time.Now().Add(10 * time.Second); orphan == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		orphan = findChild(initPid, orphanNS)
	}
	if orphan == 0 {
		t.Fatalf("no process with pid %d (in catatonit's namespace) has catatonit (pid %d) as parent: the orphan was not adopted\nstderr:\n%s", orphanNS, initPid, stderr.String())
	}
	// ... and reaps it when it exits (an unreaped child stays a zombie in /proc)
	deadline := time.Now().Add(20 * time.Second)
	for {
		state, alive := procState(orphan)
		if !alive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("orphan %d still in /proc (state %s) long after it exited: catatonit did not reap it", orphan, state)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// SIGTERM to catatonit reaches the child, whose exit status becomes catatonit's
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err = <-exited:
		exited <- err // for the deferred cleanup
	case <-ctx.Done():
		t.Fatalf("catatonit did not exit after SIGTERM\nstderr:\n%s", stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != childStatus {
		t.Fatalf("catatonit exited with %d (%v), want the child's status %d\nstdout:\n%s\nstderr:\n%s",
			code, err, childStatus, stdout.String(), stderr.String())
	}
	t.Logf("%s: orphan %d (pid %d inside) adopted and reaped; SIGTERM forwarded; exit status %d", b.Arch, orphan, orphanNS, childStatus)
}

// waitForFile returns the number written in path, waiting until it appears or the init exits.
func waitForFile(path string, exited chan error) (int, error) {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if data, err := os.ReadFile(path); err == nil {
			return strconv.Atoi(strings.TrimSpace(string(data)))
		}
		select {
		case err := <-exited:
			exited <- err
			return 0, fmt.Errorf("catatonit exited (%v) before the child wrote %s", err, filepath.Base(path))
		default:
		}
	}
	return 0, fmt.Errorf("the child did not write %s within 30s", filepath.Base(path))
}

// findChild returns the host pid of the child of parent whose innermost pid (NSpid) is nsPid.
func findChild(parent, nsPid int) int {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		status, err := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		if err != nil {
			continue
		}
		var ppid, inner int
		for _, line := range strings.Split(string(status), "\n") {
			f := strings.Fields(line)
			switch {
			case len(f) >= 2 && f[0] == "PPid:":
				ppid, _ = strconv.Atoi(f[1])
			case len(f) >= 2 && f[0] == "NSpid:":
				inner, _ = strconv.Atoi(f[len(f)-1])
			}
		}
		if ppid == parent && inner == nsPid {
			return pid
		}
	}
	return 0
}

// procState returns the state letter of pid (Z: a zombie nobody reaped) and whether it exists.
func procState(pid int) (string, bool) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", false
	}
	// pid (comm) state ...: comm may hold spaces, the state follows its last ')'
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(f) == 0 {
		return "", true
	}
	return f[0], true
}
