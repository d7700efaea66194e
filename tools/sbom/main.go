// Command sbom writes the SPDX 2.3 JSON SBOM of a release archive: the archive, every program
// in it, and every component they are built from, read from the pins (third_party/pins.json), the
// Go programs' own build information (their main module and every module linked in, with its
// go.sum h1: sum) and the Rust parts' Cargo.lock — never written by hand.
//
// Usage:
//
//	sbom --archive A.tar.zst --root DIR --out A.spdx.json COMPONENTS_FILE...
//
// Each COMPONENTS_FILE (one per bundle part, written by bundle_part) says what the part's programs
// are built from (its format: package release/components): pins of third_party/pins.json
// (version, license, upstream URL and sha256), Cargo.lock files (Rust crates, with their sha256
// and declared licenses), and for each program the pin or the Go module it comes from.
//
// Paths are relative to --root (Bazel's execution root). The document is deterministic: its
// creation time is the archive's own (fixed) mtime and its namespace carries the archive's sha256.
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
	"path"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/release/components"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/atomicfile"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/cargolock"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/fault"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/pins"
)

type checksum struct {
	Algorithm     string `json:"algorithm"`
	ChecksumValue string `json:"checksumValue"`
}

type externalRef struct {
	ReferenceCategory string `json:"referenceCategory"`
	ReferenceType     string `json:"referenceType"`
	ReferenceLocator  string `json:"referenceLocator"`
}

type pkg struct {
	SPDXID                string        `json:"SPDXID"`
	Name                  string        `json:"name"`
	VersionInfo           string        `json:"versionInfo,omitempty"`
	DownloadLocation      string        `json:"downloadLocation"`
	FilesAnalyzed         bool          `json:"filesAnalyzed"`
	Checksums             []checksum    `json:"checksums,omitempty"`
	LicenseConcluded      string        `json:"licenseConcluded"`
	LicenseDeclared       string        `json:"licenseDeclared"`
	CopyrightText         string        `json:"copyrightText"`
	SourceInfo            string        `json:"sourceInfo,omitempty"`
	PrimaryPackagePurpose string        `json:"primaryPackagePurpose,omitempty"`
	ExternalRefs          []externalRef `json:"externalRefs,omitempty"`
}

type relationship struct {
	SPDXElementID      string `json:"spdxElementId"`
	RelationshipType   string `json:"relationshipType"`
	RelatedSPDXElement string `json:"relatedSpdxElement"`
}

type document struct {
	SPDXVersion       string `json:"spdxVersion"`
	DataLicense       string `json:"dataLicense"`
	SPDXID            string `json:"SPDXID"`
	Name              string `json:"name"`
	DocumentNamespace string `json:"documentNamespace"`
	CreationInfo      struct {
		Created  string   `json:"created"`
		Creators []string `json:"creators"`
	} `json:"creationInfo"`
	DocumentDescribes []string       `json:"documentDescribes"`
	Packages          []pkg          `json:"packages"`
	Relationships     []relationship `json:"relationships"`
}

// Namespace is where the documents say they belong (SPDX wants a unique URI per document).
const Namespace = "https://github.com/rootless-static-toolkits/rootless-static-toolkits/sbom/"

var idUnsafe = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

func spdxID(kind, name string) string {
	return "SPDXRef-" + kind + "-" + strings.Trim(idUnsafe.ReplaceAllString(name, "-"), "-")
}

type program struct {
	path, sha256 string
	goInfo       *debug.BuildInfo // a Go program's build information, nil for others
}

