package cli

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/dirhash"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/fakegithub"
)

const (
	oldDB = "v0.0.0-20261105234957-e22db6528018"
	newDB = "v0.0.0-20261206120000-0123456789ab"
)

// vulndbZip is a golang.org/x/vulndb module zip with these OSV reports (id -> aliases), and its
// go.sum hash.
func vulndbZip(t *testing.T, version string, reports map[string][]string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for id, aliases := range reports {
		w, _ := zw.Create("golang.org/x/vulndb@" + version + "/data/osv/" + id + ".json")
		json.NewEncoder(w).Encode(map[string]any{"id": id, "aliases": aliases})
	}
	w, _ := zw.Create("golang.org/x/vulndb@" + version + "/LICENSE")
	w.Write([]byte("license\n"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "db.zip")
	os.WriteFile(path, buf.Bytes(), 0o644)
	sum, err := dirhash.HashZip(path, dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), sum
}

func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readTree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(root, p)
			out[rel] = string(data)
		}
		return nil
	})
	return out
}

// A workspace as the watch reads it: crun and catatonit pinned and bundled, netavark's crates,
// podman's Go graph, the records and the database pin.
func watchWorkspace(t *testing.T, pinnedSum string) string {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"third_party/pins.json":        cliPins,
		"third_party/crun/BUILD.bazel": "bundle_part(\n    name = \"bundle\",\n    advisories = [\"advisories.json\"],\n    pins = [\n        \"crun\",\n    ],\n)\n",
		"third_party/crun/advisories.json": `{
  "_comment": "crun's",
  "records": [
    {
      "id": "CVE-2026-30892",
      "module": "crun",
      "version": "1.21",
      "status": "fixed",
      "upstream": "crun 1.27",
      "patch": "third_party/crun/cve-2026-30892-exec-user.patch",
      "test": "third_party/crun/security_fixes_test.go:TestExecUser",
      "why": "ours"
    },
    {
      "id": "CVE-2026-3003",
      "module": "crun",
      "version": "1.21",
      "status": "affected",
      "why": "planted: affected, no score yet"
    }
  ]
}
`,
		"third_party/catatonit/BUILD.bazel": "bundle_part(\n    name = \"bundle\",\n    pins = [\"catatonit\"],\n)\n",
		"third_party/netavark/BUILD.bazel":  "bundle_part(\n    name = \"bundle\",\n    crates = {\"third_party/netavark\": \"@netavark\"},\n    pins = [],\n)\n",
		"third_party/netavark/Cargo.lock": "version = 4\n\n[[package]]\nname = \"netavark\"\nversion = \"2.1.0\"\n\n" +
			"[[package]]\nname = \"tokio\"\nversion = \"1.40.0\"\nsource = \"registry+crates-io\"\n",
		"third_party/go_modules.json":                      `{"directives": [], "overrides": []}`,
		"third_party/podman/go_graph.json":                 `{"name": "podman", "module": "go.podman.io/podman/v6", "gotags": ["seccomp"]}`,
		"third_party/podman/go.mod":                        "module podman\n\ngo 1.25\n\nrequire go.podman.io/podman/v6 v6.0.2\n\nrequire golang.org/x/crypto v0.58.0 // indirect\n",
		"third_party/go_advisories.json":                   "{\n  \"_comment\": \"shared\",\n  \"records\": [\n    {\"id\": \"GO-2026-0002\", \"module\": \"golang.org/x/crypto\", \"version\": \"v0.58.0\", \"status\": \"affected\", \"why\": \"recorded under the Go database's id\"}\n  ]\n}\n",
		"third_party/govulncheck/govulncheck.MODULE.bazel": "VULNDB_VERSION = \"" + oldDB + "\"\n\ngo_deps_govulncheck.module(\n    path = \"golang.org/x/vulndb\",\n    sum = \"" + pinnedSum + "\",\n    version = VULNDB_VERSION,\n)\n",
	})
	return root
}

