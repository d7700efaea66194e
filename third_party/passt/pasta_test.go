package passt_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bazelbuild/rules_go/go/runfiles"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/archtest"
)

// The traffic tests run this test binary again inside pasta's network namespace, as the program
// on the other side of pasta; roleEnv says which part it plays there.
const (
	roleEnv  = "PASTA_TEST_ROLE" // "send" or "receive"
	addrEnv  = "PASTA_TEST_ADDR" // send: host:port to connect to; receive: port to listen on
	seedEnv  = "PASTA_TEST_SEED" // send: hex seed of the bytes to send
	fileSize = 1 << 20
	ioLimit  = 60 * time.Second
)

func TestMain(m *testing.M) {
	if role := os.Getenv(roleEnv); role != "" {
		if err := child(role); err != nil {
			fmt.Fprintf(os.Stderr, "pasta_test %s: %v\n", role, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// payload is fileSize pseudo-random bytes from a 32-byte seed: both sides of pasta can make the
// same file without sharing a file system path.
func payload(seed [32]byte) []byte {
	b := make([]byte, fileSize)
	r := mrand.NewChaCha8(seed)
	for i := 0; i < len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], r.Uint64())
	}
	return b
}

// child runs inside pasta's namespace: "send" connects through pasta and writes the payload,
// "receive" listens, reads one connection to its end and prints the data's sha256.
func child(role string) error {
	switch role {
	case "send":
		var seed [32]byte
		s, err := hex.DecodeString(os.Getenv(seedEnv))
		if err != nil || len(s) != len(seed) {
			return fmt.Errorf("bad %s: %v", seedEnv, err)
		}
		copy(seed[:], s)
		c, err := net.DialTimeout("tcp", os.Getenv(addrEnv), ioLimit)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(ioLimit))
		if _, err := c.Write(payload(seed)); err != nil {
			return err
		}
		if err := c.(*net.TCPConn).CloseWrite(); err != nil {
			return err
		}
		// pasta quits as soon as its command exits, with whatever it still holds: stay until
		// the host has read everything and closed its end
		_, err = io.Copy(io.Discard, c)
		return err
	case "receive":
		ln, err := net.Listen("tcp4", "0.0.0.0:"+os.Getenv(addrEnv))
		if err != nil {
			return err
		}
		defer ln.Close()
		ln.(*net.TCPListener).SetDeadline(time.Now().Add(ioLimit))
		fmt.Println("listening")
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(ioLimit))
		h := sha256.New()
		if _, err := io.Copy(h, c); err != nil {
			return err
		}
		fmt.Println(hex.EncodeToString(h.Sum(nil)))
		return nil
	}
	return fmt.Errorf("unknown role %q", role)
}

func TestVersion(t *testing.T) {
	want := "pasta " + archtest.PinVersion(t, "passt")
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		out := b.Run(t, nil, "--version")
		if first, _, _ := strings.Cut(out, "\n"); first != want {
			t.Errorf("--version's first line = %q, want %q (the pin)", first, want)
		}
	})
}

