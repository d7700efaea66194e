// Command vulncheck is the release's vulnerability gate: it runs govulncheck in binary mode over
// every Go program of the given release archives (or programs) against the Go vulnerability
// database and fails when a vulnerable symbol is reachable in a shipped program, unless a record
// of the pins says why that advisory does not apply to that module version.
//
// Usage:
//
//	vulncheck [--govulncheck PATH] [--db DIR|URL] [--records FILE]... ARCHIVE.tar.zst|PROGRAM...
//	vulncheck --vex OUT.openvex.json [--quiet] [flags] ARCHIVE.tar.zst
//
// Every ELF file of an archive that carries Go build information is scanned (identical files
// once). A finding is "reachable" when govulncheck finds the advisory's vulnerable function in
// the program's symbol table, "imported-only" when only the package or module is linked in.
// Prints a table (program, findings reachable / imported-only, fixed by) and every finding;
// exits 1 when the gate fails, 2 on bad input or a scan that could not run.
//
// A records file (third_party/<tool>/advisories.json) lists decisions about advisories:
//
//	{"records": [{"id": "GO-2026-0001", "module": "example.com/m", "version": "v1.2.3",
//	              "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path",
//	              "why": "one sentence a reviewer can check"}]}
//
// A record applies to exactly that module version (a bump makes it stale, to be decided again);
// only "not_affected" lets a reachable finding pass. "affected" documents a known, unfixed one;
// "fixed" (with "aliases") one a patch of ours fixes in a part that is not a Go program (crun).
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
	file          string
}

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
	// NamesPackages: the advisory names its vulnerable packages, so govulncheck can tell whether
	// the vulnerable code is in a program
	NamesPackages bool
	packages      []string // the packages of Symbols
}

// Passes says whether the gate lets this finding through.
func (f *Finding) Passes() bool {
	return f.Level < Symbol || (f.Record != nil && f.Record.Status == "not_affected")
}

