package publish

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/sign"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/filehash"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/bundles/bundlestest"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/checksums"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/config"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/fakegithub"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/ghapi"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/signing"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/signing/signingtest"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/version"
)

const repo = "rootless-static-toolkits/rootless-static-toolkits"

// commit is the commit the release is built from; its tag must land there.
const commit = "0123456789abcdef0123456789abcdef01234567"

var testTool = func() *config.Tool {
	cfg, err := config.Parse([]byte(`{"repository":"` + repo + `","tools":[{"name":"skopeo","title":"Skopeo",
		"upstream":"podman-container-tools/skopeo","lines":["1.x"]}]}`))
	if err != nil {
		panic(err)
	}
	return cfg.Tools[0]
}()

// The release published: skopeo 1.20.0, its archives as bundles.json lists them.
var (
	testVersion = version.Version{Major: 1, Minor: 20, Patch: 0}
	archives    = []string{"skopeo-linux-amd64.tar.zst", "skopeo-linux-arm64.tar.zst"}
)

// env is a signed release directory, a fake GitHub and a client that
// records the waits it would have made instead of sleeping. The directory
// holds what //release:all builds, another tool's archive and bundles.json
// included, as the release workflow's artifact does.
type env struct {
	t      *testing.T
	dir    string
	fake   *fakegithub.Server
	pub    string
	mu     sync.Mutex
	sleeps []time.Duration
	log    strings.Builder
}

func newEnv(t *testing.T) *env {
	e := &env{t: t, dir: t.TempDir(), fake: fakegithub.New()}
	t.Cleanup(e.fake.Close)
	e.fake.Token = "good-token"
	e.fake.AddRepo(repo)
	// Several KiB each, so that a dropped upload is cut midway.
	bundlestest.Write(t, e.dir, "skopeo", testVersion.String(), archives...)
	bundlestest.Write(t, e.dir, "buildah", "1.44.1", "buildah-linux-amd64.tar.zst")
	if _, err := checksums.Write(e.dir, archives); err != nil {
		t.Fatal(err)
	}
	e.pub = testPub
	e.signAll()
	if n := len(e.want()); n != 6 { // 2 archives, checksums.txt, 3 signatures
		t.Fatalf("release directory holds %d assets, want 6", n)
	}
	return e
}

// signAll signs the archives and checksums.txt with the test key.
func (e *env) signAll() {
	e.t.Helper()
	for _, n := range append([]string{checksums.FileName}, archives...) {
		if err := testSigner.Sign(filepath.Join(e.dir, n)); err != nil {
			e.t.Fatal(err)
		}
	}
}

// One key pair per test binary: scrypt makes generating and decrypting a
// cosign key take about a second.
var (
	testSigner *signing.KeySigner
	testPub    string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "publish-test-key")
	if err != nil {
		panic(err)
	}
	key, pub, err := signing.GenerateKeyPair(filepath.Join(dir, "cosign"), []byte("pw"))
	if err == nil {
		testPub = pub
		testSigner, err = signing.LoadKeySigner(key, []byte("pw"))
	}
	if err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// want is every file that must end up as an asset: skopeo's archives,
// checksums.txt and their signatures; not buildah's archive or bundles.json.
func (e *env) want() map[string][]byte {
	m := map[string][]byte{}
	entries, _ := os.ReadDir(e.dir)
	for _, en := range entries {
		if n := en.Name(); strings.HasPrefix(n, "skopeo-") || strings.HasPrefix(n, checksums.FileName) {
			data, _ := os.ReadFile(filepath.Join(e.dir, n))
			m[n] = data
		}
	}
	return m
}