// pasta on x86_64 runs "<its own path>.avx2" instead of itself when the CPU has AVX2 (arch.c):
// beside pasta in a directory, a stand-in pasta.avx2 runs in its place, with pasta's arguments;
// without AVX2, or without the file, pasta goes on as itself.
func TestRunsAVX2Build(t *testing.T) {
	var base, avx2 *archtest.Binary
	for _, b := range archtest.Binaries(t) {
		if b.Arch == "amd64" {
			if b.Variant == "avx2" {
				avx2 = &b
			} else if b.Variant == "" {
				base = &b
			}
		}
	}
	if base == nil {
		t.Skip("this run tests another architecture's pasta: the AVX2 build is amd64's (its own target, pasta_test_amd64)")
	}
	if avx2 == nil {
		t.Fatal("want amd64's avx2 build beside its pasta among the binaries (the BUILD file's cpu_variants)")
	}
	if archtest.Emulated(base.Arch) {
		t.Skipf("the amd64 build runs under an emulator here, which passes its own CPU's flags")
	}
	dir := t.TempDir()
	pasta := filepath.Join(dir, "pasta")
	data, err := os.ReadFile(base.Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pasta, data, 0o755); err != nil {
		t.Fatal(err)
	}
	b := archtest.Binary{Arch: base.Arch, Machine: base.Machine, Path: pasta}
	want := "pasta " + archtest.PinVersion(t, "passt")
	if out := b.Run(t, nil, "--version"); !strings.HasPrefix(out, want+"\n") {
		t.Errorf("pasta alone: --version printed %q, want %q", out, want)
	}
	if err := os.WriteFile(pasta+".avx2", []byte("#!/bin/sh\necho \"the AVX2 build, with $*\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	out := b.Run(t, nil, "--version")
	if archtest.CPUHas(t, "avx2") {
		if out != "the AVX2 build, with --version\n" {
			t.Errorf("pasta beside pasta.avx2 on a CPU with AVX2 printed %q, want what pasta.avx2 prints", out)
		}
	} else if !strings.HasPrefix(out, want+"\n") {
		t.Errorf("pasta beside pasta.avx2 on a CPU without AVX2 printed %q, want its own version", out)
	}
}

func TestMimalloc(t *testing.T) {
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) { b.CheckMimalloc(t, "--version") })
}

// Syscall numbers, from golang.org/x/sys/unix's zsysnum_linux_<goarch>.go (generated from the
// kernel's headers; the copy the pinned Go toolchain vendors): a source independent of the musl
// headers seccomp.sh reads. The BUILD file
// passes one file per architecture of platforms/archs.bzl (-syscalls=GOARCH:RLOCATIONPATH).
var syscallFlags archtest.ListFlag

func init() {
	flag.Var(&syscallFlags, "syscalls", "GOARCH:RLOCATIONPATH of x/sys/unix's zsysnum_linux_GOARCH.go (repeatable)")
}

var sysRE = regexp.MustCompile(`(?m)^\s*SYS_([A-Z0-9_]+)\s*=\s*(\d+)\s*$`)

// syscallNumbers returns arch's syscall numbers by lower-case name ("read", "setns", ...).
func syscallNumbers(t *testing.T, arch string) map[string]uint32 {
	t.Helper()
	for _, f := range syscallFlags {
		a, path, ok := strings.Cut(f, ":")
		if !ok {
			t.Fatalf("malformed -syscalls=%q, want GOARCH:RLOCATIONPATH", f)
		}
		if a != arch {
			continue
		}
		p, err := runfiles.Rlocation(path)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		nums := map[string]uint32{}
		for _, m := range sysRE.FindAllStringSubmatch(string(data), -1) {
			n, _ := strconv.ParseUint(m[2], 10, 32)
			nums[strings.ToLower(m[1])] = uint32(n)
		}
		if len(nums) < 100 {
			t.Fatalf("%s: %d syscall numbers, not a zsysnum file", path, len(nums))
		}
		return nums
	}
	t.Fatalf("no -syscalls for %s: the BUILD file passes one per architecture of platforms/archs.bzl", arch)
	return nil
}

