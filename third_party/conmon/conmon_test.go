package conmon_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bazelbuild/rules_go/go/runfiles"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/archtest"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/ocitest"
)

var (
	payloadFlag = flag.String("payload", "", "rlocationpath of the container's static program (amd64)")
	crunFlag    = flag.String("crun", "", "rlocationpath of the OCI runtime conmon drives (amd64)")
)

// conmon prints its version and, on a second line, the commit: the release source has no git,
// and BUILD.conmon.bazel says so there.
func TestVersion(t *testing.T) {
	v := archtest.PinVersion(t, "conmon")
	want := fmt.Sprintf("conmon version %s\ncommit: none (v%s release source, no git)\n", v, v)
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		if got := b.Run(t, nil, "--version"); got != want {
			t.Errorf("conmon --version = %q, want %q", got, want)
		}
	})
}

func TestMimalloc(t *testing.T) {
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) { b.CheckMimalloc(t, "--version") })
}

// Command-line errors (glib's option parser and conmon's checks; all that arm64 can run of a
// container's start, see below): exit status 1 and the reason on stderr.
func TestCommandLineErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown option", []string{"--no-such-option"}, "conmon: option parsing failed: Unknown option --no-such-option"},
		{"no cid", nil, "conmon: Container ID not provided. Use --cid"},
		{"no cuuid", []string{"--cid", "c"}, "Container UUID not provided. Use --cuuid"},
		{"bad runtime", []string{"--cid", "c", "--cuuid", "u", "--runtime", "/no/such/runtime"}, "Runtime path /no/such/runtime is not valid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
				_, stderr, err := b.Exec(nil, tc.args...)
				var exit *exec.ExitError
				if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(stderr, tc.want) {
					t.Errorf("conmon %s: %v, stderr %q; want exit status 1 and %q", strings.Join(tc.args, " "), err, stderr, tc.want)
				}
			})
		})
	}
}

// The container's process: payload <status> prints these two lines and exits with status.
const (
	payloadStdout = "hello from a conmon container"
	payloadStderr = "a line on stderr"
	payloadStatus = 42
)

// As podman 5 starts a container (libpod/oci_conmon_common.go): conmon with podman's arguments,
// the start and sync pipes in _OCI_STARTPIPE/_OCI_SYNCPIPE, `<runtime> create` run by conmon,
// the container pid read from the sync pipe, `<runtime> start` run by the caller; then the
// k8s-file log, the exit file in --exit-dir, the persist dir's exit file and the exit command.
func TestRunContainerLikePodman(t *testing.T) {
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) { runContainer(t, b, true) })
}

// Without the pipes (conmon's other caller kind, e.g. a script): the caller waits for the
// runtime's pid file, the attach socket goes under --socket-dir-path/<cuuid>/attach.
func TestRunContainerWithoutPipes(t *testing.T) {
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) { runContainer(t, b, false) })
}

// When `<runtime> create` fails, conmon reports it to the caller through the sync pipe as
// {"data": -1, "message": "<runtime's stderr>"}: podman shows that message to the user.
func TestRuntimeErrorReachesSyncPipe(t *testing.T) {
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		b.SkipIfEmulatorLacks(t, monitorNeeds...)
		c := newContainer(t, b)
		// a bundle without config.json: crun create fails
		if err := os.Remove(filepath.Join(c.bundle, "config.json")); err != nil {
			t.Fatal(err)
		}
		sync := c.startConmon(t, true)
		msg, err := readSync(sync, 60*time.Second)
		if err != nil {
			c.fail(t, err)
		}
		if msg.Data != -1 || !strings.Contains(msg.Message, "config.json") {
			t.Fatalf("sync pipe = %+v, want data -1 and crun's message about config.json", msg)
		}
		t.Logf("%s: runtime error reported on the sync pipe: %q", b.Arch, msg.Message)
	})
}

// What conmon's monitor needs of the kernel, which an emulator may lack (qemu-user does): it
// makes itself the child subreaper of the container it monitors. The tests check it with
// SkipIfEmulatorLacks before conmon runs (the runtime it starts is the host's build of our crun,
// not emulated).
var monitorNeeds = []archtest.Feature{archtest.ChildSubreaper}

