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
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/severity"
)

// The OpenVEX document of one release archive: a statement per advisory known against what it
// ships, built on govulncheck's own OpenVEX verdict for each of its Go programs and the records of
// its parts:
//
//   - a finding with a record: the record's status (fixed: our patch and the test that reproduces
//     the flaw; affected: why, as the action statement; not_affected: its justification, only
//     where govulncheck finds no vulnerable symbol — the gate refuses the claim otherwise);
//   - a finding without a record: govulncheck's verdict (not_affected with its justification;
//     a finding govulncheck calls affected has failed the gate, so no document carries it);
//   - a record without a finding (an advisory govulncheck's database does not hold, in a module
//     version a program links, or a part that is not a Go program, e.g. crun): its status.
//
// Where the archive's programs differ, the strongest status counts (affected, then
// under_investigation, fixed, not_affected).

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
// atomically: a statement per finding of its programs and per record in applying (the records
// that apply without a finding, applyingRecords). dbTime is the database's last modification: the
// document's time.
func writeVEX(out, archive string, files []string, programs []*Program, applying []*Record, dbTime time.Time) error {
	prod, err := product(archive, files)
	if err != nil {
		return err
	}
	byID := map[string]*vex.Statement{}
	rank := map[string]int{}
	var order []string
	// add puts a subcomponent under the advisory's statement; fill sets the statement's status
	// when it is stronger than what the statement says so far
	add := func(id string, aliases []string, sub string, status string, fill func(*vex.Statement)) {
		st := byID[id]
		if st == nil {
			st = &vex.Statement{Products: []vex.Product{{Component: prod}}}
			byID[id] = st
			order = append(order, id)
		}
		if statusRank[status] > rank[id] {
			rank[id] = statusRank[status]
			subs := st.Products[0].Subcomponents
			*st = vex.Statement{Products: []vex.Product{{Component: prod, Subcomponents: subs}}}
			var al []vex.VulnerabilityID
			for _, a := range aliases {
				al = append(al, vex.VulnerabilityID(a))
			}
			st.Vulnerability = vex.Vulnerability{Name: vex.VulnerabilityID(id), Aliases: al}
			fill(st)
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
			if f.Record != nil {
				add(f.ID, f.Aliases, modulePURL(f.Module, f.Version), f.Record.Status, func(st *vex.Statement) { fromRecord(st, f.Record) })
				continue
			}
			if f.Scanner.Status != "not_affected" {
				return fmt.Errorf("%s: %s has no record and govulncheck says %s", p.Names[0], f.ID, f.Scanner.Status)
			}
			add(f.ID, f.Aliases, modulePURL(f.Module, f.Version), "not_affected", func(st *vex.Statement) {
				st.Status = vex.StatusNotAffected
				st.Justification = vex.Justification(f.Scanner.Justification)
				st.ImpactStatement = fmt.Sprintf("govulncheck -mode=binary: %s (only the vulnerable %s is in the program, none of its vulnerable functions)", f.Scanner.Impact, f.Level)
			})
		}
	}
	for _, r := range applying {
		r := r
		sub := "pkg:generic/" + r.Module + "@" + r.Version
		if isGoModule(r.Module) {
			sub = modulePURL(r.Module, r.Version)
		}
		add(r.ID, r.Aliases, sub, r.Status, func(st *vex.Statement) { fromRecord(st, r) })
	}
	sort.Strings(order)
	doc := vex.New()
	doc.ID = "https://github.com/rootless-static-toolkits/rootless-static-toolkits/vex/" + strings.TrimSuffix(filepath.Base(archive), ".tar.zst")
	doc.Author = "rootless-static-toolkits"
	doc.Tooling = "tools/vulncheck (govulncheck -mode=binary -format=openvex per program, records of third_party/*/advisories.json)"
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

// fromRecord fills a statement from a record of ours.
func fromRecord(st *vex.Statement, r *Record) {
	upstream := ""
	if r.Upstream != "" {
		upstream = " (upstream: " + r.Upstream + ")"
	}
	switch r.Status {
	case "fixed":
		st.Status = vex.StatusFixed
		st.StatusNotes = fmt.Sprintf("fixed by our patch %s%s; the test %s reproduces the flaw and passes only with the patch: %s", r.Patch, upstream, r.Test, r.Why)
	case "affected":
		st.Status = vex.StatusAffected
		score := "(no CVSS score here: the database states none, and the advisory itself is not reachable)"
		if r.CVSS > 0 {
			score = severity.Note(r.CVSS)
		}
		st.ActionStatement = fmt.Sprintf("%s %s%s", r.Why, score, upstream)
	case "under_investigation":
		st.Status = vex.StatusUnderInvestigation
		st.StatusNotes = r.Why
	case "not_affected":
		st.Status = vex.StatusNotAffected
		st.Justification = vex.Justification(r.Justification)
		st.ImpactStatement = r.Why
	}
}
