package pinbump

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/pins"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/fakegithub"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/ghapi"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/upstream"
)

// harness: testdata/pins.json in a temporary directory, and the fake serving
// GitHub (API and downloads) and, through mirrors, the other upstream sites.
type harness struct {
	fake   *fakegithub.Server
	path   string
	before []byte
	opts   upstream.Options
}

func setup(t *testing.T) *harness {
	t.Helper()
	fake := fakegithub.New()
	t.Cleanup(fake.Close)
	fake.Token = "secret" // a writer's token: the listing includes drafts, which must still be skipped
	data, err := os.ReadFile("testdata/pins.json")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "pins.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := ghapi.New(ghapi.Options{APIURL: fake.APIURL(), Token: "secret", Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return &harness{fake: fake, path: path, before: data, opts: upstream.Options{
		GitHub: c,
		Mirrors: []upstream.Mirror{
			{From: "https://github.com/", To: fake.URL + "/"},
			{From: "https://go.dev/", To: fake.URL + "/go.dev/"},
			{From: "https://ziglang.org/", To: fake.URL + "/ziglang.org/"},
			{From: "https://download.gnome.org/", To: fake.URL + "/gnome/"},
			{From: "https://static.rust-lang.org/", To: fake.URL + "/rust/"},
		},
		GoProxy: fake.URL + "/goproxy",
	}}
}

func (h *harness) bump(t *testing.T, part, version string) (*Result, error) {
	t.Helper()
	f, err := pins.Load(h.path)
	if err != nil {
		t.Fatal(err)
	}
	return Run(context.Background(), Options{File: f, Part: part, Version: version, Sources: upstream.New(h.opts)})
}

// pins reads the file back as plain JSON.
func (h *harness) pins(t *testing.T) map[string]map[string]any {
	t.Helper()
	data, err := os.ReadFile(h.path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("pins.json after the bump: %v", err)
	}
	out := map[string]map[string]any{}
	for k, v := range m {
		if o, ok := v.(map[string]any); ok {
			out[k] = o
		}
	}
	return out
}

// othersUnchanged: every pin but those named is as it was.
func (h *harness) othersUnchanged(t *testing.T, changed ...string) {
	t.Helper()
	var old map[string]any
	json.Unmarshal(h.before, &old)
	now := h.pins(t)
	for k, v := range old {
		if _, ok := v.(map[string]any); !ok || contains(changed, k) {
			continue
		}
		if !reflect.DeepEqual(any(now[k]), v) {
			t.Errorf("pin %s changed:\n%v\nwas\n%v", k, now[k], v)
		}
	}
}