// Program is one scanned Go program, under every name it is shipped as.
type Program struct {
	Names    []string
	Path     string
	Findings []*Finding
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
		fmt.Fprint(stderr, `usage: vulncheck [--govulncheck PATH] [--db DIR|URL] [--records FILE]... ARCHIVE.tar.zst|PROGRAM...

Runs govulncheck (binary mode) over every Go program of the release archives or programs given,
against the Go vulnerability database (--db: a directory of OSV reports, or a URL such as
https://vuln.go.dev), prints a table of findings per program (reachable: the vulnerable function
is in the program; imported-only: only its package or module), and fails when a reachable
finding has no "not_affected" record (--records: third_party/<tool>/advisories.json).
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
	dbVersion := fs.String("db-version", "", "a file holding the database's module version (a pseudo-version dates the snapshot: the OpenVEX documents' time)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "vulncheck: no archive or program given (--help)")
		return 2
	}
	if *vexOut != "" && (fs.NArg() != 1 || !strings.HasSuffix(fs.Arg(0), ".tar.zst")) {
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
	programs, err := collect(fs.Args(), scratch)
	if err != nil {
		fmt.Fprintln(stderr, "vulncheck:", err)
		return 2
	}
	if len(programs) == 0 {
		fmt.Fprintln(stderr, "vulncheck: no Go program in", strings.Join(fs.Args(), " "))
		return 2
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

		for _, f := range p.Findings {
			f.Record = records[recordKey{f.ID, f.Module, f.Version}]
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
	passed := report(&table, programs)
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
		if err := writeVEX(*vexOut, fs.Arg(0), files, programs, records, dbTime); err != nil {
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

func readRecords(files []string) (map[recordKey]*Record, error) {
	out := map[recordKey]*Record{}
	for _, file := range files {
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
			case r.Status == "not_affected" && !vex.Justification(r.Justification).Valid():
				return nil, fmt.Errorf("%s: not_affected needs an OpenVEX justification, not %q", where, r.Justification)
			case r.Status != "not_affected" && r.Status != "affected" && r.Status != "fixed":
				return nil, fmt.Errorf("%s: status %q: want not_affected, affected or fixed", where, r.Status)
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
		if _, err := buildinfo.ReadFile(path); err != nil {
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
		p := &Program{Names: []string{name}, Path: path}
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
		ID       string   `json:"id"`
		Aliases  []string `json:"aliases"`
		Summary  string   `json:"summary"`
		Affected []struct {
			EcosystemSpecific struct {
				Imports []struct {
					Path string `json:"path"`
				} `json:"imports"`
			} `json:"ecosystem_specific"`
		} `json:"affected"`
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

// scan runs govulncheck over one program and folds its findings per advisory; it also returns
// the database's last modification time.
func scan(govulncheck, db, program string) ([]*Finding, time.Time, error) {
	cmd := exec.Command(govulncheck, "-mode=binary", "-format=json", "-db", db, program)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, time.Time{}, fmt.Errorf("%s: %v: %s", govulncheck, err, strings.TrimSpace(stderr.String()))
	}
	dec := json.NewDecoder(&stdout)
	byID := map[string]*Finding{}
	osvs := map[string]*Finding{}
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
			o := &Finding{Aliases: m.OSV.Aliases, Summary: m.OSV.Summary}
			for _, a := range m.OSV.Affected {
				o.NamesPackages = o.NamesPackages || len(a.EcosystemSpecific.Imports) > 0
			}
			osvs[m.OSV.ID] = o
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
			f.packages = appendNew(f.packages, t.Package)
		}
	}
	var out []*Finding
	for id, f := range byID {
		if o := osvs[id]; o != nil {
			f.Aliases, f.Summary, f.NamesPackages = o.Aliases, o.Summary, o.NamesPackages
		}
		sort.Strings(f.Symbols)
		out = append(out, f)
	}
	if err := confirmSymbols(program, out); err != nil {
		return nil, time.Time{}, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, dbTime, nil
}

// confirmSymbols checks govulncheck's symbol findings against the program itself. Our programs
// are linked with --strip-all (reproducibility: zig would keep its cache paths otherwise), which
// removes the symbol table govulncheck needs to find function names; it then reports every
// vulnerable symbol of every affected module version as found ("go.mod-level precision", its
// source says). The names are still in the program — the Go runtime's function name table and
// its type names, inlined functions included — so a finding none of whose vulnerable packages
// appears there as "<package>." is lowered to a module-level one: the module is linked, its
// vulnerable packages are not.
func confirmSymbols(program string, findings []*Finding) error {
	var data []byte
	for _, f := range findings {
		if f.Level != Symbol {
			continue
		}
		if data == nil {
			var err error
			if data, err = os.ReadFile(program); err != nil {
				return err
			}
		}
		present := false
		for _, p := range f.packages {
			present = present || bytes.Contains(data, []byte(p+"."))
		}
		if !present {
			f.Level, f.Symbols = Module, nil
		}
	}
	return nil
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// report prints the table and the findings; it returns whether the gate passed.
func report(w io.Writer, programs []*Program) bool {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROGRAM\tREACHABLE\tIMPORTED-ONLY\tFIXED BY")
	reachable, recorded, imported, failed := 0, 0, 0, 0
	for _, p := range programs {
		r, i := 0, 0
		var fixes []string
		for _, f := range p.Findings {
			if f.Level == Symbol {
				r++
			} else {
				i++
			}
			fix := "no fix"
			if f.Fixed != "" {
				fix = f.Module + "@" + f.Fixed
				if f.Module == "stdlib" {
					fix = "go" + strings.TrimPrefix(f.Fixed, "v")
				}
			}
			fixes = appendNew(fixes, fix)
		}
		sort.Strings(fixes)
		if len(fixes) == 0 {
			fixes = []string{"-"}
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", p.Names[0], r, i, strings.Join(fixes, ", "))
		for _, n := range p.Names[1:] {
			fmt.Fprintf(tw, "%s\t(same program)\t\t\n", n)
		}
	}
	tw.Flush()
	for _, p := range programs {
		if len(p.Findings) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s:\n", p.Names[0])
		for _, f := range p.Findings {
			kind := "imported-only (" + f.Level.String() + ")"
			if f.Level == Symbol {
				kind = "reachable: " + strings.Join(f.Symbols, ", ")
			}
			fixed := f.Fixed
			if fixed == "" {
				fixed = "none"
			}
			verdict := ""
			switch {
			case f.Record != nil:
				verdict = fmt.Sprintf(" [recorded %s: %s (%s)]", f.Record.Status, f.Record.Why, f.Record.file)
			case !f.Passes():
				verdict = " [FAILS THE GATE: no record]"
			}
			fmt.Fprintf(w, "  %s %s %s@%s, fixed in %s: %s%s\n    %s\n", f.ID, strings.Join(f.Aliases, " "), f.Module, f.Version, fixed, kind, verdict, f.Summary)
			switch {
			case f.Level == Symbol && f.Passes():
				reachable++
				recorded++
			case f.Level == Symbol:
				reachable++
				failed++
			default:
				imported++
			}
		}
	}
	status := "PASS"
	if failed > 0 {
		status = "FAIL"
	}
	fmt.Fprintf(w, "\nGATE: %s: %d Go programs, %d reachable findings (%d recorded not_affected, %d without a record), %d imported-only\n",
		status, len(programs), reachable, recorded, failed, imported)
	return failed == 0
}