func runContainer(t *testing.T, b archtest.Binary, podmanPipes bool) {
	b.SkipIfEmulatorLacks(t, monitorNeeds...)
	c := newContainer(t, b)
	sync := c.startConmon(t, podmanPipes)

	// conmon's first process forks the monitor, writes its pid to --conmon-pidfile and exits
	monitor := readPid(t, c.conmonPidFile)

	var ctrPid int
	if podmanPipes {
		msg, err := readSync(sync, 60*time.Second)
		if err != nil {
			c.fail(t, err)
		}
		if msg.Data <= 0 {
			t.Fatalf("sync pipe: %+v, want the container's pid", msg)
		}
		ctrPid = msg.Data
		if got := readPid(t, c.ctrPidFile); got != ctrPid {
			t.Errorf("--container-pidfile holds %d, the sync pipe said %d", got, ctrPid)
		}
		// --full-attach (what podman passes): the attach socket is <bundle>/attach
		checkSocket(t, filepath.Join(c.bundle, "attach"))
	} else {
		created := func() bool { _, err := os.Stat(c.ctrPidFile); return err == nil }
		gone := func() bool { return syscall.Kill(monitor, 0) != nil }
		if err := waitFor(60*time.Second, func() bool { return created() || gone() }); err != nil || !created() {
			c.fail(t, fmt.Errorf("the runtime wrote no --container-pidfile (conmon exited: %v)", gone()))
		}
		ctrPid = readPid(t, c.ctrPidFile)
		checkSocket(t, filepath.Join(c.socketDir, c.cuuid, "attach"))
	}

	// the container exists and waits to be started, as after `podman create`
	c.runtime(t, "start", c.cid)

	exitFile := filepath.Join(c.exitDir, c.cid)
	if err := waitFor(60*time.Second, func() bool { _, err := os.Stat(exitFile); return err == nil }); err != nil {
		t.Fatalf("no exit file %s: %v", exitFile, err)
	}
	if got := readFile(t, exitFile); got != strconv.Itoa(payloadStatus) {
		t.Errorf("exit file %s = %q, want %d", exitFile, got, payloadStatus)
	}
	// conmon exits once it has written the exit file and run the exit command
	if err := waitFor(30*time.Second, func() bool { return syscall.Kill(monitor, 0) != nil }); err != nil {
		t.Errorf("conmon (pid %d) still running after the container exited", monitor)
	}

	checkK8sLog(t, c.logPath)
	if podmanPipes {
		if got := readFile(t, filepath.Join(c.persistDir, "exit")); got != strconv.Itoa(payloadStatus) {
			t.Errorf("--persist-dir exit file = %q, want %d", got, payloadStatus)
		}
		want := "cleanup " + c.cid
		if err := waitFor(30*time.Second, func() bool { return readFileIfAny(c.exitCommandOut) == want }); err != nil {
			t.Errorf("exit command wrote %q, want %q", readFileIfAny(c.exitCommandOut), want)
		}
	}
	t.Logf("%s: container %d ran under conmon %d; exit status %d in %s; log:\n%s", b.Arch, ctrPid, monitor, payloadStatus, exitFile, readFile(t, c.logPath))
}

// container is one container's bundle and conmon's files, under a short directory in /tmp (unix
// socket paths are limited to 108 bytes; the test's TMPDIR is too deep).
type container struct {
	b              archtest.Binary
	dir            string
	bundle         string
	cid, cuuid     string
	runtimePath    string
	runtimeRoot    string
	exitDir        string
	persistDir     string
	socketDir      string
	logPath        string
	ctrPidFile     string
	conmonPidFile  string
	exitCommandOut string
	// ocitest.Cgroup2Wrapper: conmon, the runtime and the container run in a private mount
	// namespace with cgroup2 at /sys/fs/cgroup (no controllers there: crun also gets
	// `--cgroup-manager disabled`)
	cgroup2 string
	stderr  bytes.Buffer
}

