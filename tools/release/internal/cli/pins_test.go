package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A repository with the shipped config's tools pinned (podman in two release lines, each its own
// pin directory); the second commit moves podman 6's pin and touches buildah's BUILD file only.
func pinsRepo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed (e.g. in a Bazel sandbox): `go test ./tools/release/...` runs this test")
	}
	dir := t.TempDir()
	git := gitIn(t, dir)
	write := func(rel, content string) {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gomod := func(module, v string) string {
		return "module example.com/pin\n\ngo 1.25.0\n\nrequire " + module + " v" + v + "\n\nrequire (\n\texample.com/dep v1.0.0 // indirect\n)\n"
	}
	git("init", "-q")
	write("third_party/podman/go.mod", gomod("go.podman.io/podman/v6", "6.0.0"))
	write("third_party/podman/v5/go.mod", gomod("github.com/containers/podman/v5", "5.8.6"))
	write("third_party/buildah/go.mod", gomod("go.podman.io/buildah", "1.44.1"))
	write("third_party/skopeo/go.mod", gomod("github.com/containers/skopeo", "1.19.0"))
	write("third_party/buildah/BUILD.bazel", "# one\n")
	git("add", ".")
	git("commit", "-q", "-m", "one")
	write("third_party/podman/go.mod", gomod("go.podman.io/podman/v6", "6.1.0"))
	write("third_party/buildah/BUILD.bazel", "# two\n")
	git("commit", "-q", "-a", "-m", "two")
	return dir
}