// readArchive lists the regular executable files of a .tar.zst with their sha256, and the
// archive's mtime (all entries share rules_pkg's portable mtime).
func readArchive(name string) (programs []program, mtime time.Time, sum string, err error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, time.Time{}, "", err
	}
	h := sha256.Sum256(data)
	dec, err := zstd.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, time.Time{}, "", err
	}
	defer dec.Close()
	tr := tar.NewReader(dec)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, time.Time{}, "", fmt.Errorf("%s: not a zstd-compressed tar: %w", name, err)
		}
		if mtime.IsZero() || hdr.ModTime.After(mtime) {
			mtime = hdr.ModTime
		}
		if hdr.Typeflag != tar.TypeReg || hdr.Mode&0o111 == 0 {
			continue
		}
		content, err := io.ReadAll(tr)
		if err != nil {
			return nil, time.Time{}, "", err
		}
		ph := sha256.Sum256(content)
		p := program{path: hdr.Name, sha256: hex.EncodeToString(ph[:])}
		if bi, err := buildinfo.Read(bytes.NewReader(content)); err == nil {
			p.goInfo = bi
		}
		programs = append(programs, p)
	}
	if len(programs) == 0 {
		return nil, time.Time{}, "", fmt.Errorf("%s holds no program", name)
	}
	sort.Slice(programs, func(i, j int) bool { return programs[i].path < programs[j].path })
	return programs, mtime.UTC(), hex.EncodeToString(h[:]), nil
}

func orNoAssertion(s string) string {
	if s == "" {
		return "NOASSERTION"
	}
	return s
}

func pinPackage(root, name string) (pkg, error) {
	data, err := os.ReadFile(filepath.Join(root, pins.Path))
	if err != nil {
		return pkg{}, err
	}
	f, err := pins.Parse(data)
	if err != nil {
		return pkg{}, fmt.Errorf("%s: %w", pins.Path, err)
	}
	e, err := f.Pin(name)
	if err != nil {
		return pkg{}, err
	}
	if e.License() == "" {
		return pkg{}, fmt.Errorf("pin %s has no license in %s (an SPDX expression, or NOASSERTION)", name, pins.Path)
	}
	p := pkg{
		SPDXID: spdxID("Pin", name), Name: name, VersionInfo: e.Version(),
		LicenseConcluded: "NOASSERTION", LicenseDeclared: e.License(), CopyrightText: "NOASSERTION",
		DownloadLocation: "NOASSERTION", PrimaryPackagePurpose: "SOURCE",
	}
	if urls := e.URLs(); len(urls) > 0 {
		p.DownloadLocation = urls[0]
	}
	if e.SHA256() != "" {
		p.Checksums = []checksum{{"SHA256", e.SHA256()}}
	} else {
		p.SourceInfo = "no upstream sha256 is pinned: " + orNoAssertion(e.Note("_sha256_note"))
	}
	return p, nil
}

// licenseTable is a pin's go.licenses: "MODULE VERSION" -> SPDX expression, and MODULE ->
// "VERSION EXPRESSION" of its newest line.
type licenseTable struct {
	file   string
	m      map[string]string
	byPath map[string][2]string
}

func readLicenses(root, dir string) (*licenseTable, error) {
	file := path.Join(dir, "go.licenses")
	data, err := os.ReadFile(filepath.Join(root, file))
	if err != nil {
		return nil, fmt.Errorf("the licenses of the Go modules: %w (tools/release bump writes it)", err)
	}
	t := &licenseTable{file: file, m: map[string]string{}, byPath: map[string][2]string{}}
	for n, l := range strings.Split(string(data), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.SplitN(l, " ", 3)
		if len(f) != 3 || f[2] == "" {
			return nil, fmt.Errorf("%s:%d: want MODULE VERSION EXPRESSION, not %q", file, n+1, l)
		}
		t.m[f[0]+" "+f[1]] = f[2]
		t.byPath[f[0]] = [2]string{f[1], f[2]}
	}
	return t, nil
}

