package ocitest

import (
	"os"
	"path/filepath"
	"testing"
)

// cgroup2Script runs its arguments in a private mount namespace where a cgroup2 hierarchy is
// mounted over /sys/fs/cgroup. Our build machines have hybrid cgroups (v1 controllers, an empty
// cgroup2 at /sys/fs/cgroup/unified), and the tests run in a chroot whose /sys/fs/cgroup is empty:
// podman 6 refuses to start, and crun stops ("invalid file system type on /sys/fs/cgroup"),
// unless /sys/fs/cgroup is a cgroup2 mount. The hierarchy has no controllers, so containers run
// with cgroups disabled.
const cgroup2Script = `#!/bin/sh
exec unshare --mount --propagation private /bin/sh -c 'mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec "$0" "$@"' "$@"
`

// Cgroup2Wrapper returns an executable that runs its arguments (a program and its arguments) in
// a private mount namespace with a cgroup2 hierarchy at /sys/fs/cgroup.
func Cgroup2Wrapper(t testing.TB) string {
	t.Helper()
	script := filepath.Join(t.TempDir(), "cgroup2-ns")
	if err := os.WriteFile(script, []byte(cgroup2Script), 0o755); err != nil {
		t.Fatal(err)
	}
	return script
}

// Cgroup2Namespace returns an executable, named like bin, that runs bin with its arguments in a
// private mount namespace with a cgroup2 hierarchy at /sys/fs/cgroup (see Cgroup2Wrapper).
func Cgroup2Namespace(t testing.TB, bin string) string {
	t.Helper()
	script := filepath.Join(t.TempDir(), filepath.Base(bin))
	content := "#!/bin/sh\nexec \"" + Cgroup2Wrapper(t) + "\" \"" + bin + "\" \"$@\"\n"
	if err := os.WriteFile(script, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
	return script
}
