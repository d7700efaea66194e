// Command vulncheck is the release's vulnerability gate: it runs govulncheck in binary mode over
// every Go program of the given release archives (or programs) against the Go vulnerability
// database and fails when govulncheck finds an advisory's vulnerable symbols in a shipped program
// and no record of the part says what became of it (fixed by a patch of ours, or affected), or
// when a record claims not_affected where govulncheck finds the vulnerable symbols.
//
// Usage:
//
//	vulncheck [--govulncheck PATH] [--db DIR|URL] [--records FILE]... ARCHIVE.tar.zst|PROGRAM...
//	vulncheck --vex OUT.openvex.json [--quiet] [flags] ARCHIVE.tar.zst
//
// Every ELF file of an archive that carries Go build information is scanned (identical files
// once), twice: govulncheck's JSON (the findings, their symbols and fixed versions) and its own
// OpenVEX verdict (-format openvex), which must agree. A finding is at "symbol" level when
// govulncheck finds the advisory's vulnerable function in the program (its OpenVEX: affected),
// at "package" or "module" level when only the package or the module is linked in (its OpenVEX:
// not_affected). Nothing of ours lowers a finding: what stock govulncheck reports is what counts.
// Prints a table (program, findings by level, fixed by) and every finding; exits 1 when the gate
// fails, 2 on bad input or a scan that could not run.
//
// A records file (third_party/<tool>/advisories.json) lists decisions about advisories:
//
//	{"records": [{"id": "GO-2026-0001", "module": "example.com/m", "version": "v1.2.3",
//	              "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path",
//	              "why": "one sentence a reviewer can check"}]}
//
// A record applies to exactly that module version (a bump makes it stale, to be decided again).
// Statuses: "fixed" (a patch of ours: "patch" names it, "test" the test that reproduces the flaw
// and passes only with the patch), "affected" (a known one we cannot fix yet: "cvss" is its base
// score, and tools/release publish refuses a release with one of 7 or more, or without a score),
// "under_investigation" (not decided yet: publish refuses it) and "not_affected" (with an
// OpenVEX justification; refused for a finding whose vulnerable symbols govulncheck finds in the
// program). A record of a Go module applies to every archive whose programs link that module
// version, found by govulncheck or not (an advisory the database does not know yet); a record of a
// part that is not a Go module ("module": "crun") to every archive its part's records are given.
//
// With --vex, the gate runs over one archive and, when it passes, writes the archive's OpenVEX
// document (vex.go says what each statement comes from); --quiet prints the table only when the
// gate fails.
package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/openvex/go-vex/pkg/vex"
)

// Record is a decision about one advisory for one module version.
type Record struct {
	ID            string   `json:"id"`
	Module        string   `json:"module"`
	Version       string   `json:"version"`
	Status        string   `json:"status"`
	Justification string   `json:"justification,omitempty"`
	Why           string   `json:"why"`
	Aliases       []string `json:"aliases,omitempty"`
	// CVSS is the advisory's base score, 0 where it states none (affected records: publish refuses
	// 7 or more, and an affected one without a score)
	CVSS float64 `json:"cvss,omitempty"`
	// Upstream is the upstream release that fixed it
	Upstream string `json:"upstream,omitempty"`
	// Patch and Test (fixed records): our patch (a path from the workspace root) and the test that
	// reproduces the flaw ("path/to/file_test.go:TestName" or "path/to/script.sh:scenario")
	Patch string `json:"patch,omitempty"`
	Test  string `json:"test,omitempty"`
	file  string
}

// Statuses a record may have, strongest first: an archive's statement about an advisory takes
// the strongest of its programs' (one program affected makes the archive affected).
var statusRank = map[string]int{"affected": 4, "under_investigation": 3, "fixed": 2, "not_affected": 1}

// Level is how deep govulncheck found an advisory in a program.
type Level int

const (
	Module  Level = iota // the module is linked in
	Package              // a vulnerable package is linked in
	Symbol               // a vulnerable function is in the program: reachable
)

func (l Level) String() string {
	return [...]string{"module", "package", "symbol"}[l]
}

// Finding is one advisory found in one program, at its deepest level.
type Finding struct {
	ID      string
	Aliases []string
	Summary string
	Module  string
	Version string
	Fixed   string // "" when no fixed version is known
	Level   Level
	Symbols []string
	Record  *Record
	// Scanner is govulncheck's own OpenVEX statement about the advisory in this program
	Scanner ScannerVerdict
	// Called is govulncheck's source mode on the program's graph (--source): "called" when a
	// call from the program's code reaches a vulnerable function, "not called" otherwise, ""
	// when the program was not scanned so
	Called string
	// SourceOnly: source mode finds it called, binary mode does not report it at all
	SourceOnly bool
}