// goModule is a Go module linked into a program, as its build information records it, with its
// license from the program's license table.
func goModule(m *debug.Module, role string, licenses *licenseTable) (pkg, error) {
	fetched := m
	if m.Replace != nil {
		fetched = m.Replace
	}
	license, ok := licenses.m[fetched.Path+" "+fetched.Version]
	note := ""
	if !ok {
		// a module Bazel shares between graphs (google.golang.org/protobuf: one repository for
		// every go_deps) is linked at another version than the pin's go.sum names
		other, found := licenses.byPath[fetched.Path]
		if !found {
			return pkg{}, fmt.Errorf("Go module %s %s (%s) is not in %s: regenerate it with tools/release bump", fetched.Path, fetched.Version, role, licenses.file)
		}
		license, note = other[1], "; license as classified at "+other[0]+", the version "+licenses.file+" lists"
	}
	p := pkg{
		SPDXID: spdxID("Go", m.Path+"-"+fetched.Version), Name: m.Path, VersionInfo: strings.TrimPrefix(fetched.Version, "v"),
		// fetched through the Go module proxy GOPROXY names: where is not ours to say
		DownloadLocation: "NOASSERTION",
		LicenseConcluded: "NOASSERTION", LicenseDeclared: license, CopyrightText: "NOASSERTION",
		PrimaryPackagePurpose: "LIBRARY",
		ExternalRefs:          []externalRef{{"PACKAGE-MANAGER", "purl", "pkg:golang/" + m.Path + "@" + fetched.Version}},
	}
	p.SourceInfo = role + "; Go module " + fetched.Path + " " + fetched.Version
	if fetched.Sum != "" {
		p.SourceInfo += ", go.sum " + fetched.Sum
	}
	p.SourceInfo += note
	if license == "NOASSERTION" {
		p.SourceInfo += "; no license recognized in its license files"
	}
	return p, nil
}

// stubMarker begins the lib.rs of a crate that the crates repository stubbed
// (toolchains/rust/private/repositories.bzl): one no Linux target needs, never compiled.
const stubMarker = "// stub:"

// crateLicense reads a vendored crate's declared license (an SPDX expression; the old "A/B"
// form becomes "A OR B"), or says it is a stub.
func crateLicense(vendor, id string) (license, note string, stub bool, err error) {
	dir := filepath.Join(vendor, id)
	if lib, err := os.ReadFile(filepath.Join(dir, "lib.rs")); err == nil && bytes.HasPrefix(lib, []byte(stubMarker)) {
		return "", "", true, nil
	}
	data, err := os.ReadFile(filepath.Join(dir, "Cargo.toml"))
	if err != nil {
		return "", "", false, fmt.Errorf("crate %s: no vendored manifest: %w", id, err)
	}
	section, file := "", ""
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "[") {
			section = l
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok || section != "[package]" {
			continue
		}
		v = strings.Trim(strings.TrimSpace(v), `"`)
		switch strings.TrimSpace(k) {
		case "license":
			return strings.Join(strings.Fields(strings.ReplaceAll(v, "/", " OR ")), " "), "", false, nil
		case "license-file":
			file = v
		}
	}
	if file != "" {
		return "NOASSERTION", "its license is in its file " + file, false, nil
	}
	return "NOASSERTION", "its manifest declares no license", false, nil
}

func cargoPackages(root, dir, vendor string) ([]pkg, error) {
	crates, err := cargolock.Read(filepath.Join(root, dir, "Cargo.lock"))
	if err != nil {
		return nil, err
	}
	var out []pkg
	for _, c := range crates {
		if !c.FromRegistry() || c.Checksum == "" {
			continue
		}
		license, note, stub := "NOASSERTION", "", false
		if vendor != "" {
			if license, note, stub, err = crateLicense(filepath.Join(root, vendor), c.Name+"-"+c.Version); err != nil {
				return nil, fmt.Errorf("%s/Cargo.lock: %w", dir, err)
			}
		}
		if stub {
			continue
		}
		out = append(out, pkg{
			SPDXID: spdxID("Crate", c.Name+"-"+c.Version), Name: c.Name, VersionInfo: c.Version,
			DownloadLocation: "NOASSERTION", // the crate registry's; the purl names it
			Checksums:        []checksum{{"SHA256", c.Checksum}},
			LicenseConcluded: "NOASSERTION", LicenseDeclared: license, CopyrightText: "NOASSERTION",
			PrimaryPackagePurpose: "LIBRARY", SourceInfo: note,
			ExternalRefs: []externalRef{{"PACKAGE-MANAGER", "purl", "pkg:cargo/" + c.Name + "@" + c.Version}},
		})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s/Cargo.lock lists no registry package", dir)
	}
	return out, nil
}

