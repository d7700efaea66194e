package check

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/pins"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/fakegithub"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/ghapi"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/upstream"
)

const partsJSON = `{
  "crun": {"version": "1.21", "upstream": {"kind": "github-release"},
    "urls": ["https://github.com/containers/crun/releases/download/1.21/crun-1.21.tar.gz"], "sha256": "", "strip_prefix": "crun-1.21",
    "offline": {"kind": "debian-orig", "file": "crun_1.21.orig.tar.gz", "sha256": "", "strip_prefix": "crun-1.21"}},
  "fuse3": {"version": "3.18.3", "upstream": {"kind": "github-release"},
    "urls": ["https://github.com/libfuse/libfuse/releases/download/fuse-3.18.3/fuse-3.18.3.tar.gz"], "sha256": "", "strip_prefix": "fuse-3.18.3",
    "offline": {"kind": "debian-orig", "file": "x", "sha256": "", "strip_prefix": ""}},
  "glib": {"version": "2.88.0", "upstream": {"kind": "gnome"},
    "urls": ["https://download.gnome.org/sources/glib/2.88/glib-2.88.0.tar.xz"], "sha256": "", "strip_prefix": "glib-2.88.0",
    "offline": {"kind": "debian-orig", "file": "x", "sha256": "", "strip_prefix": ""}},
  "passt": {"version": "2026_07_28.f8df3f1", "upstream": {"kind": "untracked", "why": "no machine-readable release list"},
    "urls": ["https://passt.top/passt/snapshot/passt-2026_07_28.f8df3f1.tar.xz"], "sha256": "", "strip_prefix": "",
    "offline": {"kind": "debian-orig", "file": "x", "sha256": "", "strip_prefix": ""}},
  "libz3": {"version": "4.13.3-1.1", "urls": [], "sha256": "", "strip_prefix": "",
    "offline": {"kind": "debian-binary", "file": "x", "sha256": "", "strip_prefix": ""}}
}`

func TestParts(t *testing.T) {
	fake := fakegithub.New()
	t.Cleanup(fake.Close)
	fake.Token = "secret" // drafts are listed, and must be skipped
	for _, r := range []struct {
		tag        string
		draft, pre bool
	}{{"1.21", false, false}, {"1.22", false, false}, {"1.23", true, false}, {"1.24", false, true}, {"1.25-rc1", false, false}} {
		fake.AddRelease("containers/crun", r.tag, r.draft, r.pre)
	}
	fake.AddRelease("libfuse/libfuse", "fuse-2.9.9", false, false) // another series
	fake.AddRelease("libfuse/libfuse", "fuse-3.18.3", false, false)
	fake.AddRelease("libfuse/libfuse", "fuse-3.18.2", false, false)
	// glib's cache.json is missing (404)
	c, err := ghapi.New(ghapi.Options{APIURL: fake.APIURL(), Token: "secret", Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	src := upstream.New(upstream.Options{GitHub: c, Mirrors: []upstream.Mirror{{From: "https://download.gnome.org/", To: fake.URL + "/gnome/"}}})
	f, err := pins.Parse([]byte(partsJSON))
	if err != nil {
		t.Fatal(err)
	}
	parts, err := f.Parts()
	if err != nil {
		t.Fatal(err)
	}
	var warnings []string
	results := Parts(context.Background(), src, parts, func(f string, a ...any) { warnings = append(warnings, fmt.Sprintf(f, a...)) })
	var lines []string
	for _, r := range results {
		lines = append(lines, DescribePart(r))
	}
	want := []string{
		"pin crun 1.21: upstream 1.22, from GitHub releases of containers/crun, tag {version}: bump crun to 1.22",
		"pin fuse3 3.18.3: upstream 3.18.3, from GitHub releases of libfuse/libfuse, tag fuse-{version}: up to date",
		"pin glib 2.88.0: cannot check: glib: GET https://download.gnome.org/sources/glib/cache.json: 404 Not Found (not found)",
		"pin passt 2026_07_28.f8df3f1: not tracked: no machine-readable release list",
		"pin libz3 4.13.3-1.1: not tracked: offline only (no upstream URL): it comes with another pin's registry release",
	}
	if got := strings.Join(lines, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], `ignoring release 1.25-rc1 of containers/crun: "1.25-rc1" is not a plain version`) {
		t.Errorf("warnings = %q", warnings)
	}
	if m, n := PartMatrix(results); m != `{"include":[{"part":"crun","version":"1.22"}]}` || n != 1 {
		t.Errorf("matrix = %s (%d)", m, n)
	}
	if m, n := PartMatrix(nil); m != `{"include":[]}` || n != 0 {
		t.Errorf("empty matrix = %s", m)
	}
	if PartsFailed(results) != 1 {
		t.Errorf("failed = %d", PartsFailed(results))
	}
}

// A pins file whose upstream is malformed is refused with the reason.
func TestPartsRefuseBadUpstreams(t *testing.T) {
	for js, want := range map[string]string{
		`{"a": {"version": "1", "upstream": {"kind": "sourceforge"}}}`:                                                            `pin a: unknown upstream kind "sourceforge"`,
		`{"a": {"version": "1", "upstream": {"kind": "untracked"}}}`:                                                              "needs a why",
		`{"a": {"version": "1", "upstream": {"follows": "b"}}}`:                                                                   `pin a follows "b", which is not a tracked pin`,
		`{"a": {"version": "1", "urls": ["u"], "upstream": {"kind": "go"}}, "b": {"version": "2", "upstream": {"follows": "a"}}}`: "a part's pins share one version",
		`{"a": {"version": "1", "upstream": {"kind": "go", "repo": "x/y"}}}`:                                                      `unknown field "repo"`,
	} {
		f, err := pins.Parse([]byte(js))
		if err == nil {
			_, err = f.Parts()
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", js, err, want)
		}
	}
}