func newContainer(t *testing.T, b archtest.Binary) *container {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", "conmon-test-")
	if err != nil {
		t.Fatal(err)
	}
	c := &container{
		b:              b,
		dir:            dir,
		bundle:         filepath.Join(dir, "bundle"),
		cid:            fmt.Sprintf("conmon-test-%s-%d", b.Arch, time.Now().UnixNano()),
		cuuid:          fmt.Sprintf("%x", time.Now().UnixNano()),
		runtimePath:    rlocation(t, *crunFlag),
		runtimeRoot:    filepath.Join(dir, "runtime"),
		exitDir:        filepath.Join(dir, "exits"),
		socketDir:      filepath.Join(dir, "sockets"),
		logPath:        filepath.Join(dir, "ctr.log"),
		ctrPidFile:     filepath.Join(dir, "ctr.pid"),
		conmonPidFile:  filepath.Join(dir, "conmon.pid"),
		exitCommandOut: filepath.Join(dir, "exit-command"),
	}
	c.persistDir = filepath.Join(dir, "persist", c.cid)
	c.cgroup2 = ocitest.Cgroup2Wrapper(t)
	t.Cleanup(func() {
		// stop whatever is left (a failed run), then remove the files
		c.runtimeErr("delete", "--force", c.cid)
		if data, err := os.ReadFile(c.conmonPidFile); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && pid > 0 {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		os.RemoveAll(dir)
	})
	rootfs := filepath.Join(c.bundle, "rootfs")
	for _, d := range []string{rootfs + "/proc", rootfs + "/dev", c.runtimeRoot, c.exitDir, c.persistDir, c.socketDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	payload, err := os.ReadFile(rlocation(t, *payloadFlag))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rootfs, "payload"), payload, 0o755); err != nil {
		t.Fatal(err)
	}
	config, err := json.MarshalIndent(ociConfig(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.bundle, "config.json"), config, 0o644); err != nil {
		t.Fatal(err)
	}
	return c
}

// ociConfig is a minimal runtime spec like podman's for `--network none`: new pid, mount, ipc,
// uts and network namespaces, /proc and a tmpfs /dev, a read-only root holding the payload.
func ociConfig() map[string]any {
	return map[string]any{
		"ociVersion": "1.0.2",
		"process": map[string]any{
			"terminal":        false,
			"user":            map[string]any{"uid": 0, "gid": 0},
			"args":            []string{"/payload", strconv.Itoa(payloadStatus)},
			"env":             []string{"PATH=/"},
			"cwd":             "/",
			"noNewPrivileges": true,
		},
		"root":     map[string]any{"path": "rootfs", "readonly": true},
		"hostname": "conmon-test",
		"mounts": []map[string]any{
			{"destination": "/proc", "type": "proc", "source": "proc"},
			{"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		},
		"linux": map[string]any{
			"namespaces": []map[string]any{
				{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}, {"type": "network"},
			},
		},
	}
}

// runtimeArgs are the runtime's global options, passed through conmon's --runtime-arg as podman
// passes its own: our state directory, and no cgroup management (the hosts have hybrid cgroups
// with every controller on v1; podman's `--cgroups disabled` passes the same).
func (c *container) runtimeArgs() []string {
	return []string{"--root", c.runtimeRoot, "--cgroup-manager", "disabled"}
}

// startConmon runs conmon as podman does; with pipes it returns the parent end of the sync pipe,
// after conmon's first process has exited (podman waits for it too).
func (c *container) startConmon(t *testing.T, pipes bool) *os.File {
	t.Helper()
	args := []string{
		"--api-version", "1",
		"-c", c.cid,
		"-u", c.cuuid,
		"-r", c.runtimePath,
		"-b", c.bundle,
		"-p", c.ctrPidFile,
		"-n", c.cid,
		"--exit-dir", c.exitDir,
	}
	if pipes {
		args = append(args, "--persist-dir", c.persistDir, "--full-attach")
	} else {
		args = append(args, "--socket-dir-path", c.socketDir)
	}
	for _, a := range c.runtimeArgs() {
		args = append(args, "--runtime-arg", a)
	}
	if pipes {
		args = append(args, "-l", "k8s-file:"+c.logPath)
	} else {
		args = append(args, "--log-path", c.logPath) // k8s-file is the default driver
	}
	args = append(args, "--log-level", "debug", "--syslog", "--conmon-pidfile", c.conmonPidFile)
	if pipes {
		// podman's is `podman ... container cleanup <id>`; this one leaves a trace of its run
		args = append(args, "--exit-command", "/bin/sh",
			"--exit-command-arg", "-c",
			"--exit-command-arg", `printf '%s %s' "$1" "$2" > "$0"`,
			"--exit-command-arg", c.exitCommandOut,
			"--exit-command-arg", "cleanup",
			"--exit-command-arg", c.cid)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.cgroup2, append([]string{c.b.Path}, args...)...)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
	cmd.Stdout, cmd.Stderr = &c.stderr, &c.stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if pipes {
		syncParent, syncChild := socketpair(t)
		startParent, startChild := socketpair(t)
		cmd.ExtraFiles = []*os.File{syncChild, startChild}
		cmd.Env = append(cmd.Env, "_OCI_SYNCPIPE=3", "_OCI_STARTPIPE=4")
		err := cmd.Start()
		syncChild.Close()
		startChild.Close()
		if err != nil {
			t.Fatal(err)
		}
		// podman writes to the start pipe once conmon is in its cgroup
		_, err = startParent.Write([]byte{0})
		startParent.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("conmon: %v\n%s", err, c.stderr.String())
		}
		t.Cleanup(func() { syncParent.Close() })
		return syncParent
	}
	if err := cmd.Run(); err != nil {
		t.Fatalf("conmon: %v\n%s", err, c.stderr.String())
	}
	return nil
}

// fail fails the test with err and conmon's output.
func (c *container) fail(t *testing.T, err error) {
	t.Helper()
	t.Fatalf("%v\nconmon's output:\n%s", err, c.stderr.String())
}

func (c *container) runtime(t *testing.T, args ...string) {
	t.Helper()
	if out, err := c.runtimeErr(args...); err != nil {
		t.Fatalf("%s %s: %v\n%s\nconmon's output:\n%s", c.runtimePath, strings.Join(args, " "), err, out, c.stderr.String())
	}
}

func (c *container) runtimeErr(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, c.cgroup2, append(append([]string{c.runtimePath}, c.runtimeArgs()...), args...)...).CombinedOutput()
	return string(out), err
}