// readComponents reads the components files (release/components): the packages they name,
// program name -> the SPDX ID of the package it is built from, and Go program name -> its
// modules' license table.
func readComponents(root string, files []string) ([]pkg, map[string]string, map[string]*licenseTable, error) {
	seen := map[string]bool{}
	var out []pkg
	programs := map[string]string{}
	goLicenses := map[string]*licenseTable{}
	tables := map[string]*licenseTable{}
	add := func(ps ...pkg) {
		for _, p := range ps {
			if !seen[p.SPDXID] {
				seen[p.SPDXID] = true
				out = append(out, p)
			}
		}
	}
	for _, file := range files {
		part, err := components.Read(file)
		if err != nil {
			return nil, nil, nil, err
		}
		for _, name := range part.Pins {
			p, err := pinPackage(root, name)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("%s: %w", file, err)
			}
			add(p)
		}
		for _, c := range part.Crates {
			ps, err := cargoPackages(root, c.Lock, c.Vendor)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("%s: %w", file, err)
			}
			add(ps...)
		}
		// a program without a version that is a Go program takes the license table of its
		// part's Go module (the one gomod the part names)
		var unversioned []string
		partTables := map[string]bool{}
		for _, name := range part.ProgramNames() {
			prog := part.Programs[name]
			switch {
			case prog.Pin != "":
				from, err := pinPackage(root, prog.Pin)
				if err != nil {
					return nil, nil, nil, fmt.Errorf("%s: program %s: %w", file, name, err)
				}
				programs[name] = from.SPDXID
			case prog.GoMod != "":
				// a Go program: its build information relates it to its modules
				if tables[prog.GoMod] == nil {
					if tables[prog.GoMod], err = readLicenses(root, prog.GoMod); err != nil {
						return nil, nil, nil, fmt.Errorf("%s: program %s: %w", file, name, err)
					}
				}
				programs[name] = ""
				goLicenses[name] = tables[prog.GoMod]
				partTables[prog.GoMod] = true
			default:
				programs[name] = ""
				unversioned = append(unversioned, name)
			}
		}
		if len(partTables) == 1 {
			for dir := range partTables {
				for _, name := range unversioned {
					goLicenses[name] = tables[dir]
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SPDXID < out[j].SPDXID })
	return out, programs, goLicenses, nil
}

// addOnce appends p unless a package with its SPDX ID is there (the first role named stays).
func addOnce(ps []pkg, seen map[string]bool, p pkg) []pkg {
	if seen[p.SPDXID] {
		return ps
	}
	seen[p.SPDXID] = true
	return append(ps, p)
}

