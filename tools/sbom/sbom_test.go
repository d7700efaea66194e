package main

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// tree writes a root with pins.json, a Go pin and a Cargo.lock, and an archive with one program.
func tree(t *testing.T) (root, archive string) {
	t.Helper()
	root = t.TempDir()
	files := map[string]string{
		"third_party/pins.json":   `{"lib": {"version": "1.0", "license": "MIT", "urls": ["https://example.com/lib-1.0.tar.gz"], "sha256": "` + strings.Repeat("a", 64) + `"}, "nolicense": {"version": "2"}}`,
		"third_party/tool/go.mod": "module x\n\ngo 1.25\n\nrequire example.com/tool v1.2.3\n\nrequire example.com/dep v0.1.0 // indirect\n\nreplace example.com/tool => example.com/oldtool v1.2.3\n",
		"third_party/tool/go.sum": "example.com/oldtool v1.2.3 h1:AAAA=\nexample.com/oldtool v1.2.3/go.mod h1:BBBB=\nexample.com/dep v0.1.0 h1:CCCC=\n",
		"third_party/rs/Cargo.lock": "version = 4\n\n[[package]]\nname = \"libc\"\nversion = \"0.2.1\"\nsource = \"registry+crates-io\"\nchecksum = \"" + strings.Repeat("b", 64) + "\"\n\n[[package]]\nname = \"ours\"\nversion = \"1.0.0\"\n" +
			"\n[[package]]\nname = \"winapi\"\nversion = \"0.3.9\"\nsource = \"registry+crates-io\"\nchecksum = \"" + strings.Repeat("c", 64) + "\"\n" +
			"\n[[package]]\nname = \"odd\"\nversion = \"1.0.0\"\nsource = \"registry+crates-io\"\nchecksum = \"" + strings.Repeat("d", 64) + "\"\n",
		// the crates' directory source: a real crate (old "A/B" license form), a stub, one whose
		// license is only a file
		"vendor/libc-0.2.1/Cargo.toml":   "[package]\nname = \"libc\"\nversion = \"0.2.1\"\nlicense = \"MIT/Apache-2.0\"\n\n[dependencies.x]\nlicense = \"GPL\"\n",
		"vendor/winapi-0.3.9/Cargo.toml": "[package]\nname = \"winapi\"\nversion = \"0.3.9\"\n",
		"vendor/winapi-0.3.9/lib.rs":     "// stub: not needed by any Linux target\n",
		"vendor/odd-1.0.0/Cargo.toml":    "[package]\nname = \"odd\"\nlicense-file = \"COPYING\"\n",
		"components/part.json":           `{"pins": ["lib"], "crates": [{"lock": "third_party/rs", "vendor": "vendor"}], "programs": {"prog": {"pin": "lib"}}}`,
		"components/lockonly.json":       `{"pins": ["lib"], "crates": [{"lock": "third_party/rs"}], "programs": {"prog": {"pin": "lib"}}}`,
		"components/novendor.json":       `{"crates": [{"lock": "third_party/rs", "vendor": "nosuchdir"}]}`,
		"components/noprogram.json":      `{"pins": ["lib"]}`,
		"components/ghost.json":          `{"pins": ["lib"], "programs": {"prog": {"pin": "lib"}, "ghost": {}}}`,
		"components/bad.json":            "pin lib\n",
		"components/nolicense.json":      `{"pins": ["nolicense"]}`,
		"components/unknownpin.json":     `{"pins": ["nosuch"]}`,
		"components/unknownkind.json":    `{"svn": ["trunk"]}`,
	}
	writeFiles(t, root, files)
	archive = filepath.Join(root, "t-linux-amd64.tar.zst")
	writeArchive(t, archive, map[string]string{"t-v1/bin/prog": "data", "t-v1/README.md": "data"})
	return root, archive
}

