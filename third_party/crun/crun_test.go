package crun_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/archtest"
)

// crun re-executes itself at startup from a sealed memfd copy of /proc/self/exe (libcrun's
// constructor libcrun_rexec: the CVE-2019-5736 protection). Under qemu-user that re-exec runs
// qemu itself (arm64 `crun --version` prints qemu's version). crun skips the re-exec when its
// binary lies on a read-only filesystem (is_self_cloned in cloned_binary.c), so where crun is
// emulated (arm64) the test runs a copy of crun from a read-only bind mount in a private mount
// namespace: crun's own exemption, crun unchanged. The host's architecture runs the binary as
// built, re-exec included.
func crunFor(t *testing.T, b archtest.Binary) archtest.Binary {
	t.Helper()
	if !archtest.Emulated(b.Arch) {
		return b
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(b.Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "crun"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	wrapper := filepath.Join(dir, "crun.sh")
	script := "#!/bin/sh\n" +
		"# crun from a read-only bind mount of its directory (no memfd re-exec under qemu-user)\n" +
		`exec unshare --mount --propagation private /bin/sh -ec 'mount --bind "$0" "$0"; mount -o remount,bind,ro "$0"; exec "$0/crun" "$@"' ` +
		"'" + bin + `' "$@"` + "\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return archtest.Binary{Arch: b.Arch, Machine: b.Machine, Path: wrapper}
}

// --version: the pinned version, the commit the release tarball records, and the features this
// build has (libcap, libseccomp, eBPF device filters, yajl; no systemd, no CRIU).
func TestVersion(t *testing.T) {
	want := "crun version " + archtest.PinVersion(t, "crun")
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		out := crunFor(t, b).Run(t, nil, "--version")
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if lines[0] != want {
			t.Fatalf("first line of crun --version = %q, want %q\n%s", lines[0], want, out)
		}
		if len(lines) < 2 || !regexp.MustCompile(`^commit: [0-9a-f]{40}$`).MatchString(lines[1]) {
			t.Errorf("crun --version has no commit line:\n%s", out)
		}
		features := lines[len(lines)-1]
		for _, f := range []string{"+CAP", "+SECCOMP", "+EBPF", "+YAJL"} {
			if !strings.Contains(features, f) {
				t.Errorf("crun --version features %q lack %s", features, f)
			}
		}
		for _, f := range []string{"+SYSTEMD", "+CRIU"} {
			if strings.Contains(features, f) {
				t.Errorf("crun --version features %q have %s, which this build leaves out", features, f)
			}
		}
	})
}

func TestMimalloc(t *testing.T) {
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) { crunFor(t, b).CheckMimalloc(t, "--version") })
}

// `crun features` (the OCI runtime features document podman reads): seccomp enabled, with the
// pinned libseccomp; no systemd cgroup manager.
func TestFeatures(t *testing.T) {
	crunVersion, seccompVersion := archtest.PinVersion(t, "crun"), archtest.PinVersion(t, "libseccomp")
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		out := crunFor(t, b).Run(t, nil, "features")
		var f struct {
			Annotations map[string]string `json:"annotations"`
			Linux       struct {
				Seccomp struct {
					Enabled bool `json:"enabled"`
				} `json:"seccomp"`
				Cgroup struct {
					V2      bool `json:"v2"`
					Systemd bool `json:"systemd"`
				} `json:"cgroup"`
			} `json:"linux"`
		}
		if err := json.Unmarshal([]byte(out), &f); err != nil {
			t.Fatalf("crun features: %v\n%s", err, out)
		}
		if !f.Linux.Seccomp.Enabled || !f.Linux.Cgroup.V2 || f.Linux.Cgroup.Systemd {
			t.Errorf("crun features: seccomp %v, cgroup v2 %v, systemd %v; want true, true, false",
				f.Linux.Seccomp.Enabled, f.Linux.Cgroup.V2, f.Linux.Cgroup.Systemd)
		}
		if got := f.Annotations["io.github.seccomp.libseccomp.version"]; got != seccompVersion {
			t.Errorf("crun features: libseccomp %q, want the pinned %q", got, seccompVersion)
		}
		if got := f.Annotations["run.oci.crun.version"]; got != crunVersion {
			t.Errorf("crun features: run.oci.crun.version %q, want %q", got, crunVersion)
		}
	})
}

