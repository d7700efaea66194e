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

// MIT is the license every version of the served module carries (its LICENSE file).
const MIT = `MIT License

Copyright (c) 2026 Example Authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`

// Proxy writes a file:// Go module proxy serving, under path, a module that declares itself as
// declared (the same, or another path when upstream moved its module), at the given versions:
// each has a cmd/tool command printing its version and an MIT LICENSE. Versions in noOrigin have a .info without
// Origin, as some proxies serve; the others record a commit (v1.1.0's is Commit110) and a time
// (the Nth version: 2026-0N-02T03:04:05Z). It returns the GOPROXY value.
func Proxy(t testing.TB, path, declared string, versions []string, noOrigin map[string]bool) string {
	t.Helper()
	root := t.TempDir()
	for i, v := range versions {
		info := fmt.Sprintf(`{"Version":"%s","Time":"2026-0%d-02T03:04:05Z","Origin":{"VCS":"git","URL":"https://example.com/tool.git","Hash":"%s","Ref":"refs/tags/%s"}}`,
			v, i+1, strings.Repeat(fmt.Sprint(i), 40), v)
		if v == "v1.1.0" {
			info = strings.Replace(info, strings.Repeat("1", 40), Commit110, 1)
		}
		if noOrigin[v] {
			info = fmt.Sprintf(`{"Version":"%s","Time":"2026-0%d-02T03:04:05Z"}`, v, i+1)
		}
		Module(t, root, path, v, info, "module "+declared+"\n\ngo 1.21\n", map[string]string{
			"cmd/tool/main.go": "package main\n\nfunc main() { println(\"" + v + "\") }\n",
		})
	}
	return "file://" + root
}

// Module adds one version of a module to the file:// proxy at root: its .info (info, or a
// plain one when empty), its go.mod, and a zip of go.mod, an MIT LICENSE and files.
func Module(t testing.TB, root, path, version, info, gomod string, files map[string]string) {
	t.Helper()
	dir := filepath.Join(root, path, "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if info == "" {
		info = fmt.Sprintf(`{"Version":"%s","Time":"2026-01-02T03:04:05Z"}`, version)
	}
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	all := map[string]string{"go.mod": gomod, "LICENSE": MIT}
	for name, body := range files {
		all[name] = body
	}
	for name, body := range all {
		w, err := zw.Create(path + "@" + version + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	for ext, data := range map[string][]byte{".info": []byte(info), ".mod": []byte(gomod), ".zip": zbuf.Bytes()} {
		if err := os.WriteFile(filepath.Join(dir, version+ext), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	list, _ := os.ReadFile(filepath.Join(dir, "list"))
	if err := os.WriteFile(filepath.Join(dir, "list"), append(list, version+"\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
}
