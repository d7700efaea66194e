package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// File is one file of a WriteAll: its path, its whole content and its mode.
type File struct {
	Path string
	Data []byte
	Perm os.FileMode
}

// Writer writes groups of files all-or-nothing. The zero Writer is ready to use.
type Writer struct {
	// Rename replaces os.Rename when not nil: tests inject faults through it.
	Rename func(oldpath, newpath string) error
}

// WriteAll writes every file or none of them; see Writer.WriteAll.
func WriteAll(files ...File) error {
	return Writer{}.WriteAll(files...)
}

// staged is a file of a WriteAll on its way in: its new content in tmp, and the
// target as it was before (backup, a hard link to it or a copy; "" if there was none).
type staged struct {
	File
	tmp, backup string
}

// WriteAll writes every file so that either all of them are replaced or none is:
// the new contents are first written and synced to temporary files beside their
// targets, and each existing target is kept as a backup; only then are the new
// files renamed into place, one by one. When a rename fails, the files already
// renamed are put back from their backups (and files that did not exist are
// removed again), so the targets are left as they were. A target that is a
// directory is refused before anything is renamed. Should putting one back fail
// too, the error names the backup that still holds its old content.
func (w Writer) WriteAll(files ...File) (err error) {
	rename := w.Rename
	if rename == nil {
		rename = os.Rename
	}
	seen := map[string]bool{}
	for _, f := range files {
		p := filepath.Clean(f.Path)
		if seen[p] {
			return fmt.Errorf("writing %s: named twice in one write", f.Path)
		}
		seen[p] = true
	}
	// one private directory per target directory holds the temporary files and
	// backups, so that nothing is left behind but that directory on a crash
	scratch := map[string]string{}
	keep := map[string]bool{} // scratch directories holding a backup not put back
	defer func() {
		for dir, s := range scratch {
			if !keep[dir] {
				os.RemoveAll(s)
			}
		}
	}()
	var todo []*staged
	for i, f := range files {
		dir := filepath.Dir(f.Path)
		if scratch[dir] == "" {
			s, err := os.MkdirTemp(dir, "."+filepath.Base(f.Path)+".atomicfile-*")
			if err != nil {
				return fmt.Errorf("writing %s: %w", f.Path, err)
			}
			scratch[dir] = s
		}
		st := &staged{File: f, tmp: filepath.Join(scratch[dir], fmt.Sprintf("new-%d-%s", i, filepath.Base(f.Path)))}
		if err := writeSynced(st.tmp, f.Data, f.Perm); err != nil {
			return fmt.Errorf("writing %s: %w", f.Path, err)
		}
		backup := filepath.Join(scratch[dir], fmt.Sprintf("old-%d-%s", i, filepath.Base(f.Path)))
		if st.backup, err = keepOld(f.Path, backup); err != nil {
			return fmt.Errorf("writing %s: %w", f.Path, err)
		}
		todo = append(todo, st)
	}
	for i, st := range todo {
		if err := rename(st.tmp, st.Path); err != nil {
			err = fmt.Errorf("writing %s: %w", st.Path, err)
			var failed []string
			for j := i - 1; j >= 0; j-- {
				if rerr := putBack(rename, todo[j]); rerr != nil {
					keep[filepath.Dir(todo[j].Path)] = true
					failed = append(failed, rerr.Error())
				}
			}
			if len(failed) > 0 {
				return fmt.Errorf("%w; putting back the files already written failed too, so these are left new: %s",
					err, strings.Join(failed, "; "))
			}
			if i > 0 {
				return fmt.Errorf("%w (the %d files written before it were put back as they were)", err, i)
			}
			return err
		}
	}
	return nil
}

// writeSynced writes a new file with data and perm, synced to disk.
func writeSynced(path string, data []byte, perm os.FileMode) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Chmod(perm); err != nil {
		return err
	}
	return f.Sync()
}

// keepOld keeps path's current entry at backup, a hard link to it (or, where
// hard links are not supported, a copy with its mode): "" when path does not exist.
func keepOld(path, backup string) (string, error) {
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if st.IsDir() {
		return "", fmt.Errorf("%s is a directory, not a file", path)
	}
	if err := os.Link(path, backup); err == nil {
		return backup, nil
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("cannot keep a backup of %s, which is not a regular file", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	if err := writeSynced(backup, data, st.Mode().Perm()); err != nil {
		return "", fmt.Errorf("keeping a backup of %s: %w", path, err)
	}
	return backup, nil
}

// putBack restores a target renamed over from its backup, or removes it if it
// did not exist before.
func putBack(rename func(oldpath, newpath string) error, st *staged) error {
	if st.backup == "" {
		if err := os.Remove(st.Path); err != nil {
			return fmt.Errorf("%s (it did not exist before): %w", st.Path, err)
		}
		return nil
	}
	if err := rename(st.backup, st.Path); err != nil {
		return fmt.Errorf("%s (its old content is in %s): %w", st.Path, st.backup, err)
	}
	return nil
}