// writeFiles writes each name (a path below root) with its body.
func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// writeArchive writes a .tar.zst of the files (those under bin/ are executable), all with the
// mtime 2000-01-01.
func writeArchive(t *testing.T, archive string, files map[string]string) {
	t.Helper()
	var tb bytes.Buffer
	zw, _ := zstd.NewWriter(&tb)
	tw := tar.NewWriter(zw)
	mtime := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, body := range files {
		mode := int64(0o644)
		if strings.Contains(name, "/bin/") {
			mode = 0o755
		}
		tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(body)), ModTime: mtime, Typeflag: tar.TypeReg})
		tw.Write([]byte(body))
	}
	tw.Close()
	zw.Close()
	if err := os.WriteFile(archive, tb.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDescribe(t *testing.T) {
	root, archive := tree(t)
	doc, err := describe(archive, root, []string{filepath.Join(root, "components/part.json")})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]pkg{}
	for _, p := range doc.Packages {
		got[p.Name] = p
	}
	if p := got["t-v1/bin/prog"]; p.PrimaryPackagePurpose != "APPLICATION" || len(p.Checksums) != 1 {
		t.Errorf("program: %+v", p)
	}
	if _, ok := got["t-v1/README.md"]; ok {
		t.Error("a data file is listed as a program")
	}
	if p := got["lib"]; p.VersionInfo != "1.0" || p.LicenseDeclared != "MIT" || p.DownloadLocation != "https://example.com/lib-1.0.tar.gz" {
		t.Errorf("pin: %+v", p)
	}
	var related bool
	for _, r := range doc.Relationships {
		related = related || r.SPDXElementID == got["t-v1/bin/prog"].SPDXID && r.RelationshipType == "GENERATED_FROM" && r.RelatedSPDXElement == got["lib"].SPDXID
	}
	if !related {
		t.Errorf("no program GENERATED_FROM pin relationship: %+v", doc.Relationships)
	}
	if p := got["libc"]; p.VersionInfo != "0.2.1" || len(p.Checksums) != 1 || p.LicenseDeclared != "MIT OR Apache-2.0" {
		t.Errorf("crate: %+v", p)
	}
	if _, ok := got["winapi"]; ok {
		t.Error("a stubbed crate (no Linux target needs it) is listed as a component")
	}
	if p := got["odd"]; p.LicenseDeclared != "NOASSERTION" || !strings.Contains(p.SourceInfo, "COPYING") {
		t.Errorf("crate with a license file only: %+v", p)
	}
	// without the vendored crates: every locked crate, licenses not asserted
	doc, err = describe(archive, root, []string{filepath.Join(root, "components/lockonly.json")})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range doc.Packages {
		if strings.HasPrefix(p.SPDXID, "SPDXRef-Crate-") {
			n++
			if p.LicenseDeclared != "NOASSERTION" {
				t.Errorf("crate %s: license %q without its manifest", p.Name, p.LicenseDeclared)
			}
		}
	}
	if n != 3 {
		t.Errorf("%d crates from the lock file alone, want 3", n)
	}
	if _, ok := got["ours"]; ok {
		t.Error("a workspace crate (no registry source) is listed as a component")
	}
	if doc.CreationInfo.Created != "2000-01-01T00:00:00Z" {
		t.Errorf("created %s, want the archive's mtime", doc.CreationInfo.Created)
	}
}

func TestDescribeRejects(t *testing.T) {
	root, archive := tree(t)
	for file, want := range map[string]string{
		"bad.json":         "invalid character",
		"noprogram.json":   "which no bundle part's versions name",
		"ghost.json":       "names program ghost, which",
		"nolicense.json":   "has no license",
		"unknownpin.json":  `no pin "nosuch" in`,
		"unknownkind.json": `unknown field "svn"`,
		"novendor.json":    "crate libc-0.2.1: no vendored manifest",
	} {
		_, err := describe(archive, root, []string{filepath.Join(root, "components", file)})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", file, err, want)
		}
	}
	notArchive := filepath.Join(root, "components/part.json")
	if _, err := describe(notArchive, root, []string{notArchive}); err == nil {
		t.Error("a text file accepted as an archive")
	}
}

