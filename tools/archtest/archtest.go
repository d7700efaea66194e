// Package archtest is the test side of the arch_test Bazel macro (arch_test.bzl): it receives one
// build of a binary per target architecture, checks that each is a static executable for its
// machine, and runs it (arm64 through the host's qemu-user binfmt handler).
package archtest

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bazelbuild/rules_go/go/runfiles"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/elfcheck"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/pins"
)

// Binary is one architecture's build of the binary under test.
type Binary struct {
	Arch    string      // GOARCH spelling: amd64, arm64
	Machine elf.Machine // what its ELF header must say
	Path    string      // absolute path in the runfiles
	// Variant is the CPU feature a second build for Arch needs (arch_test's cpu_variants: e.g.
	// "avx2", as /proc/cpuinfo's flags name it), "" for the architecture's baseline build
	Variant string
}

// Name is the binary's subtest name: its architecture, and its variant after a "+".
func (b Binary) Name() string {
	if b.Variant == "" {
		return b.Arch
	}
	return b.Arch + "+" + b.Variant
}

// ListFlag is a repeatable string flag (flag.Var): every value given, in order.
type ListFlag []string

func (l *ListFlag) String() string     { return strings.Join(*l, ",") }
func (l *ListFlag) Set(v string) error { *l = append(*l, v); return nil }

var flags, dataFlags ListFlag

func init() {
	flag.Var(&flags, "binary", "ARCH[+CPU_FEATURE]:ELF_MACHINE:RLOCATIONPATH of a binary under test (repeatable)")
	flag.Var(&dataFlags, "arch_data", "KEY:ARCH:RLOCATIONPATH of an executable built for ARCH (arch_test's arch_data; repeatable)")
}

// Data returns the path of arch_test's arch_data executable key built for b's architecture.
func (b Binary) Data(t testing.TB, key string) string {
	t.Helper()
	for _, f := range dataFlags {
		parts := strings.SplitN(f, ":", 3)
		if len(parts) == 3 && parts[0] == key && parts[1] == b.Arch {
			p, err := runfiles.Rlocation(parts[2])
			if err != nil {
				t.Fatalf("runfile %s: %v", parts[2], err)
			}
			return p
		}
	}
	t.Fatalf("no arch_data %q for %s: add it to the arch_test's arch_data", key, b.Arch)
	return ""
}

// Binaries returns the binaries passed by arch_test; under Bazel the test fails if there are none.
// Outside Bazel (`go test ./tools/...` reaches the harness's own arch_test, the emulator probe)
// nothing has built them: the test skips, saying where it runs.
func Binaries(t testing.TB) []Binary {
	t.Helper()
	if len(flags) == 0 && os.Getenv("TEST_SRCDIR") == "" {
		t.Skip("arch_test builds the binaries and passes them as -binary flags: this test runs under Bazel (bazel test of its arch_test target), not `go test`")
	}
	if len(flags) == 0 {
		t.Fatal("no -binary flags: run this test through its arch_test Bazel target")
	}
	var out []Binary
	for _, f := range flags {
		parts := strings.SplitN(f, ":", 3)
		if len(parts) != 3 {
			t.Fatalf("malformed -binary=%q, want ARCH[+CPU_FEATURE]:ELF_MACHINE:RLOCATIONPATH", f)
		}
		arch, variant, _ := strings.Cut(parts[0], "+")
		m, err := elfcheck.MachineByName(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		p, err := runfiles.Rlocation(parts[2])
		if err != nil {
			t.Fatalf("runfile %s: %v", parts[2], err)
		}
		out = append(out, Binary{Arch: arch, Machine: m, Path: p, Variant: variant})
	}
	return out
}

// ForEach runs fn as a subtest per build (architecture and variant), after checking the binary
// is static. A variant's subtest is skipped, saying so, where the CPU lacks its feature.
func ForEach(t *testing.T, fn func(t *testing.T, b Binary)) {
	for _, b := range Binaries(t) {
		t.Run(b.Name(), func(t *testing.T) {
			if err := elfcheck.Static(b.Path, b.Machine); err != nil {
				t.Fatal(err)
			}
			if b.Variant != "" && (Emulated(b.Arch) || !CPUHas(t, b.Variant)) {
				t.Skipf("this CPU has no %s: the %s build cannot run here", b.Variant, b.Name())
			}
			fn(t, b)
		})
	}
}

// CPUHas reports whether this machine's CPU has feature (a flag of /proc/cpuinfo, e.g. "avx2").
func CPUHas(t testing.TB, feature string) bool {
	t.Helper()
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if name, flags, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "flags" {
			for _, f := range strings.Fields(flags) {
				if f == feature {
					return true
				}
			}
			return false
		}
	}
	t.Fatal("/proc/cpuinfo has no flags line")
	return false
}

