// Package gotool builds a Go command from a module at a pinned version, for
// tests that check our output with the real upstream tools.
//
// Such a check skips only for a reason named and checked before anything is
// fetched: the go command is not on PATH (e.g. inside a Bazel sandbox). When
// the module or any module it needs cannot be fetched (offline, a proxy that
// refuses one), the check fails, saying what and through which proxy: a
// check that quietly does not run would look like one that passed.
package gotool

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

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
	bin, err := build(goBin, module, version, pkg, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// build is Build without the test: dir is an empty scratch directory.
func build(goBin, module, version, pkg, dir string) (string, error) {
	cacheRoot, err := os.UserCacheDir()
	if err != nil {
		cacheRoot = os.TempDir()
	}
	cache := filepath.Join(cacheRoot, "rootless-static-toolkits-gotool", strings.ReplaceAll(pkg, "/", "_")+"@"+version)
	bin := filepath.Join(cache, filepath.Base(pkg))
	if st, err := os.Stat(bin); err == nil && st.Mode().IsRegular() {
		return bin, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", err
	}
	tmpBin, err := os.CreateTemp(cache, ".build-*")
	if err != nil {
		return "", err
	}
	tmpBin.Close()
	defer os.Remove(tmpBin.Name())
	steps := [][]string{
		{"mod", "init", "gotool.test/build"},
		{"get", pkg + "@" + version},
		{"build", "-o", tmpBin.Name(), pkg},
	}
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	for _, args := range steps {
		cmd := exec.Command(goBin, args...)
		cmd.Dir = dir
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err == nil {
			continue
		}
		proxy, perr := exec.Command(goBin, "env", "GOPROXY").Output()
		where := "GOPROXY=" + strings.TrimSpace(string(proxy))
		if perr != nil {
			where = fmt.Sprintf("go env GOPROXY: %v", perr)
		}
		return "", fmt.Errorf("cannot build %s from %s@%s, which this check runs (%s); it fails rather than skips, "+
			"so that it never passes unrun: go %s: %v\n%s", pkg, module, version, where, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	// Renamed into place whole, so a concurrent or interrupted build never
	// leaves a half-written binary to be reused.
	if err := os.Rename(tmpBin.Name(), bin); err != nil {
		return "", err
	}
	return bin, nil
}

// ModuleVersion is the version of module that our go.mod selects.
func ModuleVersion(t *testing.T, module string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	cmd := exec.Command(goBin, "list", "-m", "-f", "{{.Version}}", module)
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("%v: %s", err, strings.TrimSpace(string(ee.Stderr)))
		}
		t.Fatalf("go list -m %s: %v", module, err)
	}
	return strings.TrimSpace(string(out))
}