// A Go program's modules carry the licenses of its pin's go.licenses; a module missing from it
// is an error. The program is this test's own binary (its build information is real).
func TestDescribeGoLicenses(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("this test binary has no build information")
	}
	if bi.Main.Path == "" {
		t.Skip("this test binary's build information names no main module (rules_go records one only for a module with package metadata, not for this repository's): `go test ./tools/sbom/` runs this test")
	}
	fetched := func(m *debug.Module) *debug.Module {
		if m.Replace != nil {
			return m.Replace
		}
		return m
	}
	table := "# a comment\n" + fetched(&bi.Main).Path + " " + fetched(&bi.Main).Version + " MIT OR Apache-2.0\n"
	for i, d := range bi.Deps {
		v := fetched(d).Version
		if i == 0 {
			v = "v0.0.0-another" // linked at another version than the table's: its path's license
		}
		table += fetched(d).Path + " " + v + " BSD-3-Clause\n"
	}
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"third_party/g/go.licenses":     table,
		"third_party/short/go.licenses": "# nothing\n",
		"components/go.json":            `{"programs": {"gotool": {"gomod": "third_party/g"}}}`,
		"components/short.json":         `{"programs": {"gotool": {"gomod": "third_party/short"}}}`,
		"components/nogomod.json":       `{"programs": {"gotool": {}}}`,
		"components/sibling.json":       `{"programs": {"other": {"gomod": "third_party/g"}, "gotool": {}}}`,
	})
	archive := filepath.Join(root, "g-linux-amd64.tar.zst")
	writeArchive(t, archive, map[string]string{"g-v1/bin/gotool": string(bin)})

	// a Go program without a version of its own (gotool, beside other): its part's table
	two := filepath.Join(root, "two-linux-amd64.tar.zst")
	writeArchive(t, two, map[string]string{"g-v1/bin/gotool": string(bin), "g-v1/bin/other": string(bin)})
	if _, err := describe(two, root, []string{filepath.Join(root, "components/sibling.json")}); err != nil {
		t.Errorf("a Go program without a version beside one with its module: %v", err)
	}
	doc, err := describe(archive, root, []string{filepath.Join(root, "components/go.json")})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range doc.Packages {
		if !strings.HasPrefix(p.SPDXID, "SPDXRef-Go-") {
			continue
		}
		n++
		want := "BSD-3-Clause"
		if p.Name == bi.Main.Path {
			want = "MIT OR Apache-2.0"
		}
		if p.LicenseDeclared != want {
			t.Errorf("Go module %s: license %q, want %q", p.Name, p.LicenseDeclared, want)
		}
	}
	if n != 1+len(bi.Deps) {
		t.Errorf("%d Go modules listed, want the main module and %d dependencies", n, len(bi.Deps))
	}
	for file, want := range map[string]string{
		"short.json":   "is not in third_party/short/go.licenses",
		"nogomod.json": "is a Go program, but no bundle part names it",
	} {
		if _, err := describe(archive, root, []string{filepath.Join(root, "components", file)}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", file, err, want)
		}
	}
}

// A failing run leaves an existing --out exactly as it was (and nothing beside it); a run that
// succeeds replaces it whole.
func TestFailureLeavesAnExistingOutput(t *testing.T) {
	root, archive := tree(t)
	outDir := t.TempDir()
	out := filepath.Join(outDir, "t.spdx.json")
	if err := os.WriteFile(out, []byte("the previous document\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	code := run([]string{"--archive", archive, "--root", root, "--out", out, filepath.Join(root, "components/bad.json")}, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "invalid character") {
		t.Errorf("sbom with a bad components file: exit %d, stderr %q", code, stderr.String())
	}
	if data, err := os.ReadFile(out); err != nil || string(data) != "the previous document\n" {
		t.Errorf("a failed run changed --out: %q, %v", data, err)
	}
	if entries, _ := os.ReadDir(outDir); len(entries) != 1 {
		t.Errorf("a failed run left %d entries beside --out", len(entries)-1)
	}

	stderr.Reset()
	if code := run([]string{"--archive", archive, "--root", root, "--out", out, filepath.Join(root, "components/part.json")}, &stderr); code != 0 {
		t.Fatalf("sbom: exit %d, stderr %q", code, stderr.String())
	}
	if data, _ := os.ReadFile(out); !bytes.HasPrefix(data, []byte("{\n")) || !bytes.Contains(data, []byte(`"spdxVersion": "SPDX-2.3"`)) {
		t.Errorf("--out after a run that succeeded:\n%s", data)
	}
	if entries, _ := os.ReadDir(outDir); len(entries) != 1 {
		t.Errorf("a run left %d entries beside --out", len(entries)-1)
	}

	// --out that cannot be written: exit 1, saying why
	stderr.Reset()
	missing := filepath.Join(outDir, "no", "such", "t.spdx.json")
	if code := run([]string{"--archive", archive, "--root", root, "--out", missing, filepath.Join(root, "components/part.json")}, &stderr); code != 1 || !strings.Contains(stderr.String(), missing) {
		t.Errorf("sbom --out %s: exit %d, stderr %q", missing, code, stderr.String())
	}
}