func (e *env) options(token string) Options {
	c, err := ghapi.New(ghapi.Options{
		APIURL:         e.fake.APIURL(),
		Token:          token,
		AttemptTimeout: 300 * time.Millisecond,
		Retries:        4,
		Backoff:        time.Millisecond,
		MaxWait:        time.Minute,
		Sleep: func(_ context.Context, d time.Duration) error {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.sleeps = append(e.sleeps, d)
			return nil
		},
		Log: e.logf,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	v, err := signing.LoadKeyVerifier(e.pub)
	if err != nil {
		e.t.Fatal(err)
	}
	return Options{
		Client: c, Repo: repo, Tool: testTool, Version: testVersion,
		Commit: commit, Dir: e.dir, Verifier: v, Log: e.logf,
	}
}

func (e *env) logf(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.log.WriteString(strings.TrimSpace(fmt.Sprintf(format, args...)) + "\n")
}

func (e *env) publish() error {
	return Run(context.Background(), e.options("good-token"))
}

// assertComplete: exactly one published release with every file, each
// uploaded once, nothing replaced.
func (e *env) assertComplete() {
	e.t.Helper()
	e.assertCompleteWith(e.want())
}

func (e *env) assertCompleteWith(want map[string][]byte) {
	e.t.Helper()
	for _, p := range e.fake.Check(repo, "skopeo-v1.20.0", want) {
		e.t.Error(p)
	}
	for _, r := range e.fake.Releases(repo, "skopeo-v1.20.0") {
		if r.Commitish != commit {
			e.t.Errorf("release %d targets %q, want the built commit %s", r.ID, r.Commitish, commit)
		}
	}
	st := e.fake.Stats()
	if st.Replaced != 0 {
		e.t.Errorf("%d assets replaced", st.Replaced)
	}
	if st.ReleasesCreated != 1 {
		e.t.Errorf("%d releases created, want 1", st.ReleasesCreated)
	}
	for name := range want {
		if n := st.UploadsByName[name]; n != 1 {
			e.t.Errorf("%s uploaded %d times, want 1", name, n)
		}
	}
	if st.TokenLeaks != 0 {
		e.t.Errorf("the token was sent to asset storage %d times", st.TokenLeaks)
	}
	if e.fake.Pending() != 0 {
		e.t.Errorf("%d injected faults never fired", e.fake.Pending())
	}
	if e.t.Failed() {
		e.t.Logf("log:\n%s", e.log.String())
	}
}

func TestPublishCompletesAfterEachFault(t *testing.T) {
	const (
		create = "/releases$"
		byTag  = "/releases/tags/"
		assets = "/releases/[0-9]+/assets$"
		upload = "^/uploads/"
		edit   = "/releases/[0-9]+$"
	)
	cases := []struct {
		name      string
		fault     fakegithub.Fault
		firstRuns bool          // the first run itself must succeed
		wait      time.Duration // a wait the client must have honoured
	}{
		{"no fault", fakegithub.Fault{}, true, 0},
		{"500 on lookup", fakegithub.Fault{Method: "GET", Path: byTag, Kind: fakegithub.Status500, Times: 2}, true, 0},
		{"500 on create", fakegithub.Fault{Method: "POST", Path: create, Kind: fakegithub.Status500}, true, 0},
		{"create done then 500", fakegithub.Fault{Method: "POST", Path: create, Kind: fakegithub.ActThen500}, true, 0},
		{"create done then dropped", fakegithub.Fault{Method: "POST", Path: create, Kind: fakegithub.ActThenDrop}, true, 0},
		{"create fails every time", fakegithub.Fault{Method: "POST", Path: create, Kind: fakegithub.Status500, Times: 3}, false, 0},
		{"429 on upload", fakegithub.Fault{Method: "POST", Path: upload, Kind: fakegithub.RateLimit429, Seconds: 7}, true, 7 * time.Second},
		{"secondary limit on assets", fakegithub.Fault{Method: "GET", Path: assets, Kind: fakegithub.SecondaryLimit403, Seconds: 3}, true, 3 * time.Second},
		{"primary limit on lookup", fakegithub.Fault{Method: "GET", Path: byTag, Kind: fakegithub.PrimaryLimit403, Seconds: 20}, true, 19 * time.Second},
		{"connection dropped mid-upload", fakegithub.Fault{Method: "POST", Path: upload, Kind: fakegithub.Drop, Skip: 1}, true, 0},
		{"uploads dropped every time", fakegithub.Fault{Method: "POST", Path: upload, Kind: fakegithub.Drop, Times: 3}, false, 0},
		{"upload done then 500", fakegithub.Fault{Method: "POST", Path: upload, Kind: fakegithub.ActThen500, Skip: 2}, true, 0},
		{"upload done then dropped", fakegithub.Fault{Method: "POST", Path: upload, Kind: fakegithub.ActThenDrop}, true, 0},
		{"timeout listing assets", fakegithub.Fault{Method: "GET", Path: assets, Kind: fakegithub.Hang}, true, 0},
		{"timeout on upload", fakegithub.Fault{Method: "POST", Path: upload, Kind: fakegithub.Hang, Skip: 3}, true, 0},
		{"500 on publishing the draft", fakegithub.Fault{Method: "PATCH", Path: edit, Kind: fakegithub.Status500, Times: 2}, true, 0},
		{"persistent 500s", fakegithub.Fault{Method: "GET", Path: assets, Kind: fakegithub.Status500, Times: 5}, false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			if c.fault.Method != "" {
				f := c.fault
				e.fake.Inject(&f)
			}
			start := time.Now()
			err1 := e.publish()
			switch {
			case c.firstRuns && err1 != nil:
				t.Errorf("first run failed: %v", err1)
			case !c.firstRuns && err1 == nil:
				t.Errorf("first run succeeded despite a fault it cannot get past")
			}
			if err := e.publish(); err != nil {
				t.Fatalf("re-run failed: %v\n%s", err, e.log.String())
			}
			e.assertComplete()
			if c.wait > 0 && !containsAtLeast(e.sleeps, c.wait) {
				t.Errorf("waits %v do not honour the server's %v", e.sleeps, c.wait)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func containsAtLeast(ds []time.Duration, min time.Duration) bool {
	for _, d := range ds {
		if d >= min && d <= min+2*time.Second {
			return true
		}
	}
	return false
}

func TestPublishIsIdempotent(t *testing.T) {
	e := newEnv(t)
	if err := e.publish(); err != nil {
		t.Fatal(err)
	}
	before := e.fake.Stats()
	if err := e.publish(); err != nil {
		t.Fatal(err)
	}
	after := e.fake.Stats()
	if after.Uploads != before.Uploads || after.ReleasesCreated != 1 {
		t.Errorf("re-run of a complete release uploaded %d and created %d", after.Uploads-before.Uploads, after.ReleasesCreated-1)
	}
	e.assertComplete()
}

func TestPublishRefusesToReplaceContent(t *testing.T) {
	for _, omitDigest := range []bool{false, true} {
		e := newEnv(t)
		e.fake.OmitDigest = omitDigest // then the asset is downloaded to compare
		rel := e.fake.AddRelease(repo, "skopeo-v1.20.0", false, false)
		rel.Commitish = commit
		e.fake.AddAsset(rel, "skopeo-linux-amd64.tar.zst", []byte("other content"))
		err := e.publish()
		if err == nil || !strings.Contains(err.Error(), "not replacing") || !strings.Contains(err.Error(), "skopeo-linux-amd64.tar.zst") {
			t.Fatalf("omitDigest=%v: err = %v", omitDigest, err)
		}
		st := e.fake.Stats()
		if st.Replaced != 0 || st.Uploads != 0 || st.ReleasesCreated != 0 {
			t.Errorf("omitDigest=%v: replaced %d, uploaded %d, created %d", omitDigest, st.Replaced, st.Uploads, st.ReleasesCreated)
		}
		if string(rel.Assets[0].Data) != "other content" {
			t.Error("the existing asset changed")
		}
		if st.TokenLeaks != 0 {
			t.Error("the token was sent to asset storage")
		}
	}
}

func TestPublishResumesAReleaseWithSomeAssets(t *testing.T) {
	for _, draft := range []bool{true, false} {
		e := newEnv(t)
		e.fake.OmitDigest = true
		rel := e.fake.AddRelease(repo, "skopeo-v1.20.0", draft, false)
		rel.Commitish = commit
		data, _ := os.ReadFile(filepath.Join(e.dir, "skopeo-linux-arm64.tar.zst"))
		e.fake.AddAsset(rel, "skopeo-linux-arm64.tar.zst", data)
		if err := e.publish(); err != nil {
			t.Fatal(err)
		}
		if p := e.fake.Check(repo, "skopeo-v1.20.0", e.want()); len(p) > 0 {
			t.Errorf("draft=%v: %v", draft, p)
		}
		st := e.fake.Stats()
		if st.ReleasesCreated != 0 || st.UploadsByName["skopeo-linux-arm64.tar.zst"] != 0 || st.Uploads != 5 {
			t.Errorf("draft=%v: created %d, uploads %v", draft, st.ReleasesCreated, st.UploadsByName)
		}
	}
}

// A draft or release left for the tag by a run from another commit (or one
// that named a branch) is not added to: its tag would not be the commit built.
func TestPublishRefusesAReleaseForAnotherCommit(t *testing.T) {
	for _, draft := range []bool{true, false} {
		for _, target := range []string{"main", "fedcba9876543210fedcba9876543210fedcba98"} {
			e := newEnv(t)
			rel := e.fake.AddRelease(repo, "skopeo-v1.20.0", draft, false)
			rel.Commitish = target
			for _, dryRun := range []bool{true, false} {
				o := e.options("good-token")
				o.DryRun = dryRun
				err := Run(context.Background(), o)
				want := fmt.Sprintf("targets %q, not the commit being published, %s", target, commit)
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("draft %v, target %s, dry run %v: err = %v, want it to say %q", draft, target, dryRun, err, want)
				}
			}
			if st := e.fake.Stats(); st.Uploads != 0 || st.ReleasesCreated != 0 || rel.Draft != draft {
				t.Errorf("draft %v, target %s: acted anyway: %+v", draft, target, st)
			}
		}
	}
	// The commit is compared without regard to case.
	e := newEnv(t)
	rel := e.fake.AddRelease(repo, "skopeo-v1.20.0", true, false)
	rel.Commitish = strings.ToUpper(commit)
	if err := e.publish(); err != nil {
		t.Errorf("a draft for the same commit in upper case: %v", err)
	}
}

func TestPublishRefusesTwoReleasesForOneTag(t *testing.T) {
	e := newEnv(t)
	e.fake.AddRelease(repo, "skopeo-v1.20.0", true, false)
	e.fake.AddRelease(repo, "skopeo-v1.20.0", true, false)
	err := e.publish()
	if err == nil || !strings.Contains(err.Error(), "2 releases carry tag skopeo-v1.20.0") {
		t.Fatalf("err = %v", err)
	}
	if st := e.fake.Stats(); st.Uploads != 0 || st.ReleasesCreated != 0 {
		t.Errorf("acted anyway: %+v", st)
	}
}

func TestPublishRefusesBadLocalFiles(t *testing.T) {
	cases := map[string]func(e *env){
		"sha256 is": func(e *env) { write(e.t, filepath.Join(e.dir, "skopeo-linux-amd64.tar.zst"), "tampered") },
		"signature does not match": func(e *env) {
			other := filepath.Join(e.dir, "skopeo-linux-arm64.tar.zst.sig")
			data, _ := os.ReadFile(filepath.Join(e.dir, "skopeo-linux-amd64.tar.zst.sig"))
			write(e.t, other, string(data))
		},
		"checksums.txt: no signature": func(e *env) { os.Remove(filepath.Join(e.dir, "checksums.txt.sig")) },
		"lacks archives of skopeo: skopeo-linux-arm64.tar.zst": func(e *env) {
			os.Remove(filepath.Join(e.dir, "skopeo-linux-arm64.tar.zst"))
		},
		"has no checksums.txt (run `release checksums --tool skopeo": func(e *env) { os.Remove(filepath.Join(e.dir, "checksums.txt")) },
		"skopeo-linux-arm64.tar.zst: not listed in checksums.txt": func(e *env) {
			if _, err := checksums.Write(e.dir, archives[:1]); err != nil {
				e.t.Fatal(err)
			}
			e.signAll()
		},
		"buildah-linux-amd64.tar.zst: listed in checksums.txt but not one of the files released": func(e *env) {
			if _, err := checksums.Write(e.dir, append([]string{"buildah-linux-amd64.tar.zst"}, archives...)); err != nil {
				e.t.Fatal(err)
			}
			e.signAll()
		},
		"bundles.json does not exist: it lists the archives to release": func(e *env) { os.Remove(filepath.Join(e.dir, "bundles.json")) },
		"bundles.json lists no archives of skopeo (it lists buildah)": func(e *env) {
			bundlestest.WriteManifest(e.t, e.dir, map[string][]string{"buildah": {"buildah-linux-amd64.tar.zst"}})
		},
		"bundles.json: malformed archive list": func(e *env) { write(e.t, filepath.Join(e.dir, "bundles.json"), `{"skopeo": `) },
		// bundles.json is the list: an archive it names that is not there is missing.
		"lacks archives of skopeo: skopeo-linux-riscv64.tar.zst": func(e *env) {
			bundlestest.WriteManifest(e.t, e.dir, map[string][]string{"skopeo": append([]string{"skopeo-linux-riscv64.tar.zst"}, archives...)})
		},
	}
	for want, breakIt := range cases {
		e := newEnv(t)
		breakIt(e)
		err := e.publish()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v", want, err)
		}
		if st := e.fake.Stats(); st.Requests != 0 {
			t.Errorf("%s: %d requests made before refusing", want, st.Requests)
		}
	}
}

// An archive that is a symlink or a directory is refused by name, even when
// checksums.txt (written by a tool that skipped it) and every signature
// verify, and even in a dry run.
func TestPublishRefusesAnArchiveThatIsNotARegularFile(t *testing.T) {
	for what, replace := range map[string]func(e *env, path string) error{
		"a symlink to ": func(e *env, p string) error {
			copied := filepath.Join(e.t.TempDir(), "skopeo-linux-arm64.tar.zst")
			data, _ := os.ReadFile(p)
			write(e.t, copied, string(data))
			if err := testSigner.Sign(copied); err != nil {
				return err
			}
			os.Remove(p)
			return os.Symlink(copied, p)
		},
		"a directory": func(_ *env, p string) error {
			os.Remove(p)
			os.Remove(p + signing.SigSuffix)
			return os.Mkdir(p, 0o755)
		},
	} {
		for _, dryRun := range []bool{false, true} {
			e := newEnv(t)
			arm := filepath.Join(e.dir, "skopeo-linux-arm64.tar.zst")
			if err := replace(e, arm); err != nil {
				t.Fatal(err)
			}
			sum, err := filehash.SHA256(filepath.Join(e.dir, "skopeo-linux-amd64.tar.zst"))
			if err != nil {
				t.Fatal(err)
			}
			write(t, filepath.Join(e.dir, checksums.FileName), sum+"  skopeo-linux-amd64.tar.zst\n")
			if err := testSigner.Sign(filepath.Join(e.dir, checksums.FileName)); err != nil {
				t.Fatal(err)
			}
			o := e.options("good-token")
			o.DryRun = dryRun
			err = Run(context.Background(), o)
			want := arm + " is " + what
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("dry run %v: err = %v, want it to say %q", dryRun, err, want)
			}
			if st := e.fake.Stats(); st.Requests != 0 {
				t.Errorf("dry run %v: %d requests made before refusing", dryRun, st.Requests)
			}
		}
	}
}

func TestPublishDryRunWritesNothing(t *testing.T) {
	e := newEnv(t)
	o := e.options("good-token")
	o.DryRun = true
	if err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	st := e.fake.Stats()
	if st.ReleasesCreated != 0 || st.Uploads != 0 {
		t.Errorf("dry run wrote: %+v", st)
	}
	if !strings.Contains(e.log.String(), "would upload skopeo-linux-amd64.tar.zst") {
		t.Errorf("dry run log:\n%s", e.log.String())
	}
}

func TestPublishBadToken(t *testing.T) {
	e := newEnv(t)
	err := Run(context.Background(), e.options("bad-token"))
	if err == nil || !strings.Contains(err.Error(), "401 Unauthorized") || !strings.Contains(err.Error(), "GITHUB_TOKEN") {
		t.Fatalf("err = %v", err)
	}
}

func TestRateLimitLongerThanMaxWaitFailsClearly(t *testing.T) {
	e := newEnv(t)
	e.fake.Inject(&fakegithub.Fault{Method: "GET", Path: "/releases/tags/", Kind: fakegithub.PrimaryLimit403, Seconds: 3600})
	err := e.publish()
	if err == nil || !strings.Contains(err.Error(), "rate limit") {
		t.Fatalf("err = %v", err)
	}
	if len(e.sleeps) != 0 {
		t.Errorf("waited %v for an hour-long rate limit", e.sleeps)
	}
}

// A re-run signs again, which gives other bytes; the signatures already on
// the release verify and are kept.
func TestPublishKeepsVerifyingSignaturesOfAnEarlierSigning(t *testing.T) {
	e := newEnv(t)
	first := e.want()
	if err := e.publish(); err != nil {
		t.Fatal(err)
	}
	e.signAll()
	if string(e.want()["checksums.txt.sig"]) == string(first["checksums.txt.sig"]) {
		t.Fatal("signing again gave the same bytes; this test would prove nothing")
	}
	before := e.fake.Stats().Uploads
	if err := e.publish(); err != nil {
		t.Fatalf("re-run after signing again: %v", err)
	}
	if p := e.fake.Check(repo, "skopeo-v1.20.0", first); len(p) > 0 {
		t.Errorf("release changed: %v", p)
	}
	if st := e.fake.Stats(); st.Uploads != before || st.Replaced != 0 {
		t.Errorf("uploads %d -> %d, replaced %d", before, st.Uploads, st.Replaced)
	}
	if !strings.Contains(e.log.String(), "keeping the signature already on the release") {
		t.Errorf("log:\n%s", e.log.String())
	}
}

func TestPublishRefusesAForeignSignature(t *testing.T) {
	e := newEnv(t)
	rel := e.fake.AddRelease(repo, "skopeo-v1.20.0", true, false)
	rel.Commitish = commit
	e.fake.AddAsset(rel, "skopeo-linux-amd64.tar.zst.sig", []byte("MEUCIQDforgedforgedforgedforgedforgedforgedforgedforgedAiBforgedforgedforgedforgedforgedforgedforged"))
	err := e.publish()
	if err == nil || !strings.Contains(err.Error(), "skopeo-linux-amd64.tar.zst: the release holds other signature material that does not verify") {
		t.Fatalf("err = %v", err)
	}
	if st := e.fake.Stats(); st.Replaced != 0 || st.Uploads != 0 {
		t.Errorf("acted: %+v", st)
	}
}

// bundleVerifier checks FILE.sigstore.json as the keyless verifier does,
// short of Sigstore's trust root: the certificate's key must verify the
// bundle's signature over the file.
type bundleVerifier struct{}

func (bundleVerifier) Verify(path string) error {
	b, err := bundle.LoadJSONFromPath(path + signing.BundleSuffix)
	if err != nil {
		return err
	}
	cert, err := x509.ParseCertificate(b.GetVerificationMaterial().GetCertificate().GetRawBytes())
	if err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	digest := sha256.Sum256(data)
	if !ecdsa.VerifyASN1(cert.PublicKey.(*ecdsa.PublicKey), digest[:], b.GetMessageSignature().GetSignature()) {
		return fmt.Errorf("%s: bundle signature does not verify", path)
	}
	return nil
}

// In Actions a failed publish job is re-run whole, so the files are signed
// keyless again. A bundle that reached the release before the failure is
// kept, and the .sig and .pem that did not are derived from it.
func TestPublishResumesKeylessSignaturesOfAnEarlierRun(t *testing.T) {
	e := newEnv(t)
	fulcio := signingtest.Fulcio(t, "https://github.com/rootless-static-toolkits/rootless-static-toolkits/.github/workflows/publish.yml@refs/heads/main")
	signAll := func() map[string][]byte {
		s := &signing.KeylessSigner{Ctx: context.Background(), FulcioURL: fulcio.URL, IDToken: signingtest.IDToken,
			TransparencyLogs: []sign.Transparency{&signingtest.NoTlog{}}}
		for _, n := range append([]string{checksums.FileName}, archives...) {
			if err := s.Sign(filepath.Join(e.dir, n)); err != nil {
				t.Fatal(err)
			}
		}
		return e.want()
	}
	first := signAll()
	if len(first) != 12 { // 2 archives, checksums.txt, 3 × .sig, .pem, .sigstore.json
		t.Fatalf("%d files after keyless signing", len(first))
	}
	o := e.options("good-token")
	o.Verifier = bundleVerifier{}
	// Uploads go checksums.txt, its bundle, its .sig, ...: the .sig never arrives.
	e.fake.Inject(&fakegithub.Fault{Method: "POST", Path: "^/uploads/", Kind: fakegithub.Drop, Skip: 2, Times: 3})
	if err := Run(context.Background(), o); err == nil {
		t.Fatal("first run succeeded although every upload after the second was cut off")
	}

	second := signAll()
	if string(second["checksums.txt.sigstore.json"]) == string(first["checksums.txt.sigstore.json"]) {
		t.Fatal("signing again gave the same bundle; this test would prove nothing")
	}
	if err := Run(context.Background(), o); err != nil {
		t.Fatalf("re-run: %v\n%s", err, e.log.String())
	}
	want := second
	for _, suffix := range []string{signing.BundleSuffix, signing.SigSuffix, signing.CertSuffix} {
		want["checksums.txt"+suffix] = first["checksums.txt"+suffix]
	}
	e.assertCompleteWith(want)
	if st := e.fake.Stats(); st.StartersDeleted == 0 {
		t.Error("the remains of the cut-off upload were not removed")
	}
	if !strings.Contains(e.log.String(), "checksums.txt: keeping the signature already on the release") {
		t.Errorf("log:\n%s", e.log.String())
	}
}

// The pin is the truth: archives built from another version than the one
// being published (their top directory says which) are refused by name,
// before anything is asked of GitHub, dry run or not, even when their
// checksums and signatures are in order.
func TestPublishRefusesArchivesOfAnotherVersion(t *testing.T) {
	for name, entries := range map[string][]bundlestest.Entry{
		"skopeo-linux-arm64.tar.zst holds skopeo 1.19.0 (top directory skopeo-v1.19.0/), not skopeo 1.20.0": bundlestest.Bundle("skopeo", "1.19.0", "arm64", 1<<10),
		"skopeo-linux-arm64.tar.zst holds no program in skopeo-v1.20.0/bin/": {
			{Name: "skopeo-v1.20.0/", Mode: 0o755}, {Name: "skopeo-v1.20.0/README.md", Mode: 0o644, Body: []byte("x")},
		},
	} {
		for _, dryRun := range []bool{false, true} {
			e := newEnv(t)
			bundlestest.WriteArchive(t, filepath.Join(e.dir, "skopeo-linux-arm64.tar.zst"), entries)
			if _, err := checksums.Write(e.dir, archives); err != nil {
				t.Fatal(err)
			}
			e.signAll()
			o := e.options("good-token")
			o.DryRun = dryRun
			err := Run(context.Background(), o)
			if err == nil || !strings.Contains(err.Error(), "refusing to publish skopeo 1.20.0") || !strings.Contains(err.Error(), name) {
				t.Errorf("dry run %v: err = %v, want it to say %q", dryRun, err, name)
			}
			if err != nil && strings.Contains(err.Error(), "skopeo-linux-amd64.tar.zst") {
				t.Errorf("dry run %v: the good archive is blamed too: %v", dryRun, err)
			}
			if st := e.fake.Stats(); st.Requests != 0 {
				t.Errorf("dry run %v: %d requests made before refusing", dryRun, st.Requests)
			}
		}
	}
	// The same directory published as the version it holds is fine.
	e := newEnv(t)
	o := e.options("good-token")
	o.Version = version.Version{Major: 1, Minor: 19, Patch: 0}
	err := Run(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "skopeo-linux-amd64.tar.zst holds skopeo 1.20.0 (top directory skopeo-v1.20.0/), not skopeo 1.19.0") {
		t.Errorf("publishing 1.20.0 archives as 1.19.0: err = %v", err)
	}
	if err := e.publish(); err != nil {
		t.Fatal(err)
	}
	e.assertComplete()
}

// --bundles: the archive list may come from elsewhere than the directory;
// then the directory's own bundles.json, if any, is not read.
func TestPublishReadsTheGivenBundlesFile(t *testing.T) {
	e := newEnv(t)
	elsewhere := filepath.Join(t.TempDir(), "bundles.json")
	data, err := os.ReadFile(filepath.Join(e.dir, "bundles.json"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, elsewhere, string(data))
	write(t, filepath.Join(e.dir, "bundles.json"), "not JSON")
	o := e.options("good-token")
	o.Bundles = elsewhere
	if err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	e.assertComplete()
}
