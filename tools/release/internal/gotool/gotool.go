// Package gotool builds a Go command from a module at a pinned version, for
// tests that check our output with the real upstream tools.
package gotool

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// fetchFailure recognises a module that cannot be downloaded (offline, or
// a filtered proxy), the one reason a test may skip instead of fail.
var fetchFailure = regexp.MustCompile(`(?i)(403 Forbidden|404 Not Found|410 Gone|dial tcp|no such host|connection refused|i/o timeout|TLS handshake)`)

// Build compiles pkg from module at version, in a throwaway module so our
// go.mod stays as it is, and returns the binary. Binaries are kept in the
// user's cache directory by module version, as linking a large command
// takes most of a minute.
func Build(t *testing.T, module, version, pkg string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("the go command is not on PATH (e.g. inside a Bazel sandbox); cannot build %s", pkg)
	}
	cacheRoot, err := os.UserCacheDir()
	if err != nil {
		cacheRoot = os.TempDir()
	}
	cache := filepath.Join(cacheRoot, "rootless-static-toolkits-gotool", strings.ReplaceAll(pkg, "/", "_")+"@"+version)
	bin := filepath.Join(cache, filepath.Base(pkg))
	if st, err := os.Stat(bin); err == nil && st.Mode().IsRegular() {
		return bin
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	tmpBin, err := os.CreateTemp(cache, ".build-*")
	if err != nil {
		t.Fatal(err)
	}
	tmpBin.Close()
	defer os.Remove(tmpBin.Name())
	dir := t.TempDir()
	steps := [][]string{
		{"mod", "init", "gotool.test/build"},
		{"get", pkg + "@" + version},
		{"build", "-o", tmpBin.Name(), pkg},
	}
	for _, args := range steps {
		cmd := exec.Command(goBin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		out, err := cmd.CombinedOutput()
		if err == nil {
			continue
		}
		msg := strings.TrimSpace(string(out))
		if fetchFailure.MatchString(msg) {
			t.Skipf("cannot fetch %s@%s here, so it is not checked: %s", module, version, msg)
		}
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	// Renamed into place whole, so a concurrent or interrupted build never
	// leaves a half-written binary to be reused.
	if err := os.Rename(tmpBin.Name(), bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

// ModuleVersion is the version of module that our go.mod selects.
func ModuleVersion(t *testing.T, module string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	out, err := exec.Command(goBin, "list", "-m", "-f", "{{.Version}}", module).Output()
	if err != nil {
		t.Fatalf("go list -m %s: %v", module, err)
	}
	return strings.TrimSpace(string(out))
}