type syncMessage struct {
	Data    int    `json:"data"`
	Message string `json:"message"`
}

// readSync reads one JSON message from the sync pipe, as podman's readConmonPipeData does.
func readSync(f *os.File, timeout time.Duration) (syncMessage, error) {
	var msg syncMessage
	if err := f.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return msg, err
	}
	line, err := bufio.NewReader(f).ReadBytes('\n')
	if err != nil {
		if errors.Is(err, io.EOF) {
			return msg, fmt.Errorf("conmon closed the sync pipe without a message")
		}
		return msg, fmt.Errorf("reading the sync pipe: %w", err)
	}
	if err := json.Unmarshal(line, &msg); err != nil {
		return msg, fmt.Errorf("sync pipe message %q: %w", line, err)
	}
	return msg, nil
}

// k8s-file lines: "<RFC 3339 time> <stdout|stderr> <F(ull)|P(artial)> <text>".
var k8sLine = regexp.MustCompile(`^(\S+) (stdout|stderr) (F|P) (.*)$`)

func checkK8sLog(t *testing.T, path string) {
	t.Helper()
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(readFile(t, path), "\n"), "\n") {
		m := k8sLine.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("log line %q is not in k8s-file format", line)
			continue
		}
		if _, err := time.Parse(time.RFC3339Nano, m[1]); err != nil {
			t.Errorf("log line %q: time: %v", line, err)
		}
		if m[3] != "F" {
			t.Errorf("log line %q: a full line is tagged %s", line, m[3])
		}
		got[m[2]] += m[4]
	}
	if got["stdout"] != payloadStdout || got["stderr"] != payloadStderr {
		t.Errorf("log %s: stdout %q, stderr %q; want %q, %q", path, got["stdout"], got["stderr"], payloadStdout, payloadStderr)
	}
}

func checkSocket(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Errorf("attach socket: %v", err)
	} else if fi.Mode()&os.ModeSocket == 0 {
		t.Errorf("%s is %v, want a socket", path, fi.Mode())
	}
}

func socketpair(t *testing.T) (parent, child *os.File) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_LOCAL, syscall.SOCK_SEQPACKET|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	// our end non-blocking, so that reads can have a deadline
	if err := syscall.SetNonblock(fds[1], true); err != nil {
		t.Fatal(err)
	}
	return os.NewFile(uintptr(fds[1]), "parent"), os.NewFile(uintptr(fds[0]), "child")
}

func waitFor(timeout time.Duration, done func() bool) error {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if done() {
			return nil
		}
	}
	return fmt.Errorf("not done within %s", timeout)
}

func readPid(t *testing.T, path string) int {
	t.Helper()
	pid, err := strconv.Atoi(readFile(t, path))
	if err != nil || pid <= 0 {
		t.Fatalf("%s: not a pid (%v)", path, err)
	}
	return pid
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

func readFileIfAny(path string) string {
	data, _ := os.ReadFile(path)
	return strings.TrimSpace(string(data))
}

func rlocation(t *testing.T, p string) string {
	t.Helper()
	if p == "" {
		t.Fatal("missing -payload/-crun flag: run this test through its Bazel target")
	}
	abs, err := runfiles.Rlocation(p)
	if err != nil {
		t.Fatalf("runfile %s: %v", p, err)
	}
	return abs
}
