package config

import (
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/version"
)

// The shipped config must parse and name what the mission specifies.
func TestShippedConfig(t *testing.T) {
	c, err := Load("../../config.json")
	if err != nil {
		t.Fatal(err)
	}
	if c.Repository != "rootless-static-toolkits/rootless-static-toolkits" {
		t.Errorf("repository = %q", c.Repository)
	}
	podman, err := c.Tool("podman")
	if err != nil {
		t.Fatal(err)
	}
	v, _ := version.Parse("5.8.4")
	if podman.Tag(v) != "podman-v5.8.4" || podman.ReleaseTitle(v) != "Podman 5.8.4" {
		t.Errorf("tag/title = %q/%q", podman.Tag(v), podman.ReleaseTitle(v))
	}
	for _, name := range []string{"buildah", "skopeo"} {
		tool, err := c.Tool(name)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(tool.Upstream, "podman-container-tools/") {
			t.Errorf("%s: upstream %q", name, tool.Upstream)
		}
	}
	if _, err := c.Tool("docker"); err == nil || !strings.Contains(err.Error(), `unknown tool "docker"`) {
		t.Errorf("Tool(docker) error = %v", err)
	}
}

func TestParseRejects(t *testing.T) {
	base := `{"repository":"o/r","tools":[{"name":"x","title":"X","upstream":"u/x","lines":["1.x"]}]}`
	if _, err := Parse([]byte(base)); err != nil {
		t.Fatalf("base config: %v", err)
	}
	bad := map[string]string{
		"repository":    strings.Replace(base, `"o/r"`, `"o"`, 1),
		"unknown field": strings.Replace(base, `"title"`, `"titel"`, 1),
		"release line":  strings.Replace(base, `"1.x"`, `"1"`, 1),
		// The archives are bundles.json's, written by the build: one list, not a copy here.
		`unknown field "archives"`: strings.Replace(base, `"lines"`, `"archives":["x-linux-amd64.tar.zst"],"lines"`, 1),
		"listed twice":             strings.TrimSuffix(base, `]}`) + `,{"name":"x","title":"X","upstream":"u/x","lines":["1.x"]}]}`,
		"no release lin":           strings.Replace(base, `["1.x"]`, `[]`, 1),
	}
	for want, in := range bad {
		_, err := Parse([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error = %v", want, err)
		}
	}
	if _, err := Load("does-not-exist.json"); err == nil || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) = %v", err)
	}
}

// A tool's lines are products of their own: each names its pin and bundles (defaults for a
// plain "1.x"), no two share either, and no version belongs to two lines.
func TestReleaseLines(t *testing.T) {
	c, err := Load("../../config.json")
	if err != nil {
		t.Fatal(err)
	}
	podman, _ := c.Tool("podman")
	for v, want := range map[string]string{"6.0.2": "6.x third_party/podman release", "5.8.6": "5.x third_party/podman/v5 release/podman5"} {
		pv, _ := version.Parse(v)
		l, err := podman.LineOf(pv)
		if err != nil {
			t.Fatalf("LineOf(%s): %v", v, err)
		}
		if got := l.Line + " " + l.Pin + " " + l.Bundles; got != want {
			t.Errorf("LineOf(%s) = %s, want %s", v, got, want)
		}
		if podman.Newest(l) != (l.Line == "6.x") {
			t.Errorf("Newest(%s) = %v", l.Line, podman.Newest(l))
		}
	}
	if _, err := podman.LineOf(version.Version{Major: 4, Minor: 9}); err == nil || !strings.Contains(err.Error(), "none of the tracked lines (6.x, 5.x)") {
		t.Errorf("LineOf(4.9.0) error = %v", err)
	}
	base := `{"repository":"o/r","tools":[{"name":"x","title":"X","upstream":"u/x","lines":[LINES]}]}`
	for want, lines := range map[string]string{
		"overlap":                `"1.x", {"line": "1.2.x", "pin": "p", "bundles": "b"}`,
		"share the pin":          `"1.x", {"line": "2.x", "bundles": "b"}`,
		"not a clean path":       `"1.x", {"line": "2.x", "pin": "../p", "bundles": "b"}`,
		`unknown field "dir"`:    `{"line": "1.x", "dir": "p"}`,
		"not a release line":     `{"line": "1"}`,
		"or the bundles release": `"1.x", {"line": "2.x", "pin": "p"}`,
	} {
		_, err := Parse([]byte(strings.Replace(base, "LINES", lines, 1)))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error = %v", lines, err)
		}
	}
}
