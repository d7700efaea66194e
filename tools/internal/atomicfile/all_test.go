package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// snapshot is every entry of dir: a file's mode and content, or "dir".
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			out[e.Name()] = "dir"
			continue
		}
		p := filepath.Join(dir, e.Name())
		st, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = fmt.Sprintf("%v %q", st.Mode(), data)
	}
	return out
}

// files are a.txt, b.txt (both existing before) and c.txt (new), in dir.
func group(dir string) []File {
	return []File{
		{filepath.Join(dir, "a.txt"), []byte("new a"), 0o644},
		{filepath.Join(dir, "b.txt"), []byte("new b"), 0o600},
		{filepath.Join(dir, "c.txt"), []byte("new c"), 0o644},
	}
}

func setup(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{"a.txt": "old a", "b.txt": "old b", "other": "untouched"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestWriteAllWritesEveryFile(t *testing.T) {
	dir := setup(t)
	if err := WriteAll(group(dir)...); err != nil {
		t.Fatal(err)
	}
	got := snapshot(t, dir)
	want := map[string]string{
		"a.txt": `-rw-r--r-- "new a"`, "b.txt": `-rw------- "new b"`, "c.txt": `-rw-r--r-- "new c"`,
		"other": `-rw-r--r-- "untouched"`,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after WriteAll:\n got %v\nwant %v", got, want)
	}
}

// A failure at any rename leaves every file as it was, and nothing else behind.
func TestWriteAllFailureAtEachStepChangesNothing(t *testing.T) {
	for step := range 3 {
		t.Run(fmt.Sprint(step), func(t *testing.T) {
			dir := setup(t)
			before := snapshot(t, dir)
			files := group(dir)
			calls := 0
			w := Writer{Rename: func(oldpath, newpath string) error {
				if newpath == files[step].Path && calls == step {
					return errors.New("injected fault")
				}
				calls++
				return os.Rename(oldpath, newpath)
			}}
			err := w.WriteAll(files...)
			if err == nil || !strings.Contains(err.Error(), "writing "+files[step].Path+": injected fault") {
				t.Fatalf("error %v, want the injected fault at %s", err, files[step].Path)
			}
			if after := snapshot(t, dir); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("a failure at step %d changed the directory:\nbefore %v\nafter  %v", step, before, after)
			}
		})
	}
}

// A failure before any rename (a target that is a directory, the last one) changes nothing.
func TestWriteAllRefusesADirectoryBeforeWritingAny(t *testing.T) {
	dir := setup(t)
	if err := os.Mkdir(filepath.Join(dir, "c.txt"), 0o755); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	err := WriteAll(group(dir)...)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "c.txt")+" is a directory") {
		t.Fatalf("error %v, want one naming the directory", err)
	}
	if after := snapshot(t, dir); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("the directory changed:\nbefore %v\nafter  %v", before, after)
	}
}

// When putting a file back fails too, the error names the backup holding its old content.
func TestWriteAllNamesTheBackupItCouldNotPutBack(t *testing.T) {
	dir := setup(t)
	files := group(dir)
	forward := map[string]bool{}
	w := Writer{Rename: func(oldpath, newpath string) error {
		if newpath == files[2].Path || (newpath == files[0].Path && forward[newpath]) {
			return errors.New("injected fault")
		}
		forward[newpath] = true
		return os.Rename(oldpath, newpath)
	}}
	err := w.WriteAll(files...)
	if err == nil || !strings.Contains(err.Error(), "putting back") {
		t.Fatalf("error %v, want one saying putting back failed", err)
	}
	got := snapshot(t, dir)
	if got["a.txt"] != `-rw-r--r-- "new a"` || got["b.txt"] != `-rw-r--r-- "old b"` || got["c.txt"] != "" {
		t.Errorf("after the failed rollback: %v", got)
	}
	_, rest, _ := strings.Cut(err.Error(), "its old content is in ")
	backup, _, _ := strings.Cut(rest, ")")
	if data, rerr := os.ReadFile(backup); rerr != nil || string(data) != "old a" {
		t.Errorf("the backup named (%q) holds %q, %v; error: %v", backup, data, rerr, err)
	}
}

func TestWriteAllRefusesAPathNamedTwice(t *testing.T) {
	dir := setup(t)
	before := snapshot(t, dir)
	a := filepath.Join(dir, "a.txt")
	if err := WriteAll(File{a, []byte("x"), 0o644}, File{dir + "/./a.txt", []byte("y"), 0o644}); err == nil || !strings.Contains(err.Error(), "named twice") {
		t.Errorf("error %v, want one saying a path is named twice", err)
	}
	if after := snapshot(t, dir); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("the directory changed")
	}
}

// A write into a directory that does not exist fails before any file is replaced.
func TestWriteAllFailsWholeOnAMissingDirectory(t *testing.T) {
	dir := setup(t)
	before := snapshot(t, dir)
	files := append(group(dir), File{filepath.Join(dir, "no", "such", "d.txt"), []byte("d"), 0o644})
	if err := WriteAll(files...); err == nil || !strings.Contains(err.Error(), "d.txt") {
		t.Errorf("error %v, want one naming d.txt", err)
	}
	if after := snapshot(t, dir); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("the directory changed:\nbefore %v\nafter  %v", before, after)
	}
}
