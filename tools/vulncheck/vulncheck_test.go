package main

import (
	"archive/tar"
	"bytes"
	"debug/elf"
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
// under `go test` built here with the go command from the module that pins it (with more build
// flags, if any).
func tool(t *testing.T, env, moduleDir, pkg string, flags ...string) string {
	t.Helper()
	if loc := os.Getenv(env); loc != "" {
		p, err := runfiles.Rlocation(loc)
		if err != nil {
			t.Fatalf("%s=%s: %v", env, loc, err)
		}
		return p
	}
	out := filepath.Join(t.TempDir(), filepath.Base(pkg))
	cmd := exec.Command("go", append(append([]string{"build", "-o", out}, flags...), pkg)...)
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

// strippedPlanted is the planted program without a symbol table, as the shipped programs are
// (under Bazel: built as they are, static through zig; under go test: -ldflags=-s).
func strippedPlanted(t *testing.T) string {
	return tool(t, "PLANTED_STRIPPED", ".", "./testdata/planted", "-ldflags=-w")
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

func TestGateFailsOnPlantedVulnerableSymbol(t *testing.T) {
	govulncheck, planted, db := fixtures(t)
	code, out := gate(t, "--govulncheck", govulncheck, "--db", db, planted)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (a vulnerable symbol without a record fails the gate)", code)
	}
	for _, want := range []string{
		"GO-9999-0001 CVE-9999-0001 github.com/klauspost/compress@",
		"vulnerable symbols in the program: github.com/klauspost/compress/zstd.NewReader [FAILS THE GATE: no record]",
		"GO-9999-0002 CVE-9999-0002", "not called: its module only (govulncheck: not_affected, vulnerable_code_not_present)",
		"GATE: FAIL: 1 Go programs, 1 findings with vulnerable symbols in the program (0 fixed by a patch of ours, 0 affected, 0 under investigation, 1 failing), 1 not called",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

// What stock govulncheck sees in the planted program, built by rules_go (internal link) and built
// as our shipped programs are (static, cgo through zig, zig's DWARF removed): both keep their
// symbol table, so govulncheck finds the vulnerable function main calls and nothing of the
// advisory whose package is not linked. (Stripped of its symbol table, a program shows only its
// module versions, and every advisory of a linked version comes with "vulnerable symbols found".)
func TestStockGovulncheckOnPlantedPrograms(t *testing.T) {
	govulncheck, planted, db := fixtures(t)
	shipped := strippedPlanted(t)
	for _, program := range []string{planted, shipped} {
		f, err := elf.Open(program)
		if err != nil {
			t.Fatal(err)
		}
		if f.Section(".symtab") == nil {
			t.Fatalf("%s: no symbol table", program)
		}
		for _, s := range f.Sections {
			if strings.HasPrefix(s.Name, ".debug_") && program == shipped {
				t.Errorf("%s: %s is left (zig's DWARF names its cache directory: not reproducible)", program, s.Name)
			}
		}
		f.Close()
		verdicts, err := scannerVEX(govulncheck, "file://"+mustAbs(t, db), program)
		if err != nil {
			t.Fatal(err)
		}
		for id, want := range map[string]string{"GO-9999-0001": "affected", "GO-9999-0002": "not_affected"} {
			if got := verdicts[id].Status; got != want {
				t.Errorf("%s: govulncheck's OpenVEX says %q for %s, want %q", filepath.Base(program), got, id, want)
			}
		}
		out, _ := exec.Command(govulncheck, "-mode=binary", "-format=json", "-db", "file://"+mustAbs(t, db), program).Output()
		if !strings.Contains(string(out), `"function": "NewReader"`) {
			t.Errorf("%s: govulncheck's JSON names no finding of zstd.NewReader", filepath.Base(program))
		}
	}
	// the gate on the program built as ours are: the called advisory needs a record, the other not
	code, out := gate(t, "--govulncheck", govulncheck, "--db", db, shipped)
	if code != 1 || !strings.Contains(out, "1 failing") || strings.Contains(out, "s2.Encode [FAILS THE GATE") {
		t.Errorf("exit %d on the program built as ours are: want 1, only zstd.NewReader failing", code)
	}
}

func TestGateRecords(t *testing.T) {
	govulncheck, planted, db := fixtures(t)
	v := plantedVersion(t, govulncheck, planted, db)
	record := func(version, status, fields string) string {
		return writeRecords(t, `{"records": [{"id": "GO-9999-0001", "module": "github.com/klauspost/compress", "version": "`+
			version+`", "status": "`+status+`", `+fields+` "why": "the planted program only reads empty input"}]}`)
	}
	args := func(records string) []string {
		return []string{"--govulncheck", govulncheck, "--db", db, "--records", records, planted}
	}
	// a claim the scanner refutes: the vulnerable symbol is in the program
	code, out := gate(t, args(record(v, "not_affected", `"justification": "vulnerable_code_cannot_be_controlled_by_adversary",`))...)
	if code != 1 || !strings.Contains(out, "[FAILS THE GATE: recorded not_affected, but govulncheck finds its vulnerable symbols in the program]") {
		t.Errorf("exit %d with a not_affected record of a symbol govulncheck finds: want 1, the refutation shown", code)
	}
	// affected documents it (publish decides by its score); fixed names our patch and its test
	if code, out := gate(t, args(record(v, "affected", `"cvss": 5.3,`))...); code != 0 || !strings.Contains(out, "[recorded affected:") ||
		!strings.Contains(out, "GATE: PASS: 1 Go programs, 1 findings with vulnerable symbols in the program (0 fixed by a patch of ours, 1 affected, 0 under investigation, 0 failing)") {
		t.Errorf("exit %d with an affected record: want 0, the record shown", code)
	}
	if code, _ := gate(t, args(record(v, "fixed", `"patch": "third_party/x/fix.patch", "test": "third_party/x/fix_test.go:TestFix",`))...); code != 0 {
		t.Errorf("exit %d with a fixed record: want 0", code)
	}
	// the advisory watch records an advisory under its CVE or GHSA id (GitHub's), which the Go
	// database's GO- advisory names as an alias: that record is the finding's, both ways round
	for name, body := range map[string]string{
		"recorded under the alias": `{"id": "CVE-9999-0001", "aliases": ["GHSA-9999-0001-wxyz"], "module": "github.com/klauspost/compress", "version": "` + v + `"`,
		"alias names the finding":  `{"id": "GHSA-9999-0001-wxyz", "aliases": ["GO-9999-0001"], "module": "github.com/klauspost/compress", "version": "` + v + `"`,
	} {
		records := writeRecords(t, `{"records": [`+body+`, "status": "under_investigation", "why": "found by the advisory watch"}]}`)
		if code, out := gate(t, args(records)...); code != 0 || !strings.Contains(out, "1 under investigation, 0 failing") || strings.Contains(out, "stale") {
			t.Errorf("%s: exit %d: want 0, the finding recorded under investigation, no stale record", name, code)
		}
	}
	// a record of another version (the pin moved since) does not apply, and is stale
	if code, out := gate(t, args(record("v0.0.1", "fixed", `"patch": "p", "test": "t",`))...); code != 1 ||
		!strings.Contains(out, "stale records (their module version is in no program given") || !strings.Contains(out, "[FAILS THE GATE: no record]") {
		t.Errorf("exit %d with a record of another version: want 1, the record listed stale", code)
	}
	for name, body := range map[string]string{
		"fixed without test":       record(v, "fixed", `"patch": "p",`),
		"affected cvss above 10":   record(v, "affected", `"cvss": 11,`),
		"patch on affected":        record(v, "affected", `"cvss": 5, "patch": "p",`),
		"justification on fixed":   record(v, "fixed", `"patch": "p", "test": "t", "justification": "vulnerable_code_not_present",`),
		"unknown status":           record(v, "mitigated", ``),
		"not_affected unjustified": record(v, "not_affected", ``),
	} {
		if code, _ := gate(t, args(body)...); code != 2 {
			t.Errorf("%s: exit %d, want 2", name, code)
		}
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
		`(?m)^bundle-linux-amd64:bundle-v1/bin/planted +1 +0 +1 +- +github.com/klauspost/compress@v1.99.0$`,
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
	  {"id": "GO-9999-0001", "module": "github.com/klauspost/compress", "version": "`+v+`", "status": "fixed",
	   "patch": "third_party/compress/fix.patch", "test": "third_party/compress/fix_test.go:TestFix", "why": "NewReader checks its input"},
	  {"id": "CVE-9999-0004", "module": "github.com/klauspost/compress", "version": "`+v+`", "status": "affected", "cvss": 4.2,
	   "why": "not in the database: recorded by us"},
	  {"id": "CVE-9999-0005", "module": "github.com/klauspost/compress", "version": "v0.0.1", "status": "affected", "cvss": 4.2,
	   "why": "another version: not shipped in this archive"},
	  {"id": "CVE-9999-0003", "module": "crun", "version": "1.21", "status": "fixed", "aliases": ["GHSA-xxxx-yyyy-zzzz"],
	   "patch": "third_party/crun/cve-9999-0003.patch", "test": "third_party/crun/security_fixes_test.go:TestX", "why": "w"}]}`)
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
		"GO-9999-0001":  "fixed  pkg:golang/github.com/klauspost/compress@" + v,
		"GO-9999-0002":  "not_affected vulnerable_code_not_present pkg:golang/github.com/klauspost/compress@" + v,
		"CVE-9999-0003": "fixed  pkg:generic/crun@1.21",
		"CVE-9999-0004": "affected  pkg:golang/github.com/klauspost/compress@" + v,
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
	// every statement agrees with govulncheck's own OpenVEX of the program: where it says
	// affected, ours says what became of it (fixed, affected), never not_affected
	theirs, err := scannerVEX(govulncheck, "file://"+mustAbs(t, db), planted)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range doc.Statements {
		g, ok := theirs[string(st.Vulnerability.Name)]
		switch {
		case !ok:
			continue
		case g.Status == "affected" && st.Status == vex.StatusNotAffected,
			g.Status == "not_affected" && (st.Status != vex.StatusNotAffected || string(st.Justification) != g.Justification):
			t.Errorf("%s: ours %s %s, govulncheck's %s %s", st.Vulnerability.Name, st.Status, st.Justification, g.Status, g.Justification)
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

// A fixed record names a patch that exists and is applied, and a test that exists.
func TestCheckRecordsInAWorkspace(t *testing.T) {
	ws := t.TempDir()
	for name, body := range map[string]string{
		"MODULE.bazel":                            `patches = ["//third_party/x:fix.patch"]`,
		"third_party/x/fix.patch":                 "--- a\n+++ b\n",
		"third_party/x/unapplied.patch":           "--- a\n+++ b\n",
		"third_party/x/fix_test.go":               "package x\n\nfunc TestFix(t *testing.T) {\n\tt.Run(\"sub\", func(t *testing.T) {})\n}\n",
		"third_party/x/guest.sh":                  "scenario 'checkpoint image runs sandboxed'\n",
		"third_party/y/go_graph.json":             `{"patches": ["//third_party/y:go.patch"]}`,
		"third_party/y/go.patch":                  "--- a\n+++ b\n",
		"third_party/y/advisories.json.unchecked": "",
	} {
		p := filepath.Join(ws, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(ws)
	fixed := func(id, patch, test string) string {
		return `{"id": "` + id + `", "module": "x", "version": "1", "status": "fixed", "patch": "` + patch + `", "test": "` + test + `", "why": "w"}`
	}
	good := writeRecords(t, `{"records": [`+fixed("A", "third_party/x/fix.patch", "third_party/x/fix_test.go:TestFix/sub")+`,`+
		fixed("B", "third_party/y/go.patch", "third_party/x/guest.sh:checkpoint image runs sandboxed")+`]}`)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--check-records", good}, &stdout, &stderr); code != 0 {
		t.Errorf("good records: exit %d: %s", code, stderr.String())
	}
	for name, c := range map[string]struct{ patch, test, want string }{
		"missing patch":    {"third_party/x/nope.patch", "third_party/x/fix_test.go:TestFix", "no such file"},
		"unapplied patch":  {"third_party/x/unapplied.patch", "third_party/x/fix_test.go:TestFix", "is not applied"},
		"missing test":     {"third_party/x/fix.patch", "third_party/x/fix_test.go:TestOther", "has no test TestOther"},
		"missing subtest":  {"third_party/x/fix.patch", "third_party/x/fix_test.go:TestFix/other", "has no test TestFix/other"},
		"missing scenario": {"third_party/x/fix.patch", "third_party/x/guest.sh:another", `does not hold "another"`},
		"test sans name":   {"third_party/x/fix.patch", "third_party/x/fix_test.go", "is not <file>:<test>"},
	} {
		stderr.Reset()
		if code := run([]string{"--check-records", writeRecords(t, `{"records": [`+fixed("C", c.patch, c.test)+`]}`)}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%s: exit %d, %q: want 1 and %q", name, code, stderr.String(), c.want)
		}
	}
}