func (h *harness) unchanged(t *testing.T) {
	t.Helper()
	data, _ := os.ReadFile(h.path)
	if !bytes.Equal(data, h.before) {
		t.Errorf("pins.json changed:\n%s", data)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(h.path), "*"))
	if len(left) != 1 {
		t.Errorf("files left beside pins.json: %v", left)
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// crunReleases: 1.22 is the newest stable release; a draft and pre-releases are newer.
func crunReleases(h *harness, withAsset bool) []byte {
	src := []byte("crun 1.22 release tarball")
	for _, v := range []string{"1.20", "1.21"} {
		h.fake.AddAsset(h.fake.AddRelease("containers/crun", v, false, false), "crun-"+v+".tar.gz", []byte("crun "+v))
	}
	r := h.fake.AddRelease("containers/crun", "1.22", false, false)
	if withAsset {
		h.fake.AddAsset(r, "crun-1.22.tar.gz", src)
	}
	h.fake.AddAsset(h.fake.AddRelease("containers/crun", "1.23", true, false), "crun-1.23.tar.gz", []byte("draft"))
	h.fake.AddAsset(h.fake.AddRelease("containers/crun", "1.24", false, true), "crun-1.24.tar.gz", []byte("marked pre-release"))
	h.fake.AddAsset(h.fake.AddRelease("containers/crun", "1.25-rc1", false, false), "crun-1.25-rc1.tar.gz", []byte("pre-release by its tag"))
	return src
}

// The newest stable crun release on GitHub is found (not the draft, not the
// pre-releases) and its pin rewritten: version, URL, strip_prefix, the sha256
// of the bytes served; Debian's offline half is marked unavailable, not left
// naming 1.21's file.
func TestBumpsCrunToItsNewestGitHubRelease(t *testing.T) {
	h := setup(t)
	src := crunReleases(h, true)
	res, err := h.bump(t, "crun", "")
	if err != nil {
		t.Fatal(err)
	}
	if res.From != "1.21" || res.To != "1.22" || len(res.Pins) != 1 {
		t.Fatalf("result %+v", res)
	}
	crun := h.pins(t)["crun"]
	want := map[string]any{
		"version":      "1.22",
		"upstream":     map[string]any{"kind": "github-release"},
		"license":      "GPL-2.0-or-later AND LGPL-2.1-or-later",
		"urls":         []any{"https://github.com/containers/crun/releases/download/1.22/crun-1.22.tar.gz"},
		"sha256":       sum(src),
		"strip_prefix": "crun-1.22",
	}
	off := crun["offline"].(map[string]any)
	delete(crun, "offline")
	if !reflect.DeepEqual(crun, want) {
		t.Errorf("crun pin\n got %v\nwant %v", crun, want)
	}
	if off["kind"] != pins.Unavailable || off["file"] != "" || off["sha256"] != "" ||
		!strings.Contains(off["why"].(string), "crun 1.21 was Debian's crun=1.21-1 (debian-orig)") {
		t.Errorf("crun offline half: %v", off)
	}
	h.othersUnchanged(t, "crun")
	body := res.Body()
	for _, s := range []string{"Bumps crun from 1.21 to upstream's 1.22", sum(src), "**This cannot be built offline**", "whether Debian packages 1.22 is not looked up"} {
		if !strings.Contains(body, s) {
			t.Errorf("pull request body lacks %q:\n%s", s, body)
		}
	}
	// the rewritten file is still a valid pins file, kept in order
	f, err := pins.Load(h.path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Parts(); err != nil {
		t.Error(err)
	}
	// bumping again changes nothing
	data, _ := os.ReadFile(h.path)
	h.before = data
	if res, err := h.bump(t, "crun", ""); err != nil || len(res.Pins) != 0 {
		t.Errorf("second bump: %+v, %v", res, err)
	}
	h.unchanged(t)
}

// A part at upstream's newest release proposes nothing and the file stays as it is.
func TestUnchangedPartProposesNothing(t *testing.T) {
	h := setup(t)
	for _, v := range []string{"v2.1.12", "v2.1.13"} {
		h.fake.AddRelease("containers/conmon", v, false, false)
	}
	h.fake.AddRelease("containers/conmon", "v2.2.0-rc1", false, true)
	res, err := h.bump(t, "conmon", "")
	if err != nil {
		t.Fatal(err)
	}
	if res.From != "2.1.13" || res.To != "2.1.13" || len(res.Pins) != 0 {
		t.Errorf("result %+v", res)
	}
	h.unchanged(t)
	if n := h.fake.Stats().Downloads; n != 0 {
		t.Errorf("%d downloads for a part already pinned", n)
	}
}

// A file that cannot be downloaded (404) has no sha256: the bump fails
// saying which and why, and pins.json is not touched.
func TestDownloadFailureLeavesPinsUntouched(t *testing.T) {
	h := setup(t)
	crunReleases(h, false) // 1.22 has no tarball
	_, err := h.bump(t, "crun", "")
	if err == nil {
		t.Fatal("bump without a downloadable file succeeded")
	}
	for _, s := range []string{"pin crun 1.22", "https://github.com/containers/crun/releases/download/1.22/crun-1.22.tar.gz", "404", "sha256", pins.Path + " is left as it was"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q lacks %q", err, s)
		}
	}
	h.unchanged(t)
	// a version upstream never had, asked for by hand
	if _, err := h.bump(t, "crun", "9.9"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("bump to 9.9: %v", err)
	}
	h.unchanged(t)
}

// go: the Go project's list names the version; the offline half comes from
// the Go module proxy, the same zip as upstream's.
func TestGoSDKOfflineFromTheModuleProxy(t *testing.T) {
	h := setup(t)
	h.fake.AddFile("/go.dev/dl/", []byte(`[{"version":"go1.28rc1","stable":false},{"version":"go1.27.5","stable":true},{"version":"go1.26.9","stable":true}]`))
	zipData := []byte("go 1.27.5 toolchain module zip")
	mod := "/golang.org/toolchain/@v/v0.0.1-go1.27.5.linux-amd64.zip"
	h.fake.AddFile("/go.dev/dl/mod"+mod, zipData)
	h.fake.AddFile("/goproxy"+mod, zipData)
	res, err := h.bump(t, "go_sdk", "")
	if err != nil {
		t.Fatal(err)
	}
	if res.To != "1.27.5" || !res.Offline() {
		t.Fatalf("result %+v", res)
	}
	got := h.pins(t)["go_sdk"]
	wantOff := map[string]any{
		"kind": "go-toolchain", "module": "golang.org/toolchain@v0.0.1-go1.27.5.linux-amd64",
		"file": "golang.org_toolchain_v0.0.1-go1.27.5.linux-amd64.zip", "sha256": sum(zipData),
		"strip_prefix": "golang.org/toolchain@v0.0.1-go1.27.5.linux-amd64",
	}
	if got["sha256"] != sum(zipData) || got["strip_prefix"] != wantOff["strip_prefix"] || !reflect.DeepEqual(got["offline"], any(wantOff)) {
		t.Errorf("go_sdk pin: %v", got)
	}
	if !strings.Contains(res.Body(), "Offline: every pin's offline half is filled") {
		t.Errorf("body:\n%s", res.Body())
	}
	h.othersUnchanged(t, "go_sdk")
}

// A proxy that differs from upstream is an error, not a pin.
func TestGoSDKProxyMismatchFails(t *testing.T) {
	h := setup(t)
	h.fake.AddFile("/go.dev/dl/", []byte(`[{"version":"go1.27.5","stable":true}]`))
	mod := "/golang.org/toolchain/@v/v0.0.1-go1.27.5.linux-amd64.zip"
	h.fake.AddFile("/go.dev/dl/mod"+mod, []byte("one"))
	h.fake.AddFile("/goproxy"+mod, []byte("another"))
	if _, err := h.bump(t, "go_sdk", ""); err == nil || !strings.Contains(err.Error(), "the Go module proxy's zip has sha256") {
		t.Errorf("err = %v", err)
	}
	h.unchanged(t)
}

// gnome: the newest even minor release, at the URL cache.json gives (its series' directory).
func TestGlibURLFromTheGnomeIndex(t *testing.T) {
	h := setup(t)
	h.fake.AddFile("/gnome/sources/glib/cache.json", []byte(`[4, {"glib": {
		"2.88.0": {"tar.xz": "2.88/glib-2.88.0.tar.xz"},
		"2.89.1": {"tar.xz": "2.89/glib-2.89.1.tar.xz"},
		"2.90.0": {"tar.xz": "2.90/glib-2.90.0.tar.xz", "sha256sum": "2.90/glib-2.90.0.sha256sum"}}},
		{"glib": ["2.88.0", "2.89.1", "2.90.0"]}, []]`))
	h.fake.AddFile("/gnome/sources/glib/2.90/glib-2.90.0.tar.xz", []byte("glib 2.90.0"))
	res, err := h.bump(t, "glib", "")
	if err != nil {
		t.Fatal(err)
	}
	g := h.pins(t)["glib"]
	if res.To != "2.90.0" || fmt.Sprint(g["urls"]) != "[https://download.gnome.org/sources/glib/2.90/glib-2.90.0.tar.xz]" ||
		g["sha256"] != sum([]byte("glib 2.90.0")) || g["strip_prefix"] != "glib-2.90.0" {
		t.Errorf("glib pin: %v", g)
	}
}

// rust-dist: the stable channel's version moves the part's pins together.
func TestRustPinsMoveTogether(t *testing.T) {
	h := setup(t)
	h.fake.AddFile("/rust/dist/channel-rust-stable.toml", []byte("manifest-version = \"2\"\n[pkg.cargo]\nversion = \"0.99.0 (x 2026-01-01)\"\n[pkg.rust]\nversion = \"1.98.0 (abcdef012 2026-11-26)\"\n"))
	h.fake.AddFile("/rust/dist/rustc-1.98.0-x86_64-unknown-linux-gnu.tar.xz", []byte("rustc"))
	h.fake.AddFile("/rust/dist/rust-src-1.98.0.tar.xz", []byte("rust-src"))
	res, err := h.bump(t, "rust", "")
	if err != nil {
		t.Fatal(err)
	}
	if res.To != "1.98.0" || len(res.Pins) != 2 {
		t.Fatalf("result %+v", res)
	}
	p := h.pins(t)
	if p["rust_rustc"]["version"] != "1.98.0" || p["rust_src"]["version"] != "1.98.0" ||
		p["rust_src"]["sha256"] != sum([]byte("rust-src")) || p["rust_src"]["strip_prefix"] != "rust-src-1.98.0" {
		t.Errorf("rust pins: %v\n%v", p["rust_rustc"], p["rust_src"])
	}
	h.othersUnchanged(t, "rust_rustc", "rust_src")
}

// Parts nobody follows cannot be bumped, and say why.
func TestUntrackedPartIsRefused(t *testing.T) {
	h := setup(t)
	for part, want := range map[string]string{
		"passt":            "passt is not tracked: passt.top lists its releases only on cgit's web pages",
		"rust_lib_libz3_4": "offline only (no upstream URL)",
		"rust_src":         `no part "rust_src"`,
	} {
		if _, err := h.bump(t, part, ""); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bump %s: %v, want %q", part, err, want)
		}
	}
	h.unchanged(t)
}

