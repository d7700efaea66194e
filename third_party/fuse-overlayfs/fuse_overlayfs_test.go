package fuse_overlayfs_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/archtest"
)

// pathWithFusermount3 returns a directory holding only our fusermount3 for b's architecture, to put
// first in $PATH: libfuse finds fusermount3 through $PATH (FUSERMOUNT_DIR is /dev/null, see
// third_party/fuse3/BUILD.fuse3.bazel), as it will in an unpacked bundle.
func pathWithFusermount3(t *testing.T, b archtest.Binary) (dir, bin string) {
	t.Helper()
	bin = b.Data(t, "fusermount3")
	dir = t.TempDir()
	if err := os.Symlink(bin, filepath.Join(dir, "fusermount3")); err != nil {
		t.Fatal(err)
	}
	return dir, bin
}

// --version prints fuse-overlayfs's version, libfuse's, and (running fusermount3 found in $PATH)
// fusermount3's.
func TestVersion(t *testing.T) {
	version, fuse := archtest.PinVersion(t, "fuse_overlayfs"), archtest.PinVersion(t, "fuse3")
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		dir, _ := pathWithFusermount3(t, b)
		out := b.Run(t, []string{"PATH=" + dir + ":/usr/bin:/bin"}, "--version")
		for _, want := range []string{
			"fuse-overlayfs: version " + version + "\n",
			"FUSE library version " + fuse + "\n",
			"fusermount3 version: " + fuse + "\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("fuse-overlayfs --version does not print %q; stdout:\n%s", want, out)
			}
		}
	})
}

func TestMimalloc(t *testing.T) {
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) { b.CheckMimalloc(t, "--version") })
}

