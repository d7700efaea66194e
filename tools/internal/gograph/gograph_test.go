package gograph

import "testing"

func TestRepoNameIsGazelles(t *testing.T) {
	for module, want := range map[string]string{
		"go.podman.io/podman/v6":            "io_podman_go_podman_v6",
		"github.com/containers/podman/v5":   "com_github_containers_podman_v5",
		"github.com/buchgr/bazel-remote/v2": "com_github_buchgr_bazel_remote_v2",
		"gopkg.in/yaml.v3":                  "in_gopkg_yaml_v3",
	} {
		if got := RepoName(module); got != want {
			t.Errorf("RepoName(%q) = %q, want %q", module, got, want)
		}
	}
}

func TestPatchLabelsAreWorkspacePaths(t *testing.T) {
	if got := LabelPath("//third_party/libseccomp:libseccomp-golang-build.patch"); got != "third_party/libseccomp/libseccomp-golang-build.patch" {
		t.Errorf("LabelPath: %q", got)
	}
}