// The daily advisory watch against the fake GitHub: planted advisories for crun (its
// repository's), a crate and a Go module are found and recorded under_investigation; what is
// recorded already, out of range, withdrawn or in the gate's database is not; the database pin
// moves; a second run finds nothing new.
func TestCheckAdvisories(t *testing.T) {
	fake := fakegithub.New()
	t.Cleanup(fake.Close)
	fake.MaxPerPage = 1 // every list is paged
	fake.AddRepo("containers/crun")
	fake.AddRepo("openSUSE/catatonit")
	goVuln := func(pkg, rng string) []fakegithub.Vulnerability {
		return []fakegithub.Vulnerability{{Ecosystem: "go", Package: pkg, Range: rng, Patched: "0.59.0"}}
	}
	fake.AddGlobalAdvisory(&fakegithub.Advisory{GHSA: "GHSA-go01-0000-0001", CVE: "CVE-2026-2001", Summary: "x/crypto: planted", CVSS: 5.3,
		Vulnerabilities: goVuln("golang.org/x/crypto", "< 0.59.0")})
	fake.AddGlobalAdvisory(&fakegithub.Advisory{GHSA: "GHSA-go02-0000-0002", CVE: "CVE-2026-1111", Summary: "in the Go database", CVSS: 9.8,
		Vulnerabilities: goVuln("golang.org/x/crypto", "< 0.59.0")})
	fake.AddGlobalAdvisory(&fakegithub.Advisory{GHSA: "GHSA-go03-0000-0003", Summary: "fixed long ago",
		Vulnerabilities: goVuln("golang.org/x/crypto", "< 0.50.0")})
	fake.AddGlobalAdvisory(&fakegithub.Advisory{GHSA: "GHSA-go04-0000-0004", Summary: "another module",
		Vulnerabilities: goVuln("golang.org/x/net", "< 9.0.0")})
	fake.AddGlobalAdvisory(&fakegithub.Advisory{GHSA: "GHSA-rs01-0000-0001", Summary: "tokio: planted", Severity: "high",
		Vulnerabilities: []fakegithub.Vulnerability{{Ecosystem: "rust", Package: "tokio", Range: ">= 1.0.0, < 1.41.0", Patched: "1.41.0"}}})
	fake.AddRepoAdvisory("containers/crun", &fakegithub.Advisory{GHSA: "GHSA-cr01-0000-0001", CVE: "CVE-2026-30892", Summary: "exec -u",
		Vulnerabilities: []fakegithub.Vulnerability{{Range: "< 1.27", Patched: "1.27"}}})
	fake.AddRepoAdvisory("containers/crun", &fakegithub.Advisory{GHSA: "GHSA-cr02-0000-0002", CVE: "CVE-2026-3001", Summary: "crun: planted", CVSS: 7.8,
		Vulnerabilities: []fakegithub.Vulnerability{{Package: "crun", Range: "< 1.22", Patched: "1.22"}}})
	fake.AddRepoAdvisory("containers/crun", &fakegithub.Advisory{GHSA: "GHSA-cr03-0000-0003", CVE: "CVE-2026-3003", Summary: "crun: recorded affected", CVSS: 6.5,
		Vulnerabilities: []fakegithub.Vulnerability{{Range: "<= 1.21"}}})
	fake.AddRepoAdvisory("openSUSE/catatonit", &fakegithub.Advisory{GHSA: "GHSA-ca01-0000-0001", Summary: "old catatonit",
		Vulnerabilities: []fakegithub.Vulnerability{{Range: "< 0.2.0"}}})

	oldZip, oldSum := vulndbZip(t, oldDB, map[string][]string{"GO-2026-0001": {"CVE-2026-0001"}})
	newZip, newSum := vulndbZip(t, newDB, map[string][]string{"GO-2026-0001": {"CVE-2026-0001"}, "GO-2026-0002": {"CVE-2026-1111", "GHSA-go02-0000-0002"}})
	fake.AddFile("/proxy/golang.org/x/vulndb/@latest", []byte(`{"Version": "`+newDB+`", "Time": "2026-12-06T12:00:00Z"}`))
	fake.AddFile("/proxy/golang.org/x/vulndb/@v/"+oldDB+".zip", oldZip)
	fake.AddFile("/proxy/golang.org/x/vulndb/@v/"+newDB+".zip", newZip)

	root := watchWorkspace(t, oldSum)
	env := map[string]string{"GITHUB_API_URL": fake.APIURL()}
	args := []string{"check-advisories", "--repo", root, "--goproxy", fake.URL + "/proxy"}
	before := readTree(t, root)

	// without --write: the report, nothing written
	out := mustRun(t, env, args...)
	for _, want := range []string{
		"watched: 2 Go module versions, 1 crates, 2 repositories (containers/crun, openSUSE/catatonit)\n",
		"vulnerability database: " + oldDB + " -> " + newDB + " (" + newSum + ")\n",
		"new: CVE-2026-2001 golang.org/x/crypto@v0.58.0 (CVSS 5.3), from GitHub's advisory database (go): under_investigation in third_party/go_advisories.json\n",
		"new: CVE-2026-3001 crun@1.21 (CVSS 7.8), from containers/crun's advisories: under_investigation in third_party/crun/advisories.json\n",
		"new: GHSA-rs01-0000-0001 tokio@1.40.0, from GitHub's advisory database (rust): under_investigation in third_party/netavark/advisories.json\n",
		"ADVISORIES: 3 new, 3 already recorded (2 given their CVSS score), 0 in the gate's Go vulnerability database\n",
		"nothing written",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check-advisories: output lacks %q:\n%s", want, out)
		}
	}
	if after := readTree(t, root); len(after) != len(before) || after["third_party/crun/advisories.json"] != before["third_party/crun/advisories.json"] {
		t.Errorf("check-advisories without --write changed the tree")
	}

	body := filepath.Join(t.TempDir(), "pr.md")
	out = mustRun(t, env, append(args, "--write", "--body", body)...)
	if !strings.Contains(out, "wrote third_party/crun/advisories.json\n") || !strings.Contains(out, "wrote "+"third_party/govulncheck/govulncheck.MODULE.bazel\n") {
		t.Errorf("check-advisories --write:\n%s", out)
	}
	tree := readTree(t, root)
	// the records, as tools/vulncheck reads them: the old one kept byte for byte, the new one after it
	var crun struct {
		Records []map[string]any `json:"records"`
	}
	if err := json.Unmarshal([]byte(tree["third_party/crun/advisories.json"]), &crun); err != nil || len(crun.Records) != 3 {
		t.Fatalf("crun's records: %v\n%s", err, tree["third_party/crun/advisories.json"])
	}
	first := before["third_party/crun/advisories.json"]
	first = first[:strings.Index(first, `"why": "ours"`)]
	if !strings.HasPrefix(tree["third_party/crun/advisories.json"], first) {
		t.Errorf("crun's old record was rewritten:\n%s", tree["third_party/crun/advisories.json"])
	}
	r := crun.Records[2]
	if r["id"] != "CVE-2026-3001" || r["status"] != "under_investigation" || r["module"] != "crun" || r["version"] != "1.21" || r["cvss"] != 7.8 ||
		r["upstream"] != "1.22" || !strings.Contains(r["why"].(string), "GHSA-cr02-0000-0002") || r["aliases"].([]any)[0] != "GHSA-cr02-0000-0002" {
		t.Errorf("crun's new record: %v", r)
	}
	if !strings.Contains(tree["third_party/netavark/advisories.json"], `"module": "tokio"`) || !strings.Contains(tree["third_party/go_advisories.json"], `"id": "CVE-2026-2001"`) {
		t.Errorf("the crate's and the Go module's records:\n%s\n%s", tree["third_party/netavark/advisories.json"], tree["third_party/go_advisories.json"])
	}
	// the affected record without a score got GitHub's, its other fields as they were
	if !strings.Contains(tree["third_party/crun/advisories.json"], `"status": "affected",
      "cvss": 6.5,
      "why": "planted: affected, no score yet"`) || !strings.Contains(out, "score: CVE-2026-3003 crun@1.21, recorded affected without one: CVSS 6.5") {
		t.Errorf("the affected record's score:\n%s\n%s", tree["third_party/crun/advisories.json"], out)
	}
	// a record under the Go database's id (GO-2026-0002 aliases GHSA-go02-0000-0002) is the
	// advisory's record: scored, not new
	if !strings.Contains(tree["third_party/go_advisories.json"], `"cvss": 9.8`) || strings.Contains(tree["third_party/go_advisories.json"], "CVE-2026-1111") {
		t.Errorf("the record under the Go database's id:\n%s", tree["third_party/go_advisories.json"])
	}
	if _, ok := tree["third_party/catatonit/advisories.json"]; ok {
		t.Errorf("catatonit has no advisory in range, yet a record file was created")
	}
	pin := tree["third_party/govulncheck/govulncheck.MODULE.bazel"]
	if !strings.Contains(pin, `VULNDB_VERSION = "`+newDB+`"`) || !strings.Contains(pin, `sum = "`+newSum+`"`) || strings.Contains(pin, oldSum) {
		t.Errorf("the database pin did not move:\n%s", pin)
	}
	if data, _ := os.ReadFile(body); !strings.Contains(string(data), "| CVE-2026-3001 GHSA-cr02-0000-0002 | crun@1.21 |") || !strings.Contains(string(data), "third_party/netavark/advisories.json") {
		t.Errorf("pull request body:\n%s", data)
	}

	// the next day: everything recorded, the pin current
	out = mustRun(t, env, append(args, "--write")...)
	if !strings.Contains(out, "ADVISORIES: 0 new, 6 already recorded (0 given their CVSS score), 0 in the gate's Go vulnerability database\n") || strings.Contains(out, "wrote") ||
		!strings.Contains(out, "vulnerability database: "+newDB+" is the newest\n") {
		t.Errorf("second run:\n%s", out)
	}
	if again := readTree(t, root); again["third_party/crun/advisories.json"] != tree["third_party/crun/advisories.json"] || again["third_party/govulncheck/govulncheck.MODULE.bazel"] != pin {
		t.Errorf("the second run changed the tree")
	}
}