// Timeout bounds every Run; emulated arm64 is several times slower than native.
var Timeout = 5 * time.Minute

// Run executes the binary with args and extra environment entries and returns its stdout.
// A non-zero exit fails the test with the captured stderr.
func (b Binary) Run(t testing.TB, env []string, args ...string) string {
	t.Helper()
	stdout, stderr, err := b.Exec(env, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", b.Arch, strings.Join(args, " "), err, stdout, stderr)
	}
	return stdout
}

// Exec is Run without failing the test: the caller inspects the error.
func (b Binary) Exec(env []string, args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.Path, args...)
	cmd.Env = append(cmd.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	if errors.Is(err, syscall.ENOEXEC) {
		err = fmt.Errorf("cannot execute a %s binary here: is the qemu-user binfmt handler enabled (tools/setup does it)? %w", b.Machine, err)
	}
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %s: %w", Timeout, err)
	}
	return o.String(), e.String(), err
}

// ModuleVersion returns the version (without "v") of the one module that the go.mod at
// rlocationpath requires directly (a single-line `require` without "// indirect"): tests compare
// a tool's --version with its one pin.
func ModuleVersion(t testing.TB, rlocationpath string) string {
	t.Helper()
	p, err := runfiles.Rlocation(rlocationpath)
	if err != nil {
		t.Fatalf("runfile %s: %v", rlocationpath, err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[0] == "require" {
			return strings.TrimPrefix(f[2], "v")
		}
	}
	t.Fatalf("%s has no single-line direct requirement (the tool's module)", rlocationpath)
	return ""
}

// PinVersion returns the version that third_party/pins.json pins for key: tests compare a C
// part's --version with its one pin. The test needs //third_party:pins.json in its data.
func PinVersion(t testing.TB, key string) string {
	t.Helper()
	pin, err := Pins(t).Pin(key)
	if err != nil {
		t.Fatal(err)
	}
	if pin.Version() == "" {
		t.Fatalf("%s: pin %q has no version", pins.Path, key)
	}
	return pin.Version()
}

// Pins returns third_party/pins.json, from the test's runfiles (its data needs
// //third_party:pins.json).
func Pins(t testing.TB) *pins.File {
	t.Helper()
	p, err := runfiles.Rlocation("_main/" + pins.Path)
	if err != nil {
		t.Fatalf("runfile %s (add //third_party:pins.json to the test's data): %v", pins.Path, err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	f, err := pins.Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", pins.Path, err)
	}
	return f
}

// CheckMimalloc runs the binary with MIMALLOC_VERBOSE=1 and args, and fails unless mimalloc
// printed its options on stderr: proof that the program's malloc is mimalloc's. The exit status
// is not checked (args may be anything that makes the program allocate and exit, e.g. --help).
func (b Binary) CheckMimalloc(t testing.TB, args ...string) {
	t.Helper()
	stdout, stderr, err := b.Exec([]string{"MIMALLOC_VERBOSE=1"}, args...)
	if !strings.Contains(stderr, "mimalloc: option 'verbose': 1") {
		t.Errorf("%s %s with MIMALLOC_VERBOSE=1: mimalloc printed no options, so malloc is not mimalloc's (err %v)\nstdout:\n%s\nstderr:\n%s",
			b.Arch, strings.Join(args, " "), err, stdout, stderr)
	}
}