// `crun spec` writes the default config.json the container tests start from. It looks at the
// cgroup hierarchy first (a cgroup namespace for cgroup v2), so it runs in the cgroup2 namespace
// the container tests use (see inNamespace).
func TestSpec(t *testing.T) {
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		cfg := spec(t, crunFor(t, b), t.TempDir())
		process, _ := cfg["process"].(map[string]any)
		root, _ := cfg["root"].(map[string]any)
		if cfg["ociVersion"] == nil || process == nil || fmt.Sprint(process["args"]) != "[sh]" || root["path"] != "rootfs" {
			t.Errorf("crun spec wrote an unexpected config.json: %v", cfg)
		}
	})
}

// spec runs `crun spec --bundle dir` and returns the config.json it wrote.
func spec(t *testing.T, c archtest.Binary, dir string) map[string]any {
	t.Helper()
	if r := inNamespace(t, nil, c.Path, "spec", "--bundle", dir); r.code != 0 {
		t.Fatalf("crun spec: exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("config.json from crun spec: %v", err)
	}
	return cfg
}

// Containers. The host has hybrid cgroups (v1 controllers, an empty cgroup2 at
// /sys/fs/cgroup/unified) and the test's /sys is a fresh sysfs with nothing mounted on
// /sys/fs/cgroup. Every crun command therefore runs in its own private mount namespace
// (`unshare --mount --propagation private`) with the cgroup2 hierarchy mounted over
// /sys/fs/cgroup: crun sees a unified hierarchy and manages real cgroups there (cgroupfs
// manager; the v2 hierarchy has no controllers, so the config asks for none beyond the device
// filter, which crun installs as an eBPF program). It is one hierarchy, so the cgroups a command
// creates are what the next command sees. Nothing is mounted outside those namespaces.

// capEff is the config's capability set (crun spec's default: CAP_AUDIT_WRITE, CAP_KILL,
// CAP_NET_BIND_SERVICE) as /proc/self/status shows it.
const capEff = "0000000020000420"

type container struct {
	t      *testing.T
	crun   archtest.Binary
	name   string
	id     string
	bundle string
	root   string // crun --root
}

// newContainer makes a bundle whose rootfs holds only the payload (//third_party/crun/testdata,
// built for b's architecture) and a marker file; config.json is crun spec's, edited to run the
// payload with args, a hostname, an environment variable, a cgroup of its own and a seccomp
// filter that makes getppid fail with errno 77.
func newContainer(t *testing.T, b archtest.Binary, name string, args ...string) *container {
	t.Helper()
	c := &container{
		t:      t,
		crun:   crunFor(t, b),
		name:   name,
		id:     fmt.Sprintf("crun-test-%d-%s-%s", os.Getpid(), b.Arch, name),
		bundle: t.TempDir(),
		root:   t.TempDir(),
	}
	rootfs := filepath.Join(c.bundle, "rootfs")
	if err := os.Mkdir(rootfs, 0o755); err != nil {
		t.Fatal(err)
	}
	payload, err := os.ReadFile(b.Data(t, "payload"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rootfs, "payload"), payload, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rootfs, "marker"), []byte("bundle-"+name+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	cfg := spec(t, c.crun, c.bundle)
	process := cfg["process"].(map[string]any)
	process["terminal"] = false
	process["args"] = append([]string{"/payload"}, args...)
	process["env"] = append(process["env"].([]any), "GREETING=hello-from-config")
	cfg["hostname"] = "crun-test"
	linux := cfg["linux"].(map[string]any)
	linux["cgroupsPath"] = c.cgroup()
	linux["seccomp"] = map[string]any{
		"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": []any{map[string]any{
			"names":    []string{"getppid"},
			"action":   "SCMP_ACT_ERRNO",
			"errnoRet": 77,
		}},
	}
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.bundle, "config.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	// whatever happens, leave no container, state or cgroup behind
	t.Cleanup(func() { c.exec(nil, "delete", "--force", c.id) })
	return c
}

func (c *container) cgroup() string { return "/" + c.id }

// wantLine is the payload's first line in this container.
func (c *container) wantLine() string {
	return fmt.Sprintf("payload pid=1 host=crun-test marker=bundle-%s greeting=hello-from-config capeff=%s getppid=-1/77\n",
		c.name, capEff)
}

type result struct {
	stdout, stderr string
	code           int
}

// inNamespace runs argv in a private mount namespace with cgroup2 over /sys/fs/cgroup. stdout,
// if given, receives the command's (and so a created container's) standard output; otherwise it
// is captured in the result. Files, not pipes: a container outlives `crun create`.
func inNamespace(t *testing.T, stdout *os.File, argv ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", append([]string{"--mount", "--propagation", "private",
		"/bin/sh", "-ec", `mount -t cgroup2 none /sys/fs/cgroup; exec "$@"`, "sh"}, argv...)...)
	// not t.TempDir: this also runs from t.Cleanup
	dir, err := os.MkdirTemp("", "crun-ns-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	out, errf := stdout, mustCreate(t, filepath.Join(dir, "stderr"))
	defer errf.Close()
	if out == nil {
		out = mustCreate(t, filepath.Join(dir, "stdout"))
		defer out.Close()
	}
	cmd.Stdout, cmd.Stderr = out, errf
	err = cmd.Run()
	var r result
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("%s: timed out", strings.Join(argv, " "))
	case errors.As(err, &exitErr):
		r.code = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("%s: %v", strings.Join(argv, " "), err)
	}
	if stdout == nil {
		r.stdout = readFile(t, filepath.Join(dir, "stdout"))
	}
	r.stderr = readFile(t, filepath.Join(dir, "stderr"))
	return r
}

