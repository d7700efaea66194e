package elfcheck

import (
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The test binary itself is built static by our toolchain; /bin/sh of the build root is not.
func TestStaticAcceptsOwnBinary(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	m := f.Machine
	f.Close()
	if err := Static(self, m); err != nil {
		t.Fatalf("the test binary should be static: %v", err)
	}
	other := elf.EM_AARCH64
	if m == elf.EM_AARCH64 {
		other = elf.EM_X86_64
	}
	if err := Static(self, other); err == nil || !strings.Contains(err.Error(), "machine is") {
		t.Fatalf("wrong machine not reported: %v", err)
	}
}

func TestStaticRejectsDynamic(t *testing.T) {
	sh, err := filepath.EvalSymlinks("/bin/sh")
	if err != nil {
		t.Skipf("no /bin/sh to compare with: %v", err)
	}
	f, err := elf.Open(sh)
	if err != nil {
		t.Skipf("/bin/sh is not ELF: %v", err)
	}
	m := f.Machine
	f.Close()
	err = Static(sh, m)
	if err == nil || !strings.Contains(err.Error(), "interpreter") || !strings.Contains(err.Error(), "needs shared libraries") {
		t.Fatalf("dynamic %s not rejected with both reasons: %v", sh, err)
	}
}

func TestStaticRejectsNonELF(t *testing.T) {
	p := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Static(p, elf.EM_X86_64); err == nil || !strings.Contains(err.Error(), "not a readable ELF") {
		t.Fatalf("non-ELF not rejected: %v", err)
	}
}

func TestMachineByName(t *testing.T) {
	for name, want := range map[string]elf.Machine{"EM_X86_64": elf.EM_X86_64, "EM_AARCH64": elf.EM_AARCH64} {
		if got, err := MachineByName(name); err != nil || got != want {
			t.Errorf("MachineByName(%q) = %v, %v", name, got, err)
		}
	}
	if _, err := MachineByName("EM_NOPE"); err == nil {
		t.Error("unknown machine accepted")
	}
}
