package bump

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/bump/bumptest"
)

const (
	toolModule = "example.com/tool"
	commit110  = bumptest.Commit110
)

func fakeProxy(t *testing.T, versions []string, noOrigin map[string]bool) string {
	t.Helper()
	return bumptest.Proxy(t, toolModule, toolModule, versions, noOrigin)
}

func fakeProxyServing(t *testing.T, path string, versions []string, noOrigin map[string]bool) string {
	t.Helper()
	return bumptest.Proxy(t, path, toolModule, versions, noOrigin)
}

// setup returns a pin directory requiring toolModule at from, and the go command's environment.
func setup(t *testing.T, proxy, from string) (string, []string) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH (e.g. inside a Bazel sandbox): bump runs it; `go test ./tools/release/...` runs this test")
	}
	pin := t.TempDir()
	files := map[string]string{
		"go.mod":  "module example.com/pin\n\ngo 1.21\n\nrequire " + toolModule + " " + from + "\n",
		"go.sum":  "",
		"deps.go": "//go:build tools\n\npackage deps\n\nimport _ \"" + toolModule + "/cmd/tool\"\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(pin, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	home := t.TempDir()
	env := append(os.Environ(), "GOPROXY="+proxy, "GOSUMDB=off", "GONOSUMDB=", "GOPRIVATE=",
		"GOMODCACHE="+filepath.Join(home, "mod"), "GOTOOLCHAIN=local", "HOME="+home)
	return pin, env
}

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(data)
	}
	return out
}

