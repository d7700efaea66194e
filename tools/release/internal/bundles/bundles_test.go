package bundles_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/bundles"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/bundles/bundlestest"
)

// What //release:all writes.
const built = `{
  "buildah": [
    "buildah-linux-amd64.tar.zst",
    "buildah-linux-arm64.tar.zst"
  ],
  "podman": [
    "podman-minimal-linux-arm64.tar.zst",
    "podman-minimal-linux-amd64.tar.zst"
  ],
  "skopeo": [
    "skopeo-linux-amd64.tar.zst",
    "skopeo-linux-arm64.tar.zst"
  ]
}`

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	file := bundles.PathIn(dir, "")
	if file != filepath.Join(dir, "bundles.json") || bundles.PathIn(dir, "/x/b.json") != "/x/b.json" {
		t.Errorf("PathIn = %s", file)
	}
	if _, err := bundles.Load(file); err == nil || !strings.Contains(err.Error(), file+" does not exist") ||
		!strings.Contains(err.Error(), "build //release:all first") {
		t.Errorf("Load(missing) = %v", err)
	}
	os.WriteFile(file, []byte(built), 0o644)
	m, err := bundles.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	a, err := m.Archives("podman")
	if err != nil || strings.Join(a, " ") != "podman-minimal-linux-amd64.tar.zst podman-minimal-linux-arm64.tar.zst" {
		t.Errorf("Archives(podman) = %v, %v", a, err)
	}
	_, err = m.Archives("crun")
	if err == nil || !strings.Contains(err.Error(), file+" lists no archives of crun (it lists buildah, podman, skopeo)") {
		t.Errorf("Archives(crun) = %v", err)
	}
}

func TestParseRejects(t *testing.T) {
	for want, in := range map[string]string{
		"malformed archive list":         `{"skopeo": "skopeo-linux-amd64.tar.zst"}`,
		"malformed archive list (want {": `["skopeo-linux-amd64.tar.zst"]`,
		"more after the JSON object":     `{} {}`,
		"not null":                       `null`,
		`tool "skopeo" has no archives`:  `{"skopeo": []}`,
		`"../skopeo-x.tar.zst" is not`:   `{"skopeo": ["../skopeo-x.tar.zst"]}`,
		`"skopeo-x.tar.gz" is not`:       `{"skopeo": ["skopeo-x.tar.gz"]}`,
		`"buildah-x.tar.zst" is not`:     `{"skopeo": ["buildah-x.tar.zst"]}`,
		"listed twice":                   `{"skopeo": ["skopeo-a.tar.zst", "skopeo-a.tar.zst"]}`,
	} {
		if _, err := bundles.Parse([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%s) = %v, want it to say %q", in, err, want)
		}
	}
	file := filepath.Join(t.TempDir(), "bundles.json")
	os.WriteFile(file, []byte(`{"skopeo": [`), 0o644)
	if _, err := bundles.Load(file); err == nil || !strings.HasPrefix(err.Error(), file+": malformed archive list") {
		t.Errorf("Load(truncated) = %v", err)
	}
}

