package crun_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/archtest"
)

// The advisories our crun patches fix (third_party/crun/cve-*.patch), each reproduced: these
// tests fail with crun 1.21 as upstream released it.

// CVE-2026-30892: `crun exec -u 1` ran the process as uid 0 and gid 0, and so did a USERSPEC
// without digits ("", ":1"). Malformed ones are refused before crun looks for the container.
func TestExecUserParsing(t *testing.T) {
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		c := crunFor(t, b)
		root := t.TempDir()
		for _, bad := range []string{"", ":1", "1:", "-1", "1:-1", "x", "1:x", "1:1:1", "99999999999"} {
			r := inNamespace(t, nil, c.Path, "--root", root, "exec", "--user", bad, "no-such-container", "/payload")
			if r.code == 0 || !strings.Contains(r.stderr, "invalid") {
				t.Errorf("crun exec --user %q: exit %d, stderr %q: want it refused as invalid", bad, r.code, r.stderr)
			}
		}
	})
}

// The same with a running container: the ids the process gets.
func TestExecUser(t *testing.T) {
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		b.SkipIfEmulatorLacks(t, createNeeds...) // run --detach
		c := newContainer(t, b, "execuser", "wait")
		out := mustCreate(t, filepath.Join(t.TempDir(), "container.out"))
		defer out.Close()
		c.mustExec(out, "run", "--detach", "--bundle", c.bundle, c.id)
		c.waitStatus("running")
		// crun exec (as root, no --user) must work here at all: inside the build root (a chroot)
		// it cannot find the container's program, which the booted guests do not share; they run
		// the archive's crun exec --user on a podman container (release/guest/scenarios.sh,
		// crun-exec-user)
		if r := c.exec(nil, "exec", c.id, "/payload", "ids"); r.code != 0 {
			t.Skipf("crun exec cannot run a process in a container here (exit %d: %s): the booted guests check the ids (crun-exec-user)", r.code, strings.TrimSpace(r.stderr))
		}
		for _, tc := range []struct{ user, want string }{
			{"1:1", "uid=1 gid=1\n"},
			{"1", "uid=1 gid=0\n"},
			{"0:0", "uid=0 gid=0\n"},
			{"65534:65534", "uid=65534 gid=65534\n"},
		} {
			r := c.mustExec(nil, "exec", "--user", tc.user, c.id, "/payload", "ids")
			if r.stdout != tc.want {
				t.Errorf("crun exec --user %s: %q, want %q", tc.user, r.stdout, tc.want)
			}
		}
		c.mustExec(nil, "delete", "--force", c.id)
		c.assertGone()
	})
}

// editConfig rewrites the bundle's config.json as change leaves it.
func editConfig(t *testing.T, c *container, change func(cfg map[string]any)) {
	t.Helper()
	path := filepath.Join(c.bundle, "config.json")
	var cfg map[string]any
	if err := json.Unmarshal([]byte(readFile(t, path)), &cfg); err != nil {
		t.Fatal(err)
	}
	change(cfg)
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// withoutDevMounts rewrites the bundle's config.json without the mounts on /dev and below, as a
// configuration that leaves the image's own /dev visible (no engine does this by default).
func withoutDevMounts(t *testing.T, c *container) {
	t.Helper()
	editConfig(t, c, func(cfg map[string]any) {
		var kept []any
		for _, m := range cfg["mounts"].([]any) {
			if d := m.(map[string]any)["destination"].(string); d == "/dev" || strings.HasPrefix(d, "/dev/") {
				continue
			}
			kept = append(kept, m)
		}
		cfg["mounts"] = kept
	})
}

func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// CVE-2026-47766: an image whose /dev is a symlink to a host directory made crun create the
// devices (null, zero, ...) and the /dev symlinks (ptmx, fd, ...) in that host directory.
func TestDevSymlinkToHostDirectory(t *testing.T) {
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		b.SkipIfEmulatorLacks(t, runNeeds...)
		c := newContainer(t, b, "devlink", "exit", "0")
		withoutDevMounts(t, c)
		host := t.TempDir() // absolute: before pivot_root it names the host's directory
		if err := os.Symlink(host, filepath.Join(c.bundle, "rootfs", "dev")); err != nil {
			t.Fatal(err)
		}
		r := c.exec(nil, "run", "--bundle", c.bundle, c.id)
		if got := dirEntries(t, host); len(got) != 0 {
			t.Fatalf("crun made %v in the host directory the image's /dev points to (crun exit %d: %s)", got, r.code, r.stderr)
		}
		// the patch's refusal, not any early failure: dev is looked up inside the rootfs, where
		// the symlink's target does not exist
		if want := "openat2 `dev`: No such file or directory"; r.code != 1 || !strings.Contains(r.stderr, want) {
			t.Fatalf("crun run: exit %d, stderr %q; want 1 and %q", r.code, r.stderr, want)
		}
	})
}