// auditArch is what seccomp_data.arch holds for b's native syscalls (<linux/audit.h>'s
// AUDIT_ARCH_*): the ELF machine, with the 64-bit and little-endian bits as the binary's header has them.
func auditArch(t *testing.T, b archtest.Binary) uint32 {
	t.Helper()
	f, err := elf.Open(b.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a := uint32(f.Machine)
	if f.Class == elf.ELFCLASS64 {
		a |= 0x80000000 // __AUDIT_ARCH_64BIT
	}
	if f.Data == elf.ELFDATA2LSB {
		a |= 0x40000000 // __AUDIT_ARCH_LE
	}
	return a
}

// What pasta's filter must allow for what this test makes it do (its TCP paths, the namespace
// it spawns, its timers and logs), and what no passt filter may allow.
var (
	pastaNeeds = []string{
		"read", "write", "writev", "close", "socket", "bind", "listen", "connect", "accept4",
		"setsockopt", "getsockopt", "recvmsg", "sendmsg", "recvfrom", "sendto", "shutdown",
		"epoll_ctl", "epoll_pwait", "splice", "pipe2", "fcntl", "ioctl", "openat", "lseek",
		"timerfd_create", "timerfd_settime", "timerfd_gettime", "clock_gettime", "clone",
		"setns", "waitid", "exit_group",
	}
	neverAllowed = []string{"execve", "ptrace", "mount", "init_module", "bpf"}
)

const (
	bpfLdAbs  = 0x20 // BPF_LD | BPF_W | BPF_ABS
	bpfJeqK   = 0x15 // BPF_JMP | BPF_JEQ | BPF_K
	bpfJgeK   = 0x35 // BPF_JMP | BPF_JGE | BPF_K
	bpfRetK   = 0x06 // BPF_RET | BPF_K
	retAllow  = 0x7fff0000
	offArch   = 4 // offsetof(struct seccomp_data, arch)
	offNr     = 0 // offsetof(struct seccomp_data, nr)
	insnBytes = 8
)

type insn struct {
	code   uint16
	jt, jf uint8
	k      uint32
}

// filter is one of passt's seccomp programs (struct sock_filter[] from seccomp.h) found in the
// binary's data.
type filter struct {
	data []byte // the binary from the program's first instruction on
	at   int    // file offset, for messages
}

func (f filter) insn(pc int) (insn, bool) {
	o := pc * insnBytes
	if pc < 0 || o+insnBytes > len(f.data) {
		return insn{}, false
	}
	d := f.data[o:]
	return insn{binary.LittleEndian.Uint16(d), d[2], d[3], binary.LittleEndian.Uint32(d[4:])}, true
}

// run executes the program as the kernel would for a syscall nr from arch and returns the
// action; it understands exactly the instructions seccomp.sh writes.
func (f filter) run(arch, nr uint32) (uint32, error) {
	var acc uint32
	for pc, steps := 0, 0; steps < 4096; steps++ {
		in, ok := f.insn(pc)
		if !ok {
			return 0, fmt.Errorf("program at %#x runs out of the file at instruction %d", f.at, pc)
		}
		switch in.code {
		case bpfLdAbs:
			switch in.k {
			case offArch:
				acc = arch
			case offNr:
				acc = nr
			default:
				return 0, fmt.Errorf("instruction %d loads seccomp_data offset %d", pc, in.k)
			}
			pc++
		case bpfJeqK, bpfJgeK:
			cond := acc == in.k
			if in.code == bpfJgeK {
				cond = acc >= in.k
			}
			if cond {
				pc += 1 + int(in.jt)
			} else {
				pc += 1 + int(in.jf)
			}
		case bpfRetK:
			return in.k, nil
		default:
			return 0, fmt.Errorf("instruction %d has unexpected code %#x", pc, in.code)
		}
	}
	return 0, fmt.Errorf("program at %#x does not end", f.at)
}

// findFilters returns every program in the file that starts as seccomp.sh's do: load arch,
// compare with want, load nr.
func findFilters(data []byte, arch uint32) []filter {
	var head []byte
	for _, in := range []insn{{bpfLdAbs, 0, 0, offArch}, {bpfJeqK, 0, 0, arch}} {
		var b [insnBytes]byte
		binary.LittleEndian.PutUint16(b[:], in.code)
		b[2], b[3] = in.jt, in.jf
		binary.LittleEndian.PutUint32(b[4:], in.k)
		head = append(head, b[:]...)
	}
	var out []filter
	for i := 0; ; {
		j := bytes.Index(data[i:], head[:11]) // up to the kill offset (jf) of the arch check
		if j < 0 {
			return out
		}
		at := i + j
		if at+3*insnBytes <= len(data) && bytes.Equal(data[at+12:at+16], head[12:16]) &&
			bytes.Equal(data[at+16:at+24], []byte{bpfLdAbs, 0, 0, 0, offNr, 0, 0, 0}) {
			out = append(out, filter{data: data[at:], at: at})
		}
		i = at + 1
	}
}

// The seccomp table is generated at build time by asking the target's compiler for syscall
// numbers: a table for the wrong architecture or with empty numbers kills pasta with SIGSYS.
// Simulate the filters compiled into each binary with independently known numbers.
func TestSeccompFilters(t *testing.T) {
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		nums, arch := syscallNumbers(t, b.Arch), auditArch(t, b)
		data, err := os.ReadFile(b.Path)
		if err != nil {
			t.Fatal(err)
		}
		filters := findFilters(data, arch)
		// seccomp.sh's profiles: passt, pasta, vu
		if len(filters) != 3 {
			t.Fatalf("found %d seccomp programs for AUDIT_ARCH %#x in the binary, want 3 (passt, pasta, vu)", len(filters), arch)
		}
		allows := func(f filter, name string) bool {
			ret, err := f.run(arch, nums[name])
			if err != nil {
				t.Fatal(err)
			}
			return ret == retAllow
		}
		var pasta []filter
		for _, f := range filters {
			if allows(f, "setns") {
				pasta = append(pasta, f)
			}
			for _, name := range neverAllowed {
				if allows(f, name) {
					t.Errorf("program at %#x allows %s", f.at, name)
				}
			}
			// a syscall of another architecture must be killed, whatever its number
			for _, name := range []string{"read", "setns"} {
				if ret, err := f.run(arch^0x1, nums[name]); err != nil || ret == retAllow {
					t.Errorf("program at %#x allows %s from another architecture (%#x, %v)", f.at, name, ret, err)
				}
			}
		}
		if len(pasta) != 1 {
			t.Fatalf("%d programs allow setns, want 1 (pasta's)", len(pasta))
		}
		var missing []string
		for _, name := range pastaNeeds {
			if !allows(pasta[0], name) {
				missing = append(missing, fmt.Sprintf("%s (%d)", name, nums[name]))
			}
		}
		if len(missing) > 0 {
			t.Errorf("pasta's filter kills syscalls it needs: %s", strings.Join(missing, ", "))
		}
		names := map[uint32]string{}
		for name, nr := range nums {
			names[nr] = name
		}
		var allowed []string
		for nr := uint32(0); nr < 512; nr++ {
			if ret, _ := pasta[0].run(arch, nr); ret == retAllow {
				if name, ok := names[nr]; ok {
					allowed = append(allowed, name)
				} else {
					allowed = append(allowed, strconv.Itoa(int(nr)))
				}
			}
		}
		sort.Strings(allowed)
		t.Logf("pasta's filter (at %#x) allows %d syscalls: %s", pasta[0].at, len(allowed), strings.Join(allowed, " "))
	})
}

