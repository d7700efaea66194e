package ocitest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// Config is a private containers configuration under one directory: podman, buildah and skopeo
// run with it read nothing from and write nothing to the machine's /etc, /var or $HOME.
type Config struct {
	Env        []string // CONTAINERS_CONF, CONTAINERS_STORAGE_CONF, ... for the tool's environment
	Storage    []string // global flags: --root, --runroot, --storage-driver vfs
	PolicyJSON string   // accepts anything: the test images are unsigned
}

// NewConfig writes the configuration files into dir, for a tool built for arch (a GOARCH). Where
// arch is emulated (qemu-user), podman keeps its locks in files: it cannot create its shared-memory
// locks there ("failed to create 2048 locks in /libpod_lock: function not implemented"), and
// /dev/shm/libpod_lock is the machine's, so an emulated podman used to work only after a native one
// had left that file behind.
func NewConfig(t testing.TB, dir, arch string) Config {
	t.Helper()
	engine := "[engine]\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n"
	if arch != runtime.GOARCH {
		engine += "lock_type = \"file\"\n"
	}
	files := map[string]string{
		"containers.conf": engine,
		"storage.conf":    "[storage]\ndriver = \"vfs\"\n",
		"registries.conf": "unqualified-search-registries = []\n",
		"policy.json":     `{"default": [{"type": "insecureAcceptAnything"}]}`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return Config{
		Env: []string{
			"CONTAINERS_CONF=" + filepath.Join(dir, "containers.conf"),
			"CONTAINERS_STORAGE_CONF=" + filepath.Join(dir, "storage.conf"),
			"CONTAINERS_REGISTRIES_CONF=" + filepath.Join(dir, "registries.conf"),
			"HOME=" + dir,
			"XDG_RUNTIME_DIR=" + filepath.Join(dir, "xdg"),
			"TMPDIR=" + dir,
		},
		Storage: []string{
			"--root", filepath.Join(dir, "root"),
			"--runroot", filepath.Join(dir, "run"),
			"--storage-driver", "vfs",
		},
		PolicyJSON: filepath.Join(dir, "policy.json"),
	}
}

// TempDir is t.TempDir for container storage: after `podman run --rm` returns, conmon's exit
// command (`podman container cleanup`) may still be writing under it for a moment, so removal
// is retried for up to 20 s before the test fails.
func TempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ocitest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		var err error
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			if err = os.RemoveAll(dir); err == nil || time.Now().After(deadline) {
				break
			}
		}
		if err != nil {
			t.Errorf("removing %s: %v", dir, err)
		}
	})
	return dir
}
