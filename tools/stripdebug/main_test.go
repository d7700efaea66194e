package main

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The test binary itself (a Go program linked with its symbol table and DWARF) loses its
// .debug_* sections and nothing else: same symbols, same loaded bytes, and it still runs.
func TestStripsDWARFKeepsSymbols(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	in, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	before, err := elf.NewFile(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if before.Section(".debug_info") == nil || before.Section(".symtab") == nil {
		t.Skip("the test binary has no DWARF or no symbol table here (built with -s or -w): nothing to prove on it")
	}
	out := filepath.Join(t.TempDir(), "stripped")
	var stdout, stderr bytes.Buffer
	if code := run([]string{self, out}, &stdout, &stderr); code != 0 {
		t.Fatalf("stripdebug: exit %d: %s", code, stderr.String())
	}
	after, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer after.Close()
	for _, s := range after.Sections {
		if strings.HasPrefix(s.Name, ".debug_") {
			t.Errorf("%s is left", s.Name)
		}
	}
	symsBefore, _ := before.Symbols()
	symsAfter, err := after.Symbols()
	if err != nil || len(symsAfter) != len(symsBefore) {
		t.Errorf("symbols: %d after, %d before (%v)", len(symsAfter), len(symsBefore), err)
	}
	for i, s := range before.Sections {
		if s.Flags&elf.SHF_ALLOC != 0 && s.Type != elf.SHT_NOBITS {
			a, _ := after.Sections[i].Data()
			b, _ := s.Data()
			if !bytes.Equal(a, b) || after.Sections[i].Addr != s.Addr {
				t.Errorf("loaded section %s differs", s.Name)
			}
		}
	}
	fi, _ := os.Stat(out)
	if fi.Size() >= int64(len(in)) || fi.Mode()&0o111 == 0 {
		t.Errorf("output: %d bytes (input %d), mode %v", fi.Size(), len(in), fi.Mode())
	}
	if msg, err := exec.Command(out, "-test.run=^$").CombinedOutput(); err != nil {
		t.Errorf("the stripped program does not run: %v\n%s", err, msg)
	}
	// twice: nothing left to remove is an error, and nothing is written
	again := filepath.Join(t.TempDir(), "again")
	if code := run([]string{out, again}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "no .debug_* section") {
		t.Errorf("stripping a stripped program: exit %d, %q", code, stderr.String())
	}
	if _, err := os.Stat(again); err == nil {
		t.Error("a failed run left its output")
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	notELF := filepath.Join(dir, "script")
	os.WriteFile(notELF, []byte("#!/bin/sh\n"), 0o755)
	var stdout, stderr bytes.Buffer
	if code := run([]string{notELF, filepath.Join(dir, "out")}, &stdout, &stderr); code != 1 {
		t.Errorf("not an ELF file: exit %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
		t.Error("output written for bad input")
	}
	if code := run([]string{notELF}, &stdout, &stderr); code != 2 {
		t.Errorf("one argument: exit %d, want 2", code)
	}
}