// ScannerVerdict is govulncheck's OpenVEX status for an advisory in one program.
type ScannerVerdict struct {
	Status        string
	Justification string
	Impact        string
}

// Problem says why the gate stops this finding, or "" when it lets it through.
func (f *Finding) Problem() string {
	switch {
	case f.SourceOnly && f.Record == nil:
		return "FAILS THE GATE: govulncheck's source mode finds a call to its vulnerable symbols (its binary mode does not report it): no record"
	case f.Called == "called" && f.Record != nil && f.Record.Status == "not_affected":
		return "FAILS THE GATE: recorded not_affected, but govulncheck's source mode finds a call to its vulnerable symbols"
	case f.SourceOnly:
		return ""
	case f.Called == "called" && f.Level < Symbol && f.Record == nil:
		return "FAILS THE GATE: govulncheck's source mode finds a call to its vulnerable symbols, while the statement would say not_affected"
	case f.Level < Symbol:
		return ""
	case f.Record == nil:
		return "FAILS THE GATE: no record"
	case f.Record.Status == "not_affected":
		return "FAILS THE GATE: recorded not_affected, but govulncheck finds its vulnerable symbols in the program"
	}
	return ""
}

// Program is one scanned Go program, under every name it is shipped as.
type Program struct {
	Names    []string
	Path     string
	Findings []*Finding
	// Modules are the module versions it links ("path@version", the standard library as
	// stdlib@vX.Y.Z), from its build information
	Modules map[string]bool
	// from its build information: its main package and module, build tags and Go release
	Package, MainModule string
	Tags                []string
	GoVersion           string
	// Source is govulncheck's source-mode findings per advisory for its main package
	// (--source); nil when it was not scanned so
	Source map[string]*SourceFinding
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vulncheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage: vulncheck [--govulncheck PATH] [--db DIR|URL] [--records FILE]... ARCHIVE.tar.zst|PROGRAM|RECORDS...

Runs govulncheck (binary mode, JSON and its own OpenVEX verdict, which must agree) over every Go
program of the release archives or programs given, against the Go vulnerability database (--db: a
directory of OSV reports, or a URL such as https://vuln.go.dev), prints a table of findings per
program (symbol: govulncheck finds the advisory's vulnerable functions in the program; package or
module: only those are linked) and the records that apply without a finding, and fails when a
symbol-level finding has no record (--records: third_party/<part>/advisories.json; fixed, affected
or under_investigation), when a not_affected record claims what govulncheck refutes, or when a
record's module version is in no program given (stale; without --vex, which gets every
record of a bundle's parts and the shared ones). An argument whose name ends in advisories.json is
a records file too, as with --records (a Bazel target's files, however many).
With --check-records, checks the records files given instead, in the workspace (the current
directory): each fixed record's patch exists and is applied, its test exists.
With --vex OUT (one archive), also writes the archive's OpenVEX document when the gate passes;
--quiet then prints the table only when it fails.
Exit status: 0 the gate passed, 1 it failed, 2 bad input or a scan that could not run.

`)
		fs.PrintDefaults()
	}
	govulncheck := fs.String("govulncheck", "govulncheck", "the govulncheck command")
	db := fs.String("db", "https://vuln.go.dev", "the vulnerability database: a directory of OSV reports or a URL")
	var recordFiles listFlag
	fs.Var(&recordFiles, "records", "a records file (repeatable)")
	vexOut := fs.String("vex", "", "write the OpenVEX document of the one archive given here")
	quiet := fs.Bool("quiet", false, "print the findings only when the gate fails")
	checkRecords := fs.Bool("check-records", false, "check the records files given as arguments against the workspace (the current directory) instead: a fixed record's patch exists and is applied (named in MODULE.bazel or a go_graph.json), its test exists")
	dbVersion := fs.String("db-version", "", "a file holding the database's module version (a pseudo-version dates the snapshot: the OpenVEX documents' time)")
	scanSourceOut := fs.String("scan-source", "", "scan the graphs of the Go programs given (archives, programs, or release directories: the archives every bundles.json below names) in govulncheck's source mode instead, in the workspace (the current directory), with the pinned govulncheck and database unless --govulncheck and --db (a directory) are given, and write the results to this file for --source")
	sourceFile := fs.String("source", "", "govulncheck's source-mode results (written by --scan-source): the table shows, per finding, whether the program's code calls its vulnerable symbols, and the gate fails where it does and the program's statement would be not_affected")
	// flags may follow arguments (bazel run //release:vulncheck -- --source=FILE adds them after
	// the archives the target names)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		args = fs.Args()
		for len(args) > 0 && (!strings.HasPrefix(args[0], "-") || args[0] == "-") {
			positional = append(positional, args[0])
			args = args[1:]
		}
		if len(args) == 0 {
			break
		}
	}
	if err := fs.Parse(positional); err != nil { // fs.Args() is the arguments now
		return 2
	}
	if *checkRecords {
		if err := checkRecordFiles(fs.Args()); err != nil {
			fmt.Fprintln(stderr, "vulncheck: --check-records:", err)
			return 1
		}
		fmt.Fprintf(stdout, "vulncheck: %d records files checked\n", fs.NArg())
		return 0
	}
	if *scanSourceOut != "" {
		if fs.NArg() == 0 {
			fmt.Fprintln(stderr, "vulncheck: --scan-source: no archive or program given")
			return 2
		}
		// --govulncheck and --db given: those instead of the pinned ones (tests)
		cmd, dir := "", ""
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "govulncheck":
				cmd = *govulncheck
			case "db":
				dir = *db
			}
		})
		ws, err := os.Getwd()
		if err == nil {
			err = scanSource(ws, *scanSourceOut, fs.Args(), cmd, dir, stderr)
		}
		if err != nil {
			fmt.Fprintln(stderr, "vulncheck: --scan-source:", err)
			return 1
		}
		fmt.Fprintln(stdout, "vulncheck: source-mode results written to", *scanSourceOut)
		return 0
	}
	var targets []string
	for _, a := range fs.Args() {
		if strings.HasSuffix(a, "advisories.json") {
			recordFiles = append(recordFiles, a)
		} else {
			targets = append(targets, a)
		}
	}
	if len(targets) == 0 {
		fmt.Fprintln(stderr, "vulncheck: no archive or program given (--help)")
		return 2
	}
	if *vexOut != "" && (len(targets) != 1 || !strings.HasSuffix(targets[0], ".tar.zst")) {
		fmt.Fprintln(stderr, "vulncheck: --vex takes exactly one ARCHIVE.tar.zst")
		return 2
	}
	records, err := readRecords(recordFiles)
	if err != nil {
		fmt.Fprintln(stderr, "vulncheck:", err)
		return 2
	}
	dbURL, dbDir, err := dbSource(*db)
	if err != nil {
		fmt.Fprintln(stderr, "vulncheck:", err)
		return 2
	}
	scratch, err := os.MkdirTemp("", "vulncheck-")
	if err != nil {
		fmt.Fprintln(stderr, "vulncheck:", err)
		return 2
	}
	defer os.RemoveAll(scratch)
	programs, err := collect(targets, scratch)
	if err != nil {
		fmt.Fprintln(stderr, "vulncheck:", err)
		return 2
	}
	if len(programs) == 0 {
		fmt.Fprintln(stderr, "vulncheck: no Go program in", strings.Join(targets, " "))
		return 2
	}
	if *sourceFile != "" {
		if err := readSource(*sourceFile, programs); err != nil {
			fmt.Fprintln(stderr, "vulncheck: --source:", err)
			return 2
		}
	}
	var dbTime time.Time
	for i, p := range programs {
		if !*quiet {
			fmt.Fprintf(stderr, "vulncheck: [%d/%d] %s\n", i+1, len(programs), p.Names[0])
		}
		if p.Findings, dbTime, err = scan(*govulncheck, dbURL, p.Path); err != nil {
			fmt.Fprintf(stderr, "vulncheck: %s: %v\n", p.Names[0], err)
			return 2
		}

		inBinary := map[string]bool{}
		for _, f := range p.Findings {
			inBinary[f.ID] = true
			if p.Source != nil {
				f.Called = "not called"
				if sf := p.Source[f.ID]; sf != nil && sf.Level == Symbol.String() {
					f.Called = "called"
				}
			}
		}
		// what source mode finds called and the binary scan does not report at all
		for id, sf := range p.Source {
			if sf.Level == Symbol.String() && !inBinary[id] {
				p.Findings = append(p.Findings, &Finding{ID: id, Aliases: sf.Aliases, Module: sf.Module, Version: sf.Version,
					Level: Module, Called: "called", SourceOnly: true, Summary: "(reported by govulncheck's source mode only)"})
			}
		}
		sort.Slice(p.Findings, func(i, j int) bool { return p.Findings[i].ID < p.Findings[j].ID })
		for _, f := range p.Findings {
			f.Record = recordFor(records, f)
		}
	}
	switch {
	case *dbVersion != "":
		if dbTime, err = snapshotTime(*dbVersion); err != nil {
			fmt.Fprintln(stderr, "vulncheck: --db-version:", err)
			return 2
		}
	case *vexOut != "" && dbDir != "":
		// a directory: govulncheck reports no time for it
		if dbTime, err = newestReport(dbDir); err != nil {
			fmt.Fprintln(stderr, "vulncheck: --db:", err)
			return 2
		}
	}
	if *vexOut != "" && dbTime.IsZero() {
		fmt.Fprintln(stderr, "vulncheck: --vex: the database says nothing of its time: give --db-version")
		return 2
	}
	var table bytes.Buffer
	applying, stale := applyingRecords(programs, records)
	passed := report(&table, programs, applying, stale, *vexOut == "")
	if !passed || !*quiet {
		stdout.Write(table.Bytes())
	}
	if !passed {
		return 1
	}
	if *vexOut != "" {
		var files []string
		for _, p := range programs {
			for _, n := range p.Names {
				files = append(files, n[strings.Index(n, ":")+1:])
			}
		}
		if err := writeVEX(*vexOut, fs.Arg(0), files, programs, applying, dbTime); err != nil {
			fmt.Fprintln(stderr, "vulncheck: --vex:", err)
			return 2
		}
	}
	return 0
}

var pseudoVersion = regexp.MustCompile(`-(\d{14})-[0-9a-f]{12}$`)

// snapshotTime reads a module version from file: a pseudo-version's time.
func snapshotTime(file string) (time.Time, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return time.Time{}, err
	}
	m := pseudoVersion.FindStringSubmatch(strings.TrimSpace(string(data)))
	if m == nil {
		return time.Time{}, fmt.Errorf("%s holds %q, not a pseudo-version", file, strings.TrimSpace(string(data)))
	}
	return time.Parse("20060102150405", m[1])
}

// dbSource turns a directory into the file:// URL govulncheck takes: the real directory (given
// a symlink to it, as Bazel's runfiles are, govulncheck would walk nothing and find nothing),
// which must hold OSV reports. It returns the URL and the directory ("" for a URL).
func dbSource(db string) (string, string, error) {
	if strings.Contains(db, "://") {
		return db, "", nil
	}
	dir, err := filepath.EvalSymlinks(db)
	if err == nil {
		dir, err = filepath.Abs(dir)
	}
	if err != nil {
		return "", "", fmt.Errorf("--db: %w", err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return "", "", fmt.Errorf("--db: %w", err)
	}
	if !st.IsDir() {
		return "", "", fmt.Errorf("--db %s: not a directory of OSV reports", db)
	}
	reports, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(reports) == 0 {
		return "", "", fmt.Errorf("--db %s: no OSV reports (*.json) in it", db)
	}
	return "file://" + dir, dir, nil
}

// newestReport is the newest time the OSV reports in dir record.
func newestReport(dir string) (time.Time, error) {
	reports, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return time.Time{}, err
	}
	var newest time.Time
	for _, r := range reports {
		data, err := os.ReadFile(r)
		if err != nil {
			return time.Time{}, err
		}
		// the database repository's reports carry no modification time (its deployment sets
		// it): their publication time is the snapshot's measure
		var entry struct {
			Modified  time.Time `json:"modified"`
			Published time.Time `json:"published"`
		}
		if err := json.Unmarshal(data, &entry); err != nil {
			return time.Time{}, fmt.Errorf("%s: %w", r, err)
		}
		for _, t := range []time.Time{entry.Modified, entry.Published} {
			if t.After(newest) {
				newest = t
			}
		}
	}
	return newest, nil
}

type recordKey struct{ id, module, version string }

// goTestExists says whether a Go test file holds the test name: "TestX" a function, "TestX/y" a
// subtest y of it (t.Run("y", ...) in the file).
func goTestExists(data []byte, name string) bool {
	fn, sub, _ := strings.Cut(name, "/")
	if !regexp.MustCompile(`(?m)^func ` + regexp.QuoteMeta(fn) + `\(t \*testing\.T\)`).Match(data) {
		return false
	}
	return sub == "" || bytes.Contains(data, []byte(`t.Run("`+sub+`",`))
}

// checkRecordFiles checks records files in the workspace: each is valid, and each fixed record
// names a patch that exists and is applied (MODULE.bazel or a go_graph.json names it, as
// //<package>:<file>) and a test that exists: "<file>:<TestName>" a Go test function of the
// file ("<file>:<TestName>/<subtest>" a subtest of it), or "<file>:<scenario>" a string a script
// holds.
func checkRecordFiles(files []string) error {
	if len(files) == 0 {
		return errors.New("no records file given")
	}
	records, err := readRecords(files)
	if err != nil {
		return err
	}
	appliers, _ := filepath.Glob("third_party/*/go_graph.json")
	more, _ := filepath.Glob("third_party/*/*/go_graph.json")
	var applied bytes.Buffer
	for _, f := range append(append([]string{"MODULE.bazel"}, appliers...), more...) {
		data, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("%v (run it in the workspace's root)", err)
		}
		applied.Write(data)
	}
	var problems []string
	for _, r := range records {
		if r.Status != "fixed" {
			continue
		}
		where := fmt.Sprintf("%s: %s", r.file, r.ID)
		if _, err := os.Stat(r.Patch); err != nil {
			problems = append(problems, fmt.Sprintf("%s: patch: %v", where, err))
		} else if label := "//" + filepath.Dir(r.Patch) + ":" + filepath.Base(r.Patch); !bytes.Contains(applied.Bytes(), []byte(`"`+label+`"`)) {
			problems = append(problems, fmt.Sprintf("%s: patch %s is not applied (neither MODULE.bazel nor a go_graph.json names %s)", where, r.Patch, label))
		}
		file, name, ok := strings.Cut(r.Test, ":")
		if !ok || name == "" {
			problems = append(problems, fmt.Sprintf("%s: test %q is not <file>:<test>", where, r.Test))
			continue
		}
		data, err := os.ReadFile(file)
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s: test: %v", where, err))
		case strings.HasSuffix(file, ".go") && !goTestExists(data, name):
			problems = append(problems, fmt.Sprintf("%s: %s has no test %s (func TestX(t *testing.T), a subtest t.Run(\"y\", ...) of it as TestX/y)", where, file, name))
		case !strings.HasSuffix(file, ".go") && !bytes.Contains(data, []byte(name)):
			problems = append(problems, fmt.Sprintf("%s: %s does not hold %q", where, file, name))
		}
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n  "))
	}
	return nil
}

// recordFor is the record of finding f: the one of its module version under the advisory's id or
// one of its aliases (a record the advisory watch wrote under a CVE or GHSA id, which the Go
// database's GO- advisory names as an alias), or one that names the finding's id as an alias.
func recordFor(records map[recordKey]*Record, f *Finding) *Record {
	for _, id := range append([]string{f.ID}, f.Aliases...) {
		if r := records[recordKey{id, f.Module, f.Version}]; r != nil {
			return r
		}
	}
	for k, r := range records {
		if k.module == f.Module && k.version == f.Version && slices.Contains(r.Aliases, f.ID) {
			return r
		}
	}
	return nil
}

func readRecords(files []string) (map[recordKey]*Record, error) {
	out := map[recordKey]*Record{}
	read := map[string]bool{}
	for _, file := range files {
		// a file of records several parts share (third_party/go_advisories.json) comes once per part
		if read[filepath.Clean(file)] {
			continue
		}
		read[filepath.Clean(file)] = true
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		var doc struct {
			Comment string    `json:"_comment"`
			Records []*Record `json:"records"`
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&doc); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		for i, r := range doc.Records {
			where := fmt.Sprintf("%s: record %d (%s)", file, i+1, r.ID)
			switch {
			case r.ID == "" || r.Module == "" || r.Version == "":
				return nil, fmt.Errorf("%s: id, module and version are required", where)
			case strings.TrimSpace(r.Why) == "":
				return nil, fmt.Errorf("%s: says no why", where)
			case statusRank[r.Status] == 0:
				return nil, fmt.Errorf("%s: status %q: want fixed, affected, under_investigation or not_affected", where, r.Status)
			case r.Status == "not_affected" && !vex.Justification(r.Justification).Valid():
				return nil, fmt.Errorf("%s: not_affected needs an OpenVEX justification, not %q", where, r.Justification)
			case r.Status != "not_affected" && r.Justification != "":
				return nil, fmt.Errorf("%s: a justification belongs to not_affected only", where)
			case r.Status == "fixed" && (r.Patch == "" || r.Test == ""):
				return nil, fmt.Errorf("%s: fixed names the patch of ours (patch) and the test that reproduces the flaw (test)", where)
			case r.Status != "fixed" && (r.Patch != "" || r.Test != ""):
				return nil, fmt.Errorf("%s: patch and test belong to fixed only", where)
			case r.CVSS < 0 || r.CVSS > 10:
				return nil, fmt.Errorf("%s: cvss %v: a CVSS base score is 0.1-10 (leave it out where the advisory states none)", where, r.CVSS)
			}
			k := recordKey{r.ID, r.Module, r.Version}
			if old, dup := out[k]; dup {
				return nil, fmt.Errorf("%s: %s %s@%s is recorded in %s too", where, r.ID, r.Module, r.Version, old.file)
			}
			r.file = file
			out[k] = r
		}
	}
	return out, nil
}

// collect lists the Go programs of the arguments: archives are unpacked into scratch, and a
// program shipped several times (the same bytes) is scanned once under all its names.
func collect(args []string, scratch string) ([]*Program, error) {
	bySum := map[string]*Program{}
	var order []*Program
	add := func(name, path string) error {
		bi, err := buildinfo.ReadFile(path)
		if err != nil {
			return nil // not a Go program
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		key := hex.EncodeToString(sum[:])
		if p, ok := bySum[key]; ok {
			p.Names = append(p.Names, name)
			return nil
		}
		p := &Program{Names: []string{name}, Path: path, Modules: modules(bi), Package: bi.Path, MainModule: bi.Main.Path, GoVersion: bi.GoVersion}
		for _, s := range bi.Settings {
			if s.Key == "-tags" && s.Value != "" {
				p.Tags = strings.Split(s.Value, ",")
			}
		}
		bySum[key] = p
		order = append(order, p)
		return nil
	}
	for i, arg := range args {
		if !strings.HasSuffix(arg, ".tar.zst") {
			if err := add(arg, arg); err != nil {
				return nil, err
			}
			continue
		}
		dir := filepath.Join(scratch, fmt.Sprint(i))
		files, err := unpack(arg, dir)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", arg, err)
		}
		base := strings.TrimSuffix(filepath.Base(arg), ".tar.zst")
		for _, f := range files {
			if err := add(base+":"+f, filepath.Join(dir, f)); err != nil {
				return nil, err
			}
		}
	}
	return order, nil
}

// modules lists the module versions a program links, as govulncheck names them: the standard
// library as stdlib@v<go version>, a replaced module under its own path at its replacement's
// version.
func modules(bi *buildinfo.BuildInfo) map[string]bool {
	out := map[string]bool{"stdlib@v" + strings.TrimPrefix(bi.GoVersion, "go"): true}
	if bi.Main.Path != "" {
		out[bi.Main.Path+"@"+bi.Main.Version] = true
	}
	for _, d := range bi.Deps {
		v := d.Version
		if d.Replace != nil {
			v = d.Replace.Version
		}
		out[d.Path+"@"+v] = true
	}
	return out
}

// unpack writes the executable regular files of a .tar.zst into dir and returns their names.
func unpack(archive, dir string) ([]string, error) {
	f, err := os.Open(archive)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := zstd.NewReader(f)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if h.Typeflag != tar.TypeReg || h.Mode&0o111 == 0 {
			continue
		}
		name := filepath.Clean(h.Name)
		if filepath.IsAbs(name) || name == ".." || strings.HasPrefix(name, "../") {
			return nil, fmt.Errorf("entry %q leaves the archive's directory", h.Name)
		}
		dest := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
			return nil, err
		}
		out, err := os.OpenFile(dest, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o755)
		if err != nil {
			return nil, err
		}
		if _, err := io.Copy(out, tr); err != nil {
			out.Close()
			return nil, err
		}
		if err := out.Close(); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names, nil
}

// govulncheck's JSON messages (golang.org/x/vuln/internal/govulncheck), the fields read here
type message struct {
	Config *struct {
		DBLastModified time.Time `json:"db_last_modified"`
	} `json:"config"`
	OSV *struct {
		ID      string   `json:"id"`
		Aliases []string `json:"aliases"`
		Summary string   `json:"summary"`
	} `json:"osv"`
	Finding *struct {
		OSV          string `json:"osv"`
		FixedVersion string `json:"fixed_version"`
		Trace        []struct {
			Module   string `json:"module"`
			Version  string `json:"version"`
			Package  string `json:"package"`
			Function string `json:"function"`
			Receiver string `json:"receiver"`
		} `json:"trace"`
	} `json:"finding"`
}

// govulncheck runs the scanner over one program in binary mode with the given output format.
func govulncheck(command, db, program, format string) ([]byte, error) {
	cmd := exec.Command(command, "-mode=binary", "-format="+format, "-db", db, program)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s -format=%s: %v: %s", command, format, err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// scan runs govulncheck over one program and folds its findings per advisory, each with
// govulncheck's own OpenVEX verdict; it also returns the database's last modification time.
func scan(command, db, program string) ([]*Finding, time.Time, error) {
	out, err := govulncheck(command, db, program, "json")
	if err != nil {
		return nil, time.Time{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	byID := map[string]*Finding{}
	type osvInfo struct {
		aliases []string
		summary string
	}
	osvs := map[string]osvInfo{}
	var dbTime time.Time
	for {
		var m message
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			return nil, time.Time{}, fmt.Errorf("reading govulncheck's output: %w", err)
		}
		if m.Config != nil {
			dbTime = m.Config.DBLastModified
		}
		if m.OSV != nil {
			osvs[m.OSV.ID] = osvInfo{m.OSV.Aliases, m.OSV.Summary}
		}
		if m.Finding == nil || len(m.Finding.Trace) == 0 {
			continue
		}
		t := m.Finding.Trace[0]
		level := Module
		if t.Function != "" {
			level = Symbol
		} else if t.Package != "" {
			level = Package
		}
		f := byID[m.Finding.OSV]
		if f == nil {
			f = &Finding{ID: m.Finding.OSV, Module: t.Module, Version: t.Version, Fixed: m.Finding.FixedVersion, Level: level}
			byID[f.ID] = f
		}
		if level > f.Level {
			f.Level = level
		}
		if level == Symbol {
			sym := t.Package + "." + t.Function
			switch {
			case strings.HasPrefix(t.Function, t.Package+"/"): // "pkg/*": every symbol of pkg
				sym = t.Function
			case t.Receiver != "":
				sym = t.Package + "." + strings.TrimPrefix(t.Receiver, "*") + "." + t.Function
			}
			f.Symbols = appendNew(f.Symbols, sym)
		}
	}
	verdicts, err := scannerVEX(command, db, program)
	if err != nil {
		return nil, time.Time{}, err
	}
	var findings []*Finding
	for id, f := range byID {
		f.Aliases, f.Summary = osvs[id].aliases, osvs[id].summary
		sort.Strings(f.Symbols)
		v, ok := verdicts[id]
		// govulncheck's OpenVEX says affected exactly when it finds a vulnerable symbol: the two
		// outputs of the same scan must agree, or this tool misreads one of them
		if !ok || (v.Status == "affected") != (f.Level == Symbol) {
			return nil, time.Time{}, fmt.Errorf("%s: govulncheck's OpenVEX says %q for %s, its JSON a %s-level finding", program, v.Status, id, f.Level)
		}
		f.Scanner = v
		findings = append(findings, f)
	}
	if len(verdicts) != len(findings) {
		return nil, time.Time{}, fmt.Errorf("%s: govulncheck's OpenVEX has %d statements, its JSON %d advisories", program, len(verdicts), len(findings))
	}
	sort.Slice(findings, func(i, j int) bool { return findings[i].ID < findings[j].ID })
	return findings, dbTime, nil
}

// scannerVEX is govulncheck's own OpenVEX document of a program: its status per advisory.
func scannerVEX(command, db, program string) (map[string]ScannerVerdict, error) {
	out, err := govulncheck(command, db, program, "openvex")
	if err != nil {
		return nil, err
	}
	var doc struct {
		Statements []struct {
			Vulnerability struct {
				Name string `json:"name"`
			} `json:"vulnerability"`
			Status        string `json:"status"`
			Justification string `json:"justification"`
			Impact        string `json:"impact_statement"`
		} `json:"statements"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		return nil, fmt.Errorf("reading govulncheck's OpenVEX: %w", err)
	}
	verdicts := map[string]ScannerVerdict{}
	for _, st := range doc.Statements {
		verdicts[st.Vulnerability.Name] = ScannerVerdict{st.Status, st.Justification, st.Impact}
	}
	return verdicts, nil
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// report prints the table and the findings, then the records that apply to the programs without
// a finding of govulncheck's (an advisory its database does not hold, a part that is not a Go
// module) and the stale ones (a Go module version no program links: decide them again), as
// applyingRecords sorts them; it returns whether the gate passed. strict: a stale record fails
// the gate (the gate over every archive, which every record must be about).
func report(w io.Writer, programs []*Program, applying, stale []*Record, strict bool) bool {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROGRAM\tSYMBOL\tPACKAGE\tMODULE\tCALLED\tFIXED BY")
	bySymbol := map[string]int{}
	imported, failed := 0, 0
	scanned, symbolFindings, called, sourceOnly := 0, 0, 0, 0
	for _, p := range programs {
		var n [3]int
		var fixes []string
		for _, f := range p.Findings {
			n[f.Level]++
			fix := "no fix"
			switch {
			case f.Record != nil && f.Record.Status == "fixed":
				fix = "ours: " + filepath.Base(f.Record.Patch)
			case f.Module == "stdlib" && f.Fixed != "":
				fix = "go" + strings.TrimPrefix(f.Fixed, "v")
			case f.Fixed != "":
				fix = f.Module + "@" + f.Fixed
			}
			fixes = appendNew(fixes, fix)
		}
		sort.Strings(fixes)
		if len(fixes) == 0 {
			fixes = []string{"-"}
		}
		// CALLED: the findings whose vulnerable symbols govulncheck's source mode finds called
		// from the program's code; "-" where it was not scanned so
		calls := "-"
		if p.Source != nil {
			c := 0
			for _, f := range p.Findings {
				if f.Called == "called" {
					c++
					called++
					if f.Level < Symbol {
						sourceOnly++
					}
				}
				if f.Level == Symbol {
					symbolFindings++
				}
			}
			scanned++
			calls = fmt.Sprint(c)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\n", p.Names[0], n[Symbol], n[Package], n[Module], calls, strings.Join(fixes, ", "))
		for _, n := range p.Names[1:] {
			fmt.Fprintf(tw, "%s\t(same program)\t\t\t\t\n", n)
		}
	}
	tw.Flush()
	for _, p := range programs {
		if len(p.Findings) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s:\n", p.Names[0])
		for _, f := range p.Findings {
			kind := "not called: its " + f.Level.String() + " only (govulncheck: " + f.Scanner.Status + ", " + f.Scanner.Justification + ")"
			if f.SourceOnly {
				kind = "not reported by govulncheck's binary mode"
			}
			if f.Level == Symbol {
				kind = "vulnerable symbols in the program: " + strings.Join(f.Symbols, ", ")
			}
			fixed := f.Fixed
			if fixed == "" {
				fixed = "none"
			}
			verdict := ""
			if f.Record != nil {
				verdict = fmt.Sprintf(" [recorded %s: %s (%s)]", f.Record.Status, f.Record.Why, f.Record.file)
			}
			if problem := f.Problem(); problem != "" {
				verdict += " [" + problem + "]"
				failed++
			}
			if f.Called != "" {
				kind += "; source mode: " + f.Called
			}
			fmt.Fprintf(w, "  %s %s %s@%s, fixed in %s: %s%s\n    %s\n", f.ID, strings.Join(f.Aliases, " "), f.Module, f.Version, fixed, kind, verdict, f.Summary)
			switch {
			case f.SourceOnly || f.Called == "called" && f.Level < Symbol:
				// called in its source: counted with the symbol-level ones, by record
				if f.Record != nil && f.Problem() == "" {
					bySymbol[f.Record.Status]++
				}
			case f.Level < Symbol:
				imported++
			case f.Record != nil && f.Problem() == "":
				bySymbol[f.Record.Status]++
			}
		}
	}
	if len(applying) > 0 {
		fmt.Fprintln(w, "\nrecords of advisories govulncheck does not report in these programs (not in its database, or a part that is not a Go module):")
		for _, r := range applying {
			fmt.Fprintf(w, "  %s %s %s@%s: %s: %s (%s)\n", r.ID, strings.Join(r.Aliases, " "), r.Module, r.Version, r.Status, r.Why, r.file)
		}
	}
	if len(stale) > 0 {
		fmt.Fprintln(w, "\nstale records (their module version is in no program given: decide them again for the version shipped):")
		for _, r := range stale {
			fmt.Fprintf(w, "  %s %s@%s: %s (%s)\n", r.ID, r.Module, r.Version, r.Status, r.file)
		}
		if strict {
			failed += len(stale)
		}
	}
	status := "PASS"
	if failed > 0 {
		status = "FAIL"
	}
	symbols := bySymbol["fixed"] + bySymbol["affected"] + bySymbol["under_investigation"] + failed
	source := ""
	if scanned > 0 {
		source = fmt.Sprintf("; source mode (%d programs): %d findings called from the program's code (%d of them not at symbol level in binary mode), of %d at symbol level in binary mode", scanned, called, sourceOnly, symbolFindings)
	}
	fmt.Fprintf(w, "\nGATE: %s: %d Go programs, %d findings with vulnerable symbols in the program (%d fixed by a patch of ours, %d affected, %d under investigation, %d failing), %d not called (package or module only), %d more records apply%s\n",
		status, len(programs), symbols, bySymbol["fixed"], bySymbol["affected"], bySymbol["under_investigation"], failed, imported, len(applying), source)
	return failed == 0
}

// isGoModule tells a Go module's path ("example.com/m", "stdlib") from a part's name ("crun").
func isGoModule(module string) bool {
	return module == "stdlib" || strings.Contains(module, "/")
}

// applyingRecords returns the records that apply to programs without a finding of theirs — a Go
// module version some program links, or a part that is not a Go module — and the stale ones: a
// Go module version no program links. Sorted by advisory.
func applyingRecords(programs []*Program, records map[recordKey]*Record) (applying, stale []*Record) {
	found := map[recordKey]bool{}
	linked := map[string]bool{}
	for _, p := range programs {
		for _, f := range p.Findings {
			if f.Record != nil {
				found[recordKey{f.Record.ID, f.Record.Module, f.Record.Version}] = true
			}
		}
		for m := range p.Modules {
			linked[m] = true
		}
	}
	for k, r := range records {
		switch {
		case found[k]:
		case !isGoModule(r.Module) || linked[r.Module+"@"+r.Version]:
			applying = append(applying, r)
		default:
			stale = append(stale, r)
		}
	}
	for _, l := range [][]*Record{applying, stale} {
		sort.Slice(l, func(i, j int) bool { return l[i].ID+l[i].Module < l[j].ID+l[j].Module })
	}
	return applying, stale
}
