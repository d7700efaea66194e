package atomicfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/fault"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/scratchdir"
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

// The scratch directory of a write beside each target directory is named
// ".<first target's name>.atomicfile-<random>"; it holds the new contents ("new-<i>-<name>"),
// the targets' old entries ("old-<i>-<name>"), and either the write's journal (in the first
// directory) or the path of the directory that holds it (in the others).
const (
	scratchGlob = ".*.atomicfile-*"
	journalName = "journal"
	primaryName = "primary"
)

// journal is what a write commits to before it replaces the first target: with it, a process
// that finds the write's scratch directories left behind knows how to finish it (or, when the
// write was failing, how to undo it).
type journal struct {
	Files []entry  `json:"files"`
	Dirs  []string `json:"dirs"`            // every scratch directory of the write
	Abort bool     `json:"abort,omitempty"` // a rename failed: put every target back
}

// entry is one target: its new content's path and its old entry's ("" when it did not exist).
type entry struct {
	Path string `json:"path"`
	New  string `json:"new"`
	Old  string `json:"old,omitempty"`
}

// WriteAll writes every file so that either all of them are replaced or none is, even when the
// process is killed at any point:
//   - the new contents are written and synced to a scratch directory beside each target, and
//     each existing target is kept there as a backup (a hard link, or a copy);
//   - the write then commits: a journal naming every file is written (atomically) to the first
//     scratch directory; only then are the new files renamed into place, one by one;
//   - when a rename fails, the files already renamed are put back from their backups (and files
//     that did not exist are removed again), so the targets are left as they were;
//   - when the process dies before the commit, the targets are untouched and the next write into
//     (or Recover of) their directory removes the scratch directories; when it dies after, that
//     next write or Recover finishes it from the journal, so the targets end up all new.
//
// A target that is a directory is refused before anything is renamed. Should putting one back
// fail too, the error names the backup that still holds its old content (Recover tries again).
func (w Writer) WriteAll(files ...File) (err error) {
	rename := w.Rename
	if rename == nil {
		rename = os.Rename
	}
	seen := map[string]bool{}
	abs := make([]File, len(files))
	for i, f := range files {
		p, err := filepath.Abs(f.Path)
		if err != nil {
			return fmt.Errorf("writing %s: %w", f.Path, err)
		}
		if seen[p] {
			return fmt.Errorf("writing %s: named twice in one write", f.Path)
		}
		seen[p] = true
		abs[i] = File{Path: p, Data: f.Data, Perm: f.Perm}
	}
	if len(files) == 0 {
		return nil
	}
	// one scratch directory per target directory, held while this write runs
	scratch := map[string]*scratchdir.Dir{}
	var order []string
	keep := false // a rollback failed: the scratch directories hold backups not put back
	defer func() {
		for _, d := range order {
			if keep {
				scratch[d].Release()
			} else {
				scratch[d].Remove()
			}
		}
	}()
	var j journal
	for i, f := range abs {
		dir := filepath.Dir(f.Path)
		if scratch[dir] == nil {
			// finish or undo what a killed process left in this directory first
			if err := Recover(dir); err != nil {
				return fmt.Errorf("writing %s: %w", files[i].Path, err)
			}
			s, err := scratchdir.New(dir, "."+filepath.Base(f.Path)+".atomicfile-*")
			if err != nil {
				return fmt.Errorf("writing %s: %w", files[i].Path, err)
			}
			scratch[dir] = s
			order = append(order, dir)
			j.Dirs = append(j.Dirs, s.Path)
			if len(order) > 1 {
				if err := writeSynced(filepath.Join(s.Path, primaryName), []byte(j.Dirs[0]), 0o644); err != nil {
					return fmt.Errorf("writing %s: %w", files[i].Path, err)
				}
			}
		}
		e := entry{Path: f.Path, New: filepath.Join(scratch[dir].Path, fmt.Sprintf("new-%d-%s", i, filepath.Base(f.Path)))}
		if err := writeSynced(e.New, f.Data, f.Perm); err != nil {
			return fmt.Errorf("writing %s: %w", files[i].Path, err)
		}
		backup := filepath.Join(scratch[dir].Path, fmt.Sprintf("old-%d-%s", i, filepath.Base(f.Path)))
		if e.Old, err = keepOld(f.Path, backup); err != nil {
			return fmt.Errorf("writing %s: %w", files[i].Path, err)
		}
		j.Files = append(j.Files, e)
		fault.Point("atomicfile: staged " + f.Path)
	}
	if err := j.write(); err != nil {
		return fmt.Errorf("writing %s: committing: %w", files[0].Path, err)
	}
	fault.Point("atomicfile: committed")
	for i, e := range j.Files {
		if err := rename(e.New, e.Path); err != nil {
			err = fmt.Errorf("writing %s: %w", files[i].Path, err)
			// from here a process that finds the journal undoes the write instead of finishing it
			j.Abort = true
			if jerr := j.write(); jerr != nil {
				keep = true
				return fmt.Errorf("%w; marking the write as failed failed too (%v): its scratch directories are kept, %s", err, jerr, strings.Join(j.Dirs, ", "))
			}
			fault.Point("atomicfile: failing")
			var failed []string
			for k := i - 1; k >= 0; k-- {
				if rerr := putBack(rename, j.Files[k]); rerr != nil {
					keep = true
					failed = append(failed, rerr.Error())
				}
				fault.Point("atomicfile: put back " + j.Files[k].Path)
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
		fault.Point("atomicfile: replaced " + e.Path)
	}
	return nil
}

// write commits the journal to the first scratch directory: whole, or not at all.
func (j *journal) write() error {
	data, err := json.Marshal(j)
	if err != nil {
		return err
	}
	tmp := filepath.Join(j.Dirs[0], journalName+".new")
	os.Remove(tmp)
	if err := writeSynced(tmp, data, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(j.Dirs[0], journalName)); err != nil {
		return err
	}
	return syncDir(j.Dirs[0])
}

// Recover finishes or undoes the writes into dir that a dead process left: a write that had
// committed is finished (every target gets its new content), one that had not is dropped (its
// targets were never touched), one that was failing is undone; their scratch directories are
// removed. Writes of living processes are left alone. Readers of files that WriteAll writes call
// it before they read, so that they never see half a write.
func Recover(dir string) error {
	paths, err := filepath.Glob(filepath.Join(dir, scratchGlob))
	if err != nil {
		return err
	}
	for _, p := range paths {
		if st, err := os.Lstat(p); err != nil || !st.IsDir() {
			continue
		}
		if err := recoverScratch(p); err != nil {
			return fmt.Errorf("recovering the interrupted write in %s: %w", p, err)
		}
	}
	return nil
}

// recoverScratch recovers the write one scratch directory belongs to, unless a living process
// holds it.
func recoverScratch(p string) error {
	d, ok, err := scratchdir.Claim(p)
	if err != nil || !ok {
		return err
	}
	defer d.Remove()
	if primary, err := os.ReadFile(filepath.Join(p, primaryName)); err == nil {
		// a later directory of a write: its journal is in the first
		return recoverScratch(string(primary))
	}
	data, err := os.ReadFile(filepath.Join(p, journalName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil // never committed: no target was touched
	}
	if err != nil {
		return err
	}
	var j journal
	if err := json.Unmarshal(data, &j); err != nil {
		return fmt.Errorf("its journal: %w", err)
	}
	for _, e := range j.Files {
		if j.Abort {
			if err := putBackIfNeeded(e); err != nil {
				return err
			}
			continue
		}
		if _, err := os.Lstat(e.New); err == nil {
			if err := os.Rename(e.New, e.Path); err != nil {
				return err
			}
		}
	}
	for _, s := range j.Dirs[1:] {
		if err := os.RemoveAll(s); err != nil {
			return err
		}
	}
	return nil
}

// putBackIfNeeded undoes one target of a failing write: a target that had been replaced gets its
// old entry back (or is removed when it did not exist); one not yet replaced is left.
func putBackIfNeeded(e entry) error {
	if _, err := os.Lstat(e.New); err == nil {
		return nil // not replaced
	}
	if e.Old == "" {
		if err := os.Remove(e.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	if _, err := os.Lstat(e.Old); err != nil {
		return nil // already put back
	}
	return os.Rename(e.Old, e.Path)
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

// syncDir makes a directory's entries (a rename into it) durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
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
func putBack(rename func(oldpath, newpath string) error, e entry) error {
	if e.Old == "" {
		if err := os.Remove(e.Path); err != nil {
			return fmt.Errorf("%s (it did not exist before): %w", e.Path, err)
		}
		return nil
	}
	if err := rename(e.Old, e.Path); err != nil {
		return fmt.Errorf("%s (its old content is in %s): %w", e.Path, e.Old, err)
	}
	return nil
}
