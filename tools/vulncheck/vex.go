package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/openvex/go-vex/pkg/vex"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/filehash"
)

// The OpenVEX document of one release archive: a statement per advisory known against what it
// ships, each from govulncheck's findings in its Go programs and the records of its parts.
//
//   - a finding with a record: the record's status (not_affected with its justification and why;
//     affected with why as the action statement);
//   - a finding without a record whose vulnerable code is not in the program (govulncheck found
//     only the package or module, and the advisory names its vulnerable packages): not_affected,
//     vulnerable_code_not_present;
//   - any other finding: affected (a reachable one also fails the gate, so no release carries it),
//     or under_investigation when the advisory names no package to look for;
//   - a record with status fixed (a patch of ours, e.g. crun's): fixed.

// archiveName is <bundle>-linux-<arch>.tar.zst; its top directory <tool>-v<version>/.
var archiveName = regexp.MustCompile(`^(.+)-linux-([a-z0-9]+)\.tar\.zst$`)

var topDir = regexp.MustCompile(`^([a-z0-9-]+)-v([0-9][^/]*)/`)

// product names the archive as a package URL, with its sha256.
func product(archive string, files []string) (vex.Component, error) {
	m := archiveName.FindStringSubmatch(filepath.Base(archive))
	if m == nil {
		return vex.Component{}, fmt.Errorf("%s: not named <bundle>-linux-<arch>.tar.zst", archive)
	}
	version := ""
	for _, f := range files {
		if t := topDir.FindStringSubmatch(f); t != nil {
			version = t[2]
			break
		}
	}
	if version == "" {
		return vex.Component{}, fmt.Errorf("%s: no program under a <tool>-v<version>/ top directory", archive)
	}
	sum, err := filehash.SHA256(archive)
	if err != nil {
		return vex.Component{}, err
	}
	return vex.Component{
		ID:     fmt.Sprintf("pkg:generic/%s@%s?arch=%s", m[1], version, m[2]),
		Hashes: map[vex.Algorithm]vex.Hash{vex.SHA256: vex.Hash(sum)},
	}, nil
}

// modulePURL is a Go module's package URL (the standard library's as pkg:golang/stdlib).
func modulePURL(module, version string) string {
	return "pkg:golang/" + module + "@" + version
}

// writeVEX writes the OpenVEX document of archive (whose unpacked programs are programs) to out,
// atomically. dbTime is the vulnerability database's last modification: the document's time.
func writeVEX(out, archive string, files []string, programs []*Program, records map[recordKey]*Record, dbTime time.Time) error {
	prod, err := product(archive, files)
	if err != nil {
		return err
	}
	byID := map[string]*vex.Statement{}
	var order []string
	add := func(id string, aliases []string, sub string, fill func(*vex.Statement)) {
		st := byID[id]
		if st == nil {
			var al []vex.VulnerabilityID
			for _, a := range aliases {
				al = append(al, vex.VulnerabilityID(a))
			}
			st = &vex.Statement{
				Vulnerability: vex.Vulnerability{Name: vex.VulnerabilityID(id), Aliases: al},
				Products:      []vex.Product{{Component: prod}},
			}
			fill(st)
			byID[id] = st
			order = append(order, id)
		}
		for _, s := range st.Products[0].Subcomponents {
			if s.ID == sub {
				return
			}
		}
		st.Products[0].Subcomponents = append(st.Products[0].Subcomponents, vex.Subcomponent{Component: vex.Component{ID: sub}})
	}
	for _, p := range programs {
		for _, f := range p.Findings {
			f := f
			add(f.ID, f.Aliases, modulePURL(f.Module, f.Version), func(st *vex.Statement) {
				switch {
				case f.Record != nil && f.Record.Status == "not_affected":
					st.Status = vex.StatusNotAffected
					st.Justification = vex.Justification(f.Record.Justification)
					st.ImpactStatement = f.Record.Why
				case f.Record != nil:
					st.Status = vex.StatusAffected
					st.ActionStatement = f.Record.Why
				case f.Level < Symbol && f.NamesPackages:
					st.Status = vex.StatusNotAffected
					st.Justification = vex.VulnerableCodeNotPresent
					st.ImpactStatement = fmt.Sprintf("govulncheck (binary mode): the advisory's vulnerable functions are not in the program, only its %s", f.Level)
				case f.Level < Symbol:
					st.Status = vex.StatusUnderInvestigation
					st.StatusNotes = "the advisory names no vulnerable package or function to look for in the program"
				default:
					st.Status = vex.StatusAffected
					st.ActionStatement = "the vulnerable function is in the program: " + strings.Join(f.Symbols, ", ")
				}
			})
		}
	}
	var fixed []*Record
	for _, r := range records {
		if r.Status == "fixed" {
			fixed = append(fixed, r)
		}
	}
	sort.Slice(fixed, func(i, j int) bool { return fixed[i].ID < fixed[j].ID })
	for _, r := range fixed {
		r := r
		add(r.ID, r.Aliases, "pkg:generic/"+r.Module+"@"+r.Version, func(st *vex.Statement) {
			st.Status = vex.StatusFixed
			st.StatusNotes = r.Why
		})
	}
	sort.Strings(order)
	doc := vex.New()
	doc.ID = "https://github.com/rootless-static-toolkits/rootless-static-toolkits/vex/" + strings.TrimSuffix(filepath.Base(archive), ".tar.zst")
	doc.Author = "rootless-static-toolkits"
	doc.Tooling = "tools/vulncheck (govulncheck in binary mode, records of third_party/*/advisories.json)"
	ts := dbTime.UTC()
	doc.Timestamp = &ts
	for _, id := range order {
		st := byID[id]
		sort.Slice(st.Products[0].Subcomponents, func(i, j int) bool {
			return st.Products[0].Subcomponents[i].ID < st.Products[0].Subcomponents[j].ID
		})
		if err := st.Validate(); err != nil {
			return fmt.Errorf("statement for %s: %w", id, err)
		}
		doc.Statements = append(doc.Statements, *st)
	}
	var buf bytes.Buffer
	if err := doc.ToJSON(&buf); err != nil {
		return err
	}
	tmp := out + ".partial"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, out)
}
