// Package bumptest provides a stand-in Go module proxy for tests of bump and of the pipeline.
package bumptest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Commit110 is the commit the proxy's .info records for v1.1.0.
const Commit110 = "0123456789abcdef0123456789abcdef01234567"

// Proxy writes a file:// Go module proxy serving, under path, a module that declares itself as
// declared (the same, or another path when upstream moved its module), at the given versions:
// each has a cmd/tool command printing its version. Versions in noOrigin have a .info without
// Origin, as some proxies serve; the others record a commit (v1.1.0's is Commit110) and a time
// (the Nth version: 2026-0N-02T03:04:05Z). It returns the GOPROXY value.
func Proxy(t testing.TB, path, declared string, versions []string, noOrigin map[string]bool) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, path, "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, v := range versions {
		info := fmt.Sprintf(`{"Version":"%s","Time":"2026-0%d-02T03:04:05Z","Origin":{"VCS":"git","URL":"https://example.com/tool.git","Hash":"%s","Ref":"refs/tags/%s"}}`,
			v, i+1, strings.Repeat(fmt.Sprint(i), 40), v)
		if v == "v1.1.0" {
			info = strings.Replace(info, strings.Repeat("1", 40), Commit110, 1)
		}
		if noOrigin[v] {
			info = fmt.Sprintf(`{"Version":"%s","Time":"2026-0%d-02T03:04:05Z"}`, v, i+1)
		}
		gomod := "module " + declared + "\n\ngo 1.21\n"
		var zbuf bytes.Buffer
		zw := zip.NewWriter(&zbuf)
		for name, body := range map[string]string{
			"go.mod":           gomod,
			"cmd/tool/main.go": "package main\n\nfunc main() { println(\"" + v + "\") }\n",
		} {
			w, err := zw.Create(path + "@" + v + "/" + name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte(body))
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		for ext, data := range map[string][]byte{".info": []byte(info), ".mod": []byte(gomod), ".zip": zbuf.Bytes()} {
			if err := os.WriteFile(filepath.Join(dir, v+ext), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "list"), []byte(strings.Join(versions, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return "file://" + root
}
