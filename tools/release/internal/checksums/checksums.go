// Package checksums writes and checks checksums.txt in sha256sum's format.
package checksums

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/atomicfile"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/filehash"
)

// FileName is the name of the checksum file inside a release directory.
const FileName = "checksums.txt"

// Regular returns an error naming path and what it is unless path itself,
// not what a symlink points to, is a regular file.
func Regular(path string) error {
	st, err := os.Lstat(path)
	if err != nil {
		return err
	}
	return notRegular(path, st.Mode())
}

func notRegular(path string, mode fs.FileMode) error {
	var what string
	switch {
	case mode.IsRegular():
		return nil
	case mode&fs.ModeSymlink != 0:
		what = "a symlink"
		if target, err := os.Readlink(path); err == nil {
			what += " to " + target
		}
	case mode.IsDir():
		what = "a directory"
	default:
		what = fmt.Sprintf("of type %v", mode.Type())
	}
	return fmt.Errorf("%s is %s, not a regular file", path, what)
}

// Write hashes the named files of dir and writes dir/checksums.txt
// atomically, sorted by name, in the "<hex>  <name>" form that `sha256sum -c`
// reads. Each must be a regular file: a symlink or a directory is an error,
// not something to skip or follow.
func Write(dir string, names []string) (string, error) {
	if len(names) == 0 {
		return "", fmt.Errorf("%s: no files to checksum", dir)
	}
	names = append([]string(nil), names...)
	sort.Strings(names)
	var buf bytes.Buffer
	for _, n := range names {
		if n == FileName || n != filepath.Base(n) || strings.ContainsAny(n, "\n\\") {
			return "", fmt.Errorf("%s: cannot list %q in %s: want a plain file name", dir, n, FileName)
		}
		p := filepath.Join(dir, n)
		if err := Regular(p); err != nil {
			return "", err
		}
		sum, err := filehash.SHA256(p)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&buf, "%s  %s\n", sum, n)
	}
	path := filepath.Join(dir, FileName)
	return path, atomicfile.Write(path, buf.Bytes(), 0o644)
}

// Parse reads checksums.txt into name → hex digest.
func Parse(data []byte) (map[string]string, error) {
	sums := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" {
			continue
		}
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			// sha256sum's binary mode marks names with '*'.
			sum, name, ok = strings.Cut(line, " *")
		}
		if b, err := hex.DecodeString(sum); !ok || err != nil || len(b) != sha256.Size || name == "" {
			return nil, fmt.Errorf("line %d is not \"<sha256>  <name>\": %q", n, line)
		}
		if _, dup := sums[name]; dup {
			return nil, fmt.Errorf("line %d lists %s a second time", n, name)
		}
		sums[name] = strings.ToLower(sum)
	}
	return sums, sc.Err()
}

// Verify checks dir/checksums.txt against the named files: it must list
// exactly those, and each must be a regular file with that digest.
func Verify(dir string, names []string) (map[string]string, error) {
	data, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		return nil, err
	}
	sums, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", FileName, err)
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var problems []string
	for name, sum := range sums {
		if !want[name] {
			problems = append(problems, fmt.Sprintf("%s: listed in %s but not one of the files released", name, FileName))
			continue
		}
		p := filepath.Join(dir, name)
		if err := Regular(p); err != nil && !os.IsNotExist(err) {
			return nil, err
		}
		got, err := filehash.SHA256(p)
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s: %v", name, err))
		case got != sum:
			problems = append(problems, fmt.Sprintf("%s: sha256 is %s, %s says %s", name, got, FileName, sum))
		}
	}
	for _, n := range names {
		if _, ok := sums[n]; !ok {
			if err := Regular(filepath.Join(dir, n)); err != nil && !os.IsNotExist(err) {
				return nil, err
			}
			problems = append(problems, fmt.Sprintf("%s: not listed in %s", n, FileName))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("%s does not match the files:\n  %s", filepath.Join(dir, FileName), strings.Join(problems, "\n  "))
	}
	return sums, nil
}
