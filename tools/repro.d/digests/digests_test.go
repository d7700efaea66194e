package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// sha256 of "abc" and of "x"
const (
	abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	x   = "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
)

func TestDigestsOfFilesAndTreesInByteOrder(t *testing.T) {
	exec, base := t.TempDir(), t.TempDir()
	write(t, filepath.Join(exec, "bazel-out/bin/a"), "abc")
	// a tree: "a/x" sorts after "a-b/x" in byte order ('-' < '/'), though a directory walk
	// visits a/ first
	write(t, filepath.Join(exec, "bazel-out/bin/tree/a/x"), "x")
	write(t, filepath.Join(exec, "bazel-out/bin/tree/a-b/x"), "x")
	if err := os.Symlink("a/x", filepath.Join(exec, "bazel-out/bin/tree/link")); err != nil {
		t.Fatal(err)
	}
	// a source file of another repository that no action linked into the execution root
	write(t, filepath.Join(base, "external/repo/LICENSE"), "abc")
	var out, errs strings.Builder
	code := run([]string{"--execroot", exec, "--output-base", base},
		strings.NewReader("bazel-out/bin/a\nbazel-out/bin/tree\nexternal/repo/LICENSE\n"), &out, &errs)
	want := abc + "  bazel-out/bin/a\n" +
		x + "  bazel-out/bin/tree/a-b/x\n" +
		x + "  bazel-out/bin/tree/a/x\n" +
		abc + "  external/repo/LICENSE\n"
	if code != 0 || out.String() != want {
		t.Errorf("exit %d, stderr %q, stdout:\n%s\nwant:\n%s", code, errs.String(), out.String(), want)
	}
}

func TestAMissingOutputFails(t *testing.T) {
	exec, base := t.TempDir(), t.TempDir()
	var out, errs strings.Builder
	code := run([]string{"--execroot", exec, "--output-base", base}, strings.NewReader("bazel-out/bin/gone\n"), &out, &errs)
	if code != 2 || !strings.Contains(errs.String(), "lacks bazel-out/bin/gone") {
		t.Errorf("exit %d, stderr %q: want 2 naming the missing output", code, errs.String())
	}
}

func TestNoPathsOrNoFlagsFail(t *testing.T) {
	for name, args := range map[string][]string{"no paths": {"--execroot", "/", "--output-base", "/"}, "no flags": nil} {
		var out, errs strings.Builder
		if code := run(args, strings.NewReader(""), &out, &errs); code != 2 || errs.Len() == 0 {
			t.Errorf("%s: exit %d, stderr %q: want 2 and a reason", name, code, errs.String())
		}
	}
}