// wheel is a minimal wheel pip accepts.
func wheel(t *testing.T, name, version string) []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	info := name + "-" + version + ".dist-info/"
	for f, body := range map[string]string{
		info + "METADATA": "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n",
		info + "WHEEL":    "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\nTag: py3-none-manylinux_2_12_x86_64\n",
		info + "RECORD":   "",
		name + "/zig":     "zig",
	} {
		w, _ := z.Create(f)
		w.Write([]byte(body))
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// zig: the Zig index names the version; pip fetches the offline wheel from
// the package index it is configured with (here the fake's simple index).
func TestZigOfflineThroughPip(t *testing.T) {
	if _, err := exec.LookPath("pip3"); err != nil {
		t.Skip("pip3 is not installed")
	}
	h := setup(t)
	h.fake.AddFile("/ziglang.org/download/index.json", []byte(`{"master": {"version": "0.16.0-dev.1+abc"}, "0.15.2": {}, "0.15.3": {}, "0.14.1": {}}`))
	h.fake.AddFile("/ziglang.org/download/0.15.3/zig-x86_64-linux-0.15.3.tar.xz", []byte("zig 0.15.3"))
	whl := "ziglang-0.15.3-py3-none-manylinux_2_12_x86_64.manylinux2010_x86_64.musllinux_1_1_x86_64.whl"
	data := wheel(t, "ziglang", "0.15.3")
	h.fake.AddFile("/pypi/files/"+whl, data)
	h.fake.AddFile("/pypi/simple/ziglang/", []byte(`<html><body><a href="`+h.fake.URL+`/pypi/files/`+whl+`#sha256=`+sum(data)+`">`+whl+`</a></body></html>`))
	h.opts.Env = append(os.Environ(), "PIP_INDEX_URL="+h.fake.URL+"/pypi/simple/", "PIP_FIND_LINKS=", "PIP_CONFIG_FILE=/dev/null", "PIP_NO_CACHE_DIR=1")
	res, err := h.bump(t, "zig", "")
	if err != nil {
		t.Fatal(err)
	}
	z := h.pins(t)["zig"]
	off := z["offline"].(map[string]any)
	if res.To != "0.15.3" || z["sha256"] != sum([]byte("zig 0.15.3")) || off["package"] != "ziglang==0.15.3" ||
		off["file"] != whl || off["sha256"] != sum(data) || off["platform"] != "manylinux_2_12_x86_64" {
		t.Errorf("zig pin: %v", z)
	}

	// a release the index lacks leaves the offline half unavailable, saying so
	h = setup(t)
	h.fake.AddFile("/ziglang.org/download/index.json", []byte(`{"0.15.3": {}}`))
	h.fake.AddFile("/ziglang.org/download/0.15.3/zig-x86_64-linux-0.15.3.tar.xz", []byte("zig 0.15.3"))
	h.fake.AddFile("/pypi/simple/ziglang/", []byte(`<html><body></body></html>`))
	h.opts.Env = append(os.Environ(), "PIP_INDEX_URL="+h.fake.URL+"/pypi/simple/", "PIP_FIND_LINKS=", "PIP_CONFIG_FILE=/dev/null", "PIP_NO_CACHE_DIR=1")
	res, err = h.bump(t, "zig", "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Offline() || h.pins(t)["zig"]["offline"].(map[string]any)["kind"] != pins.Unavailable ||
		!strings.Contains(res.Body(), "pip finds no wheel ziglang==0.15.3 for manylinux_2_12_x86_64") {
		t.Errorf("zig without a wheel: %+v\n%s", res, res.Body())
	}
}

// netavark: a GitHub release; the offline half is the crate registry's
// release, whose checksum cargo reads from the registry's index (here a fake
// sparse registry that cargo is configured to use instead of the default one).
func TestNetavarkOfflineThroughCargo(t *testing.T) {
	if _, err := exec.LookPath("cargo"); err != nil {
		t.Skip("cargo is not installed")
	}
	h := setup(t)
	h.fake.AddSourceArchive(h.fake.AddRelease("containers/netavark", "v2.2.0", false, false), []byte("netavark 2.2.0 source"))
	crate := sum([]byte("netavark-2.2.0.crate"))
	h.fake.AddFile("/crates/config.json", []byte(`{"dl": "`+h.fake.URL+`/crates/dl"}`))
	h.fake.AddFile("/crates/ne/ta/netavark", []byte(
		`{"name":"netavark","vers":"2.1.0","deps":[],"cksum":"`+sum([]byte("old"))+`","features":{},"yanked":false}`+"\n"+
			`{"name":"netavark","vers":"2.2.0","deps":[],"cksum":"`+crate+`","features":{},"yanked":false}`+"\n"))
	home := t.TempDir()
	config := "[source.crates-io]\nreplace-with = \"fake\"\n\n[source.fake]\nregistry = \"sparse+" + h.fake.URL + "/crates/\"\n"
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	h.opts.Env = append(os.Environ(), "CARGO_HOME="+home, "CARGO_NET_OFFLINE=false")
	res, err := h.bump(t, "netavark", "")
	if err != nil {
		t.Fatal(err)
	}
	n := h.pins(t)["netavark"]
	wantOff := map[string]any{"kind": "crate", "package": "netavark@2.2.0", "file": "netavark-2.2.0.crate", "sha256": crate, "strip_prefix": "netavark-2.2.0"}
	if res.To != "2.2.0" || fmt.Sprint(n["urls"]) != "[https://github.com/containers/netavark/archive/refs/tags/v2.2.0.tar.gz]" ||
		n["sha256"] != sum([]byte("netavark 2.2.0 source")) || !reflect.DeepEqual(n["offline"], any(wantOff)) {
		t.Errorf("netavark pin: %v", n)
	}
}

// A pin that follows one upstream line (netavark 1.x, for podman 5) moves within that line only:
// the newest 1.x, never upstream's 2.x, and a 2.x asked for by hand is refused, the file as it was.
func TestLinePinFollowsItsLineOnly(t *testing.T) {
	h := setup(t)
	for _, v := range []string{"v1.17.2", "v1.17.3", "v2.2.0"} {
		h.fake.AddRelease("containers/netavark", v, false, false)
	}
	f, err := pins.Load(h.path)
	if err != nil {
		t.Fatal(err)
	}
	part, err := f.Part("netavark_v1")
	if err != nil {
		t.Fatal(err)
	}
	rel, err := upstream.New(h.opts).Newest(context.Background(), part, func(string, ...any) {})
	if err != nil || rel.Version != "1.17.3" {
		t.Errorf("newest netavark_v1 = %q (%v), want 1.17.3 (upstream's newest 1.x; 2.2.0 is another line)", rel.Version, err)
	}
	if _, err := h.bump(t, "netavark_v1", "2.2.0"); err == nil || !strings.Contains(err.Error(), "follows upstream's 1.x line: 2.2.0 is another line's release") {
		t.Errorf("bump netavark_v1 2.2.0: %v", err)
	}
	h.unchanged(t)
}
