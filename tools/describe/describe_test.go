package main

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
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
		"third_party/pins.json":      `{"lib": {"version": "1.0", "license": "MIT", "urls": ["https://example.com/lib-1.0.tar.gz"], "sha256": "` + strings.Repeat("a", 64) + `"}, "nolicense": {"version": "2"}}`,
		"third_party/tool/go.mod":    "module x\n\ngo 1.25\n\nrequire example.com/tool v1.2.3\n\nrequire example.com/dep v0.1.0 // indirect\n\nreplace example.com/tool => example.com/oldtool v1.2.3\n",
		"third_party/tool/go.sum":    "example.com/oldtool v1.2.3 h1:AAAA=\nexample.com/oldtool v1.2.3/go.mod h1:BBBB=\nexample.com/dep v0.1.0 h1:CCCC=\n",
		"third_party/rs/Cargo.lock":  "version = 4\n\n[[package]]\nname = \"libc\"\nversion = \"0.2.1\"\nsource = \"registry+crates-io\"\nchecksum = \"" + strings.Repeat("b", 64) + "\"\n\n[[package]]\nname = \"ours\"\nversion = \"1.0.0\"\n",
		"components/part.txt":        "pin lib\ncargo third_party/rs\nprogram prog pin lib\n",
		"components/noprogram.txt":   "pin lib\n",
		"components/ghost.txt":       "pin lib\nprogram prog pin lib\nprogram ghost -\n",
		"components/bad.txt":         "pin\n",
		"components/nolicense.txt":   "pin nolicense\n",
		"components/unknownpin.txt":  "pin nosuch\n",
		"components/unknownkind.txt": "svn trunk\n",
	}
	for name, body := range files {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var tb bytes.Buffer
	zw, _ := zstd.NewWriter(&tb)
	tw := tar.NewWriter(zw)
	mtime := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, mode := range map[string]int64{"t-v1/bin/prog": 0o755, "t-v1/README.md": 0o644} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: 4, ModTime: mtime, Typeflag: tar.TypeReg})
		tw.Write([]byte("data"))
	}
	tw.Close()
	zw.Close()
	archive = filepath.Join(root, "t-linux-amd64.tar.zst")
	if err := os.WriteFile(archive, tb.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return root, archive
}

func TestDescribe(t *testing.T) {
	root, archive := tree(t)
	doc, err := describe(archive, root, []string{filepath.Join(root, "components/part.txt")})
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
	if p := got["libc"]; p.VersionInfo != "0.2.1" || len(p.Checksums) != 1 {
		t.Errorf("crate: %+v", p)
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
		"bad.txt":         "want `pin NAME`",
		"noprogram.txt":   "which no bundle part's versions name",
		"ghost.txt":       "names program ghost, which",
		"nolicense.txt":   "has no license",
		"unknownpin.txt":  `pin "nosuch" is not in`,
		"unknownkind.txt": `unknown kind "svn"`,
	} {
		_, err := describe(archive, root, []string{filepath.Join(root, "components", file)})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", file, err, want)
		}
	}
	notArchive := filepath.Join(root, "components/part.txt")
	if _, err := describe(notArchive, root, []string{notArchive}); err == nil {
		t.Error("a text file accepted as an archive")
	}
}
