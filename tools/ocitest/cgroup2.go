package ocitest

import (
	"os"
	"path/filepath"
	"testing"
)

// Cgroup2Namespace returns an executable that runs bin in a private mount namespace where a
// cgroup2 hierarchy is mounted over /sys/fs/cgroup. Our build machines have hybrid cgroups (v1
// controllers, an empty cgroup2 at /sys/fs/cgroup/unified), and the tests run in a chroot whose
// /sys/fs/cgroup is empty; podman 6 refuses to start unless /sys/fs/cgroup is a cgroup2 mount.
// The hierarchy has no controllers here, so containers run with cgroups disabled.
func Cgroup2Namespace(t testing.TB, bin string) string {
	t.Helper()
	script := filepath.Join(t.TempDir(), filepath.Base(bin))
	content := `#!/bin/sh
# runs ` + bin + ` with a cgroup2 hierarchy at /sys/fs/cgroup, in a private mount namespace
exec unshare --mount --propagation private /bin/sh -c 'mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec "$0" "$@"' "` + bin + `" "$@"
`
	if err := os.WriteFile(script, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
	return script
}
