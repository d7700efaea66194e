// Package elfcheck asserts that a file is a truly static ELF executable for an expected machine:
// no program interpreter (PT_INTERP) and no shared-library dependencies (DT_NEEDED).
package elfcheck

import (
	"debug/elf"
	"fmt"
	"strings"
)

// Static returns nil if path is a static executable for machine, otherwise an error that says
// what makes it unfit (wrong machine, an interpreter, needed libraries, not an executable).
func Static(path string, machine elf.Machine) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("%s: not a readable ELF file: %w", path, err)
	}
	defer f.Close()
	var problems []string
	if f.Machine != machine {
		problems = append(problems, fmt.Sprintf("machine is %s, want %s", f.Machine, machine))
	}
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		problems = append(problems, fmt.Sprintf("type is %s, not an executable", f.Type))
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			interp := make([]byte, p.Filesz)
			if _, err := p.ReadAt(interp, 0); err != nil {
				return fmt.Errorf("%s: reading PT_INTERP: %w", path, err)
			}
			problems = append(problems, fmt.Sprintf("has an ELF interpreter (%s)", strings.TrimRight(string(interp), "\x00")))
		}
	}
	needed, err := f.ImportedLibraries()
	if err != nil {
		return fmt.Errorf("%s: reading the dynamic section: %w", path, err)
	}
	if len(needed) > 0 {
		problems = append(problems, fmt.Sprintf("needs shared libraries %v", needed))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s is not a static %s executable: %s", path, machine, strings.Join(problems, "; "))
	}
	return nil
}

// MachineByName maps debug/elf's names ("EM_X86_64", "EM_AARCH64") to elf.Machine.
func MachineByName(name string) (elf.Machine, error) {
	for m := elf.Machine(0); m < 1024; m++ {
		if m.String() == name {
			return m, nil
		}
	}
	return 0, fmt.Errorf("unknown ELF machine %q", name)
}
