// Package config reads the release configuration: our repository, and per
// tool its upstream repository and tracked release lines. Which archives a
// tool's release carries is not configured here: the build says, in the
// bundles.json that `bazel build //release:all` writes (package bundles).
package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/version"
)

// Config is the whole file.
type Config struct {
	Repository string  `json:"repository"` // owner/name of our repository
	Tools      []*Tool `json:"tools"`
}

// Tool is one released program.
type Tool struct {
	Name     string  `json:"name"`     // as in tags: {name}-v{version}
	Title    string  `json:"title"`    // as in release titles: {title} {version}
	Upstream string  `json:"upstream"` // owner/name on GitHub
	Lines    []*Line `json:"lines"`    // tracked release lines, each its own pin and bundles
}

// Line is one tracked release line of a tool, a product of its own: its pin (the directory
// of the go.mod/go.sum/stamp.bzl/go.licenses that pin the tool's version in this line) and
// the Bazel package whose bundles.json lists the line's archives. In the file, a line is
// either a string ("1.x": the defaults below) or {"line": "5.x", "pin": ..., "bundles": ...}.
type Line struct {
	Line    string `json:"line"`    // e.g. "5.x" or "1.41.x"
	Pin     string `json:"pin"`     // default third_party/<tool>
	Bundles string `json:"bundles"` // default release

	parsed version.Line
}

// UnmarshalJSON reads a line given as a string or as an object.
func (l *Line) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		return json.Unmarshal(data, &l.Line)
	}
	type plain Line
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode((*plain)(l))
}

// Version is the parsed line.
func (l *Line) Version() version.Line { return l.parsed }

func (l *Line) String() string { return l.Line }

// Load reads a config file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Parse decodes and validates a config; unknown fields are errors so typos show.
func Parse(data []byte) (*Config, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := validRepo(c.Repository); err != nil {
		return nil, fmt.Errorf("config: repository: %w", err)
	}
	if len(c.Tools) == 0 {
		return nil, fmt.Errorf("config: no tools")
	}
	seen := map[string]bool{}
	for _, t := range c.Tools {
		if t.Name == "" || strings.ContainsAny(t.Name, " /") || t.Title == "" {
			return nil, fmt.Errorf("config: tool %q needs a name without spaces or slashes and a title", t.Name)
		}
		if seen[t.Name] {
			return nil, fmt.Errorf("config: tool %q listed twice", t.Name)
		}
		seen[t.Name] = true
		if err := validRepo(t.Upstream); err != nil {
			return nil, fmt.Errorf("config: tool %s: upstream: %w", t.Name, err)
		}
		if len(t.Lines) == 0 {
			return nil, fmt.Errorf("config: tool %s tracks no release lines", t.Name)
		}
		pins, bundles := map[string]bool{}, map[string]bool{}
		for i, l := range t.Lines {
			parsed, err := version.ParseLine(l.Line)
			if err != nil {
				return nil, fmt.Errorf("config: tool %s: %w", t.Name, err)
			}
			l.parsed = parsed
			if l.Pin == "" {
				l.Pin = "third_party/" + t.Name
			}
			if l.Bundles == "" {
				l.Bundles = "release"
			}
			for _, o := range t.Lines[:i] {
				if o.parsed.Major == parsed.Major && (o.parsed.Minor < 0 || parsed.Minor < 0 || o.parsed.Minor == parsed.Minor) {
					return nil, fmt.Errorf("config: tool %s: lines %s and %s overlap: a version would belong to both", t.Name, o.Line, l.Line)
				}
			}
			for _, dir := range []string{l.Pin, l.Bundles} {
				if path.IsAbs(dir) || path.Clean(dir) != dir || strings.HasPrefix(dir, "..") {
					return nil, fmt.Errorf("config: tool %s line %s: %q is not a clean path relative to the repository", t.Name, l.Line, dir)
				}
			}
			if pins[l.Pin] || bundles[l.Bundles] {
				return nil, fmt.Errorf("config: tool %s: two lines share the pin %s or the bundles %s: each line is its own product", t.Name, l.Pin, l.Bundles)
			}
			pins[l.Pin], bundles[l.Bundles] = true, true
		}
	}
	return &c, nil
}

func validRepo(s string) error {
	parts := strings.Split(s, "/")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return fmt.Errorf("%q is not of the form owner/name", s)
	}
	return nil
}

// Tool finds a tool by name; the error lists the known ones.
func (c *Config) Tool(name string) (*Tool, error) {
	for _, t := range c.Tools {
		if t.Name == name {
			return t, nil
		}
	}
	return nil, fmt.Errorf("unknown tool %q (known: %s)", name, strings.Join(c.Names(), ", "))
}

// Names lists the tools in config order.
func (c *Config) Names() []string {
	var n []string
	for _, t := range c.Tools {
		n = append(n, t.Name)
	}
	return n
}

// LineOf is the tracked line a version belongs to; the error names the tracked lines.
func (t *Tool) LineOf(v version.Version) (*Line, error) {
	for _, l := range t.Lines {
		if l.parsed.Contains(v) {
			return l, nil
		}
	}
	return nil, fmt.Errorf("%s %s is in none of the tracked lines (%s)", t.Name, v, t.lineNames())
}

// LineNamed finds a tracked line by its name ("5.x"); the error names the tracked lines.
func (t *Tool) LineNamed(name string) (*Line, error) {
	for _, l := range t.Lines {
		if l.Line == name {
			return l, nil
		}
	}
	return nil, fmt.Errorf("%s tracks no line %q (tracked: %s)", t.Name, name, t.lineNames())
}

func (t *Tool) lineNames() string {
	var n []string
	for _, l := range t.Lines {
		n = append(n, l.Line)
	}
	return strings.Join(n, ", ")
}

// Newest reports whether l is the tool's newest line (the highest major, then minor): its
// releases are the repository's "latest", an older line's never are.
func (t *Tool) Newest(l *Line) bool {
	for _, o := range t.Lines {
		if o.parsed.Major > l.parsed.Major || o.parsed.Major == l.parsed.Major && o.parsed.Minor > l.parsed.Minor {
			return false
		}
	}
	return true
}

// Tag is our release tag for a version of the tool.
func (t *Tool) Tag(v version.Version) string { return t.Name + "-v" + v.String() }

// ReleaseTitle is our release title for a version of the tool.
func (t *Tool) ReleaseTitle(v version.Version) string { return t.Title + " " + v.String() }

// SplitRepo splits owner/name.
func SplitRepo(s string) (owner, name string) {
	owner, name, _ = strings.Cut(s, "/")
	return owner, name
}
