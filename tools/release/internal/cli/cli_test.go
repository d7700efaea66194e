package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/bundles/bundlestest"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/fakegithub"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/signing"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/signing/signingtest"
)

const ours = "rootless-static-toolkits/rootless-static-toolkits"

// built is the commit the test releases are built from.
const built = "89abcdef0123456789abcdef0123456789ABCDEF"

var podmanArchives = []string{
	"podman-full-linux-amd64.tar.zst", "podman-full-linux-arm64.tar.zst",
	"podman-minimal-linux-amd64.tar.zst", "podman-minimal-linux-arm64.tar.zst",
}

// run runs the command line with exactly the environment given.
func run(t *testing.T, environ map[string]string, args ...string) (int, string, string) {
	t.Helper()
	shipped, err := os.ReadFile("../../config.json")
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), args, Env{
		Stdout: &stdout, Stderr: &stderr, Config: shipped,
		LookupEnv: func(k string) (string, bool) { v, ok := environ[k]; return v, ok },
		Sleep:     func(context.Context, time.Duration) error { return nil },
	})
	return code, stdout.String(), stderr.String()
}

// release makes a directory as //release:all leaves it (podman 5.8.4's
// archives, buildah's, bundles.json), with podman's archives checksummed and
// signed with a fresh key pair, through the command line.
func release(t *testing.T) (dir, pub string) {
	t.Helper()
	dir = t.TempDir()
	bundlestest.Write(t, dir, "podman", "5.8.4", podmanArchives...)
	bundlestest.Write(t, dir, "buildah", "1.44.1", "buildah-linux-amd64.tar.zst", "buildah-linux-arm64.tar.zst")
	keys := filepath.Join(t.TempDir(), "cosign")
	pw := map[string]string{"COSIGN_PASSWORD": "pw"}
	mustRun(t, pw, "keygen", "--output-prefix", keys)
	mustRun(t, nil, "checksums", "--tool", "podman", "--version", "5.8.4", dir)
	out := mustRun(t, pw, "sign", "--key", keys+".key", "--tool", "podman", dir)
	if n := strings.Count(out, "signed "); n != 5 {
		t.Fatalf("sign --tool podman signed %d files, want 4 archives and checksums.txt:\n%s", n, out)
	}
	return dir, keys + ".pub"
}

// assets are the files of dir that podman's release carries: its archives,
// checksums.txt and their signatures.
func assets(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	want := map[string][]byte{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, "podman-") || strings.HasPrefix(n, "checksums.txt") {
			want[n], _ = os.ReadFile(filepath.Join(dir, n))
		}
	}
	return want
}