func TestCheckArchive(t *testing.T) {
	dir := t.TempDir()
	archive := func(entries ...bundlestest.Entry) string {
		p := filepath.Join(dir, "skopeo-linux-amd64.tar.zst")
		bundlestest.WriteArchive(t, p, entries)
		return p
	}
	good := bundlestest.Bundle("skopeo", "1.20.0", "x", 100)
	if err := bundles.CheckArchive(archive(good...), "skopeo", "1.20.0"); err != nil {
		t.Errorf("a bundle of the version: %v", err)
	}
	prog := bundlestest.Entry{Name: "skopeo-v1.20.0/bin/skopeo", Mode: 0o755, Body: []byte("x")}
	for want, entries := range map[string][]bundlestest.Entry{
		"skopeo-linux-amd64.tar.zst holds skopeo 1.19.0 (top directory skopeo-v1.19.0/), not skopeo 1.20.0": bundlestest.Bundle("skopeo", "1.19.0", "x", 100),
		"skopeo-linux-amd64.tar.zst holds buildah-v1.20.0/, not skopeo-v1.20.0/":                            bundlestest.Bundle("buildah", "1.20.0", "x", 100),
		"has 2 top directories (skopeo-v1.19.0/, skopeo-v1.20.0/)": append(bundlestest.Bundle("skopeo", "1.20.0", "x", 10),
			bundlestest.Entry{Name: "skopeo-v1.19.0/README.md", Mode: 0o644}),
		"has 2 top directories (README.md/, skopeo-v1.20.0/)": {prog, {Name: "README.md", Mode: 0o644}},
		"has entries outside a top directory":                 {prog, {Name: "../evil", Mode: 0o644}},
		"outside a top directory: [\"/etc/passwd\"]":          {prog, {Name: "/etc/passwd", Mode: 0o644}},
		"holds no program in skopeo-v1.20.0/bin/": {
			{Name: "skopeo-v1.20.0/bin/", Mode: 0o755},
			{Name: "skopeo-v1.20.0/bin/skopeo", Mode: 0o644}, // not executable
			{Name: "skopeo-v1.20.0/README.md", Mode: 0o755},
		},
		"is empty": nil,
	} {
		if err := bundles.CheckArchive(archive(entries...), "skopeo", "1.20.0"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to say %q", err, want)
		}
	}
	notZstd := filepath.Join(dir, "plain.tar.zst")
	os.WriteFile(notZstd, []byte("content of an archive"), 0o644)
	if err := bundles.CheckArchive(notZstd, "skopeo", "1.20.0"); err == nil || !strings.Contains(err.Error(), notZstd+" is not a zstd-compressed tar archive") {
		t.Errorf("CheckArchive(not zstd) = %v", err)
	}
}

