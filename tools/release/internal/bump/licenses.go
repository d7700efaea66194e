package bump

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/google/licensecheck"
)

// LicensesFile is the table of the licenses of a pin's modules, beside its go.sum: one line per
// module whose source go.sum pins ("MODULE VERSION EXPRESSION"; a module go.mod replaces by
// another path also under its own), the expression an SPDX one classified from the module's
// license files, or NOASSERTION. tools/sbom reads it for the
// SBOMs; bump writes it, nobody else.
const LicensesFile = "go.licenses"

// a module's license files: at its root, LICENSE, LICENCE, COPYING, UNLICENSE with any suffix
var licenseFileName = regexp.MustCompile(`(?i)^(licen[cs]e|copying|unlicense)([-._].*)?$`)

// minCoverage is how much of a license file must match known licenses for its classification
// to count (the rest is typically a copyright line or a preamble).
const minCoverage = 75

// Licenses classifies the license files of every module whose source dir's go.sum pins (its
// h1: lines that are not /go.mod ones), downloading them through the Go module proxy
// (checksum-verified), and returns the content of LicensesFile.
func Licenses(ctx context.Context, goCmd string, env []string, dir string) ([]byte, error) {
	sum, err := os.ReadFile(filepath.Join(dir, "go.sum"))
	if err != nil {
		return nil, err
	}
	var mods []string
	for _, l := range strings.Split(string(sum), "\n") {
		f := strings.Fields(l)
		if len(f) == 3 && !strings.HasSuffix(f[1], "/go.mod") {
			mods = append(mods, f[0]+"@"+f[1])
		}
	}
	if len(mods) == 0 {
		return nil, fmt.Errorf("%s/go.sum pins no module source", dir)
	}
	out, err := run(ctx, goCmd, env, dir, append([]string{"mod", "download", "-json"}, mods...)...)
	if err != nil {
		return nil, fmt.Errorf("downloading the pinned modules to read their licenses: %w", err)
	}
	var b bytes.Buffer
	b.WriteString("# Written by tools/release bump: the licenses of the modules go.sum pins, classified from each\n" +
		"# module's license files (SPDX identifiers, AND when there are several; NOASSERTION: none\n" +
		"# found or none recognized). Read by tools/sbom for the SBOMs. Do not edit.\n")
	var lines []string
	byModule := map[string]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var m struct{ Path, Version, Dir, Error string }
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go mod download -json: %w", err)
		}
		if m.Error != "" {
			return nil, fmt.Errorf("go mod download %s@%s: %s", m.Path, m.Version, m.Error)
		}
		expr, err := classify(m.Dir)
		if err != nil {
			return nil, fmt.Errorf("%s@%s: %w", m.Path, m.Version, err)
		}
		lines = append(lines, m.Path+" "+m.Version+" "+expr+"\n")
		byModule[m.Path+" "+m.Version] = expr
	}
	// a module go.mod replaces by another is linked under its own path: it gets the license of
	// the module it is fetched as (e.g. a tool whose new module path the proxy does not serve)
	edited, err := run(ctx, goCmd, env, dir, "mod", "edit", "-json")
	if err != nil {
		return nil, err
	}
	var mf struct {
		Require []struct{ Path, Version string }
		Replace []struct {
			Old, New struct{ Path, Version string }
		}
	}
	if err := json.Unmarshal(edited, &mf); err != nil {
		return nil, fmt.Errorf("%s/go.mod: %w", dir, err)
	}
	for _, r := range mf.Replace {
		expr, ok := byModule[r.New.Path+" "+r.New.Version]
		if !ok || r.Old.Path == r.New.Path {
			continue
		}
		for _, req := range mf.Require {
			if req.Path == r.Old.Path && (r.Old.Version == "" || r.Old.Version == req.Version) {
				lines = append(lines, req.Path+" "+req.Version+" "+expr+"\n")
			}
		}
	}
	sort.Strings(lines)
	for _, l := range lines {
		b.WriteString(l)
	}
	return b.Bytes(), nil
}

// classify returns the SPDX expression of the license files at the root of a module's source.
func classify(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	ids := map[string]bool{}
	for _, e := range entries {
		if !e.Type().IsRegular() || !licenseFileName.MatchString(e.Name()) {
			continue
		}
		text, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return "", err
		}
		cov := licensecheck.Scan(text)
		if cov.Percent < minCoverage {
			continue
		}
		for _, m := range cov.Match {
			if !m.IsURL {
				ids[m.ID] = true
			}
		}
	}
	if len(ids) == 0 {
		return "NOASSERTION", nil
	}
	var list []string
	for id := range ids {
		list = append(list, id)
	}
	sort.Strings(list)
	return strings.Join(list, " AND "), nil
}