func mustRun(t *testing.T, environ map[string]string, args ...string) string {
	t.Helper()
	code, stdout, stderr := run(t, environ, args...)
	if code != 0 {
		t.Fatalf("release %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
	return stdout
}

func TestEndToEnd(t *testing.T) {
	dir, pub := release(t)
	fake := fakegithub.New()
	t.Cleanup(fake.Close)
	fake.Token = "tok"
	fake.AddRepo(ours)
	fake.AddRelease("podman-container-tools/podman", "v5.8.4", false, false)
	fake.AddRelease("podman-container-tools/podman", "v6.0.1", false, false)
	fake.AddRelease("podman-container-tools/buildah", "v1.40.0", false, false)
	fake.AddRelease("podman-container-tools/skopeo", "v1.20.0", false, false)
	fake.AddRelease(ours, "skopeo-v1.20.0", false, false)
	environ := map[string]string{"GITHUB_TOKEN": "tok", "GITHUB_API_URL": fake.APIURL()}

	out := mustRun(t, nil, "verify", "--key", pub, filepath.Join(dir, podmanArchives[0]), filepath.Join(dir, "checksums.txt"))
	if strings.Count(out, "verified ") != 2 {
		t.Errorf("verify printed %q", out)
	}
	out = mustRun(t, nil, "verify", "--key", pub, "--tool", "podman", dir)
	if strings.Count(out, "verified ") != 5 || !strings.Contains(out, "verified "+filepath.Join(dir, "checksums.txt")) {
		t.Errorf("verify --tool podman printed %q", out)
	}

	// The pin is the truth: archives holding podman-v5.8.4/ are not podman 5.8.5.
	code, _, stderr := run(t, map[string]string{"GITHUB_API_URL": fake.APIURL()},
		"publish", "--tool", "podman", "--version", "5.8.5", "--commit", built, "--key", pub, "--dry-run", dir)
	if code != ExitFailure || !strings.Contains(stderr, "refusing to publish podman 5.8.5") ||
		!strings.Contains(stderr, "podman-full-linux-arm64.tar.zst holds podman 5.8.4 (top directory podman-v5.8.4/), not podman 5.8.5") {
		t.Errorf("publish --version 5.8.5 of 5.8.4 archives: exit %d\n%s", code, stderr)
	}
	if st := fake.Stats(); st.Requests != 0 {
		t.Errorf("%d requests made before refusing", st.Requests)
	}

	// Dry run: reads only, needs no token. In GitHub Actions the commit is $GITHUB_SHA.
	code, _, stderr = run(t, map[string]string{"GITHUB_API_URL": fake.APIURL(), "GITHUB_SHA": built},
		"publish", "--tool", "podman", "--version", "5.8.4", "--key", pub, "--dry-run", dir)
	if code != 0 || !strings.Contains(stderr, "would create draft release podman-v5.8.4 \"Podman 5.8.4\" at commit "+strings.ToLower(built)) {
		t.Fatalf("dry run: exit %d\n%s", code, stderr)
	}
	if st := fake.Stats(); st.ReleasesCreated != 0 || st.Uploads != 0 {
		t.Fatalf("dry run wrote: %+v", st)
	}

	// --commit wins over $GITHUB_SHA.
	environ["GITHUB_SHA"] = "0000000000000000000000000000000000000000"
	code, _, stderr = run(t, environ, "publish", "--tool", "podman", "--version", "v5.8.4", "--commit", built, "--key", pub, dir)
	if code != 0 {
		t.Fatalf("publish: exit %d\n%s", code, stderr)
	}
	if rels := fake.Releases(ours, "podman-v5.8.4"); len(rels) != 1 || rels[0].Commitish != strings.ToLower(built) {
		t.Errorf("the release does not target the built commit %s: %+v", built, rels)
	}
	// Not buildah's archives, nor bundles.json: Check reports any unexpected asset.
	want := assets(t, dir)
	if len(want) != 10 {
		t.Fatalf("%d of podman's files in the release directory, want 10", len(want))
	}
	if p := fake.Check(ours, "podman-v5.8.4", want); len(p) > 0 {
		t.Errorf("release: %v", p)
	}
	if rels := fake.Releases(ours, "podman-v5.8.4"); len(rels) != 1 || rels[0].Name != "Podman 5.8.4" {
		t.Errorf("release title: %+v", rels)
	}
	if !strings.Contains(stderr, "uploading podman-full-linux-amd64.tar.zst") {
		t.Errorf("no upload progress on stderr:\n%s", stderr)
	}

	// A re-run uploads nothing.
	before := fake.Stats().Uploads
	mustRun(t, environ, "publish", "--tool", "podman", "--version", "5.8.4", "--commit", built, "--key", pub, dir)
	if after := fake.Stats().Uploads; after != before {
		t.Errorf("re-run uploaded %d files", after-before)
	}
	// A run from another commit does not add to it.
	code, _, stderr = run(t, environ, "publish", "--tool", "podman", "--version", "5.8.4", "--key", pub, dir)
	if code != ExitFailure || !strings.Contains(stderr, "not the commit being published, 0000000000000000000000000000000000000000") {
		t.Errorf("publish from another commit: exit %d\n%s", code, stderr)
	}

	ghOutput := filepath.Join(t.TempDir(), "github_output")
	os.WriteFile(ghOutput, []byte("earlier=1\n"), 0o644)
	out = mustRun(t, environ, "check", "--github-output", ghOutput)
	for _, line := range []string{
		"podman 6.x: upstream 6.0.1, ours none: build podman 6.0.1",
		"buildah 1.x: upstream 1.40.0, ours none: build buildah 1.40.0",
		"skopeo 1.x: upstream 1.20.0, ours 1.20.0: up to date",
	} {
		if !strings.Contains(out, line+"\n") {
			t.Errorf("check output lacks %q:\n%s", line, out)
		}
	}
	data, _ := os.ReadFile(ghOutput)
	wantOut := "earlier=1\nmatrix={\"include\":[{\"tool\":\"podman\",\"version\":\"6.0.1\",\"line\":\"6.x\",\"bundles\":\"release\"},{\"tool\":\"buildah\",\"version\":\"1.40.0\",\"line\":\"1.x\",\"bundles\":\"release\"}]}\ncount=2\n"
	if string(data) != wantOut {
		t.Errorf("GITHUB_OUTPUT =\n%s\nwant\n%s", data, wantOut)
	}
	out = mustRun(t, environ, "check", "--tool", "skopeo", "--json")
	if !strings.Contains(out, `"tool": "skopeo"`) || strings.Contains(out, "podman") || !strings.Contains(out, `"build": false`) {
		t.Errorf("check --json:\n%s", out)
	}
}

func TestBadInput(t *testing.T) {
	dir, pub := release(t)
	noArm := t.TempDir()
	for _, a := range podmanArchives[:3] {
		os.WriteFile(filepath.Join(noArm, a), []byte(a), 0o644)
	}
	// The arm64 archive a symlink to a copy elsewhere, or a directory.
	linked, asDir := t.TempDir(), t.TempDir()
	for _, d := range []string{linked, asDir} {
		for _, a := range podmanArchives[:3] {
			os.WriteFile(filepath.Join(d, a), []byte(a), 0o644)
		}
	}
	garbage := t.TempDir() // archives that are not .tar.zst
	for _, a := range podmanArchives {
		os.WriteFile(filepath.Join(garbage, a), []byte(a), 0o644)
	}
	for _, d := range []string{noArm, linked, asDir, garbage} {
		bundlestest.WriteManifest(t, d, map[string][]string{"podman": podmanArchives})
	}
	// bundles.json missing, malformed, or without podman; or elsewhere.
	noList, badList, skopeoOnly, unsummed := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	for _, d := range []string{noList, badList, unsummed} {
		bundlestest.Write(t, d, "podman", "5.8.4", podmanArchives...)
	}
	os.Remove(filepath.Join(noList, "bundles.json"))
	os.WriteFile(filepath.Join(badList, "bundles.json"), []byte(`{"podman": "podman-full-linux-amd64.tar.zst"}`), 0o644)
	bundlestest.Write(t, skopeoOnly, "skopeo", "1.20.0", "skopeo-linux-amd64.tar.zst")
	listElsewhere := filepath.Join(t.TempDir(), "list.json")
	os.WriteFile(listElsewhere, []byte(`{"skopeo": ["skopeo-linux-amd64.tar.zst"]}`), 0o644)
	elsewhere := filepath.Join(t.TempDir(), podmanArchives[3])
	os.WriteFile(elsewhere, []byte(podmanArchives[3]), 0o644)
	os.Symlink(elsewhere, filepath.Join(linked, podmanArchives[3]))
	os.Mkdir(filepath.Join(asDir, podmanArchives[3]), 0o755)
	for _, d := range []string{linked, asDir} {
		os.WriteFile(filepath.Join(d, "checksums.txt"), nil, 0o644)
	}
	token := map[string]string{"GITHUB_TOKEN": "tok", "GITHUB_API_URL": "http://127.0.0.1:1/"}
	pw := map[string]string{"COSIGN_PASSWORD": "pw"}
	key := strings.TrimSuffix(pub, ".pub") + ".key"
	publish := func(extra ...string) []string {
		return append([]string{"publish", "--tool", "podman", "--version", "5.8.4", "--commit", built, "--key", pub}, extra...)
	}
	cases := []struct {
		name    string
		environ map[string]string
		args    []string
		code    int
		stderr  string
	}{
		{"no command", nil, nil, ExitUsage, "Usage: release <command>"},
		{"unknown command", nil, []string{"frobnicate"}, ExitUsage, `unknown command "frobnicate"`},
		{"unknown flag", nil, []string{"check", "--bogus"}, ExitUsage, "flag provided but not defined: -bogus"},
		{"check unknown tool", token, []string{"check", "--tool", "docker"}, ExitUsage, `unknown tool "docker" (known: podman, buildah, skopeo)`},
		{"publish unknown tool", token, []string{"publish", "--tool", "docker", "--version", "1.0.0", "--key", pub, dir}, ExitUsage, `unknown tool "docker"`},
		{"malformed version", token, []string{"publish", "--tool", "podman", "--version", "5.8", "--key", pub, dir}, ExitUsage, `malformed --version "5.8"`},
		{"pre-release version", token, []string{"publish", "--tool", "podman", "--version", "6.0.0-rc1", "--key", pub, dir}, ExitUsage, `malformed --version "6.0.0-rc1"`},
		{"missing version", token, []string{"publish", "--tool", "podman", "--key", pub, dir}, ExitUsage, "--version is required"},
		{"missing commit", token, []string{"publish", "--tool", "podman", "--version", "5.8.4", "--key", pub, dir}, ExitUsage, "--commit is required"},
		{"short commit", token, []string{"publish", "--tool", "podman", "--version", "5.8.4", "--commit", "89abcde", "--key", pub, dir}, ExitUsage, `malformed --commit "89abcde": want a full commit SHA`},
		{"branch as commit", token, []string{"publish", "--tool", "podman", "--version", "5.8.4", "--commit", "main", "--key", pub, dir}, ExitUsage, `malformed --commit "main"`},
		{"malformed GITHUB_SHA", map[string]string{"GITHUB_SHA": "refs/heads/main"}, []string{"publish", "--tool", "podman", "--version", "5.8.4", "--key", pub, "--dry-run", dir}, ExitUsage, `malformed $GITHUB_SHA "refs/heads/main"`},
		{"missing token", nil, publish(dir), ExitUsage, "GITHUB_TOKEN is not set"},
		{"no verification flags", token, []string{"publish", "--tool", "podman", "--version", "5.8.4", "--commit", built, dir}, ExitUsage, "give --key"},
		{"half the keyless flags", token, []string{"verify", "--certificate-oidc-issuer", "https://x", dir}, ExitUsage, "needs both"},
		{"keyless and a key", nil, []string{"verify", "--keyless", "--key", pub, dir}, ExitUsage, "give it without them and without --key"},
		{"keyless and an identity", nil, []string{"verify", "--keyless", "--certificate-identity-regexp", ".*", dir}, ExitUsage, "--keyless stands for"},
		{"missing directory", token, publish(filepath.Join(dir, "nope")), ExitFailure, "nope does not exist"},
		{"missing archive", token, publish(noArm), ExitFailure, "lacks archives of podman: podman-minimal-linux-arm64.tar.zst"},
		{"archive is a symlink", token, publish(linked), ExitFailure, filepath.Join(linked, podmanArchives[3]) + " is a symlink to " + elsewhere + ", not a regular file"},
		{"archive is a directory", token, publish(asDir), ExitFailure, filepath.Join(asDir, podmanArchives[3]) + " is a directory, not a regular file"},
		{"dry run: archive is a symlink", nil, publish("--dry-run", linked), ExitFailure, filepath.Join(linked, podmanArchives[3]) + " is a symlink"},
		{"dry run: archive is a directory", nil, publish("--dry-run", asDir), ExitFailure, filepath.Join(asDir, podmanArchives[3]) + " is a directory"},
		{"two directories", token, publish(dir, dir), ExitUsage, "want exactly one release directory"},
		{"bad API URL", map[string]string{"GITHUB_TOKEN": "t"}, publish("--api-url", "ftp://x", dir), ExitUsage, `API URL "ftp://x/" is not an http(s) URL`},
		{"unreachable API", token, publish("--retries", "0", dir), ExitFailure, "127.0.0.1:1"},
		{"sign missing file", pw, []string{"sign", "--key", strings.TrimSuffix(pub, ".pub") + ".key", "missing.tar.zst"}, ExitFailure, "missing.tar.zst"},
		{"sign without password", nil, []string{"sign", "--key", strings.TrimSuffix(pub, ".pub") + ".key", filepath.Join(dir, podmanArchives[0])}, ExitUsage, "COSIGN_PASSWORD is not set"},
		{"sign wrong password", map[string]string{"COSIGN_PASSWORD": "nope"}, []string{"sign", "--key", strings.TrimSuffix(pub, ".pub") + ".key", filepath.Join(dir, podmanArchives[0])}, ExitFailure, "is COSIGN_PASSWORD right?"},
		{"sign missing key", pw, []string{"sign", "--key", "/no/such.key", filepath.Join(dir, podmanArchives[0])}, ExitFailure, "/no/such.key"},
		{"sign a symlink", pw, []string{"sign", "--key", key, filepath.Join(linked, podmanArchives[0]), filepath.Join(linked, podmanArchives[3])}, ExitFailure, filepath.Join(linked, podmanArchives[3]) + " is a symlink to " + elsewhere},
		{"sign a directory", pw, []string{"sign", "--key", key, filepath.Join(asDir, podmanArchives[3])}, ExitFailure, filepath.Join(asDir, podmanArchives[3]) + " is a directory"},
		{"sign keyless a symlink", nil, []string{"sign", "--keyless", filepath.Join(linked, podmanArchives[3])}, ExitFailure, filepath.Join(linked, podmanArchives[3]) + " is a symlink"},
		{"sign nothing", pw, []string{"sign", "--key", pub}, ExitUsage, "no files to sign"},
		{"sign no mode", pw, []string{"sign", filepath.Join(dir, podmanArchives[0])}, ExitUsage, "give --key cosign.key, or --keyless"},
		{"keyless without token", nil, []string{"sign", "--keyless", filepath.Join(dir, podmanArchives[0])}, ExitFailure, "id-token: write"},
		{"verify missing file", nil, []string{"verify", "--key", pub, "gone.tar.zst"}, ExitFailure, "gone.tar.zst: no signature"},
		{"verify missing key", nil, []string{"verify", "--key", "/no/such.pub", "x"}, ExitFailure, "/no/such.pub"},
		{"checksums no directory", nil, []string{"checksums"}, ExitUsage, "want exactly one directory"},
		{"checksums missing directory", nil, []string{"checksums", "--tool", "podman", "/no/such/dir"}, ExitFailure, "release directory /no/such/dir does not exist"},
		{"checksums over a symlink", nil, []string{"checksums", "--tool", "podman", linked}, ExitFailure, filepath.Join(linked, podmanArchives[3]) + " is a symlink to " + elsewhere + ", not a regular file"},
		{"checksums over a directory", nil, []string{"checksums", "--tool", "podman", asDir}, ExitFailure, filepath.Join(asDir, podmanArchives[3]) + " is a directory, not a regular file"},
		{"checksums without a tool", nil, []string{"checksums", dir}, ExitUsage, "--tool is required"},
		{"checksums without bundles.json", nil, []string{"checksums", "--tool", "podman", noList}, ExitFailure, filepath.Join(noList, "bundles.json") + " does not exist: it lists the archives to release"},
		{"checksums: bundles.json malformed", nil, []string{"checksums", "--tool", "podman", badList}, ExitFailure, filepath.Join(badList, "bundles.json") + ": malformed archive list"},
		{"checksums: tool not in bundles.json", nil, []string{"checksums", "--tool", "podman", skopeoOnly}, ExitFailure, "bundles.json lists no archives of podman (it lists skopeo)"},
		{"checksums: archive missing", nil, []string{"checksums", "--tool", "podman", noArm}, ExitFailure, "lacks archives of podman: podman-minimal-linux-arm64.tar.zst (" + filepath.Join(noArm, "bundles.json") + " lists them)"},
		{"checksums: --bundles missing", nil, []string{"checksums", "--tool", "podman", "--bundles", "/no/such.json", dir}, ExitFailure, "/no/such.json does not exist"},
		{"checksums: --bundles elsewhere", nil, []string{"checksums", "--tool", "podman", "--bundles", listElsewhere, dir}, ExitFailure, listElsewhere + " lists no archives of podman (it lists skopeo)"},
		{"checksums: another version", nil, []string{"checksums", "--tool", "podman", "--version", "6.0.0", dir}, ExitFailure, "podman-minimal-linux-amd64.tar.zst holds podman 5.8.4 (top directory podman-v5.8.4/), not podman 6.0.0"},
		{"checksums: malformed version", nil, []string{"checksums", "--tool", "podman", "--version", "6", dir}, ExitUsage, `malformed --version "6"`},
		{"checksums: not an archive", nil, []string{"checksums", "--tool", "podman", "--version", "5.8.4", garbage}, ExitFailure, filepath.Join(garbage, podmanArchives[0]) + " is not a zstd-compressed tar archive"},
		{"publish without bundles.json", token, publish(noList), ExitFailure, "does not exist: it lists the archives to release, and `bazel build //release:all` writes it"},
		{"publish: tool not in bundles.json", token, publish(skopeoOnly), ExitFailure, "bundles.json lists no archives of podman (it lists skopeo)"},
		{"publish: bundles.json malformed", token, publish(badList), ExitFailure, "malformed archive list"},
		{"publish: another version", token, []string{"publish", "--tool", "podman", "--version", "5.9.0", "--commit", built, "--key", pub, dir}, ExitFailure, "podman-full-linux-amd64.tar.zst holds podman 5.8.4 (top directory podman-v5.8.4/), not podman 5.9.0"},
		{"sign --tool without bundles.json", pw, []string{"sign", "--key", key, "--tool", "podman", noList}, ExitFailure, "bundles.json does not exist"},
		{"sign --tool before checksums", pw, []string{"sign", "--key", key, "--tool", "podman", unsummed}, ExitFailure, "has no checksums.txt (run `release checksums --tool podman " + unsummed + "` first)"},
		{"sign --tool: checksums.txt of another tool", pw, []string{"sign", "--key", key, "--tool", "buildah", dir}, ExitFailure, "buildah-linux-amd64.tar.zst: not listed in checksums.txt"},
		{"verify --tool: checksums.txt of another tool", nil, []string{"verify", "--key", pub, "--tool", "buildah", dir}, ExitFailure, "podman-full-linux-amd64.tar.zst: listed in checksums.txt but not one of the files released"},
		{"sign --tool two directories", pw, []string{"sign", "--key", key, "--tool", "podman", dir, dir}, ExitUsage, "with --tool, give exactly one release directory"},
		{"sign --bundles without --tool", pw, []string{"sign", "--key", key, "--bundles", listElsewhere, dir}, ExitUsage, "--bundles goes with --tool"},
		{"sign --tool: archive missing", pw, []string{"sign", "--key", key, "--tool", "podman", noArm}, ExitFailure, "lacks archives of podman: podman-minimal-linux-arm64.tar.zst"},
		{"verify --tool: tool not in bundles.json", nil, []string{"verify", "--key", pub, "--tool", "podman", skopeoOnly}, ExitFailure, "lists no archives of podman"},
		{"keygen without password", nil, []string{"keygen", "--output-prefix", filepath.Join(t.TempDir(), "k")}, ExitUsage, "COSIGN_PASSWORD is not set"},
		{"check with arguments", nil, []string{"check", "podman"}, ExitUsage, "unexpected arguments"},
		{"config missing", nil, []string{"check", "--config", "/no/such.json"}, ExitUsage, "/no/such.json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := run(t, c.environ, c.args...)
			if code != c.code || !strings.Contains(stderr, c.stderr) {
				t.Errorf("exit %d (want %d), stderr:\n%s\nwant it to contain %q", code, c.code, stderr, c.stderr)
			}
		})
	}
	// A refused sign signs none of its files.
	if _, err := os.Stat(filepath.Join(linked, podmanArchives[0]+".sig")); err == nil {
		t.Error("sign wrote a signature although one of its files is a symlink")
	}
}

func TestVerifyFailsOnTamperedFile(t *testing.T) {
	dir, pub := release(t)
	file := filepath.Join(dir, podmanArchives[1])
	os.WriteFile(file, []byte("tampered"), 0o644)
	code, stdout, stderr := run(t, nil, "verify", "--key", pub, filepath.Join(dir, podmanArchives[0]), file)
	if code != ExitFailure || !strings.Contains(stderr, "FAILED "+file) || !strings.Contains(stderr, "1 of 2 files failed") ||
		!strings.Contains(stdout, "verified "+filepath.Join(dir, podmanArchives[0])) {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

// Every flag a synopsis names exists, and --help exits 0.
func TestHelpTellsTheTruth(t *testing.T) {
	code, stdout, _ := run(t, nil, "help")
	if code != 0 {
		t.Fatalf("help: exit %d", code)
	}
	for _, c := range commands {
		if !strings.Contains(stdout, "  "+c.name+" ") {
			t.Errorf("help does not list %s", c.name)
		}
		code, _, stderr := run(t, nil, c.name, "--help")
		if code != 0 || !strings.Contains(stderr, "Usage: release "+c.name) || !strings.Contains(stderr, "Exit status") {
			t.Errorf("%s --help: exit %d\n%s", c.name, code, stderr)
			continue
		}
		synopsis, _, _ := strings.Cut(stderr, "\n")
		for _, m := range regexp.MustCompile(`--([a-z-]+)`).FindAllStringSubmatch(synopsis, -1) {
			if !strings.Contains(stderr, "\n  -"+m[1]+" ") && !strings.Contains(stderr, "\n  -"+m[1]+"\n") {
				t.Errorf("%s: synopsis names --%s, which is not a flag", c.name, m[1])
			}
		}
	}
}

// --keyless (what publish.yml passes) accepts exactly our publish workflow on
// main, from GitHub Actions' OIDC issuer.
func TestKeylessMeansOurPublishWorkflowOnMain(t *testing.T) {
	root := filepath.Join(t.TempDir(), "trusted_root.json")
	signingtest.Fulcio(t, "https://example.com").WriteTrustedRoot(t, root)
	v, err := (&verifyFlags{keyless: true, trustedRoot: root}).verifier(ours)
	if err != nil {
		t.Fatal(err)
	}
	id := v.(*signing.KeylessVerifier).Identity
	if re := id.SubjectAlternativeName.Regexp.String(); re != signing.PublishIdentityRegexp(ours) || !strings.HasSuffix(re, "@refs/heads/main$") {
		t.Errorf("--keyless accepts identities matching %s", re)
	}
	if id.Issuer.Issuer != signing.GitHubIssuer {
		t.Errorf("--keyless accepts issuer %q", id.Issuer.Issuer)
	}
}