// exec runs crun --root <state> args... in the cgroup2 namespace.
func (c *container) exec(stdout *os.File, args ...string) result {
	c.t.Helper()
	return inNamespace(c.t, stdout, append([]string{c.crun.Path, "--root", c.root}, args...)...)
}

// mustExec is exec that fails the test unless crun exits 0.
func (c *container) mustExec(stdout *os.File, args ...string) result {
	c.t.Helper()
	r := c.exec(stdout, args...)
	if r.code != 0 {
		c.t.Fatalf("crun %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// What starting a container needs of the kernel, which an emulator may lack (qemu-user does):
// each test checks it with SkipIfEmulatorLacks before crun runs, never from crun's errors. Every
// container of these tests has a seccomp filter (newContainer); crun clones its init with
// namespace flags (CLONE_NEWPID...); an attached `crun run` first makes itself the child
// subreaper (`crun create` and `run --detach` do not).
var (
	createNeeds = []archtest.Feature{archtest.NamespaceClone, archtest.SeccompFilter}
	runNeeds    = append([]archtest.Feature{archtest.ChildSubreaper}, createNeeds...)
)

type state struct {
	Status string `json:"status"`
	Pid    int    `json:"pid"`
}

func (c *container) state() state {
	c.t.Helper()
	r := c.mustExec(nil, "state", c.id)
	var s state
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		c.t.Fatalf("crun state %s: %v\n%s", c.id, err, r.stdout)
	}
	return s
}

func (c *container) waitStatus(want string) state {
	c.t.Helper()
	var s state
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if s = c.state(); s.Status == want {
			return s
		}
	}
	c.t.Fatalf("container %s is %q, not %q, after 30s", c.id, s.Status, want)
	return s
}

// cgroupProcs returns the container cgroup's cgroup.procs, and whether the cgroup exists.
func (c *container) cgroupProcs() (string, bool) {
	c.t.Helper()
	r := inNamespace(c.t, nil, "cat", "/sys/fs/cgroup"+c.cgroup()+"/cgroup.procs")
	return r.stdout, r.code == 0
}

// assertGone checks that nothing of the container is left: crun no longer knows it, its state
// directory and its cgroup are removed.
func (c *container) assertGone() {
	c.t.Helper()
	if r := c.exec(nil, "state", c.id); r.code == 0 {
		c.t.Errorf("crun state %s still answers after delete:\n%s", c.id, r.stdout)
	}
	if r := c.mustExec(nil, "list", "--quiet"); strings.Contains(r.stdout, c.id) {
		c.t.Errorf("crun list still shows %s:\n%s", c.id, r.stdout)
	}
	if _, err := os.Stat(filepath.Join(c.root, c.id)); !errors.Is(err, os.ErrNotExist) {
		c.t.Errorf("state directory %s/%s still there (%v)", c.root, c.id, err)
	}
	if _, ok := c.cgroupProcs(); ok {
		c.t.Errorf("cgroup %s still there after delete", c.cgroup())
	}
}

// crun run: the payload runs as pid 1 of its namespaces in the bundle's rootfs, with the
// config's hostname, environment, capabilities and seccomp filter; its output is crun's, its
// exit status crun's; afterwards no state or cgroup is left.
func TestRun(t *testing.T) {
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		b.SkipIfEmulatorLacks(t, runNeeds...)
		c := newContainer(t, b, "run", "exit", "7")
		r := c.exec(nil, "run", "--bundle", c.bundle, c.id)
		if r.code != 7 {
			t.Fatalf("crun run: exit %d, want the payload's 7\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		if want := c.wantLine(); r.stdout != want {
			t.Errorf("crun run: stdout %q, want %q (stderr %q)", r.stdout, want, r.stderr)
		}
		c.assertGone()
		t.Logf("%s: crun run printed %q and exited 7", b.Arch, strings.TrimSpace(r.stdout))
	})
}

