package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bazelbuild/rules_go/go/runfiles"
	"github.com/klauspost/compress/zstd"
	"github.com/openvex/go-vex/pkg/vex"
)

// tool finds a program the test runs: under Bazel from the runfiles (env holds its rlocationpath),
// under `go test` built here with the go command from the module that pins it.
func tool(t *testing.T, env, moduleDir, pkg string) string {
	t.Helper()
	if loc := os.Getenv(env); loc != "" {
		p, err := runfiles.Rlocation(loc)
		if err != nil {
			t.Fatalf("%s=%s: %v", env, loc, err)
		}
		return p
	}
	out := filepath.Join(t.TempDir(), filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

func fixtures(t *testing.T) (govulncheck, planted, db string) {
	govulncheck = tool(t, "GOVULNCHECK", "../../third_party/govulncheck", "golang.org/x/vuln/cmd/govulncheck")
	planted = tool(t, "PLANTED", ".", "./testdata/planted")
	db = "testdata/db"
	if loc := os.Getenv("FIXTURE_DB"); loc != "" {
		p, err := runfiles.Rlocation(loc)
		if err != nil {
			t.Fatal(err)
		}
		db = filepath.Dir(p)
	}
	return
}

func gate(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	t.Logf("vulncheck %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout.String(), stderr.String())
	return code, stdout.String()
}

func writeRecords(t *testing.T, body string) string {
	p := filepath.Join(t.TempDir(), "advisories.json")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// The version of klauspost/compress the planted program links (the project's pin).
func plantedVersion(t *testing.T, govulncheck, planted, db string) string {
	fs, _, err := scan(govulncheck, "file://"+mustAbs(t, db), planted)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.ID == "GO-9999-0001" {
			return f.Version
		}
	}
	t.Fatalf("GO-9999-0001 not found in the planted program: %+v", fs)
	return ""
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestGateFailsOnPlantedReachableVulnerability(t *testing.T) {
	govulncheck, planted, db := fixtures(t)
	code, out := gate(t, "--govulncheck", govulncheck, "--db", db, planted)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (a reachable finding without a record fails the gate)", code)
	}
	for _, want := range []string{
		"GO-9999-0001 CVE-9999-0001 github.com/klauspost/compress@",
		"reachable: github.com/klauspost/compress/zstd.NewReader [FAILS THE GATE: no record]",
		"GO-9999-0002 CVE-9999-0002", "imported-only (module)",
		"GATE: FAIL: 1 Go programs, 1 reachable findings (0 recorded not_affected, 1 without a record), 1 imported-only",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestGatePassesWithNotAffectedRecordForThatVersionOnly(t *testing.T) {
	govulncheck, planted, db := fixtures(t)
	v := plantedVersion(t, govulncheck, planted, db)
	record := func(version, status, justification string) string {
		return writeRecords(t, `{"records": [{"id": "GO-9999-0001", "module": "github.com/klauspost/compress", "version": "`+
			version+`", "status": "`+status+`", "justification": "`+justification+`", "why": "the planted program only reads empty input"}]}`)
	}
	code, out := gate(t, "--govulncheck", govulncheck, "--db", db, "--records", record(v, "not_affected", "vulnerable_code_cannot_be_controlled_by_adversary"), planted)
	if code != 0 || !strings.Contains(out, "GATE: PASS: 1 Go programs, 1 reachable findings (1 recorded not_affected, 0 without a record)") ||
		!strings.Contains(out, "[recorded not_affected: the planted program only reads empty input") {
		t.Errorf("exit %d with a not_affected record of %s: want 0 and the record shown", code, v)
	}
	// a record of another version (the pin moved since) does not apply
	if code, _ := gate(t, "--govulncheck", govulncheck, "--db", db, "--records", record("v0.0.1", "not_affected", "vulnerable_code_cannot_be_controlled_by_adversary"), planted); code != 1 {
		t.Errorf("exit %d with a record of another version: want 1", code)
	}
	// "affected" documents, it does not pass
	if code, out := gate(t, "--govulncheck", govulncheck, "--db", db, "--records", record(v, "affected", ""), planted); code != 1 || !strings.Contains(out, "[recorded affected:") {
		t.Errorf("exit %d with an affected record: want 1, the record shown", code)
	}
}

// plantedArchive packs the planted program twice, a script and a data file into an archive.
func plantedArchive(t *testing.T, planted string) string {
	t.Helper()
	data, err := os.ReadFile(planted)
	if err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "bundle-linux-amd64.tar.zst")
	f, err := os.Create(archive)
	if err != nil {
		t.Fatal(err)
	}
	zw, err := zstd.NewWriter(f)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(zw)
	for _, e := range []struct {
		name string
		mode int64
		body []byte
	}{
		{"bundle-v1/bin/planted", 0o755, data},
		{"bundle-v1/lib/helper/planted-again", 0o755, data},
		{"bundle-v1/bin/script", 0o755, []byte("#!/bin/sh\n")},
		{"bundle-v1/share/planted.copy", 0o644, data}, // not executable: not a shipped program
	} {
		if err := tw.WriteHeader(&tar.Header{Name: e.name, Mode: e.mode, Size: int64(len(e.body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(e.body)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	f.Close()
	return archive
}

func TestGateScansTheGoProgramsOfAnArchiveOnce(t *testing.T) {
	govulncheck, planted, db := fixtures(t)
	archive := plantedArchive(t, planted)
	code, out := gate(t, "--govulncheck", govulncheck, "--db", db, archive)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, want := range []string{
		`(?m)^bundle-linux-amd64:bundle-v1/bin/planted +1 +1 +github.com/klauspost/compress@v1.99.0$`,
		`(?m)^bundle-linux-amd64:bundle-v1/lib/helper/planted-again +\(same program\)`,
		`GATE: FAIL: 1 Go programs,`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("output does not match %q", want)
		}
	}
	if strings.Contains(out, "script") || strings.Contains(out, "planted.copy") {
		t.Error("a script or a non-executable file was taken for a program")
	}
}

func TestBadInputIsRefused(t *testing.T) {
	govulncheck, planted, db := fixtures(t)
	for name, args := range map[string][]string{
		"no program":       {"--govulncheck", govulncheck, "--db", db},
		"db not a dir":     {"--govulncheck", govulncheck, "--db", planted, planted},
		"no go program":    {"--govulncheck", govulncheck, "--db", db, "testdata/db/GO-9999-0001.json"},
		"record sans why":  {"--db", db, "--records", writeRecords(t, `{"records": [{"id": "X", "module": "m", "version": "v1", "status": "affected"}]}`), planted},
		"bad justificaton": {"--db", db, "--records", writeRecords(t, `{"records": [{"id": "X", "module": "m", "version": "v1", "status": "not_affected", "justification": "trust me", "why": "w"}]}`), planted},
		"unknown field":    {"--db", db, "--records", writeRecords(t, `{"records": [], "extra": 1}`), planted},
		"missing scanner":  {"--govulncheck", "/nonexistent/govulncheck", "--db", db, planted},
		"empty database":   {"--govulncheck", govulncheck, "--db", t.TempDir(), planted},
	} {
		if code, _ := gate(t, args...); code != 2 {
			t.Errorf("%s: exit %d, want 2", name, code)
		}
	}
}

func TestVEXOfAnArchive(t *testing.T) {
	govulncheck, planted, db := fixtures(t)
	archive := plantedArchive(t, planted)
	v := plantedVersion(t, govulncheck, planted, db)
	out := filepath.Join(t.TempDir(), "bundle-linux-amd64.openvex.json")

	// the gate fails: no document, not even a partial one
	if code, _ := gate(t, "--govulncheck", govulncheck, "--db", db, "--vex", out, "--quiet", archive); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 0 {
		t.Fatalf("a failed gate left %v", entries)
	}

	records := writeRecords(t, `{"records": [
	  {"id": "GO-9999-0001", "module": "github.com/klauspost/compress", "version": "`+v+`", "status": "not_affected",
	   "justification": "vulnerable_code_cannot_be_controlled_by_adversary", "why": "the planted program only reads empty input"},
	  {"id": "CVE-9999-0003", "module": "crun", "version": "1.21", "status": "fixed", "aliases": ["GHSA-xxxx-yyyy-zzzz"],
	   "why": "third_party/crun/cve-9999-0003.patch"}]}`)
	version := filepath.Join(t.TempDir(), "VERSION")
	if err := os.WriteFile(version, []byte("v0.0.0-20261201000000-0123456789ab\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout := gate(t, "--govulncheck", govulncheck, "--db", db, "--db-version", version, "--vex", out, "--quiet", "--records", records, archive)
	if code != 0 || stdout != "" {
		t.Fatalf("exit %d, output %q: want 0 and nothing printed (--quiet)", code, stdout)
	}
	doc, err := vex.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Timestamp == nil || !doc.Timestamp.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) || doc.Author != "rootless-static-toolkits" || !strings.HasSuffix(doc.ID, "/bundle-linux-amd64") {
		t.Errorf("metadata: %+v", doc.Metadata)
	}
	want := map[string]string{
		"GO-9999-0001":  "not_affected vulnerable_code_cannot_be_controlled_by_adversary pkg:golang/github.com/klauspost/compress@" + v,
		"GO-9999-0002":  "not_affected vulnerable_code_not_present pkg:golang/github.com/klauspost/compress@" + v,
		"CVE-9999-0003": "fixed  pkg:generic/crun@1.21",
	}
	if len(doc.Statements) != len(want) {
		t.Errorf("%d statements, want %d", len(doc.Statements), len(want))
	}
	for _, st := range doc.Statements {
		if err := st.Validate(); err != nil {
			t.Errorf("%s: %v", st.Vulnerability.Name, err)
		}
		if len(st.Products) != 1 || !strings.HasPrefix(st.Products[0].ID, "pkg:generic/bundle@1?arch=amd64") || len(st.Products[0].Hashes) != 1 || len(st.Products[0].Subcomponents) != 1 {
			t.Errorf("%s: products %+v", st.Vulnerability.Name, st.Products)
			continue
		}
		got := fmt.Sprintf("%s %s %s", st.Status, st.Justification, st.Products[0].Subcomponents[0].ID)
		if got != want[string(st.Vulnerability.Name)] {
			t.Errorf("%s: %q, want %q", st.Vulnerability.Name, got, want[string(st.Vulnerability.Name)])
		}
	}
	// the same inputs, the same bytes
	first := readAll(t, out)
	if code, _ := gate(t, "--govulncheck", govulncheck, "--db", db, "--db-version", version, "--vex", out, "--quiet", "--records", records, archive); code != 0 || readAll(t, out) != first {
		t.Errorf("a second run wrote another document (exit %d)", code)
	}
}

func readAll(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A stripped program (no symbol table): govulncheck reports every vulnerable symbol of an
// affected module version; the names the program does hold decide.
func TestConfirmSymbolsLowersAbsentPackages(t *testing.T) {
	program := filepath.Join(t.TempDir(), "prog")
	if err := os.WriteFile(program, []byte("\x00example.com/m/used.(*T).Get\x00example.com/m/usedx\x00"), 0o755); err != nil {
		t.Fatal(err)
	}
	present := &Finding{ID: "A", Level: Symbol, Symbols: []string{"example.com/m/used.T.Get"}, packages: []string{"example.com/m/used"}}
	absent := &Finding{ID: "B", Level: Symbol, Symbols: []string{"example.com/m/other/*"}, packages: []string{"example.com/m/other", "example.com/m/use"}}
	pkgOnly := &Finding{ID: "C", Level: Package}
	if err := confirmSymbols(program, []*Finding{present, absent, pkgOnly}); err != nil {
		t.Fatal(err)
	}
	if present.Level != Symbol || absent.Level != Module || absent.Symbols != nil || pkgOnly.Level != Package {
		t.Errorf("levels: present %v, absent %v (%v), package-only %v", present.Level, absent.Level, absent.Symbols, pkgOnly.Level)
	}
}

// Bazel hands the database over as a symlink to its directory (runfiles): it is read all the same.
func TestDatabaseThroughASymlink(t *testing.T) {
	govulncheck, planted, db := fixtures(t)
	link := filepath.Join(t.TempDir(), "osv")
	if err := os.Symlink(mustAbs(t, db), link); err != nil {
		t.Fatal(err)
	}
	if code, out := gate(t, "--govulncheck", govulncheck, "--db", link, planted); code != 1 || !strings.Contains(out, "GO-9999-0001") {
		t.Errorf("exit %d through a symlinked database: want 1 and the planted finding", code)
	}
}
