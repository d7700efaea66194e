package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/fakegithub"
)

const cliPins = `{
  "crun": {
    "version": "1.21",
    "upstream": {
      "kind": "github-release"
    },
    "urls": [
      "https://github.com/containers/crun/releases/download/1.21/crun-1.21.tar.gz"
    ],
    "sha256": "4bfb700e764a4804a4de3ecf07753f4c391005356d60356df65d80ae0914c486",
    "strip_prefix": "crun-1.21",
    "offline": {
      "kind": "debian-orig",
      "package": "crun=1.21-1",
      "file": "crun_1.21.orig.tar.gz",
      "sha256": "4bfb700e764a4804a4de3ecf07753f4c391005356d60356df65d80ae0914c486",
      "strip_prefix": "crun-1.21"
    }
  },
  "catatonit": {
    "version": "0.2.1",
    "upstream": {
      "kind": "github-release"
    },
    "urls": [
      "https://github.com/openSUSE/catatonit/archive/refs/tags/v0.2.1.tar.gz"
    ],
    "sha256": "771385049516fdd561fbb9164eddf376075c4c7de3900a8b18654660172748f1",
    "strip_prefix": "catatonit-0.2.1",
    "offline": {
      "kind": "debian-orig",
      "package": "catatonit=0.2.1-2",
      "file": "catatonit_0.2.1.orig.tar.gz",
      "sha256": "771385049516fdd561fbb9164eddf376075c4c7de3900a8b18654660172748f1",
      "strip_prefix": "catatonit-0.2.1"
    }
  }
}
`

// The daily check's part half and the pin bump, through the command line as
// check-releases.yml runs them.
func TestCheckAndBumpPins(t *testing.T) {
	fake := fakegithub.New()
	t.Cleanup(fake.Close)
	for _, tool := range []string{"podman-container-tools/podman", "podman-container-tools/buildah", "podman-container-tools/skopeo"} {
		fake.AddRepo(tool)
	}
	fake.AddRepo(ours)
	fake.AddAsset(fake.AddRelease("containers/crun", "1.22", false, false), "crun-1.22.tar.gz", []byte("crun 1.22"))
	fake.AddRelease("containers/crun", "1.23", false, true) // pre-release
	fake.AddRelease("openSUSE/catatonit", "v0.2.1", false, false)
	dir := t.TempDir()
	path := filepath.Join(dir, "pins.json")
	os.WriteFile(path, []byte(cliPins), 0o644)
	env := map[string]string{"GITHUB_API_URL": fake.APIURL()}
	mirror := "--mirror=https://github.com/=" + fake.URL + "/"

	ghOutput := filepath.Join(dir, "github_output")
	out := mustRun(t, env, "check", "--pins", path, "--part", "crun", mirror, "--github-output", ghOutput)
	if out != "pin crun 1.21: upstream 1.22, from GitHub releases of containers/crun, tag {version}: bump crun to 1.22\n" {
		t.Errorf("check --part crun:\n%s", out)
	}
	data, _ := os.ReadFile(ghOutput)
	if want := "matrix={\"include\":[]}\ncount=0\npin_matrix={\"include\":[{\"part\":\"crun\",\"version\":\"1.22\"}]}\npin_count=1\n"; string(data) != want {
		t.Errorf("GITHUB_OUTPUT:\n%s\nwant\n%s", data, want)
	}
	out = mustRun(t, env, "check", "--pins", path, mirror, "--json")
	if !strings.Contains(out, `"part": "catatonit"`) || !strings.Contains(out, `"tools": [`) || strings.Count(out, `"bump": true`) != 1 {
		t.Errorf("check --json:\n%s", out)
	}

	body := filepath.Join(dir, "body.md")
	out = mustRun(t, env, "bump-pin", "--pins", path, mirror, "--body", body, "crun", "1.22")
	sum := sha256.Sum256([]byte("crun 1.22"))
	if !strings.HasPrefix(out, "crun 1.21 -> 1.22\n  crun: https://github.com/containers/crun/releases/download/1.22/crun-1.22.tar.gz sha256 "+hex.EncodeToString(sum[:])+"; offline: unavailable: ") {
		t.Errorf("bump-pin:\n%s", out)
	}
	if b, _ := os.ReadFile(body); !strings.Contains(string(b), "cannot be built offline") {
		t.Errorf("body:\n%s", b)
	}
	pinned, _ := os.ReadFile(path)
	if !strings.Contains(string(pinned), `"version": "1.22"`) || !strings.Contains(string(pinned), `"kind": "unavailable"`) {
		t.Errorf("pins.json:\n%s", pinned)
	}
	out = mustRun(t, env, "bump-pin", "--pins", path, mirror, "catatonit")
	if out != "catatonit 0.2.1: already pinned, nothing changed\n" {
		t.Errorf("bump-pin catatonit: %q", out)
	}

	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"bump-pin", "--pins", path, "runc"}, ExitUsage, `no part "runc" in third_party/pins.json (tracked: crun, catatonit)`},
		{[]string{"bump-pin", "--pins", path, "crun", "v1.x"}, ExitUsage, `malformed VERSION "v1.x"`},
		{[]string{"bump-pin", "--pins", path}, ExitUsage, "want PART [VERSION], got 0 arguments"},
		{[]string{"bump-pin", "--pins", filepath.Join(dir, "none.json"), "crun"}, ExitUsage, "none.json: no such file"},
		{[]string{"bump-pin", "--pins", path, "--mirror", "nonsense", "crun"}, ExitUsage, `mirror "nonsense": want FROM=TO`},
		{[]string{"bump-pin", "--pins", path, mirror, "crun", "1.30"}, ExitFailure, "pin crun 1.30: downloading to compute its sha256: GET https://github.com/containers/crun/releases/download/1.30/crun-1.30.tar.gz: 404 Not Found"},
		{[]string{"check", "--part", "crun"}, ExitUsage, "--part needs --pins"},
		{[]string{"check", "--pins", path, "--part", "runc"}, ExitUsage, `no part "runc"`},
	} {
		code, _, stderr := run(t, env, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr, c.code, c.want)
		}
	}
	if after, _ := os.ReadFile(path); string(after) != string(pinned) {
		t.Error("a failed bump changed pins.json")
	}
}

// bump-pin writes pins.json and --body together or neither: a description that cannot be
// written leaves pins.json as it was, and the command fails.
func TestBumpPinWritesPinsAndBodyTogether(t *testing.T) {
	fake := fakegithub.New()
	t.Cleanup(fake.Close)
	fake.AddAsset(fake.AddRelease("containers/crun", "1.22", false, false), "crun-1.22.tar.gz", []byte("crun 1.22"))
	dir := t.TempDir()
	path := filepath.Join(dir, "pins.json")
	os.WriteFile(path, []byte(cliPins), 0o644)
	env := map[string]string{"GITHUB_API_URL": fake.APIURL()}
	mirror := "--mirror=https://github.com/=" + fake.URL + "/"
	body := filepath.Join(dir, "no", "such", "body.md")
	code, out, errOut := run(t, env, "bump-pin", "--pins", path, mirror, "--body", body, "crun", "1.22")
	if code != ExitFailure || !strings.Contains(errOut, body) {
		t.Errorf("bump-pin --body %s: exit %d, stdout %q, stderr %q; want a failure naming it", body, code, out, errOut)
	}
	if after, _ := os.ReadFile(path); string(after) != cliPins {
		t.Errorf("pins.json changed though its --body could not be written:\n%s", after)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the directory holds %d entries, want pins.json only", len(entries))
	}
}