func TestWriteAddsToTheManifest(t *testing.T) {
	dir := t.TempDir()
	bundlestest.Write(t, dir, "skopeo", "1.20.0", "skopeo-linux-arm64.tar.zst", "skopeo-linux-amd64.tar.zst")
	bundlestest.Write(t, dir, "buildah", "1.44.1", "buildah-linux-amd64.tar.zst")
	m, err := bundles.Load(filepath.Join(dir, "bundles.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Tools) != 2 || len(m.Tools["skopeo"]) != 2 || m.Tools["skopeo"][0] != "skopeo-linux-amd64.tar.zst" {
		t.Errorf("manifest = %v", m.Tools)
	}
	for tool, v := range map[string]string{"skopeo": "1.20.0", "buildah": "1.44.1"} {
		for _, a := range m.Tools[tool] {
			if err := bundles.CheckArchive(filepath.Join(dir, a), tool, v); err != nil {
				t.Error(err)
			}
		}
	}
}

func TestInDir(t *testing.T) {
	dir := t.TempDir()
	bundlestest.Write(t, dir, "skopeo", "1.20.0", "skopeo-linux-amd64.tar.zst", "skopeo-linux-arm64.tar.zst")
	m, err := bundles.Load(filepath.Join(dir, "bundles.json"))
	if err != nil {
		t.Fatal(err)
	}
	if a, err := m.InDir(dir, "skopeo"); err != nil || len(a) != 2 {
		t.Errorf("InDir = %v, %v", a, err)
	}
	os.Remove(filepath.Join(dir, "skopeo-linux-arm64.tar.zst"))
	_, err = m.InDir(dir, "skopeo")
	if want := dir + " lacks archives of skopeo: skopeo-linux-arm64.tar.zst (" + m.Path + " lists them)"; err == nil || err.Error() != want {
		t.Errorf("InDir(one missing) = %v, want %s", err, want)
	}
	if _, err := m.InDir(dir, "podman"); err == nil || !strings.Contains(err.Error(), "lists no archives of podman") {
		t.Errorf("InDir(podman) = %v", err)
	}
}

func TestCheckFileOfAnSBOM(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"podman-full-linux-amd64.spdx.json": `{"spdxVersion": "SPDX-2.3", "name": "podman-full-linux-amd64.tar.zst"}`,
		"podman-full-linux-arm64.spdx.json": `{"spdxVersion": "SPDX-2.3", "name": "podman-full-linux-amd64.tar.zst"}`,
		"skopeo-linux-amd64.spdx.json":      `{"spdxVersion": "SPDX-2.2", "name": "skopeo-linux-amd64.tar.zst"}`,
		"buildah-linux-amd64.spdx.json":     `not json`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := bundles.CheckFile(filepath.Join(dir, "podman-full-linux-amd64.spdx.json"), "podman", "6.0.0"); err != nil {
		t.Errorf("a right SBOM refused: %v", err)
	}
	for _, bad := range []string{"podman-full-linux-arm64.spdx.json", "skopeo-linux-amd64.spdx.json", "buildah-linux-amd64.spdx.json"} {
		if err := bundles.CheckFile(filepath.Join(dir, bad), "x", "1.0.0"); err == nil || !strings.Contains(err.Error(), "is not the SPDX 2.3 document of") {
			t.Errorf("%s: %v, want it refused", bad, err)
		}
	}
}

// vexDoc is an OpenVEX document of archive id (<bundle>-linux-<arch>) with one statement about the
// archive whose sha256 is hash: status and action statement (a fixed one where status is "").
func vexDoc(id, hash, status, action string) string {
	if status == "" {
		status = "fixed"
	}
	return `{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/` + id + `",
	  "statements": [{"vulnerability": {"name": "GO-2026-0001"}, "status": "` + status + `", "action_statement": "` + action + `",
	    "products": [{"@id": "pkg:generic/podman-full@6.0.0?arch=amd64", "hashes": {"sha-256": "` + hash + `"}}]}]}`
}

func TestCheckFileOfAVEX(t *testing.T) {
	dir := t.TempDir()
	archive := []byte("the archive's bytes")
	sum := sha256.Sum256(archive)
	doc := func(id, hash string) string { return vexDoc(id, hash, "", "") }
	for name, body := range map[string]string{
		"podman-full-linux-amd64.tar.zst":      string(archive),
		"podman-full-linux-amd64.openvex.json": doc("podman-full-linux-amd64", hex.EncodeToString(sum[:])),
		"skopeo-linux-amd64.tar.zst":           "another archive",
		"skopeo-linux-amd64.openvex.json":      doc("skopeo-linux-amd64", hex.EncodeToString(sum[:])), // of another build
		"buildah-linux-amd64.tar.zst":          string(archive),
		"buildah-linux-amd64.openvex.json":     doc("podman-full-linux-amd64", hex.EncodeToString(sum[:])), // another archive's
		"buildah-linux-arm64.openvex.json":     `{"spdxVersion": "SPDX-2.3"}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := bundles.CheckFile(filepath.Join(dir, "podman-full-linux-amd64.openvex.json"), "podman", "6.0.0"); err != nil {
		t.Errorf("a right VEX refused: %v", err)
	}
	for bad, want := range map[string]string{
		"skopeo-linux-amd64.openvex.json":  "written for another build",
		"buildah-linux-amd64.openvex.json": "is not the OpenVEX document of buildah-linux-amd64.tar.zst",
		"buildah-linux-arm64.openvex.json": "is not the OpenVEX document of",
	} {
		if err := bundles.CheckFile(filepath.Join(dir, bad), "x", "1.0.0"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want it refused (%q)", bad, err, want)
		}
	}
	if _, err := bundles.Parse([]byte(`{"podman": ["podman-full-linux-amd64.tar.zst", "podman-full-linux-amd64.openvex.json"]}`)); err != nil {
		t.Errorf("a list with an OpenVEX document refused: %v", err)
	}
}

// No release carries an advisory still under investigation or one affected with a high score.
func TestCheckFileRefusesAVEXNoReleaseMayCarry(t *testing.T) {
	dir := t.TempDir()
	archive := []byte("the archive's bytes")
	sum := sha256.Sum256(archive)
	statement := func(status, action string) string {
		return vexDoc("podman-full-linux-amd64", hex.EncodeToString(sum[:]), status, action)
	}
	if err := os.WriteFile(filepath.Join(dir, "podman-full-linux-amd64.tar.zst"), archive, 0o644); err != nil {
		t.Fatal(err)
	}
	vexFile := filepath.Join(dir, "podman-full-linux-amd64.openvex.json")
	for body, want := range map[string]string{
		statement("affected", "run only images you trust (CVSS 10.0)"): "GO-2026-0001 is affected, CVSS 10.0",
		statement("affected", "no score"):                              "affected without a CVSS score",
		statement("under_investigation", ""):                           "still under investigation",
		statement("affected", "no fix upstream (CVSS 5.3)"):            "",
		statement("fixed", ""):                                         "",
	} {
		if err := os.WriteFile(vexFile, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		err := bundles.CheckFile(vexFile, "podman", "6.0.0")
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: %v, want %q", body, err, want)
		}
	}
}