// pasta starts a command in a new network namespace, connected through pasta. --netns-only: the
// tests run in a chroot, where no user namespace can be created (the kernel refuses unshare of
// CLONE_NEWUSER to a chrooted process), so pasta runs as root in the initial user namespace
// (--runas 0:0, else it switches to nobody and cannot clone the namespaces). Its seccomp filter
// is on: pasta always applies it (this snapshot has no option to turn it off).
func startPasta(ctx context.Context, t *testing.T, b archtest.Binary, childEnv []string, pastaArgs ...string) (*exec.Cmd, io.Reader, *bytes.Buffer) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{
		"--netns-only", "--runas", "0:0",
		"--config-net", "-4", "--address", "10.0.2.15", "--netmask", "24", "--gateway", "10.0.2.2",
		// as podman does: no automatic port forwarding, only what the test asks for
		"-u", "none", "-T", "none", "-U", "none",
	}, pastaArgs...)
	args = append(args, "--", self)
	cmd := exec.CommandContext(ctx, b.Path, args...)
	cmd.Env = append(os.Environ(), childEnv...)
	// pasta's child is the init of its own PID namespace: stop the whole group on timeout
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	t.Logf("%s %s", b.Path, strings.Join(args, " "))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Cancel()
			cmd.Wait()
		}
	})
	return cmd, stdout, &stderr
}

