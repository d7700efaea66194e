// Package bundlestest writes release directories as `bazel build
// //release:all` leaves them, for tests: .tar.zst archives holding one top
// directory <tool>-v<version>/, and bundles.json listing them per tool.
package bundlestest

import (
	"archive/tar"
	"encoding/json"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/bundles"
)

// Entry is one member of a test archive; a Name ending in "/" is a directory.
type Entry struct {
	Name string
	Mode int64
	Body []byte
}

// Bundle is the entries of a bundle of tool at version: the top directory,
// bin/<tool> (executable; padding bytes of incompressible data, seeded by
// seed, so that archives differ and are about that big), and README.md.
func Bundle(tool, version, seed string, padding int) []Entry {
	top := tool + "-v" + version + "/"
	h := fnv.New64a()
	h.Write([]byte(seed))
	r := rand.New(rand.NewPCG(h.Sum64(), 1))
	prog := []byte("#!/bin/sh\necho " + tool + " version " + version + "\nexit 0\n")
	for i := 0; i < padding; i++ {
		prog = append(prog, byte(r.Uint32()))
	}
	return []Entry{
		{Name: top, Mode: 0o755},
		{Name: top + "README.md", Mode: 0o644, Body: []byte(seed + "\n")},
		{Name: top + "bin/", Mode: 0o755},
		{Name: top + "bin/" + tool, Mode: 0o755, Body: prog},
	}
}

// WriteArchive writes entries as a zstd-compressed tar at path.
func WriteArchive(t testing.TB, path string, entries []Entry) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw, err := zstd.NewWriter(f, zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := &tar.Header{Name: e.Name, Mode: e.Mode, Typeflag: tar.TypeReg, Size: int64(len(e.Body)), Uname: "root", Gname: "root"}
		if e.Name != "" && e.Name[len(e.Name)-1] == '/' {
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.Body); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []interface{ Close() error }{tw, zw, f} {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// Write puts into dir, for tool at version, each archive (a bundle padded to
// about 8 KiB, unique per archive) and adds them to dir/bundles.json, as
// //release:all would; it returns the archives' names, sorted.
func Write(t testing.TB, dir, tool, version string, archives ...string) []string {
	t.Helper()
	for _, a := range archives {
		WriteArchive(t, filepath.Join(dir, a), Bundle(tool, version, a, 8<<10))
	}
	m := ReadManifest(t, dir)
	m[tool] = append(m[tool], archives...)
	sort.Strings(m[tool])
	WriteManifest(t, dir, m)
	return m[tool]
}

// ReadManifest reads dir/bundles.json, or returns an empty manifest if there is none.
func ReadManifest(t testing.TB, dir string) map[string][]string {
	t.Helper()
	m := map[string][]string{}
	data, err := os.ReadFile(filepath.Join(dir, bundles.FileName))
	if os.IsNotExist(err) {
		return m
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// WriteManifest writes m as dir/bundles.json, formatted as //release:all writes it.
func WriteManifest(t testing.TB, dir string, m map[string][]string) {
	t.Helper()
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, bundles.FileName), data, 0o644); err != nil {
		t.Fatal(err)
	}
}