func TestBumpRewritesThePinAndIsIdempotent(t *testing.T) {
	proxy := fakeProxy(t, []string{"v1.0.0", "v1.1.0"}, nil)
	pin, env := setup(t, proxy, "v1.0.0")
	ctx := context.Background()

	res, err := Run(ctx, Options{Dir: pin, Version: "1.1.0", Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if res.Module != toolModule || res.From != "1.0.0" || res.To != "1.1.0" || res.Commit != commit110 {
		t.Errorf("result = %+v", res)
	}
	if got := strings.Join(res.Changed, ","); got != "go.mod,go.sum,stamp.bzl,go.licenses" {
		t.Errorf("changed = %s, want go.mod,go.sum,stamp.bzl,go.licenses", got)
	}
	files := snapshot(t, pin)
	if !strings.Contains(files["go.mod"], "require "+toolModule+" v1.1.0") {
		t.Errorf("go.mod does not require v1.1.0:\n%s", files["go.mod"])
	}
	if !strings.Contains(files["go.sum"], toolModule+" v1.1.0 h1:") || strings.Contains(files["go.sum"], "v1.0.0") {
		t.Errorf("go.sum is not the v1.1.0 graph:\n%s", files["go.sum"])
	}
	// the fake proxy's v1.1.0 is the second version: time 2026-02-02T03:04:05Z
	if !strings.Contains(files["stamp.bzl"], `COMMIT = "`+commit110+`"`) || !strings.Contains(files["stamp.bzl"], `TIME = "1770001445"`) {
		t.Errorf("stamp.bzl:\n%s", files["stamp.bzl"])
	}
	// the license table: the pinned module's, classified from its LICENSE
	if !strings.Contains(files["go.licenses"], "\n"+toolModule+" v1.1.0 MIT\n") || strings.Contains(files["go.licenses"], "v1.0.0") {
		t.Errorf("go.licenses:\n%s", files["go.licenses"])
	}
	if module, ver, err := Pinned(ctx, "go", env, pin); err != nil || module != toolModule || ver != "1.1.0" {
		t.Errorf("Pinned = %s %s %v", module, ver, err)
	}

	again, err := Run(ctx, Options{Dir: pin, Version: "v1.1.0", Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Changed) != 0 {
		t.Errorf("second run changed %v, want nothing", again.Changed)
	}
	if after := snapshot(t, pin); fmt.Sprint(after) != fmt.Sprint(files) {
		t.Errorf("second run changed the pin:\nbefore %v\nafter  %v", files, after)
	}
}

func TestBumpFailuresLeaveTheTreeUntouched(t *testing.T) {
	proxy := fakeProxy(t, []string{"v1.0.0", "v1.1.0"}, nil)
	pin, env := setup(t, proxy, "v1.0.0")
	ctx := context.Background()
	if _, err := Run(ctx, Options{Dir: pin, Version: "1.0.0", Env: env}); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, pin)
	for _, tc := range []struct{ version, want string }{
		{"1.2.0", "cannot pin example.com/tool@v1.2.0"},                    // the proxy does not serve it
		{"2.0.0", "major version 2"},                                       // another module path
		{"1.1.0-rc1", "pre-release"},                                       // not a release
		{"1.1.0 go", "needs go 1.21, newer than the pinned Go SDK 1.20.9"}, // newer than the pinned Go SDK
		{"latest", "not a version of the form MAJOR.MINOR.PATCH"},          // malformed
	} {
		opts := Options{Dir: pin, Version: tc.version, Env: env}
		if v, ok := strings.CutSuffix(tc.version, " go"); ok {
			opts.Version, opts.MaxGo = v, "1.20.9"
		}
		_, err := Run(ctx, opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("bump to %s: error %v, want one saying %q", tc.version, err, tc.want)
		}
		if after := snapshot(t, pin); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("failed bump to %s changed the tree", tc.version)
		}
	}
}

func TestBumpWithoutOriginLeavesTheCommitEmpty(t *testing.T) {
	proxy := fakeProxy(t, []string{"v1.0.0", "v1.1.0"}, map[string]bool{"v1.1.0": true})
	pin, env := setup(t, proxy, "v1.0.0")
	var log bytes.Buffer
	res, err := Run(context.Background(), Options{Dir: pin, Version: "1.1.0", Env: env,
		Logf: func(f string, a ...any) { fmt.Fprintf(&log, f+"\n", a...) }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Commit != "" || !strings.Contains(log.String(), "records no commit") {
		t.Errorf("commit %q, log:\n%s", res.Commit, log.String())
	}
	if stamp := snapshot(t, pin)["stamp.bzl"]; !strings.Contains(stamp, `COMMIT = ""`) {
		t.Errorf("stamp.bzl:\n%s", stamp)
	}
}

// Upstream moved its module path, but the proxy serves the release under the old path only (whose
// go.mod declares the new one): go.mod requires the new path and replaces it with the old; bump
// moves both and stamps from the old path's .info.
func TestBumpThroughAReplacedModulePath(t *testing.T) {
	const oldPath = "example.com/oldtool"
	proxy := fakeProxyServing(t, oldPath, []string{"v1.0.0", "v1.1.0"}, nil)
	pin, env := setup(t, proxy, "v1.0.0")
	gomod := filepath.Join(pin, "go.mod")
	data, _ := os.ReadFile(gomod)
	os.WriteFile(gomod, append(data, []byte("\nreplace "+toolModule+" => "+oldPath+" v1.0.0\n")...), 0o644)
	ctx := context.Background()
	if _, err := Run(ctx, Options{Dir: pin, Version: "1.0.0", Env: env}); err != nil {
		t.Fatal(err)
	}
	res, err := Run(ctx, Options{Dir: pin, Version: "1.1.0", Env: env})
	if err != nil {
		t.Fatal(err)
	}
	files := snapshot(t, pin)
	if res.Module != toolModule || res.To != "1.1.0" || res.Commit != commit110 {
		t.Errorf("result = %+v", res)
	}
	for _, want := range []string{"require " + toolModule + " v1.1.0", "replace " + toolModule + " => " + oldPath + " v1.1.0"} {
		if !strings.Contains(files["go.mod"], want) {
			t.Errorf("go.mod lacks %q:\n%s", want, files["go.mod"])
		}
	}
	if !strings.Contains(files["go.sum"], oldPath+" v1.1.0 h1:") || strings.Contains(files["go.sum"], "v1.0.0") {
		t.Errorf("go.sum is not the v1.1.0 graph:\n%s", files["go.sum"])
	}
	if !strings.Contains(files["stamp.bzl"], `COMMIT = "`+commit110+`"`) {
		t.Errorf("stamp.bzl:\n%s", files["stamp.bzl"])
	}
	// the module is linked under the path it is required as: the table names both
	for _, want := range []string{"\n" + oldPath + " v1.1.0 MIT\n", "\n" + toolModule + " v1.1.0 MIT\n"} {
		if !strings.Contains(files["go.licenses"], want) {
			t.Errorf("go.licenses lacks %q:\n%s", strings.TrimSpace(want), files["go.licenses"])
		}
	}
	if _, err := Run(ctx, Options{Dir: pin, Version: "1.2.0", Env: env}); err == nil || !strings.Contains(err.Error(), "cannot pin "+toolModule+"@v1.2.0") {
		t.Errorf("bump to an unserved version: %v", err)
	}
	if after := snapshot(t, pin); fmt.Sprint(after) != fmt.Sprint(files) {
		t.Error("a failed bump changed the pin")
	}
}

func TestLicenseClassification(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"MIT":                   {"LICENSE": bumptest.MIT, "README": "MIT? no: not a license file"},
		"MIT (copying.txt)":     {"copying.txt": bumptest.MIT},
		"NOASSERTION (none)":    {"README.md": bumptest.MIT},
		"NOASSERTION (unknown)": {"LICENSE": "All rights reserved. Ask us.\n"},
	} {
		dir := t.TempDir()
		for f, body := range files {
			if err := os.WriteFile(filepath.Join(dir, f), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := classify(dir)
		if want := strings.Fields(name)[0]; err != nil || got != want {
			t.Errorf("%s: classify = %q, %v; want %s", name, got, err, want)
		}
	}
}

// A proxy serving toolModule v1.0.0, whose command imports example.com/lib (required at
// v1.0.0), and example.com/lib at v1.0.0, v1.1.0 and v1.2.0.
func raiseProxy(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	bumptest.Module(t, root, toolModule, "v1.0.0", "", "module "+toolModule+"\n\ngo 1.21\n\nrequire example.com/lib v1.0.0\n", map[string]string{
		"cmd/tool/main.go": "package main\n\nimport \"example.com/lib\"\n\nfunc main() { println(lib.V) }\n",
	})
	for _, v := range []string{"v1.0.0", "v1.1.0", "v1.2.0"} {
		bumptest.Module(t, root, "example.com/lib", v, "", "module example.com/lib\n\ngo 1.21\n", map[string]string{
			"lib.go": "package lib\n\nconst V = \"" + v + "\"\n",
		})
	}
	return "file://" + root
}

func TestRaiseMovesADependencyUpOnly(t *testing.T) {
	pin, env := setup(t, raiseProxy(t), "v1.0.0")
	ctx := context.Background()
	// the pin as tidy leaves it: go.sum of the tool's graph
	if _, err := Run(ctx, Options{Dir: pin, Version: "1.0.0", Env: env}); err != nil {
		t.Fatal(err)
	}
	res, err := Run(ctx, Options{Dir: pin, Version: "1.0.0", Env: env, Raise: []string{"example.com/lib@v1.1.0"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Raised, ";"); got != "example.com/lib v1.0.0 -> v1.1.0" {
		t.Errorf("raised %q", got)
	}
	files := snapshot(t, pin)
	if !strings.Contains(files["go.mod"], "example.com/lib v1.1.0") || !strings.Contains(files["go.sum"], "example.com/lib v1.1.0 h1:") {
		t.Errorf("go.mod/go.sum do not pin example.com/lib v1.1.0:\n%s\n%s", files["go.mod"], files["go.sum"])
	}
	if !strings.Contains(files["go.licenses"], "\nexample.com/lib v1.1.0 MIT\n") {
		t.Errorf("go.licenses lacks the raised module:\n%s", files["go.licenses"])
	}
	// already there: nothing to raise, nothing changes; a raise never lowers
	again, err := Run(ctx, Options{Dir: pin, Version: "1.0.0", Env: env, Raise: []string{"example.com/lib@v1.0.0"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Changed) != 0 || !strings.Contains(strings.Join(again.Raised, ";"), "already >= v1.0.0") {
		t.Errorf("raise to an older version: changed %v, raised %v", again.Changed, again.Raised)
	}
	// refused, the pin untouched: a module outside the graph, the tool itself, a version the
	// proxy does not serve, a malformed spec
	for _, bad := range []string{"example.com/other@v1.0.0", toolModule + "@v1.1.0", "example.com/lib@v1.9.0", "example.com/lib", "example.com/lib@1.2.0"} {
		if _, err := Run(ctx, Options{Dir: pin, Version: "1.0.0", Env: env, Raise: []string{bad}}); err == nil {
			t.Errorf("--raise %s: no error", bad)
		}
		if after := snapshot(t, pin); fmt.Sprint(after) != fmt.Sprint(files) {
			t.Errorf("--raise %s changed the pin", bad)
		}
	}
}

// The four files of a pin are replaced together or not at all: a failure renaming any one of
// them into place leaves all four as they were (and nothing else behind), both when the pin
// already has all four and when stamp.bzl and go.licenses are new.
func TestBumpFailureAtAnyFileLeavesThePinWhole(t *testing.T) {
	proxy := fakeProxy(t, []string{"v1.0.0", "v1.1.0"}, nil)
	ctx := context.Background()
	for _, fresh := range []bool{true, false} {
		for step, file := range Files {
			pin, env := setup(t, proxy, "v1.0.0")
			if !fresh {
				if _, err := Run(ctx, Options{Dir: pin, Version: "1.0.0", Env: env}); err != nil {
					t.Fatal(err)
				}
			}
			before := snapshot(t, pin)
			target := filepath.Join(pin, file)
			failed := false
			opts := Options{Dir: pin, Version: "1.1.0", Env: env, rename: func(oldpath, newpath string) error {
				if newpath == target && !failed {
					failed = true
					return fmt.Errorf("injected fault")
				}
				return os.Rename(oldpath, newpath)
			}}
			_, err := Run(ctx, opts)
			if err == nil || !strings.Contains(err.Error(), "injected fault") {
				t.Errorf("fresh %v, failing at %s: error %v, want the injected fault", fresh, file, err)
			}
			if after := snapshot(t, pin); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("fresh %v, failing at %s (step %d) changed the pin:\nbefore %q\nafter  %q", fresh, file, step+1, before, after)
			}
		}
	}
}

// The same with a real fault: go.licenses, the last file, is a directory.
func TestBumpDoesNotHalfWriteWhenTheLastFileCannotBeReplaced(t *testing.T) {
	proxy := fakeProxy(t, []string{"v1.0.0", "v1.1.0"}, nil)
	pin, env := setup(t, proxy, "v1.0.0")
	ctx := context.Background()
	if _, err := Run(ctx, Options{Dir: pin, Version: "1.0.0", Env: env}); err != nil {
		t.Fatal(err)
	}
	lic := filepath.Join(pin, LicensesFile)
	if err := os.Remove(lic); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(lic, 0o755); err != nil {
		t.Fatal(err)
	}
	before := map[string]string{}
	for _, f := range Files[:3] {
		data, _ := os.ReadFile(filepath.Join(pin, f))
		before[f] = string(data)
	}
	if _, err := Run(ctx, Options{Dir: pin, Version: "1.1.0", Env: env}); err == nil || !strings.Contains(err.Error(), lic) {
		t.Errorf("bump with %s a directory: error %v, want one naming it", lic, err)
	}
	for _, f := range Files[:3] {
		if data, _ := os.ReadFile(filepath.Join(pin, f)); string(data) != before[f] {
			t.Errorf("%s changed though the bump failed:\n%s", f, data)
		}
	}
	entries, _ := os.ReadDir(pin)
	if len(entries) != 5 {
		t.Errorf("the pin holds %d entries, want go.mod, go.sum, deps.go, stamp.bzl and go.licenses", len(entries))
	}
}
