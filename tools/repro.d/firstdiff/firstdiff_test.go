package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeLog writes spawns as Bazel writes a JSON execution log: one object after another.
func writeLog(t *testing.T, spawns ...spawn) string {
	t.Helper()
	var b strings.Builder
	for _, s := range spawns {
		j, err := json.MarshalIndent(s, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
	}
	p := filepath.Join(t.TempDir(), "exec.json")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func out(path, hash string) file {
	return file{Path: path, Digest: &digest{Hash: hash, SizeBytes: "1"}}
}

func action(label string, inputs []file, outputs ...file) spawn {
	s := spawn{Mnemonic: "Genrule", TargetLabel: label, Runner: "processwrapper-sandbox", Inputs: inputs,
		CommandArgs: []string{"/bin/bash", "-c", "build " + label}}
	for _, o := range outputs {
		s.ListedOutputs = append(s.ListedOutputs, o.Path)
	}
	s.ActualOutputs = outputs
	return s
}

func run(t *testing.T, a, b string) (string, bool) {
	t.Helper()
	var w strings.Builder
	differ, err := firstDiff(&w, a, b, 10)
	if err != nil {
		t.Fatal(err)
	}
	return w.String(), differ
}

func TestRootCauseAndConsequence(t *testing.T) {
	src := out("tools/x/src.txt", "s")
	build := func(random string) string {
		return writeLog(t,
			action("//x:stable", []file{src}, out("bazel-out/bin/stable", "1")),
			action("//x:random", []file{src}, out("bazel-out/bin/random", random)),
			action("//x:down", []file{out("bazel-out/bin/random", random), out("bazel-out/bin/stable", "1")}, out("bazel-out/bin/down", "d"+random)),
		)
	}
	got, differ := run(t, build("aaaa"), build("bbbb"))
	if !differ {
		t.Fatalf("differences not reported:\n%s", got)
	}
	for _, want := range []string{
		"2 of 3 actions have outputs that differ: 1 where the difference starts, 1 that only inherit it",
		"FIRST DIFFERING ACTION: Genrule //x:random",
		"the action itself is not deterministic",
		"1 actions differ because their inputs do, e.g. Genrule //x:down",
		"bazel-out/bin/random: aaaa (A) vs bbbb (B)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "FIRST DIFFERING ACTION: Genrule //x:down") {
		t.Errorf("a consequence named as the first difference:\n%s", got)
	}
}

func TestEnvironmentDifference(t *testing.T) {
	mk := func(tz string) string {
		s := action("//x:stamp", nil, out("bazel-out/bin/stamp", tz))
		s.Environment = []envVar{{Name: "TZ", Value: tz}}
		return writeLog(t, s)
	}
	got, differ := run(t, mk("UTC"), mk("CET"))
	if !differ || !strings.Contains(got, "TZ: UTC (A) vs CET (B)") {
		t.Fatalf("environment difference not named (differ=%v):\n%s", differ, got)
	}
}

func TestIdentical(t *testing.T) {
	l := writeLog(t, action("//x:a", nil, out("bazel-out/bin/a", "1")))
	got, differ := run(t, l, l)
	if differ || !strings.Contains(got, "all 1 actions both builds ran have identical outputs") {
		t.Fatalf("identical logs reported as different (differ=%v):\n%s", differ, got)
	}
}

func TestBadLogs(t *testing.T) {
	good := writeLog(t, action("//x:a", nil, out("bazel-out/bin/a", "1")))
	garbage := filepath.Join(t.TempDir(), "garbage.json")
	os.WriteFile(garbage, []byte("not json"), 0o644)
	empty := filepath.Join(t.TempDir(), "empty.json")
	os.WriteFile(empty, nil, 0o644)
	for name, p := range map[string]string{"garbage": garbage, "empty": empty, "missing": filepath.Join(t.TempDir(), "none.json")} {
		if _, err := firstDiff(&strings.Builder{}, good, p, 10); err == nil {
			t.Errorf("%s log accepted", name)
		}
	}
}
