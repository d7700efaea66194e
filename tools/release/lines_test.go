package main

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/config"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/version"
)

// A tool's release lines are one fact, tools/release/config.json; what Bazel cannot read from
// it (the pin's Go graph, go_graph.json, the bundles package, //release:all and the
// vulnerability gate) is checked here, so that adding or retiring a line fails with the edit it
// still needs. It reads the tree, so `go test ./tools/...` runs it (not Bazel's sandbox, which
// holds no BUILD files).
func TestReleaseLinesAreWiredIntoTheBuild(t *testing.T) {
	const root = "../.."
	if _, err := os.Stat(filepath.Join(root, "MODULE.bazel")); err != nil {
		t.Fatalf("the repository's files are not at %s: %v", root, err)
	}
	cfg, err := config.Load("config.json")
	if err != nil {
		t.Fatal(err)
	}
	read := func(rel string) string {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Errorf("%v", err)
		}
		return string(data)
	}
	releaseBuild := read("release/BUILD.bazel")
	build := read(".github/workflows/build.yml")
	paths := regexp.MustCompile(`paths: \[(.*)\]`).FindStringSubmatch(build)
	if paths == nil {
		t.Fatal("build.yml: no push paths")
	}
	for _, tool := range cfg.Tools {
		for _, line := range tool.Lines {
			name := tool.Name + " " + line.Line
			gomod := read(path.Join(line.Pin, "go.mod"))
			m := regexp.MustCompile(`(?m)^require (\S+) v(\S+)$`).FindStringSubmatch(gomod)
			if m == nil {
				t.Errorf("%s: %s/go.mod requires no tool module", name, line.Pin)
				continue
			}
			if v, err := version.Parse(m[2]); err != nil || !line.Version().Contains(v) {
				t.Errorf("%s: %s/go.mod pins %s v%s, outside the line", name, line.Pin, m[1], m[2])
			}
			// tools/generate makes the pin's go_deps (its MODULE fragment) from it, and checks
			// MODULE.bazel includes that
			if _, err := os.Stat(filepath.Join(root, line.Pin, "go_graph.json")); err != nil {
				t.Errorf("%s: no Go dependency graph for the pin: %v", name, err)
			}
			bundles := read(path.Join(line.Bundles, "BUILD.bazel"))
			// a bundle names its tool's pin package (bundle(tool = ...)); podman's lines pass it
			// through podman_bundles(pin = ...)
			pinned := strings.Contains(bundles, `tool = "//`+line.Pin+`"`) || strings.Contains(bundles, `pin = "//`+line.Pin+`"`)
			if !strings.Contains(bundles, "bundles_manifest(") || !pinned {
				t.Errorf("%s: %s/BUILD.bazel declares no bundles of the pin //%s with a bundles_manifest", name, line.Bundles, line.Pin)
			}
			if line.Bundles != "release" && !strings.Contains(releaseBuild, `"//`+line.Bundles+`"`) {
				t.Errorf("%s: //release:all and the vulnerability gate miss //%s (add it to OLDER_LINES in release/BUILD.bazel)", name, line.Bundles)
			}
			covered := false
			for _, p := range strings.Split(paths[1], ",") {
				if ok, _ := path.Match(strings.Trim(strings.TrimSpace(p), `"`), path.Join(line.Pin, "go.mod")); ok {
					covered = true
				}
			}
			if !covered {
				t.Errorf("%s: build.yml's push paths %s do not cover %s/go.mod: a bump of this line would not build", name, paths[1], line.Pin)
			}
		}
	}
}