// A look-up that keeps failing fails the watch, and nothing is written; a pinned database whose
// zip hashes otherwise than its pin is refused.
func TestCheckAdvisoriesFailures(t *testing.T) {
	fake := fakegithub.New()
	t.Cleanup(fake.Close)
	fake.AddRepo("containers/crun")
	fake.AddRepo("openSUSE/catatonit")
	fake.AddGlobalAdvisory(&fakegithub.Advisory{GHSA: "GHSA-rs01-0000-0001", Summary: "tokio",
		Vulnerabilities: []fakegithub.Vulnerability{{Ecosystem: "rust", Package: "tokio", Range: "< 1.41.0"}}})
	oldZip, oldSum := vulndbZip(t, oldDB, map[string][]string{"GO-2026-0001": nil})
	fake.AddFile("/proxy/golang.org/x/vulndb/@latest", []byte(`{"Version": "`+oldDB+`"}`))
	fake.AddFile("/proxy/golang.org/x/vulndb/@v/"+oldDB+".zip", oldZip)
	env := map[string]string{"GITHUB_API_URL": fake.APIURL()}

	root := watchWorkspace(t, oldSum)
	before := readTree(t, root)
	fake.Inject(&fakegithub.Fault{Method: "GET", Path: "^/repos/containers/crun/security-advisories", Kind: fakegithub.Status500, Times: 100})
	code, _, stderr := run(t, env, "check-advisories", "--repo", root, "--goproxy", fake.URL+"/proxy", "--write", "--retries", "1")
	if code != 1 || !strings.Contains(stderr, "containers/crun's security advisories") {
		t.Errorf("a failing look-up: exit %d, stderr %q; want 1, naming it", code, stderr)
	}
	if after := readTree(t, root); len(after) != len(before) || after["third_party/go_advisories.json"] != before["third_party/go_advisories.json"] {
		t.Errorf("a failed watch wrote files")
	}

	root = watchWorkspace(t, "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	code, _, stderr = run(t, env, "check-advisories", "--repo", root, "--goproxy", fake.URL+"/proxy")
	if code != 1 || !strings.Contains(stderr, "hashes to "+oldSum) {
		t.Errorf("a database that does not match its pin: exit %d, stderr %q", code, stderr)
	}
	if code, _, _ := run(t, env, "check-advisories", "--repo", root, "--body", "x.md"); code != 2 {
		t.Errorf("--body without --write: exit %d, want 2", code)
	}
}