func TestPins(t *testing.T) {
	dir := pinsRepo(t)
	code, out, errOut := run(t, nil, "pins", "--repo", dir)
	if code != ExitOK || out != "podman 6.1.0\npodman 5.8.6\nbuildah 1.44.1\nskopeo 1.19.0\n" {
		t.Errorf("pins: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	ghOut := filepath.Join(t.TempDir(), "out")
	code, out, errOut = run(t, nil, "pins", "--repo", dir, "--changed-since", "HEAD^", "--github-output", ghOut)
	if code != ExitOK || out != "podman 6.1.0\n" {
		t.Errorf("pins --changed-since HEAD^: exit %d, stdout %q, stderr %q; want only podman, whose pin moved", code, out, errOut)
	}
	data, _ := os.ReadFile(ghOut)
	if want := "matrix={\"include\":[{\"tool\":\"podman\",\"version\":\"6.1.0\",\"line\":\"6.x\",\"bundles\":\"release\"}]}\ncount=1\n"; string(data) != want {
		t.Errorf("github output %q, want %q", data, want)
	}
	if code, out, _ = run(t, nil, "pins", "--repo", dir, "--changed-since", "HEAD"); code != ExitOK || out != "" {
		t.Errorf("pins --changed-since HEAD: exit %d, stdout %q; want nothing changed", code, out)
	}
	code, _, errOut = run(t, nil, "pins", "--repo", dir, "--changed-since", "no-such-rev")
	if code != ExitUsage || !strings.Contains(errOut, "not a commit") {
		t.Errorf("pins --changed-since no-such-rev: exit %d, stderr %q", code, errOut)
	}
	if err := os.WriteFile(filepath.Join(dir, "third_party/skopeo/go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = run(t, nil, "pins", "--repo", dir)
	if code != ExitFailure || !strings.Contains(errOut, "third_party/skopeo/go.mod: want exactly one single-line require") {
		t.Errorf("pins with a go.mod naming no module: exit %d, stderr %q", code, errOut)
	}
}

// --changed-since counts a pin as moved only when its go.mod differs at REV or did not exist
// there; any other failure to read it at REV (a missing object, not a repository, an unreadable
// go.mod) is an error, never a reason to build and publish.
func TestPinsChangedSinceFailsOnGitErrors(t *testing.T) {
	dir := pinsRepo(t)
	git := gitIn(t, dir)

	// a tool new since REV counts as moved
	if err := os.MkdirAll(filepath.Join(dir, "third_party/new"), 0o755); err != nil {
		t.Fatal(err)
	}
	git("mv", "third_party/skopeo", "third_party/new/skopeo")
	git("commit", "-q", "-m", "three: skopeo's pin moves away")
	git("mv", "third_party/new/skopeo", "third_party/skopeo")
	git("commit", "-q", "-m", "four: and comes back")
	if code, out, errOut := run(t, nil, "pins", "--repo", dir, "--changed-since", "HEAD^"); code != ExitOK || out != "skopeo 1.19.0\n" {
		t.Errorf("pins --changed-since HEAD^ (skopeo's go.mod absent there): exit %d, stdout %q, stderr %q; want skopeo", code, out, errOut)
	}

	// the go.mod's object at REV is missing (a broken or partial clone): an error
	blob := git("rev-parse", "HEAD~3:third_party/buildah/go.mod")
	if err := os.Remove(filepath.Join(dir, ".git", "objects", blob[:2], blob[2:])); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, nil, "pins", "--repo", dir, "--changed-since", "HEAD~3")
	if code != ExitFailure || !strings.Contains(errOut, "third_party/buildah/go.mod at HEAD~3") || strings.Contains(out, "buildah") {
		t.Errorf("pins --changed-since with buildah's go.mod unreadable at REV: exit %d, stdout %q, stderr %q; want a failure naming it", code, out, errOut)
	}

	// not a git repository at all
	notRepo := t.TempDir()
	for _, tool := range []string{"podman", "podman/v5", "buildah", "skopeo"} {
		data, err := os.ReadFile(filepath.Join(dir, "third_party", tool, "go.mod"))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(notRepo, "third_party", tool), 0o755)
		if err := os.WriteFile(filepath.Join(notRepo, "third_party", tool, "go.mod"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut = run(t, map[string]string{}, "pins", "--repo", notRepo, "--changed-since", "HEAD")
	if code == ExitOK || out != "" || !strings.Contains(errOut, "not a git repository") {
		t.Errorf("pins --changed-since in a directory that is not a repository: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// A go.mod at REV that names no pinned version cannot tell whether the pin moved: an error.
func TestPinsChangedSinceFailsOnAnUnreadableOldPin(t *testing.T) {
	dir := pinsRepo(t)
	git := gitIn(t, dir)
	gomod := filepath.Join(dir, "third_party/skopeo/go.mod")
	good, _ := os.ReadFile(gomod)
	os.WriteFile(gomod, []byte("module example.com/pin\n"), 0o644)
	git("commit", "-q", "-a", "-m", "three: a broken pin")
	os.WriteFile(gomod, good, 0o644)
	git("commit", "-q", "-a", "-m", "four: mended")
	code, out, errOut := run(t, nil, "pins", "--repo", dir, "--changed-since", "HEAD^")
	if code != ExitFailure || !strings.Contains(errOut, "third_party/skopeo/go.mod at HEAD^: want exactly one single-line require") || strings.Contains(out, "skopeo") {
		t.Errorf("pins --changed-since with skopeo's go.mod unreadable at REV: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// Each release line of a tool is its own release: a commit that moves only podman 5's pin asks
// for podman 5's release alone, from the line's bundles package; a pin outside its line (a 6.x
// version in the 5.x pin) is an error, not a release of the wrong line.
func TestPinsPerReleaseLine(t *testing.T) {
	dir := pinsRepo(t)
	gomod := "module example.com/pin\n\ngo 1.25.0\n\nrequire github.com/containers/podman/v5 v5.8.8\n"
	if err := os.WriteFile(filepath.Join(dir, "third_party/podman/v5/go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	gitIn(t, dir)("commit", "-q", "-a", "-m", "three")
	ghOut := filepath.Join(t.TempDir(), "out")
	code, out, errOut := run(t, nil, "pins", "--repo", dir, "--changed-since", "HEAD^", "--github-output", ghOut)
	if code != ExitOK || out != "podman 5.8.8\n" {
		t.Errorf("pins --changed-since HEAD^: exit %d, stdout %q, stderr %q; want only podman 5.8.8", code, out, errOut)
	}
	data, _ := os.ReadFile(ghOut)
	if want := "matrix={\"include\":[{\"tool\":\"podman\",\"version\":\"5.8.8\",\"line\":\"5.x\",\"bundles\":\"release/podman5\"}]}\ncount=1\n"; string(data) != want {
		t.Errorf("github output %q, want %q", data, want)
	}
	wrong := strings.Replace(gomod, "v5.8.8", "v6.0.2", 1)
	if err := os.WriteFile(filepath.Join(dir, "third_party/podman/v5/go.mod"), []byte(wrong), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = run(t, nil, "pins", "--repo", dir)
	if code != ExitFailure || !strings.Contains(errOut, "not in its release line 5.x") {
		t.Errorf("pins with 6.0.2 in the 5.x pin: exit %d, stderr %q", code, errOut)
	}
}

// gitIn runs git in dir as a committer of the test's (no signing), failing the test on an error;
// it returns git's output, trimmed.
func gitIn(t *testing.T, dir string) func(args ...string) string {
	return func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
}