// CVE-2026-88264: with a terminal and no mount over /dev, an image's /dev/console symlink made
// crun create a root-owned file where it points, outside the rootfs.
func TestConsoleSymlinkOutsideRootfs(t *testing.T) {
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		b.SkipIfEmulatorLacks(t, runNeeds...)
		c := newContainer(t, b, "console", "exit", "0")
		withoutDevMounts(t, c)
		dev := filepath.Join(c.bundle, "rootfs", "dev")
		if err := os.Mkdir(dev, 0o755); err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(t.TempDir(), "created-by-crun")
		if err := os.Symlink(target, filepath.Join(dev, "console")); err != nil {
			t.Fatal(err)
		}
		// a terminal: crun asks for a console socket, which `crun run` needs only to exist
		editConfig(t, c, func(cfg map[string]any) { cfg["process"].(map[string]any)["terminal"] = true })
		r := c.exec(nil, "run", "--bundle", c.bundle, c.id)
		if _, err := os.Lstat(target); err == nil {
			t.Fatalf("crun created %s, the target of the image's /dev/console symlink (crun exit %d: %s)", target, r.code, r.stderr)
		}
		// the patch's refusal, not any early failure: /dev/console is created with O_NOFOLLOW
		if want := "creating file `console`: Symbolic link loop"; r.code != 1 || !strings.Contains(r.stderr, want) {
			t.Fatalf("crun run: exit %d, stderr %q; want 1 and %q", r.code, r.stderr, want)
		}
	})
}

// CVE-2026-88265: with no mount over /dev, an image's /dev/null symlink to a file made crun
// attach that file to the process's standard streams whose device number matched (0: files and
// pipes), so the output went into the file, which crun then hands to the container's user.
func TestDevNullSymlinkNotStdio(t *testing.T) {
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		b.SkipIfEmulatorLacks(t, runNeeds...)
		c := newContainer(t, b, "devnull", "exit", "0")
		withoutDevMounts(t, c)
		rootfs := filepath.Join(c.bundle, "rootfs")
		if err := os.Mkdir(filepath.Join(rootfs, "dev"), 0o755); err != nil {
			t.Fatal(err)
		}
		// crun creates the devices it needs where they are missing, but keeps an existing entry
		victim := filepath.Join(rootfs, "victim")
		if err := os.WriteFile(victim, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("/victim", filepath.Join(rootfs, "dev", "null")); err != nil {
			t.Fatal(err)
		}
		// crun's stdout and stderr are files (device number 0, as the victim's)
		r := c.exec(nil, "run", "--bundle", c.bundle, c.id)
		if got := readFile(t, victim); got != "" {
			t.Fatalf("the file behind the image's /dev/null symlink received the container's output %q (crun exit %d: %s)", got, r.code, r.stderr)
		}
		if want := c.wantLine(); r.code != 0 || r.stdout != want {
			t.Fatalf("crun run: exit %d, stdout %q, want 0 and %q (stderr %q)", r.code, r.stdout, want, r.stderr)
		}
	})
}

// withMounts rewrites the bundle's config.json with mounts added after crun spec's.
func withMounts(t *testing.T, c *container, mounts ...map[string]any) {
	t.Helper()
	editConfig(t, c, func(cfg map[string]any) {
		for _, m := range mounts {
			cfg["mounts"] = append(cfg["mounts"].([]any), m)
		}
	})
}

