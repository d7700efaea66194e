// Package check compares upstream releases with ours and says what to build.
package check

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/config"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/ghapi"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/version"
)

// Result is the state of one tracked line of one tool.
type Result struct {
	Tool     string `json:"tool"`
	Line     string `json:"line"`
	Upstream string `json:"upstream"` // latest stable upstream version; "" if none
	Released string `json:"released"` // our latest release in the line; "" if none
	Build    bool   `json:"build"`    // upstream's latest is newer than our latest
	Bundles  string `json:"bundles"`  // the line's bundles package (config.Line.Bundles)
}

// Run checks the given tools. warn receives non-fatal findings, such as
// upstream tags that are not versions.
func Run(ctx context.Context, c *ghapi.Client, cfg *config.Config, tools []*config.Tool, warn func(string, ...any)) ([]Result, error) {
	ours, err := c.ListReleases(ctx, cfg.Repository)
	if err != nil {
		return nil, err
	}
	var results []Result
	for _, t := range tools {
		upstream, err := c.ListReleases(ctx, t.Upstream)
		if err != nil {
			return nil, err
		}
		stable := stableVersions(t, upstream, warn)
		mine := ourVersions(t, ours)
		for _, line := range t.Lines {
			l := line.Version()
			r := Result{Tool: t.Name, Line: l.String(), Bundles: line.Bundles}
			up, ok := latest(stable, l)
			if !ok {
				warn("%s: no stable upstream release in line %s", t.Name, l)
			} else {
				r.Upstream = up.String()
			}
			last, haveLast := latest(mine, l)
			if haveLast {
				r.Released = last.String()
			}
			// Newer than our last release, as a retracted upstream release
			// must not make us build an older one.
			r.Build = ok && (!haveLast || up.Compare(last) > 0)
			results = append(results, r)
		}
	}
	return results, nil
}

// stableVersions keeps published, non-pre-release releases whose tag is a version.
func stableVersions(t *config.Tool, rels []*ghapi.Release, warn func(string, ...any)) []version.Version {
	var vs []version.Version
	for _, r := range rels {
		if r.Draft || r.Pre {
			continue
		}
		v, err := version.Parse(r.Tag)
		if err != nil {
			warn("%s: ignoring upstream tag %q of %s: not a version", t.Name, r.Tag, t.Upstream)
			continue
		}
		if v.Stable() {
			vs = append(vs, v)
		}
	}
	return vs
}

// ourVersions reads our published {tool}-v{version} tags; drafts are
// unfinished publishes and do not count.
func ourVersions(t *config.Tool, rels []*ghapi.Release) []version.Version {
	var vs []version.Version
	for _, r := range rels {
		rest, ok := strings.CutPrefix(r.Tag, t.Name+"-v")
		if !ok || r.Draft {
			continue
		}
		if v, err := version.Parse(rest); err == nil {
			vs = append(vs, v)
		}
	}
	return vs
}

func latest(vs []version.Version, l version.Line) (version.Version, bool) {
	var best version.Version
	found := false
	for _, v := range vs {
		if l.Contains(v) && (!found || v.Compare(best) > 0) {
			best, found = v, true
		}
	}
	return best, found
}

// Matrix is the GitHub Actions build matrix of the results that need a build.
func Matrix(results []Result) (string, int) {
	var entries []MatrixEntry
	for _, r := range results {
		if r.Build {
			entries = append(entries, MatrixEntry{Tool: r.Tool, Version: r.Upstream, Line: r.Line, Bundles: r.Bundles})
		}
	}
	return FormatMatrix(entries)
}

// MatrixEntry is one job of a GitHub Actions build matrix: a version of one release line of a
// tool, and the Bazel package whose bundles.json lists that line's archives.
type MatrixEntry struct {
	Tool    string `json:"tool"`
	Version string `json:"version"`
	Line    string `json:"line"`
	Bundles string `json:"bundles"`
}

// FormatMatrix returns {"include": entries} as JSON, and the number of entries.
func FormatMatrix(entries []MatrixEntry) (string, int) {
	m := struct {
		Include []MatrixEntry `json:"include"`
	}{Include: append([]MatrixEntry{}, entries...)}
	b, _ := json.Marshal(m)
	return string(b), len(m.Include)
}

// Describe is the human-readable line for a result.
func Describe(r Result) string {
	released := r.Released
	if released == "" {
		released = "none"
	}
	switch {
	case r.Upstream == "":
		return fmt.Sprintf("%s %s: no stable upstream release; ours: %s", r.Tool, r.Line, released)
	case r.Build:
		return fmt.Sprintf("%s %s: upstream %s, ours %s: build %s %s", r.Tool, r.Line, r.Upstream, released, r.Tool, r.Upstream)
	}
	return fmt.Sprintf("%s %s: upstream %s, ours %s: up to date", r.Tool, r.Line, r.Upstream, released)
}
