// Package checksums writes and checks checksums.txt in sha256sum's format.
package checksums

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/atomicfile"
)

// FileName is the name of the checksum file inside a release directory.
const FileName = "checksums.txt"

// Files are the names checksummed in a release directory: every entry
// except checksums.txt itself, signature material (which is made after
// checksums.txt and so cannot be listed in it) and hidden files. Each must be
// a regular file: a symlink or directory among them is an error, not skipped.
func Files(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if n == FileName || IsSignatureFile(n) || strings.HasPrefix(n, ".") {
			continue
		}
		if err := notRegular(filepath.Join(dir, n), e.Type()); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

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

// IsSignatureFile reports names written by `release sign`.
func IsSignatureFile(name string) bool {
	for _, ext := range []string{".sig", ".pem", ".sigstore.json"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// SHA256File hashes one file.
func SHA256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Write hashes Files(dir) and writes dir/checksums.txt atomically, sorted by
// name, in the "<hex>  <name>" form that `sha256sum -c` reads.
func Write(dir string) (string, error) {
	names, err := Files(dir)
	if err != nil {
		return "", err
	}
	if len(names) == 0 {
		return "", fmt.Errorf("%s: no files to checksum", dir)
	}
	var buf bytes.Buffer
	for _, n := range names {
		if strings.ContainsAny(n, "\n\\") {
			return "", fmt.Errorf("%s: file name %q needs escaping, which we do not support", dir, n)
		}
		sum, err := SHA256File(filepath.Join(dir, n))
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

// Verify checks dir/checksums.txt against the files: every listed file must
// exist with that digest, and every file of Files(dir) must be listed.
func Verify(dir string) (map[string]string, error) {
	data, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		return nil, err
	}
	sums, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", FileName, err)
	}
	var problems []string
	for name, want := range sums {
		got, err := SHA256File(filepath.Join(dir, name))
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s: %v", name, err))
		case got != want:
			problems = append(problems, fmt.Sprintf("%s: sha256 is %s, %s says %s", name, got, FileName, want))
		}
	}
	names, err := Files(dir)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if _, ok := sums[n]; !ok {
			problems = append(problems, fmt.Sprintf("%s: not listed in %s", n, FileName))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("%s does not match the files:\n  %s", filepath.Join(dir, FileName), strings.Join(problems, "\n  "))
	}
	return sums, nil
}
