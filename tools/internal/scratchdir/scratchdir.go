// Package scratchdir makes directories that a process holds while it works in them, and that
// the next process removes when their maker died without removing them (killed, power lost).
//
// A directory is held through an exclusive flock(2) on it, which the kernel drops when its
// holder dies: a directory nobody holds is a dead process's leftover. Sweep removes those.
package scratchdir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Dir is a directory this process holds.
type Dir struct {
	Path string
	f    *os.File
}

// New makes and holds a new directory in parent, named as os.MkdirTemp names it from pattern.
func New(parent, pattern string) (*Dir, error) {
	for tries := 0; tries < 10; tries++ {
		p, err := os.MkdirTemp(parent, pattern)
		if err != nil {
			return nil, err
		}
		d, ok, err := Claim(p)
		if err != nil {
			os.Remove(p)
			return nil, err
		}
		if ok {
			return d, nil
		}
		// another process's Sweep took it between mkdir and flock, and removes it
	}
	return nil, fmt.Errorf("cannot hold a new directory in %s: taken by sweeps ten times", parent)
}

// Claim holds the existing directory path when no living process holds it: ok is false when
// one does, or when path is gone (or replaced) by the time it is held.
func Claim(path string) (d *Dir, ok bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("holding %s: %w", path, err)
	}
	// what is held must still be what the path names: a sweep may have removed it meanwhile
	held, err1 := f.Stat()
	now, err2 := os.Lstat(path)
	if err1 != nil || err2 != nil || !os.SameFile(held, now) {
		f.Close()
		return nil, false, nil
	}
	return &Dir{Path: path, f: f}, true, nil
}

// Remove removes the directory with its contents, then lets it go.
func (d *Dir) Remove() error {
	err := os.RemoveAll(d.Path)
	d.f.Close()
	return err
}

// Release lets the directory go and leaves it where it is.
func (d *Dir) Release() { d.f.Close() }

// Sweep removes the directories in parent whose names match glob (filepath.Match) that no
// living process holds, and returns their paths.
func Sweep(parent, glob string) ([]string, error) {
	return SweepWith(parent, glob, nil)
}

// SweepWith is Sweep that first calls first (when not nil) on each leftover while it holds it,
// for what the dead process made outside the directory; an error from first leaves that
// directory in place and ends the sweep.
func SweepWith(parent, glob string, first func(path string) error) ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(parent, glob))
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, p := range paths {
		if st, err := os.Lstat(p); err != nil || !st.IsDir() {
			continue
		}
		d, ok, err := Claim(p)
		if err != nil {
			return removed, err
		}
		if !ok {
			continue
		}
		if first != nil {
			if err := first(p); err != nil {
				d.Release()
				return removed, fmt.Errorf("cleaning up after the leftover %s: %w", p, err)
			}
		}
		if err := d.Remove(); err != nil {
			return removed, fmt.Errorf("removing the leftover %s: %w", p, err)
		}
		removed = append(removed, p)
	}
	return removed, nil
}