// A real overlay mount, as root, in a private mount namespace: read through it, copy-up on
// write, whiteout on delete, then unmount with our fusermount3.
func TestMount(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test mounts a FUSE file system and needs root (tests run as root in the build root)")
	}
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		root := t.TempDir()
		lower, upper, work, mnt := filepath.Join(root, "lower"), filepath.Join(root, "upper"), filepath.Join(root, "work"), filepath.Join(root, "mnt")
		for _, d := range []string{lower, upper, work, mnt, filepath.Join(lower, "dir")} {
			if err := os.Mkdir(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		lowerFiles := map[string]string{
			"keep.txt":       "read through the mount\n",
			"modify.txt":     "original\n",
			"delete.txt":     "to be deleted\n",
			"dir/nested.txt": "in a lower directory\n",
		}
		for name, content := range lowerFiles {
			if err := os.WriteFile(filepath.Join(lower, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}

		fusermount, exited, stderr := mountOverlay(t, b, lower, upper, work, mnt)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()

		// lower files read through the mount
		for _, name := range []string{"keep.txt", "dir/nested.txt"} {
			expectFile(t, filepath.Join(mnt, name), lowerFiles[name])
		}
		// a new file lands in upperdir only
		if err := os.WriteFile(filepath.Join(mnt, "new.txt"), []byte("new\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		// a modified lower file is copied up; the lower one stays as it was
		if err := os.WriteFile(filepath.Join(mnt, "modify.txt"), []byte("modified\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		// a deleted lower file is hidden by a whiteout in upperdir
		if err := os.Remove(filepath.Join(mnt, "delete.txt")); err != nil {
			t.Fatal(err)
		}
		expectFile(t, filepath.Join(mnt, "new.txt"), "new\n")
		expectFile(t, filepath.Join(mnt, "modify.txt"), "modified\n")
		if _, err := os.Lstat(filepath.Join(mnt, "delete.txt")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("delete.txt still visible through the mount after removal (lstat: %v)", err)
		}
		entries, err := os.ReadDir(mnt)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if got, want := strings.Join(names, " "), "dir keep.txt modify.txt new.txt"; got != want {
			t.Errorf("mount lists %q, want %q", got, want)
		}

		// unmount with our fusermount3; the daemon then exits
		if out, err := exec.CommandContext(ctx, fusermount, "-u", mnt).CombinedOutput(); err != nil {
			t.Fatalf("fusermount3 -u %s: %v\n%s", mnt, err, out)
		}
		select {
		case err := <-exited:
			exited <- err
			if err != nil {
				t.Errorf("fuse-overlayfs exited with %v after the unmount\n%s", err, stderr.String())
			}
		case <-ctx.Done():
			t.Fatalf("fuse-overlayfs still running after fusermount3 -u\n%s", stderr.String())
		}
		if mounted(t, mnt) {
			t.Fatalf("%s still in /proc/thread-self/mountinfo after fusermount3 -u", mnt)
		}

		// what the layers hold now
		for name, content := range lowerFiles {
			expectFile(t, filepath.Join(lower, name), content) // lower untouched
		}
		expectFile(t, filepath.Join(upper, "new.txt"), "new\n")
		expectFile(t, filepath.Join(upper, "modify.txt"), "modified\n")
		if _, err := os.Lstat(filepath.Join(upper, "keep.txt")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("keep.txt was only read, yet it is in upperdir (lstat: %v)", err)
		}
		t.Logf("%s: whiteout for delete.txt: %s", b.Arch, whiteout(t, upper, "delete.txt"))
	})
}

// mountOverlay mounts fuse-overlayfs (b) on mnt in a mount namespace of the calling goroutine's
// thread (locked to it for the rest of the test: every file operation and child of the test runs
// there), waits for the mount and returns our fusermount3, the channel its exit comes
// on and its output. The mount and the daemon are gone when the test ends, even on failure.
func mountOverlay(t *testing.T, b archtest.Binary, lower, upper, work, mnt string) (string, chan error, *bytes.Buffer) {
	t.Helper()
	pathDir, fusermount := pathWithFusermount3(t, b)
	// This goroutine's thread gets its own mount namespace; it is never unlocked, so the thread
	// (and the namespace, once fuse-overlayfs is gone) ends with the subtest.
	runtime.LockOSThread()
	if err := syscall.Unshare(syscall.CLONE_NEWNS); err != nil {
		t.Fatalf("unshare(CLONE_NEWNS): %v", err)
	}
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		t.Fatalf("making / private in the new mount namespace: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	// -f: stay in the foreground, so the process we started is the file system's daemon
	cmd := exec.CommandContext(ctx, b.Path, "-f", "-o", "lowerdir="+lower+",upperdir="+upper+",workdir="+work, mnt)
	cmd.Env = append(os.Environ(), "PATH="+pathDir+":/usr/bin:/bin")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { // on failure too: no mount or daemon outlives the test
		if mounted(t, mnt) {
			syscall.Unmount(mnt, syscall.MNT_DETACH)
		}
		cmd.Process.Kill()
		err := <-exited
		exited <- err
		cancel()
	})
	for deadline := time.Now().Add(time.Minute); !mounted(t, mnt); time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("fuse-overlayfs exited before mounting: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is not mounted after a minute\n%s", mnt, stderr.String())
		}
	}
	return fusermount, exited, &stderr
}

// CVE-2026-52791 (third_party/fuse-overlayfs/cve-2026-52791-truncate-drops-setid.patch): a
// truncation through the mount, by open(O_TRUNC) or truncate(2), kept a file's setuid and setgid
// bits (the kernel leaves them to the file system for an atomic O_TRUNC, and root's own truncate
// keeps them on the upper layer), so whoever could write a setuid file could replace its content
// and keep the privilege. Now both drop setuid, and setgid where the group may execute, as
// overlayfs does; a setgid file the group cannot execute (mandatory locking's mark) keeps it, and
// opening without O_TRUNC changes nothing.
func TestTruncateDropsSetid(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test mounts a FUSE file system and needs root (tests run as root in the build root)")
	}
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		root := t.TempDir()
		lower, upper, work, mnt := filepath.Join(root, "lower"), filepath.Join(root, "upper"), filepath.Join(root, "work"), filepath.Join(root, "mnt")
		for _, d := range []string{lower, upper, work, mnt} {
			if err := os.Mkdir(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		modes := map[string]os.FileMode{
			"open-trunc":    os.ModeSetuid | os.ModeSetgid | 0o777,
			"truncate":      os.ModeSetuid | os.ModeSetgid | 0o777,
			"setgid-no-gx":  os.ModeSetgid | 0o745,
			"open-no-trunc": os.ModeSetuid | os.ModeSetgid | 0o777,
		}
		for name, mode := range modes {
			p := filepath.Join(lower, name)
			if err := os.WriteFile(p, []byte("#!/bin/sh\necho privileged\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, mode); err != nil { // not umask's
				t.Fatal(err)
			}
		}
		mountOverlay(t, b, lower, upper, work, mnt)

		f, err := os.OpenFile(filepath.Join(mnt, "open-trunc"), os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		for _, name := range []string{"truncate", "setgid-no-gx"} {
			if err := os.Truncate(filepath.Join(mnt, name), 0); err != nil {
				t.Fatal(err)
			}
		}
		if f, err = os.OpenFile(filepath.Join(mnt, "open-no-trunc"), os.O_WRONLY, 0); err != nil {
			t.Fatal(err)
		}
		f.Close()

		want := map[string]os.FileMode{
			"open-trunc":    0o777,
			"truncate":      0o777,
			"setgid-no-gx":  os.ModeSetgid | 0o745,
			"open-no-trunc": os.ModeSetuid | os.ModeSetgid | 0o777,
		}
		for name, mode := range want {
			dirs := []string{mnt, upper}
			if name == "open-no-trunc" {
				dirs = []string{mnt}
			}
			for _, dir := range dirs {
				st, err := os.Stat(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				if got := st.Mode() & (os.ModePerm | os.ModeSetuid | os.ModeSetgid); got != mode {
					t.Errorf("%s/%s: mode %v after the truncation, want %v (lower: %v)", filepath.Base(dir), name, got, mode, modes[name])
				}
				if name != "open-no-trunc" && st.Size() != 0 {
					t.Errorf("%s/%s: %d bytes after the truncation", filepath.Base(dir), name, st.Size())
				}
			}
		}
	})
}

// mounted reports whether dir is a mount point in this thread's mount namespace.
func mounted(t *testing.T, dir string) bool {
	t.Helper()
	f, err := os.Open("/proc/thread-self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		// id parent major:minor root mountpoint ... (mountpoint octal-escapes spaces; ours has none)
		if f := strings.Fields(s.Text()); len(f) > 4 && f[4] == dir {
			return true
		}
	}
	return false
}

func expectFile(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Error(err)
		return
	}
	if string(got) != want {
		t.Errorf("%s holds %q, want %q", path, got, want)
	}
}

// whiteout checks upper hides name, in either of fuse-overlayfs's forms: the kernel overlay's
// 0:0 character device (when it can mknod, as root can) or a ".wh.<name>" file.
func whiteout(t *testing.T, upper, name string) string {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Lstat(filepath.Join(upper, name), &st); err == nil {
		if st.Mode&syscall.S_IFMT != syscall.S_IFCHR || st.Rdev != 0 {
			t.Errorf("upperdir's %s is not a whiteout (mode %o, rdev %d)", name, st.Mode, st.Rdev)
		}
		return "0:0 character device " + name
	}
	if _, err := os.Lstat(filepath.Join(upper, ".wh."+name)); err == nil {
		return ".wh." + name
	}
	t.Errorf("no whiteout for %s in upperdir (neither a 0:0 character device nor .wh.%s)", name, name)
	return "none"
}
