// Command stripdebug writes a copy of a 64-bit little-endian ELF program without its DWARF: every
// section named .debug_* that is not loaded (no SHF_ALLOC) is emptied — its bytes left out of the
// file, its header made an inactive SHT_NULL entry, so no section index moves — and everything
// else is kept byte for byte, the symbol table (.symtab, .strtab) included.
//
// Why: our Go programs keep their symbol table so that stock govulncheck can tell which functions
// they hold; zig links the DWARF of its libc alongside, which names zig's cache directory and so
// differs between machines. Without it the program is reproducible again. (zig 0.15's own
// objcopy --strip-debug is unimplemented; zig cc's --strip-debug strips the symbol table too.)
//
//	stripdebug IN OUT
//
// Exit status: 0 written; 1 IN is not such an ELF file or cannot be read, or OUT cannot be
// written (nothing is left at OUT then); 2 bad usage.
package main

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/atomicfile"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprintln(stdout, "usage: stripdebug IN OUT\n\nWrites IN (a 64-bit little-endian ELF program) to OUT without its .debug_* sections,\nkeeping everything else byte for byte (its symbol table too); OUT is executable.")
		return 0
	}
	if len(args) != 2 {
		fmt.Fprintln(stderr, "usage: stripdebug IN OUT (--help)")
		return 2
	}
	in, err := os.ReadFile(args[0])
	if err == nil {
		var out []byte
		if out, err = strip(in); err == nil {
			err = atomicfile.Write(args[1], out, 0o755)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "stripdebug: %s: %v\n", filepath.Base(args[0]), err)
		return 1
	}
	return 0
}

// strip returns the ELF file in without its unloaded .debug_* sections.
func strip(in []byte) ([]byte, error) {
	f, err := elf.NewFile(bytes.NewReader(in))
	if err != nil {
		return nil, err
	}
	if f.Class != elf.ELFCLASS64 || f.Data != elf.ELFDATA2LSB {
		return nil, fmt.Errorf("not a 64-bit little-endian ELF file (%v, %v)", f.Class, f.Data)
	}
	le := binary.LittleEndian
	shoff, shentsize, shnum := le.Uint64(in[0x28:]), uint64(le.Uint16(in[0x3a:])), uint64(le.Uint16(in[0x3c:]))
	phoff, phentsize, phnum := le.Uint64(in[0x20:]), uint64(le.Uint16(in[0x36:])), uint64(le.Uint16(in[0x38:]))
	if shentsize != 64 || shnum == 0 || shnum != uint64(len(f.Sections)) || shoff+shnum*shentsize > uint64(len(in)) {
		return nil, errors.New("section header table: unexpected size or position")
	}
	// what stays where it is: the headers, every segment, every loaded section
	keep := phoff + phnum*phentsize
	for _, p := range f.Progs {
		keep = max(keep, p.Off+p.Filesz)
	}
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC != 0 && s.Type != elf.SHT_NOBITS {
			keep = max(keep, s.Offset+s.FileSize)
		}
	}
	if keep > uint64(len(in)) {
		return nil, errors.New("a segment or section lies beyond the end of the file")
	}
	out := append([]byte{}, in[:keep]...)
	headers := append([]byte{}, in[shoff:shoff+shnum*shentsize]...)
	dropped := 0
	for i, s := range f.Sections {
		h := headers[uint64(i)*shentsize : uint64(i+1)*shentsize]
		switch {
		case s.Type == elf.SHT_NULL || s.Flags&elf.SHF_ALLOC != 0 || s.Type == elf.SHT_NOBITS:
			continue // in place (or without bytes in the file), or inactive
		case strings.HasPrefix(s.Name, ".debug_"):
			clear(h) // an inactive entry: the other sections keep their indices
			dropped++
			continue
		}
		// an unloaded section that stays (.symtab, .strtab, .shstrtab, .comment): after the rest
		if s.Offset < keep {
			return nil, fmt.Errorf("section %s overlaps the loaded part of the file", s.Name)
		}
		align := max(s.Addralign, 1)
		for uint64(len(out))%align != 0 {
			out = append(out, 0)
		}
		le.PutUint64(h[0x18:], uint64(len(out)))
		out = append(out, in[s.Offset:s.Offset+s.FileSize]...)
	}
	if dropped == 0 {
		return nil, errors.New("no .debug_* section to remove (a program linked with --strip-all, or not one of ours)")
	}
	for len(out)%8 != 0 {
		out = append(out, 0)
	}
	le.PutUint64(out[0x28:], uint64(len(out)))
	out = append(out, headers...)
	// the result must read back as the same program
	g, err := elf.NewFile(bytes.NewReader(out))
	if err != nil {
		return nil, fmt.Errorf("the stripped file does not read back: %w", err)
	}
	if _, err := g.Symbols(); err != nil && f.Section(".symtab") != nil {
		return nil, fmt.Errorf("the stripped file's symbol table does not read back: %w", err)
	}
	return out, nil
}
