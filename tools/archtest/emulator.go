package archtest

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// Feature is a kernel feature a program under test needs that an emulator may not provide.
type Feature string

// The features //tools/archtest/emuprobe checks.
const (
	ChildSubreaper Feature = "child-subreaper" // prctl(PR_SET_CHILD_SUBREAPER)
	NamespaceClone Feature = "namespace-clone" // clone() with CLONE_NEW* flags
	SeccompFilter  Feature = "seccomp-filter"  // a seccomp filter on the architecture's syscall numbers
)

// Emulated reports whether arch's programs run through an emulator here (qemu-user's binfmt
// handler): every architecture but the test's own.
func Emulated(arch string) bool { return arch != runtime.GOARCH }

var probes sync.Map // probe path -> map[Feature]string

// Probe runs //tools/archtest/emuprobe built for b's architecture (arch_data "emuprobe") and returns, for
// each feature, "" where it works and why not otherwise. The test fails if the probe does not run
// or does not answer: a broken probe never turns into skips.
func (b Binary) Probe(t testing.TB) map[Feature]string {
	t.Helper()
	p := Binary{Arch: b.Arch, Machine: b.Machine, Path: b.Data(t, "emuprobe")}
	if got, ok := probes.Load(p.Path); ok {
		return got.(map[Feature]string)
	}
	out := p.Run(t, nil)
	got := map[Feature]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		name, rest, _ := strings.Cut(line, " ")
		switch {
		case rest == "ok":
			got[Feature(name)] = ""
		case strings.HasPrefix(rest, "missing: "):
			got[Feature(name)] = strings.TrimPrefix(rest, "missing: ")
		default:
			t.Fatalf("emuprobe (%s): unexpected line %q in:\n%s", b.Arch, line, out)
		}
	}
	for _, f := range []Feature{ChildSubreaper, NamespaceClone, SeccompFilter} {
		if _, ok := got[f]; !ok {
			t.Fatalf("emuprobe (%s) says nothing of %s:\n%s", b.Arch, f, out)
		}
	}
	probes.Store(p.Path, got)
	return got
}

// SkipIfEmulatorLacks skips t when b's architecture is emulated here and the emulator lacks one
// of features, as the probe run under it shows. It is decided before the program under test
// runs, from the probe alone, so that whatever a run that goes ahead does is the program's: a
// failure fails the test. On the test's own architecture it does nothing (nothing is emulated:
// a missing feature there is the test's failure).
func (b Binary) SkipIfEmulatorLacks(t testing.TB, features ...Feature) {
	t.Helper()
	if !Emulated(b.Arch) {
		return
	}
	probe := b.Probe(t)
	var lacks []string
	for _, f := range features {
		why, ok := probe[f]
		if !ok {
			t.Fatalf("SkipIfEmulatorLacks(%s): emuprobe does not check that feature", f)
		}
		if why != "" {
			lacks = append(lacks, fmt.Sprintf("%s (%s)", f, why))
		}
	}
	if len(lacks) > 0 {
		t.Skipf("%s is emulated here (qemu-user) and the emulator lacks what the program needs, as //tools/archtest/emuprobe shows: %s",
			b.Arch, strings.Join(lacks, "; "))
	}
}