// tmpcopyupImage gives the container's image a directory /data holding imagefile, and a tmpfs
// on /data with tmpcopyup (the image's files copied onto it), after a bind mount of host on /vol:
// a directory the container shares with the host (a volume). mode= spares crun a look at /data
// before the copy (it adds the directory's mode otherwise).
func tmpcopyupImage(t *testing.T, c *container, host string) (data string) {
	t.Helper()
	data = filepath.Join(c.bundle, "rootfs", "data")
	for _, d := range []string{data, filepath.Join(c.bundle, "rootfs", "vol")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(data, "imagefile"), []byte("from the image\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	withMounts(t, c,
		map[string]any{"destination": "/vol", "type": "bind", "source": host, "options": []string{"rbind", "rw"}},
		map[string]any{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": []string{"tmpcopyup", "mode=755", "nosuid", "nodev"}})
	return data
}

// tmpcopyup copies the image's files onto the tmpfs mounted over their directory: the container
// reads them there (the patch for CVE-2026-133553 moved the copy to a tmpfs not yet mounted).
func TestTmpcopyup(t *testing.T) {
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		b.SkipIfEmulatorLacks(t, runNeeds...)
		c := newContainer(t, b, "tmpcopyup", "cat", "/data/imagefile")
		host := t.TempDir()
		tmpcopyupImage(t, c, host)
		r := c.mustExec(nil, "run", "--bundle", c.bundle, c.id)
		if r.stdout != "from the image\n" {
			t.Errorf("the container reads %q in /data/imagefile, want the image's %q (stderr: %s)", r.stdout, "from the image\n", r.stderr)
		}
		if got := dirEntries(t, host); len(got) != 0 {
			t.Errorf("the shared host directory holds %v", got)
		}
	})
}

// CVE-2026-133553 (cve-2026-133553-tmpcopyup-no-second-lookup.patch): for a tmpfs with
// tmpcopyup, crun took the target directory, mounted the tmpfs, then looked the target up by
// name again to copy the image's files there; a container sharing a volume with this one could
// swap the directory for a symlink in between, and crun copied the image's files wherever it
// pointed: host files on a shared volume, /proc/sys. The race is made certain here: a fanotify
// permission event holds crun at its first open of the image's /data (the copy's source) while
// the test, as the other container would, moves /data away and puts a symlink to the shared
// volume in its place. Patched, the copy goes into the tmpfs before it is mounted on the
// directory crun took, and the shared host directory stays empty.
func TestTmpcopyupTargetSwapped(t *testing.T) {
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		b.SkipIfEmulatorLacks(t, runNeeds...)
		c := newContainer(t, b, "tmpcopyup-swap", "exit", "0")
		host := t.TempDir()
		data := tmpcopyupImage(t, c, host)

		fan, err := unix.FanotifyInit(unix.FAN_CLASS_CONTENT|unix.FAN_CLOEXEC, unix.O_RDONLY|unix.O_CLOEXEC)
		if err != nil {
			t.Skipf("fanotify_init(FAN_CLASS_CONTENT): %v: the race cannot be held open on this kernel or without CAP_SYS_ADMIN", err)
		}
		defer unix.Close(fan)
		if err := unix.FanotifyMark(fan, unix.FAN_MARK_ADD, unix.FAN_OPEN_PERM|unix.FAN_ONDIR, unix.AT_FDCWD, data); err != nil {
			t.Skipf("fanotify_mark(FAN_OPEN_PERM): %v: the kernel lacks permission events (CONFIG_FANOTIFY_ACCESS_PERMISSIONS)", err)
		}
		swapped := make(chan error, 1)
		go func() {
			first := true
			buf := make([]byte, 4096)
			for {
				n, err := unix.Read(fan, buf)
				if err != nil || n == 0 {
					return // closed: the test is over
				}
				for off := 0; off+int(unsafe.Sizeof(unix.FanotifyEventMetadata{})) <= n; {
					ev := (*unix.FanotifyEventMetadata)(unsafe.Pointer(&buf[off]))
					if first && int(ev.Pid) != os.Getpid() {
						// crun opened /data: it took the directory already and will mount on it
						first = false
						err := os.Rename(data, data+".old")
						if err == nil {
							err = os.Symlink("/vol", data)
						}
						swapped <- err
					}
					resp := unix.FanotifyResponse{Fd: ev.Fd, Response: unix.FAN_ALLOW}
					unix.Write(fan, (*[unsafe.Sizeof(resp)]byte)(unsafe.Pointer(&resp))[:])
					unix.Close(int(ev.Fd))
					off += int(ev.Event_len)
				}
			}
		}()
		r := c.exec(nil, "run", "--bundle", c.bundle, c.id)
		select {
		case err := <-swapped:
			if err != nil {
				t.Fatalf("swapping /data for a symlink: %v", err)
			}
		default:
			t.Fatalf("crun never opened the image's /data (exit %d: %s): the race was not run", r.code, r.stderr)
		}
		if got := dirEntries(t, host); len(got) != 0 {
			t.Fatalf("crun copied the image's files %v into the shared host directory the swapped-in symlink points to (crun exit %d: %s)", got, r.code, r.stderr)
		}
		if r.code != 0 {
			t.Errorf("crun exit %d: %s; want the container to run, its copy made where crun took the directory", r.code, r.stderr)
		}
	})
}
