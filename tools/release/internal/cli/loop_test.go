package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/bump/bumptest"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/bundles/bundlestest"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/fakegithub"
)

// The whole upstream-tracking loop against stand-ins — a fake GitHub and a file:// Go module
// proxy — as the workflows run it: the daily check finds upstream newer, bump rewrites exactly
// the pin's files (the bump pull request), the merged commit's moved pin is found (the build
// workflow), the archives built from it are published at that commit, and every fault tried on
// the way (archives of another version, a symlinked or missing archive, a connection dropped
// mid-upload) is refused or recovered from with no duplicate release and no missing asset.
func TestUpstreamTrackingLoop(t *testing.T) {
	loopTools(t)
	const module = "example.com/skopeo"
	loopEnv(t, bumptest.Proxy(t, module, module, []string{"v1.0.0", "v1.1.0"}, nil))

	// the repository: skopeo pinned at 1.0.0
	repo, git := loopRepo(t, map[string]string{
		"third_party/pins.json":       `{"go_sdk": {"version": "1.99.0"}}`,
		"third_party/skopeo/go.mod":   "module example.com/pin\n\ngo 1.21\n\nrequire " + module + " v1.0.0\n",
		"third_party/skopeo/go.sum":   "",
		"third_party/skopeo/deps.go":  "//go:build tools\n\npackage deps\n\nimport _ \"" + module + "/cmd/tool\"\n",
		"third_party/skopeo/BUILD.go": "// untouched by a bump\n",
		"third_party/podman/go.mod":   "module example.com/pin\n\ngo 1.21\n\nrequire example.com/podman v6.0.0\n",
		"third_party/buildah/go.mod":  "module example.com/pin\n\ngo 1.21\n\nrequire example.com/buildah v1.44.1\n",
		// podman's 5.x line has its own pin (tools/release/config.json)
		"third_party/podman/v5/go.mod": "module example.com/pin\n\ngo 1.21\n\nrequire example.com/podman/v5 v5.8.6\n",
	})
	git("init", "-q")
	git("add", ".")
	git("commit", "-q", "-m", "skopeo 1.0.0")
	// go.sum of the 1.0.0 pin, as bump leaves it
	mustRun(t, nil, "bump", "--repo", repo, "skopeo", "1.0.0")
	git("add", ".")
	git("commit", "-q", "-m", "go.sum, stamp.bzl, go.licenses")

	fake := fakegithub.New()
	t.Cleanup(fake.Close)
	fake.Token = "tok"
	fake.AddRepo(ours)
	fake.AddRelease("podman-container-tools/skopeo", "v1.0.0", false, false)
	fake.AddRelease("podman-container-tools/skopeo", "v1.1.0", false, false)
	fake.AddRelease("podman-container-tools/skopeo", "v1.2.0-rc1", false, true)
	fake.AddRelease(ours, "skopeo-v1.0.0", false, false)
	environ := map[string]string{"GITHUB_TOKEN": "tok", "GITHUB_API_URL": fake.APIURL()}

	// 1. the daily check: upstream is newer than our release
	out := mustRun(t, environ, "check", "--tool", "skopeo")
	if !strings.Contains(out, "skopeo 1.x: upstream 1.1.0, ours 1.0.0: build skopeo 1.1.0") {
		t.Fatalf("check:\n%s", out)
	}
	t.Logf("1. check --tool skopeo:\n%s", out)

	// 2. its bump (the pull request): upstream's newest, exactly the pin's files; again: nothing
	out = mustRun(t, environ, "bump", "--repo", repo, "skopeo")
	if !strings.Contains(out, "skopeo 1.0.0 -> 1.1.0 ("+module+"@v1.1.0, commit "+bumptest.Commit110+")") {
		t.Errorf("bump:\n%s", out)
	}
	if got := git("status", "--porcelain"); got != "M third_party/skopeo/go.licenses\n M third_party/skopeo/go.mod\n M third_party/skopeo/go.sum\n M third_party/skopeo/stamp.bzl" {
		t.Errorf("bump changed:\n%s\nwant go.licenses, go.mod, go.sum and stamp.bzl only", got)
	}
	t.Logf("2. bump skopeo (the pull request's commit):\n%sgit status: %s", out, strings.ReplaceAll(git("status", "--porcelain"), "\n", ", "))
	if out := mustRun(t, environ, "bump", "--repo", repo, "skopeo"); !strings.Contains(out, "already pinned, nothing changed") {
		t.Errorf("second bump:\n%s", out)
	}
	git("add", ".")
	git("commit", "-q", "-m", "bump skopeo to 1.1.0 (the merged pull request)")
	built := git("rev-parse", "HEAD")

	// 3. the build workflow: which pin moved in the pushed commit
	if out := mustRun(t, nil, "pins", "--repo", repo, "--changed-since", "HEAD^"); out != "skopeo 1.1.0\n" {
		t.Errorf("pins --changed-since HEAD^ = %q, want skopeo 1.1.0", out)
	}
	t.Logf("3. pushed to main as %.12s; pins --changed-since HEAD^: skopeo 1.1.0 -> the build workflow builds //release:skopeo_amd64 //release:skopeo_arm64", built)

	// 4. what `bazel build //release:all` leaves (stand-in archives of the pinned version), signed
	archives := []string{"skopeo-linux-amd64.tar.zst", "skopeo-linux-arm64.tar.zst"}
	dist := t.TempDir()
	bundlestest.Write(t, dist, "skopeo", "1.1.0", archives...)
	// and each archive's SBOM beside it, listed with the archives: released the same way
	m := bundlestest.ReadManifest(t, dist)
	for _, a := range archives {
		sbom := strings.TrimSuffix(a, ".tar.zst") + ".spdx.json"
		if err := os.WriteFile(filepath.Join(dist, sbom), []byte(`{"spdxVersion": "SPDX-2.3", "name": "`+a+`"}`+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		m["skopeo"] = append(m["skopeo"], sbom)
	}
	bundlestest.WriteManifest(t, dist, m)
	keys := filepath.Join(t.TempDir(), "cosign")
	pw := map[string]string{"COSIGN_PASSWORD": "pw"}
	mustRun(t, pw, "keygen", "--output-prefix", keys)
	mustRun(t, nil, "checksums", "--tool", "skopeo", "--version", "1.1.0", dist)
	mustRun(t, pw, "sign", "--key", keys+".key", "--tool", "skopeo", dist)
	publish := func(dir string) (int, string) {
		code, _, stderr := run(t, environ, "publish", "--tool", "skopeo", "--version", "1.1.0", "--commit", built, "--key", keys+".pub", dir)
		return code, stderr
	}

	// faults: archives built from the old pin, a symlinked archive, a missing one
	old := t.TempDir()
	bundlestest.Write(t, old, "skopeo", "1.0.0", archives...)
	mustRun(t, nil, "checksums", "--tool", "skopeo", "--version", "1.0.0", old)
	mustRun(t, pw, "sign", "--key", keys+".key", "--tool", "skopeo", old)
	linked, missing := t.TempDir(), t.TempDir()
	for _, d := range []string{linked, missing} {
		entries, _ := os.ReadDir(dist)
		for _, e := range entries {
			data, _ := os.ReadFile(filepath.Join(dist, e.Name()))
			os.WriteFile(filepath.Join(d, e.Name()), data, 0o644)
		}
	}
	os.Remove(filepath.Join(linked, archives[1]))
	os.Symlink(filepath.Join(dist, archives[1]), filepath.Join(linked, archives[1]))
	os.Remove(filepath.Join(missing, archives[0]))
	for name, tc := range map[string]struct{ dir, want string }{
		"old pin": {old, "holds skopeo 1.0.0"},
		"symlink": {linked, "not a regular file"},
		"missing": {missing, archives[0]},
	} {
		code, stderr := publish(tc.dir)
		if code == ExitOK || !strings.Contains(stderr, tc.want) {
			t.Errorf("publish with %s: exit %d, want a refusal naming %q:\n%s", name, code, tc.want, stderr)
		}
		t.Logf("4. fault %q: publish exits %d: %s", name, code, lastLine(stderr))
	}
	if st := fake.Stats(); st.ReleasesCreated != 0 || st.Uploads != 0 {
		t.Fatalf("refused publishes wrote: %+v", st)
	}

	// 5. publish, with the connection dropped on every upload attempt of one run: it fails; the
	// re-run completes the same release at the built commit
	fake.Inject(&fakegithub.Fault{Method: "POST", Path: "^/uploads/", Kind: fakegithub.Drop, Skip: 1, Times: 20})
	code, stderr := publish(dist)
	if code == ExitOK {
		t.Fatalf("publish succeeded through dropped uploads:\n%s", stderr)
	}
	t.Logf("5. publish while uploads are dropped: exits %d: %s", code, lastLine(stderr))
	for i := 0; fake.Pending() > 0; i++ { // runs that use up the remaining dropped uploads
		if i == 25 {
			t.Fatal("the injected faults never all fired")
		}
		publish(dist)
	}
	if st := fake.Stats(); st.FaultsInjected != 20 {
		t.Errorf("%d faults fired, want 20", st.FaultsInjected)
	}
	if code, stderr := publish(dist); code != ExitOK {
		t.Fatalf("re-run after the faults: exit %d\n%s", code, stderr)
	}
	st := fake.Stats()
	t.Logf("5. after %d dropped uploads, the re-run exits 0: %d release created, %d uploads", st.FaultsInjected, st.ReleasesCreated, st.Uploads)
	rels := fake.Releases(ours, "skopeo-v1.1.0")
	if len(rels) != 1 || rels[0].Commitish != strings.ToLower(built) {
		t.Fatalf("releases of skopeo-v1.1.0: %+v, want one at the built commit %s", rels, built)
	}
	want := map[string][]byte{}
	entries, _ := os.ReadDir(dist)
	for _, e := range entries {
		if n := e.Name(); n != "bundles.json" {
			want[n], _ = os.ReadFile(filepath.Join(dist, n))
		}
	}
	if _, ok := want["skopeo-linux-arm64.spdx.json.sig"]; !ok || len(want) != 10 {
		t.Errorf("the release directory holds %d assets, want the 2 archives, their 2 SBOMs, checksums.txt and a signature of each: %v", len(want), want)
	}
	if p := fake.Check(ours, "skopeo-v1.1.0", want); len(p) > 0 {
		t.Errorf("release skopeo-v1.1.0: %v", p)
	}
	t.Logf("   release skopeo-v1.1.0: one, at commit %.12s, %d assets, none missing, duplicated or replaced", rels[0].Commitish, len(want))
}

// lastLine: the last non-empty line of a command's standard error (its error message).
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// The loop for a tool released in two lines (podman 6.x and 5.x, each its own pin directory and
// bundles package, as tools/release/config.json says): a new upstream 5.8.x is found for the 5
// line alone, bump moves only the 5 line's pin (the 6 line is already at upstream's newest 6.x,
// and a version in no tracked line is refused), the pushed commit asks for podman 5's release
// alone from its own bundles package, and publishing it makes podman-v5.8.7, which does not
// become the repository's latest release (podman 6 stays that).
func TestUpstreamTrackingLoopOfTwoReleaseLines(t *testing.T) {
	loopTools(t)
	const mod6, mod5 = "example.com/podman/v6", "example.com/podman/v5"
	loopEnv(t, bumptest.Proxy(t, mod6, mod6, []string{"v6.0.0"}, nil)+","+
		bumptest.Proxy(t, mod5, mod5, []string{"v5.8.6", "v5.8.7"}, nil))
	pin := func(module, v string) string {
		return "module example.com/pin\n\ngo 1.21\n\nrequire " + module + " " + v + "\n"
	}
	deps := func(module string) string {
		return "//go:build tools\n\npackage deps\n\nimport _ \"" + module + "/cmd/tool\"\n"
	}
	repo, git := loopRepo(t, map[string]string{
		"third_party/pins.json":         `{"go_sdk": {"version": "1.99.0"}}`,
		"third_party/podman/go.mod":     pin(mod6, "v6.0.0"),
		"third_party/podman/go.sum":     "",
		"third_party/podman/deps.go":    deps(mod6),
		"third_party/podman/v5/go.mod":  pin(mod5, "v5.8.6"),
		"third_party/podman/v5/go.sum":  "",
		"third_party/podman/v5/deps.go": deps(mod5),
		"third_party/buildah/go.mod":    pin("example.com/buildah", "v1.44.1"),
		"third_party/skopeo/go.mod":     pin("example.com/skopeo", "v1.0.0"),
	})
	git("init", "-q")
	mustRun(t, nil, "bump", "--repo", repo, "podman", "6.0.0")
	mustRun(t, nil, "bump", "--repo", repo, "podman", "5.8.6")
	git("add", ".")
	git("commit", "-q", "-m", "podman 6.0.0 and 5.8.6")

	fake := fakegithub.New()
	t.Cleanup(fake.Close)
	fake.Token = "tok"
	fake.AddRepo(ours)
	for _, v := range []string{"v6.0.0", "v5.8.6", "v5.8.7"} {
		fake.AddRelease("podman-container-tools/podman", v, false, false)
	}
	fake.AddRelease(ours, "podman-v5.8.6", false, false)
	fake.AddRelease(ours, "podman-v6.0.0", false, false)
	environ := map[string]string{"GITHUB_TOKEN": "tok", "GITHUB_API_URL": fake.APIURL()}

	// 1. the daily check: the 5 line is behind upstream, the 6 line is not
	out := mustRun(t, environ, "check", "--tool", "podman")
	if !strings.Contains(out, "podman 5.x: upstream 5.8.7, ours 5.8.6: build podman 5.8.7") || !strings.Contains(out, "podman 6.x: upstream 6.0.0, ours 6.0.0: up to date") {
		t.Fatalf("check:\n%s", out)
	}
	t.Logf("1. check --tool podman:\n%s", out)

	// 2. bump: only the 5 line's pin moves; a version of no tracked line is refused
	out = mustRun(t, environ, "bump", "--repo", repo, "podman")
	if !strings.Contains(out, "podman 5.8.6 -> 5.8.7 ("+mod5+"@v5.8.7") || !strings.Contains(out, "podman 6.0.0: already pinned") {
		t.Errorf("bump podman:\n%s", out)
	}
	if got := git("status", "--porcelain"); got != "M third_party/podman/v5/go.licenses\n M third_party/podman/v5/go.mod\n M third_party/podman/v5/go.sum\n M third_party/podman/v5/stamp.bzl" {
		t.Errorf("bump changed:\n%s\nwant the 5 line's go.licenses, go.mod, go.sum and stamp.bzl only", got)
	}
	if code, _, stderr := run(t, environ, "bump", "--repo", repo, "podman", "7.0.0"); code != ExitUsage || !strings.Contains(stderr, "podman 7.0.0 is in none of the tracked lines (6.x, 5.x)") {
		t.Errorf("bump podman 7.0.0: exit %d: %s", code, stderr)
	}
	t.Logf("2. bump podman:\n%s", out)
	git("add", ".")
	git("commit", "-q", "-m", "podman 5.8.7")
	built := git("rev-parse", "HEAD")

	// 3. the build workflow: the pushed commit asks for podman 5.8.7 from release/podman5
	ghOut := filepath.Join(t.TempDir(), "out")
	if out := mustRun(t, nil, "pins", "--repo", repo, "--changed-since", "HEAD^", "--github-output", ghOut); out != "podman 5.8.7\n" {
		t.Errorf("pins --changed-since HEAD^ = %q, want podman 5.8.7 alone", out)
	}
	if data, _ := os.ReadFile(ghOut); !strings.Contains(string(data), `{"tool":"podman","version":"5.8.7","line":"5.x","bundles":"release/podman5"}`) {
		t.Errorf("matrix: %s", data)
	}

	// 4. its archives, in the line's own directory of the build's output (upstream-style names,
	// as podman 6's), checksummed, signed and published
	dist := filepath.Join(t.TempDir(), "release", "podman5")
	os.MkdirAll(dist, 0o755)
	bundlestest.Write(t, dist, "podman", "5.8.7", "podman-full-linux-amd64.tar.zst", "podman-full-linux-arm64.tar.zst")
	keys := filepath.Join(t.TempDir(), "cosign")
	pw := map[string]string{"COSIGN_PASSWORD": "pw"}
	mustRun(t, pw, "keygen", "--output-prefix", keys)
	mustRun(t, nil, "checksums", "--tool", "podman", "--version", "5.8.7", dist)
	mustRun(t, pw, "sign", "--key", keys+".key", "--tool", "podman", dist)
	if code, _, stderr := run(t, environ, "publish", "--tool", "podman", "--version", "5.8.7", "--commit", built, "--key", keys+".pub", dist); code != ExitOK {
		t.Fatalf("publish podman 5.8.7: exit %d\n%s", code, stderr)
	}
	rels := fake.Releases(ours, "podman-v5.8.7")
	if len(rels) != 1 || rels[0].Draft || rels[0].MakeLatest != "false" {
		t.Fatalf("releases of podman-v5.8.7: %+v, want one, published, make_latest false", rels)
	}
	if n := len(fake.Releases(ours, "podman-v6.0.0")); n != 1 {
		t.Errorf("podman-v6.0.0: %d releases, want the one there was", n)
	}
	t.Logf("4. published podman-v5.8.7 at %.12s with %d assets, not the repository's latest", built, len(rels[0].Assets))
}

// loopTools skips a loop test where git or go is missing (e.g. in a Bazel sandbox).
func loopTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"git", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on PATH (e.g. in a Bazel sandbox): `go test ./tools/...` runs this test", tool)
		}
	}
}

// loopEnv points the go command at the file:// proxy, in a home and module cache of the test's.
func loopEnv(t *testing.T, proxy string) {
	t.Helper()
	home := t.TempDir()
	// no telemetry written into the home (a child of the go command may still be writing there
	// when TempDir's cleanup runs): off, as `go telemetry off` records it
	if err := os.MkdirAll(filepath.Join(home, ".config/go/telemetry"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".config/go/telemetry/mode"), []byte("off"), 0o644); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"GOPROXY": proxy, "GOSUMDB": "off", "GONOSUMDB": "", "GOPRIVATE": "",
		"GOFLAGS": "", "GOMODCACHE": filepath.Join(home, "mod"), "GOTOOLCHAIN": "local", "HOME": home, "XDG_CONFIG_HOME": ""} {
		t.Setenv(k, v)
	}
}

// loopRepo writes files into a new directory and returns it with a git runner there (the repository
// is not made yet: the test runs git init when it wants).
func loopRepo(t *testing.T, files map[string]string) (string, func(args ...string) string) {
	t.Helper()
	repo := t.TempDir()
	for name, body := range files {
		p := filepath.Join(repo, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return repo, gitIn(t, repo)
}