// A 1 MiB file really crosses pasta, both ways, with the seccomp filter on.
func TestTraffic(t *testing.T) {
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		// pasta clones its namespace process with namespace flags and always installs a seccomp
		// filter on its architecture's syscall numbers: qemu-user does neither
		b.SkipIfEmulatorLacks(t, archtest.NamespaceClone, archtest.SeccompFilter)
		if os.Geteuid() != 0 {
			t.Skip("needs root: pasta creates network, mount and PID namespaces without a user namespace here")
		}
		var seed [32]byte
		if _, err := rand.Read(seed[:]); err != nil {
			t.Fatal(err)
		}
		data := payload(seed)
		want := sha256.Sum256(data)

		// The program in the namespace connects to the gateway address, which pasta maps to the
		// host's loopback: the bytes go through pasta's tap interface and its TCP translation.
		t.Run("namespace_to_host", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			ln, err := net.Listen("tcp4", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			port := ln.Addr().(*net.TCPAddr).Port
			got := make(chan string, 1)
			go func() {
				ln.(*net.TCPListener).SetDeadline(time.Now().Add(ioLimit))
				c, err := ln.Accept()
				if err != nil {
					got <- "accept: " + err.Error()
					return
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(ioLimit))
				h := sha256.New()
				n, err := io.Copy(h, c)
				if err != nil {
					got <- "read: " + err.Error()
					return
				}
				got <- fmt.Sprintf("%x (%d bytes from %s)", h.Sum(nil), n, c.RemoteAddr())
			}()
			cmd, stdout, stderr := startPasta(ctx, t, b, []string{
				roleEnv + "=send",
				addrEnv + "=10.0.2.2:" + strconv.Itoa(port),
				seedEnv + "=" + hex.EncodeToString(seed[:]),
			}, "--map-host-loopback", "10.0.2.2", "-t", "none")
			io.Copy(io.Discard, stdout)
			if err := cmd.Wait(); err != nil {
				t.Fatalf("pasta: %v\nstderr:\n%s", err, stderr)
			}
			res := <-got
			t.Logf("host received %s", res)
			if !strings.HasPrefix(res, hex.EncodeToString(want[:])+" ") {
				t.Errorf("host received %s, want sha256 %x of %d bytes\npasta's stderr:\n%s", res, want, fileSize, stderr)
			}
		})

		// pasta forwards a host port (-t) to the namespace, where the program listens.
		t.Run("host_to_namespace", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			free, err := net.Listen("tcp4", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			port := strconv.Itoa(free.Addr().(*net.TCPAddr).Port)
			free.Close()
			cmd, stdout, stderr := startPasta(ctx, t, b, []string{
				roleEnv + "=receive",
				addrEnv + "=" + port,
			}, "-t", "127.0.0.1/"+port)
			lines := bufio.NewScanner(stdout)
			if !lines.Scan() || lines.Text() != "listening" {
				cmd.Cancel()
				cmd.Wait()
				t.Fatalf("the program in pasta's namespace did not start listening (%q)\nstderr:\n%s", lines.Text(), stderr)
			}
			c, err := (&net.Dialer{}).DialContext(ctx, "tcp4", "127.0.0.1:"+port)
			if err != nil {
				t.Fatalf("connecting to pasta's forwarded port: %v\nstderr:\n%s", err, stderr)
			}
			c.SetDeadline(time.Now().Add(ioLimit))
			if _, err := c.Write(data); err != nil {
				t.Fatalf("sending through pasta: %v\nstderr:\n%s", err, stderr)
			}
			c.(*net.TCPConn).CloseWrite()
			var res string
			if lines.Scan() {
				res = lines.Text()
			}
			c.Close()
			io.Copy(io.Discard, stdout)
			if err := cmd.Wait(); err != nil {
				t.Fatalf("pasta: %v\nstderr:\n%s", err, stderr)
			}
			t.Logf("namespace received sha256 %s", res)
			if res != hex.EncodeToString(want[:]) {
				t.Errorf("namespace received sha256 %q, want %x\npasta's stderr:\n%s", res, want, stderr)
			}
		})
	})
}