func describe(archive, root string, componentFiles []string) (*document, error) {
	programs, mtime, sum, err := readArchive(archive)
	if err != nil {
		return nil, err
	}
	comps, builtFrom, goLicenses, err := readComponents(root, componentFiles)
	if err != nil {
		return nil, err
	}
	// every program of the archive says what it is built from, and nothing else is named
	inArchive := map[string]bool{}
	for _, p := range programs {
		name := path.Base(p.path)
		inArchive[name] = true
		if _, ok := builtFrom[name]; !ok {
			return nil, fmt.Errorf("%s holds %s, which no bundle part's versions name", archive, p.path)
		}
	}
	for name := range builtFrom {
		if !inArchive[name] {
			return nil, fmt.Errorf("a bundle part names program %s, which %s does not hold", name, archive)
		}
	}
	base := path.Base(archive)
	doc := &document{
		SPDXVersion: "SPDX-2.3", DataLicense: "CC0-1.0", SPDXID: "SPDXRef-DOCUMENT",
		Name: base, DocumentNamespace: Namespace + base + "-" + sum,
	}
	doc.CreationInfo.Created = mtime.Format(time.RFC3339)
	doc.CreationInfo.Creators = []string{"Organization: rootless-static-toolkits", "Tool: rootless-static-toolkits-sbom"}
	archiveID := spdxID("Archive", base)
	doc.DocumentDescribes = []string{archiveID}
	doc.Packages = append(doc.Packages, pkg{
		SPDXID: archiveID, Name: base, DownloadLocation: "NOASSERTION",
		Checksums:        []checksum{{"SHA256", sum}},
		LicenseConcluded: "NOASSERTION", LicenseDeclared: "NOASSERTION", CopyrightText: "NOASSERTION",
		PrimaryPackagePurpose: "ARCHIVE",
	})
	doc.Relationships = append(doc.Relationships, relationship{"SPDXRef-DOCUMENT", "DESCRIBES", archiveID})
	var goMods []pkg
	seenGo := map[string]bool{}
	for _, p := range programs {
		id := spdxID("Program", p.path)
		doc.Packages = append(doc.Packages, pkg{
			SPDXID: id, Name: p.path, DownloadLocation: "NOASSERTION",
			Checksums:        []checksum{{"SHA256", p.sha256}},
			LicenseConcluded: "NOASSERTION", LicenseDeclared: "NOASSERTION", CopyrightText: "NOASSERTION",
			PrimaryPackagePurpose: "APPLICATION",
		})
		doc.Relationships = append(doc.Relationships, relationship{archiveID, "CONTAINS", id})
		if from := builtFrom[path.Base(p.path)]; from != "" {
			doc.Relationships = append(doc.Relationships, relationship{id, "GENERATED_FROM", from})
		}
		if bi := p.goInfo; bi != nil {
			if bi.Main.Path == "" {
				return nil, fmt.Errorf("%s: Go build information without a main module", p.path)
			}
			licenses := goLicenses[path.Base(p.path)]
			if licenses == nil {
				return nil, fmt.Errorf("%s is a Go program, but no bundle part names it `program %s gomod DIR`", p.path, path.Base(p.path))
			}
			main, err := goModule(&bi.Main, "the main module of "+path.Base(p.path)+", built with "+bi.GoVersion, licenses)
			if err != nil {
				return nil, err
			}
			goMods = addOnce(goMods, seenGo, main)
			doc.Relationships = append(doc.Relationships, relationship{id, "GENERATED_FROM", main.SPDXID})
			for _, d := range bi.Deps {
				m, err := goModule(d, "linked into "+path.Base(p.path), licenses)
				if err != nil {
					return nil, err
				}
				goMods = addOnce(goMods, seenGo, m)
				doc.Relationships = append(doc.Relationships, relationship{id, "STATIC_LINK", m.SPDXID})
			}
		}
	}
	sort.Slice(goMods, func(i, j int) bool { return goMods[i].SPDXID < goMods[j].SPDXID })
	for _, m := range goMods {
		doc.Packages = append(doc.Packages, m)
	}
	for _, c := range comps {
		doc.Packages = append(doc.Packages, c)
		doc.Relationships = append(doc.Relationships, relationship{archiveID, "GENERATED_FROM", c.SPDXID})
	}
	return doc, nil
}

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// run is the command: its exit status, 0 written, 1 on any error (an existing --out is then
// left as it was), 2 bad usage.
func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("sbom", flag.ContinueOnError)
	fs.SetOutput(stderr)
	archive := fs.String("archive", "", "the release archive (.tar.zst)")
	root := fs.String("root", ".", "the directory pins.json, go.mod/go.sum and Cargo.lock paths are relative to")
	out := fs.String("out", "", "the SPDX 2.3 JSON document to write")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: sbom --archive A.tar.zst --out A.spdx.json [--root DIR] COMPONENTS_FILE...

Writes the SPDX 2.3 JSON SBOM of a release archive: the archive, every program in it (with its
sha256) and every component the bundle's parts are built from, read from the COMPONENTS_FILEs
(bundle_part's JSON: pins, crates, programs) through third_party/pins.json, go.mod/go.sum and
Cargo.lock under --root. Exit status: 0 written, 1 on any error (nothing written; an existing
--out is left as it was), 2 bad usage.`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *archive == "" || *out == "" || fs.NArg() == 0 {
		fmt.Fprintln(stderr, "sbom: --archive, --out and at least one components file are required (see --help)")
		return 2
	}
	doc, err := describe(*archive, *root, fs.Args())
	if err == nil {
		var data []byte
		data, err = json.MarshalIndent(doc, "", "  ")
		if err == nil {
			fault.Point("sbom: document made")
			err = atomicfile.Write(*out, append(data, '\n'), 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "sbom:", err)
		return 1
	}
	return 0
}
