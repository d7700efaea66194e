package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// What Bazel 7 answers for podman's go_binary (bazel query --output=streamed_jsonproto), cut to
// the attributes read and one other.
const podmanQuery = `{"type":"RULE","rule":{"name":"//third_party/podman:podman","ruleClass":"go_binary","attribute":[` +
	`{"name":"embed","type":"LABEL_LIST","stringListValue":["@podman_module//cmd/podman:podman_lib"],"explicitlySpecified":true},` +
	`{"name":"gotags","type":"STRING_LIST","stringListValue":["seccomp","grpcnotrace"],"explicitlySpecified":true},` +
	`{"name":"pure","type":"STRING","stringValue":"off"},` +
	`{"name":"x_defs","type":"STRING_DICT","stringDictValue":[{"key":"go.podman.io/common/pkg/config.additionalHelperBinariesDir","value":"$$BINDIR/../lib/podman"},{"key":"go.podman.io/podman/v6/libpod/define.gitCommit","value":""}]}]}}
`

func TestGoBuildGetsTheGoBinarysTagsStampsAndPackage(t *testing.T) {
	b, err := parseBuildInfo(podmanQuery, "go.podman.io/podman/v6", "podman_module")
	if err != nil {
		t.Fatal(err)
	}
	if b.pkg != "go.podman.io/podman/v6/cmd/podman" {
		t.Errorf("package %q", b.pkg)
	}
	if !reflect.DeepEqual(b.tags, []string{"seccomp", "grpcnotrace"}) {
		t.Errorf("tags %q", b.tags)
	}
	want := []string{"-X", "go.podman.io/common/pkg/config.additionalHelperBinariesDir=$BINDIR/../lib/podman", "-X", "go.podman.io/podman/v6/libpod/define.gitCommit="}
	if !reflect.DeepEqual(b.xflags, want) {
		t.Errorf("-X flags %q, want %q ($$ is make's escape of $)", b.xflags, want)
	}
	if _, err := parseBuildInfo(podmanQuery, "go.podman.io/podman/v6", "other_repo"); err == nil || !strings.Contains(err.Error(), "embeds no package of @other_repo") {
		t.Errorf("a go_binary embedding no package of the module's repository: error %v", err)
	}
	lib := strings.Replace(podmanQuery, `"ruleClass":"go_binary"`, `"ruleClass":"go_library"`, 1)
	if _, err := parseBuildInfo(lib, "go.podman.io/podman/v6", "podman_module"); err == nil || !strings.Contains(err.Error(), "not a go_binary") {
		t.Errorf("a go_library: error %v", err)
	}
}

// A profile's phases, critical path and actions per kind, from a gzipped Bazel trace.
func TestProfileSplitSumsActionsPerKind(t *testing.T) {
	trace := `{"traceEvents":[
{"cat":"build phase marker","name":"Launch Blaze","ph":"i","ts":0},
{"cat":"build phase marker","name":"Execute","ph":"i","ts":2000000},
{"cat":"action processing","name":"a","ph":"X","ts":2000000,"dur":3000000,"args":{"mnemonic":"GoCompilePkg"}},
{"cat":"action processing","name":"b","ph":"X","ts":2000000,"dur":1000000,"args":{"mnemonic":"GoCompilePkg"}},
{"cat":"action processing","name":"c","ph":"X","ts":5000000,"dur":5000000,"args":{"mnemonic":"GoLink"}},
{"cat":"critical path component","name":"c","ph":"X","ts":5000000,"dur":5000000}
]}`
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte(trace))
	w.Close()
	p := filepath.Join(t.TempDir(), "profile.json.gz")
	if err := os.WriteFile(p, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := split(p, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"launch blaze 2 s", "execute 8 s", "critical path 5 s", "GoLink 1× 5 s", "other 2× 4 s"} {
		if !strings.Contains(got, want) {
			t.Errorf("split %q lacks %q", got, want)
		}
	}
	if err := os.WriteFile(p, []byte(`{"traceEvents":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := split(p, 1); err == nil {
		t.Error("a trace without phase markers: no error")
	}
}

func TestUsageAndBadArguments(t *testing.T) {
	var out, errs bytes.Buffer
	if rc := run([]string{"--help"}, &out, &errs); rc != 0 || !strings.Contains(out.String(), "go run ./tools/bench runtime") {
		t.Errorf("--help: exit %d, %q", rc, out.String())
	}
	ws, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("BUILD_WORKSPACE_DIRECTORY", ws)
	if rc := run([]string{"--fast"}, &out, &errs); rc != 2 || !strings.Contains(errs.String(), "unknown flag --fast") {
		t.Errorf("an unknown flag: exit %d, %q", rc, errs.String())
	}
	errs.Reset()
	for _, sub := range []string{"malloc", "remote"} {
		if rc := run([]string{sub, "x"}, &out, &errs); rc != 2 || !strings.Contains(errs.String(), sub+" takes no arguments") {
			t.Errorf("%s with an argument: exit %d, %q", sub, rc, errs.String())
		}
		errs.Reset()
		out.Reset()
		// --help after the word prints the usage and runs nothing
		if rc := run([]string{sub, "--help"}, &out, &errs); rc != 0 || !strings.Contains(out.String(), "Usage: go run ./tools/bench") {
			t.Errorf("%s --help: exit %d, %q", sub, rc, out.String())
		}
	}
	errs.Reset()
	// refused before anything is built: the tool list is the go_graph.json files'
	if rc := run([]string{"skopeo", "nosuch"}, &out, &errs); rc != 1 || !strings.Contains(errs.String(), "unknown tool nosuch (no third_party/nosuch/go_graph.json)") {
		t.Errorf("an unknown tool: exit %d, %q", rc, errs.String())
	}
	t.Setenv("BUILD_WORKSPACE_DIRECTORY", t.TempDir())
	if rc := run(nil, &out, &errs); rc != 2 || !strings.Contains(errs.String(), "not the workspace") {
		t.Errorf("outside the workspace: exit %d, %q", rc, errs.String())
	}
}