// The lifecycle podman drives: create (the init waits in its cgroup), start, state, kill,
// delete; then delete --force of a running container.
func TestLifecycle(t *testing.T) {
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		b.SkipIfEmulatorLacks(t, createNeeds...)
		c := newContainer(t, b, "life", "wait")
		outPath := filepath.Join(t.TempDir(), "container.out")
		out := mustCreate(t, outPath)
		defer out.Close()

		r := c.exec(out, "create", "--bundle", c.bundle, c.id)
		if r.code != 0 {
			t.Fatalf("crun create: exit %d\nstderr:\n%s", r.code, r.stderr)
		}
		s := c.state()
		if s.Status != "created" || s.Pid <= 0 {
			t.Fatalf("after create: state %+v, want status created with a pid", s)
		}
		if procs, _ := c.cgroupProcs(); !containsLine(procs, fmt.Sprint(s.Pid)) {
			t.Errorf("cgroup %s holds %q, not the container's init %d", c.cgroup(), procs, s.Pid)
		}
		if got := readFile(t, outPath); got != "" {
			t.Errorf("the payload ran before crun start: %q", got)
		}

		c.mustExec(nil, "start", c.id)
		want := c.wantLine() + "waiting\n"
		waitForOutput(t, outPath, want)
		if s := c.state(); s.Status != "running" {
			t.Errorf("after start: status %q, want running", s.Status)
		}

		c.mustExec(nil, "kill", c.id, "TERM")
		c.waitStatus("stopped")
		waitForOutput(t, outPath, want+"got SIGTERM\n")
		c.mustExec(nil, "delete", c.id)
		c.assertGone()

		// delete --force kills a running container and cleans up after it
		f := newContainer(t, b, "force", "wait")
		fout := mustCreate(t, filepath.Join(t.TempDir(), "force.out"))
		defer fout.Close()
		f.mustExec(fout, "run", "--detach", "--bundle", f.bundle, f.id)
		pid := f.waitStatus("running").Pid
		f.mustExec(nil, "delete", "--force", f.id)
		f.assertGone()
		for deadline := time.Now().Add(10 * time.Second); syscall.Kill(pid, 0) == nil; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("container init %d still alive 10s after crun delete --force", pid)
			}
		}
		t.Logf("%s: create/start/state/kill/delete and run --detach/delete --force, nothing left behind", b.Arch)
	})
}

func waitForOutput(t *testing.T, path, want string) {
	t.Helper()
	var got string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got = readFile(t, path); got == want {
			return
		}
	}
	t.Fatalf("container output %q, want %q", got, want)
}

func containsLine(s, line string) bool {
	for _, l := range strings.Split(s, "\n") {
		if l == line {
			return true
		}
	}
	return false
}

func mustCreate(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
