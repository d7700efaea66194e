package checksums

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestWriteIsSortedAndAcceptedBySha256sum(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"z-linux-arm64.tar.zst":     "zzz",
		"a-linux-amd64.tar.zst":     "aaa",
		"name with space.tar.zst":   "space",
		"a-linux-amd64.tar.zst.sig": "not listed",
		"bundles.json":              "not listed",
	})
	names := []string{"z-linux-arm64.tar.zst", "name with space.tar.zst", "a-linux-amd64.tar.zst"}
	path, err := Write(dir, names)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 3 || lines[0] != "9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0  a-linux-amd64.tar.zst" ||
		!strings.HasSuffix(lines[1], "  name with space.tar.zst") || !strings.HasSuffix(lines[2], "  z-linux-arm64.tar.zst") {
		t.Fatalf("checksums.txt =\n%s", data)
	}
	if _, err := Verify(dir, names); err != nil {
		t.Errorf("Verify: %v", err)
	}
	sha256sum, err := exec.LookPath("sha256sum")
	if err != nil {
		t.Skip("sha256sum not installed")
	}
	cmd := exec.Command(sha256sum, "--strict", "-c", FileName)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sha256sum -c: %v\n%s", err, out)
	}
	// The real tool must also reject what we reject.
	writeFiles(t, dir, map[string]string{"a-linux-amd64.tar.zst": "tampered"})
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("sha256sum -c accepted a tampered file:\n%s", out)
	}
	if _, err := Verify(dir, names); err == nil || !strings.Contains(err.Error(), "a-linux-amd64.tar.zst: sha256 is") {
		t.Errorf("Verify(tampered) = %v", err)
	}
}

func TestWriteLeavesNoTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"x.tar.zst": "x"})
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(dir, []string{"x.tar.zst"}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("directory holds %d entries, want x.tar.zst and %s", len(entries), FileName)
	}
}

// Write fails on a listed file it cannot hash, after hashing the ones before it, and leaves the
// old checksums.txt as it was and nothing beside it. The failures are ones root cannot bypass
// (so this runs as root too); an unreadable file, which root can read, is checked when not root.
func TestWriteFailsWithoutReplacing(t *testing.T) {
	for what, spoil := range map[string]func(path string) error{
		"a directory": func(p string) error { os.Remove(p); return os.Mkdir(p, 0o755) },
		"missing":     os.Remove,
		"not a file":  func(p string) error { os.Remove(p); return os.Symlink("a.tar.zst", p) },
		"unreadable":  func(p string) error { return os.Chmod(p, 0) },
	} {
		t.Run(what, func(t *testing.T) {
			if what == "unreadable" && os.Getuid() == 0 {
				t.Skip("root reads a file whatever its permissions; the other cases run as root")
			}
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{"a.tar.zst": "a", "x.tar.zst": "x", FileName: "old\n"})
			if err := spoil(filepath.Join(dir, "x.tar.zst")); err != nil {
				t.Fatal(err)
			}
			_, err := Write(dir, []string{"a.tar.zst", "x.tar.zst"})
			if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "x.tar.zst")) {
				t.Fatalf("Write with x.tar.zst %s: error %v, want one naming it", what, err)
			}
			if data, _ := os.ReadFile(filepath.Join(dir, FileName)); string(data) != "old\n" {
				t.Errorf("checksums.txt changed to %q", data)
			}
			var left []string
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if e.Name() != "x.tar.zst" {
					left = append(left, e.Name())
				}
			}
			if strings.Join(left, " ") != "a.tar.zst "+FileName {
				t.Errorf("beside x.tar.zst the directory holds %v, want a.tar.zst and %s", left, FileName)
			}
		})
	}
}

func TestVerifyProblems(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.tar.zst": "a", "b.tar.zst": "b"})
	if _, err := Write(dir, []string{"a.tar.zst", "b.tar.zst"}); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{"c.tar.zst": "c"})
	os.Remove(filepath.Join(dir, "b.tar.zst"))
	_, err := Verify(dir, []string{"a.tar.zst", "b.tar.zst", "c.tar.zst"})
	if err == nil || !strings.Contains(err.Error(), "c.tar.zst: not listed") || !strings.Contains(err.Error(), "b.tar.zst: open") {
		t.Errorf("Verify = %v", err)
	}
	// checksums.txt lists exactly the files released: one more is an error too.
	_, err = Verify(dir, []string{"a.tar.zst"})
	if err == nil || !strings.Contains(err.Error(), "b.tar.zst: listed in checksums.txt but not one of the files released") {
		t.Errorf("Verify(fewer files) = %v", err)
	}
	for _, bad := range []string{"", FileName, "../a.tar.zst", "sub/a.tar.zst", "new\nline"} {
		if _, err := Write(dir, []string{"a.tar.zst", bad}); err == nil || !strings.Contains(err.Error(), "want a plain file name") {
			t.Errorf("Write(%q) = %v", bad, err)
		}
	}
	if _, err := Write(dir, nil); err == nil || !strings.Contains(err.Error(), "no files to checksum") {
		t.Errorf("Write(no files) = %v", err)
	}
	if _, err := Parse([]byte("abc  x\n")); err == nil {
		t.Error("Parse accepted a short digest")
	}
	if _, err := Verify(t.TempDir(), []string{"a.tar.zst"}); err == nil {
		t.Error("Verify of a directory without checksums.txt succeeded")
	}
}

// Only regular files are covered: a symlink or directory where an archive
// belongs is an error naming it, not something to skip.
func TestWriteRefusesWhatIsNotARegularFile(t *testing.T) {
	for what, mk := range map[string]func(path string) error{
		"a symlink to ": func(p string) error {
			return os.Symlink(filepath.Join(t.TempDir(), "elsewhere.tar.zst"), p)
		},
		"a directory": func(p string) error { return os.Mkdir(p, 0o755) },
	} {
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{"a-linux-amd64.tar.zst": "a", ".hidden": "h"})
		arm := filepath.Join(dir, "a-linux-arm64.tar.zst")
		if err := mk(arm); err != nil {
			t.Fatal(err)
		}
		want := arm + " is " + what
		names := []string{"a-linux-amd64.tar.zst", "a-linux-arm64.tar.zst"}
		if _, err := Write(dir, names); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Write with %s: err = %v, want it to say %q", what, err, want)
		}
		if _, err := os.Stat(filepath.Join(dir, FileName)); err == nil {
			t.Errorf("Write with %s wrote %s", what, FileName)
		}
		writeFiles(t, dir, map[string]string{FileName: "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb  a-linux-amd64.tar.zst\n"})
		if _, err := Verify(dir, names); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Verify with %s: err = %v, want it to say %q", what, err, want)
		}
	}
}

func TestRegular(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	writeFiles(t, dir, map[string]string{"f": "x"})
	if err := Regular(file); err != nil {
		t.Errorf("Regular(regular file) = %v", err)
	}
	link := filepath.Join(dir, "l")
	os.Symlink("f", link)
	if err := Regular(link); err == nil || err.Error() != link+" is a symlink to f, not a regular file" {
		t.Errorf("Regular(symlink) = %v", err)
	}
	if err := Regular(dir); err == nil || err.Error() != dir+" is a directory, not a regular file" {
		t.Errorf("Regular(directory) = %v", err)
	}
	if err := Regular(filepath.Join(dir, "missing")); err == nil || !os.IsNotExist(err) {
		t.Errorf("Regular(missing) = %v", err)
	}
}
