package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A planted module whose vulnerable function (zstd.NewReader, GO-9999-0001 in the fixture
// database) is called only from its package main, built as a program of a graph of a workspace:
// --scan-source finds the call in that package (GO-9999-0002's s2 encoder, required but never
// called, is not), and the gate shows it called beside the binary finding.
func TestSourceModeFindsACallFromMain(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the go command is needed: %v", err)
	}
	govulncheck, _, db := fixtures(t)
	db, _ = filepath.Abs(db)
	compress := strings.TrimSpace(goOut(t, "..", "list", "-m", "-f", "{{.Version}}", "github.com/klauspost/compress"))
	ws := t.TempDir()
	mod := filepath.Join(ws, "planted")
	main, err := os.ReadFile("testdata/planted/main.go")
	if err != nil {
		t.Fatal(err)
	}
	write := func(path, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(mod, "main.go"), string(main))
	write(filepath.Join(mod, "go.mod"), "module example.com/planted\n\ngo 1.25\n\nrequire github.com/klauspost/compress "+compress+"\n")
	// the graph: a go.mod requiring the planted module, as third_party/<tool>/ does
	graph := filepath.Join(ws, "third_party", "planted")
	write(filepath.Join(ws, "third_party", "go_modules.json"), `{"directives": [], "overrides": []}`)
	write(filepath.Join(graph, "go_graph.json"), `{"name": "planted", "module": "example.com/planted", "gotags": ["planted"]}`)
	write(filepath.Join(graph, "go.mod"), "module example.com/graph\n\ngo 1.25\n\nrequire example.com/planted v0.0.0\n\nrequire github.com/klauspost/compress "+compress+"\n\nreplace example.com/planted => "+mod+"\n")
	write(filepath.Join(graph, "deps.go"), "//go:build tools\n\npackage deps\n\nimport _ \"example.com/planted\"\n")
	env := []string{"GOFLAGS=-mod=mod", "GOWORK=off", "CGO_ENABLED=0"}
	goRun(t, mod, env, "mod", "tidy")
	goRun(t, graph, env, "mod", "tidy")
	program := filepath.Join(ws, "planted-bin")
	goRun(t, mod, env, "build", "-tags", "planted", "-o", program, ".")

	out := filepath.Join(ws, "source.json")
	wd, _ := os.Getwd()
	if err := os.Chdir(ws); err != nil {
		t.Fatal(err)
	}
	code, stdout := gate(t, "--scan-source", out, "--govulncheck", govulncheck, "--db", db, program)
	os.Chdir(wd)
	if code != 0 {
		t.Fatalf("--scan-source: exit %d\n%s", code, stdout)
	}
	var res SourceResults
	data, _ := os.ReadFile(out)
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	got := res.Packages["example.com/planted"]
	if f := got["GO-9999-0001"]; f == nil || f.Level != "symbol" || f.Module != "github.com/klauspost/compress" || f.Version != compress {
		t.Fatalf("source mode: GO-9999-0001 %+v; want it called from main (symbol) in github.com/klauspost/compress@%s", f, compress)
	}
	if f := got["GO-9999-0002"]; f != nil && f.Level == "symbol" {
		t.Fatalf("source mode: GO-9999-0002 %+v; want it not called", f)
	}
	if len(res.Scans) != 1 || strings.Join(res.Scans[0].Tags, ",") != "planted" || res.Scans[0].Graph != "third_party/planted/go_graph.json" {
		t.Errorf("scans: %+v; want the planted graph once, with the program's tags", res.Scans)
	}

	records := writeRecords(t, `{"records": [{"id": "GO-9999-0001", "module": "github.com/klauspost/compress", "version": "`+compress+`", "status": "affected", "why": "planted"}]}`)
	code, stdout = gate(t, "--govulncheck", govulncheck, "--db", db, "--records", records, "--source", out, program)
	if code != 0 || !strings.Contains(stdout, "source mode: called") || !strings.Contains(stdout, "source mode (1 programs): 1 findings called from the program's code (0 of them not at symbol level in binary mode), of 1 at symbol level in binary mode") {
		t.Errorf("the gate with --source: exit %d; want 0, the finding shown called", code)
	}
}

// The gate against source-mode results: a call to an advisory the binary scan finds only at
// module level (its statement would be not_affected), or does not report at all, fails it
// without a record; a record that says not_affected is refuted the same way.
func TestGateFailsOnWhatSourceModeFindsCalled(t *testing.T) {
	govulncheck, planted, db := fixtures(t)
	v := plantedVersion(t, govulncheck, planted, db)
	var pkg string
	out, err := exec.Command("go", "version", "-m", planted).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "path" {
			pkg = f[1]
		}
	}
	results := func(extra string) string {
		body := `{"packages": {"` + pkg + `": {"GO-9999-0001": {"level": "symbol", "module": "github.com/klauspost/compress", "version": "` + v + `"}` + extra + `}}}`
		p := filepath.Join(t.TempDir(), "source.json")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	affected := `{"id": "GO-9999-0001", "module": "github.com/klauspost/compress", "version": "` + v + `", "status": "affected", "why": "planted"}`
	for name, c := range map[string]struct{ extra, records, want string }{
		"module level in binary mode, called in source": {
			`, "GO-9999-0002": {"level": "symbol", "module": "github.com/klauspost/compress", "version": "` + v + `"}`, affected,
			"[FAILS THE GATE: govulncheck's source mode finds a call to its vulnerable symbols, while the statement would say not_affected]"},
		"not reported in binary mode, called in source": {
			`, "GO-9999-0009": {"level": "symbol", "module": "github.com/klauspost/compress", "version": "` + v + `"}`, affected,
			"GO-9999-0009  github.com/klauspost/compress@" + v + ", fixed in none: not reported by govulncheck's binary mode; source mode: called [FAILS THE GATE: govulncheck's source mode finds a call to its vulnerable symbols (its binary mode does not report it): no record]"},
		"recorded not_affected, called in source": {
			`, "GO-9999-0002": {"level": "symbol", "module": "github.com/klauspost/compress", "version": "` + v + `"}`,
			affected + `, {"id": "GO-9999-0002", "module": "github.com/klauspost/compress", "version": "` + v + `", "status": "not_affected", "justification": "vulnerable_code_not_present", "why": "claimed"}`,
			"[FAILS THE GATE: recorded not_affected, but govulncheck's source mode finds a call to its vulnerable symbols]"},
	} {
		records := writeRecords(t, `{"records": [`+c.records+`]}`)
		code, stdout := gate(t, "--govulncheck", govulncheck, "--db", db, "--records", records, "--source", results(c.extra), planted)
		if code != 1 || !strings.Contains(stdout, c.want) {
			t.Errorf("%s: exit %d; want 1 and %q", name, code, c.want)
		}
	}
	// the same programs, flags after the program (as bazel run appends them): read all the same
	records := writeRecords(t, `{"records": [`+affected+`]}`)
	if code, stdout := gate(t, "--govulncheck", govulncheck, "--db", db, planted, "--records", records, "--source", results("")); code != 0 || !strings.Contains(stdout, "source mode: called") {
		t.Errorf("flags after the program: exit %d; want 0, the finding called", code)
	}
}

func goOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v", strings.Join(args, " "), err)
	}
	return string(out)
}

func goRun(t *testing.T, dir string, env []string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
}
