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
	Name     string   `json:"name"`     // as in tags: {name}-v{version}
	Title    string   `json:"title"`    // as in release titles: {title} {version}
	Upstream string   `json:"upstream"` // owner/name on GitHub
	Lines    []string `json:"lines"`    // tracked release lines, e.g. "5.x"

	lines []version.Line
}

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
		for _, s := range t.Lines {
			l, err := version.ParseLine(s)
			if err != nil {
				return nil, fmt.Errorf("config: tool %s: %w", t.Name, err)
			}
			t.lines = append(t.lines, l)
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

// ParsedLines returns the tracked lines in config order.
func (t *Tool) ParsedLines() []version.Line { return t.lines }

// Tag is our release tag for a version of the tool.
func (t *Tool) Tag(v version.Version) string { return t.Name + "-v" + v.String() }

// ReleaseTitle is our release title for a version of the tool.
func (t *Tool) ReleaseTitle(v version.Version) string { return t.Title + " " + v.String() }

// SplitRepo splits owner/name.
func SplitRepo(s string) (owner, name string) {
	owner, name, _ = strings.Cut(s, "/")
	return owner, name
}
