package check

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/config"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/fakegithub"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/ghapi"
)

const ours = "rootless-static-toolkits/rootless-static-toolkits"

func setup(t *testing.T) (*fakegithub.Server, *config.Config, *ghapi.Client) {
	t.Helper()
	fake := fakegithub.New()
	t.Cleanup(fake.Close)
	cfg, err := config.Parse([]byte(`{"repository":"` + ours + `","tools":[
		{"name":"podman","title":"Podman","upstream":"containers/podman","lines":[{"line":"5.x","pin":"third_party/podman/v5","bundles":"release/podman5"},"6.x"]},
		{"name":"skopeo","title":"Skopeo","upstream":"podman-container-tools/skopeo","lines":["1.x"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ghapi.New(ghapi.Options{APIURL: fake.APIURL(), Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return fake, cfg, c
}

func TestCheck(t *testing.T) {
	fake, cfg, c := setup(t)
	// podman moved; the old name answers 301.
	fake.Move("containers/podman", "podman-container-tools/podman")
	up := "podman-container-tools/podman"
	fake.AddRelease(up, "v4.9.9", false, false) // untracked line
	fake.AddRelease(up, "v5.8.3", false, false)
	fake.AddRelease(up, "v5.8.4", false, false)
	fake.AddRelease(up, "v5.9.0", true, false)  // draft
	fake.AddRelease(up, "v5.10.0", false, true) // marked pre-release
	fake.AddRelease(up, "v6.0.0", false, false)
	fake.AddRelease(up, "v6.1.0-rc1", false, false) // pre-release by its version
	fake.AddRelease(up, "nightly", false, false)    // not a version
	fake.AddRelease("podman-container-tools/skopeo", "v1.20.0", false, false)
	fake.AddRelease(ours, "podman-v5.8.3", false, false)
	fake.AddRelease(ours, "podman-v6.0.0", true, false)   // an unfinished publish
	fake.AddRelease(ours, "skopeo-v1.20.1", false, false) // upstream has retracted 1.20.1
	fake.AddRelease(ours, "buildah-v6.0.0", false, false) // another tool's tag

	var warnings []string
	results, err := Run(context.Background(), c, cfg, cfg.Tools, func(f string, a ...any) {
		warnings = append(warnings, fmt.Sprintf(f, a...))
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []Result{
		{Tool: "podman", Line: "5.x", Upstream: "5.8.4", Released: "5.8.3", Build: true, Bundles: "release/podman5"},
		{Tool: "podman", Line: "6.x", Upstream: "6.0.0", Released: "", Build: true, Bundles: "release"},
		{Tool: "skopeo", Line: "1.x", Upstream: "1.20.0", Released: "1.20.1", Build: false, Bundles: "release"},
	}
	if fmt.Sprint(results) != fmt.Sprint(want) {
		t.Errorf("results\n got %v\nwant %v", results, want)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], `"nightly"`) {
		t.Errorf("warnings = %q", warnings)
	}
	matrix, n := Matrix(results)
	if matrix != `{"include":[{"tool":"podman","version":"5.8.4","line":"5.x","bundles":"release/podman5"},{"tool":"podman","version":"6.0.0","line":"6.x","bundles":"release"}]}` || n != 2 {
		t.Errorf("matrix = %s (%d)", matrix, n)
	}
	if got := Describe(results[0]); got != "podman 5.x: upstream 5.8.4, ours 5.8.3: build podman 5.8.4" {
		t.Errorf("Describe = %q", got)
	}
}

func TestCheckLineWithoutReleases(t *testing.T) {
	fake, cfg, c := setup(t)
	fake.AddRepo(ours)
	fake.AddRelease("containers/podman", "v5.0.0", false, false)
	fake.AddRepo("podman-container-tools/skopeo")
	var warnings []string
	results, err := Run(context.Background(), c, cfg, cfg.Tools, func(f string, a ...any) {
		warnings = append(warnings, fmt.Sprintf(f, a...))
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 3 || results[1].Build || results[1].Upstream != "" || results[2].Build {
		t.Errorf("results = %v", results)
	}
	if len(warnings) != 2 || !strings.Contains(warnings[0], "no stable upstream release in line 6.x") {
		t.Errorf("warnings = %q", warnings)
	}
	matrix, n := Matrix(results)
	if matrix != `{"include":[{"tool":"podman","version":"5.0.0","line":"5.x","bundles":"release/podman5"}]}` || n != 1 {
		t.Errorf("matrix = %s", matrix)
	}
	empty, n := Matrix(nil)
	if empty != `{"include":[]}` || n != 0 {
		t.Errorf("empty matrix = %s", empty)
	}
}

func TestCheckUpstreamMissing(t *testing.T) {
	fake, cfg, c := setup(t)
	fake.AddRepo(ours)
	_, err := Run(context.Background(), c, cfg, cfg.Tools, func(string, ...any) {})
	if err == nil || !strings.Contains(err.Error(), "containers/podman") || !strings.Contains(err.Error(), "404") {
		t.Errorf("err = %v", err)
	}
}
