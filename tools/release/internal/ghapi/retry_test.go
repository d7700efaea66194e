package ghapi

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/fakegithub"
)

const repo = "o/r"

type harness struct {
	fake   *fakegithub.Server
	client *Client
	mu     sync.Mutex
	sleeps []time.Duration
	log    strings.Builder
}

func newHarness(t *testing.T, retries int) *harness {
	h := &harness{fake: fakegithub.New()}
	t.Cleanup(h.fake.Close)
	h.fake.Token = "tok"
	h.fake.AddRepo(repo)
	c, err := New(Options{
		APIURL: h.fake.APIURL(), Token: "tok", AttemptTimeout: 200 * time.Millisecond,
		Retries: retries, Backoff: 10 * time.Millisecond, MaxWait: time.Minute,
		Sleep: func(_ context.Context, d time.Duration) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.sleeps = append(h.sleeps, d)
			return nil
		},
		Log: func(f string, a ...any) { h.mu.Lock(); defer h.mu.Unlock(); fmt.Fprintf(&h.log, f+"\n", a...) },
	})
	if err != nil {
		t.Fatal(err)
	}
	h.client = c
	return h
}

func TestRetriesServerErrorsWithBackoff(t *testing.T) {
	h := newHarness(t, 3)
	h.fake.Inject(&fakegithub.Fault{Method: "GET", Path: "/releases$", Kind: fakegithub.Status500, Times: 2})
	if _, err := h.client.ListReleases(context.Background(), repo); err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{10 * time.Millisecond, 20 * time.Millisecond}
	if len(h.sleeps) != 2 || h.sleeps[0] != want[0] || h.sleeps[1] != want[1] {
		t.Errorf("sleeps = %v, want %v", h.sleeps, want)
	}
	if n := h.fake.Stats().Requests; n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

func TestRetriesAreBounded(t *testing.T) {
	h := newHarness(t, 2)
	h.fake.Inject(&fakegithub.Fault{Method: "GET", Path: "/releases$", Kind: fakegithub.Status500, Times: 100})
	_, err := h.client.ListReleases(context.Background(), repo)
	if err == nil || !strings.Contains(err.Error(), "500") {
		t.Fatalf("err = %v", err)
	}
	if n := h.fake.Stats().Requests; n != 3 {
		t.Errorf("%d requests, want 3 (1 + 2 retries)", n)
	}
}

func TestPostIsNotRetriedOnServerError(t *testing.T) {
	h := newHarness(t, 3)
	h.fake.Inject(&fakegithub.Fault{Method: "POST", Path: "/releases$", Kind: fakegithub.ActThen500})
	if _, err := h.client.CreateDraft(context.Background(), repo, "x-v1.0.0", "main", "X 1.0.0", ""); err == nil {
		t.Fatal("CreateDraft succeeded on a 500")
	}
	if st := h.fake.Stats(); st.Requests != 1 || st.ReleasesCreated != 1 {
		t.Errorf("requests %d, releases created %d; want 1 and 1 (no blind retry)", st.Requests, st.ReleasesCreated)
	}
}

func TestRateLimitsAreHonoured(t *testing.T) {
	cases := []struct {
		kind     fakegithub.Kind
		secs     int
		min, max time.Duration
	}{
		{fakegithub.RateLimit429, 7, 7 * time.Second, 7 * time.Second},
		{fakegithub.SecondaryLimit403, 4, 4 * time.Second, 4 * time.Second},
		{fakegithub.PrimaryLimit403, 30, 29 * time.Second, 32 * time.Second},
	}
	for _, c := range cases {
		h := newHarness(t, 3)
		// POST too: GitHub refuses before acting, so a retry is safe.
		h.fake.Inject(&fakegithub.Fault{Method: "POST", Path: "/releases$", Kind: c.kind, Seconds: c.secs})
		if _, err := h.client.CreateDraft(context.Background(), repo, "x-v1.0.0", "main", "X 1.0.0", ""); err != nil {
			t.Errorf("kind %d: %v", c.kind, err)
			continue
		}
		if len(h.sleeps) != 1 || h.sleeps[0] < c.min || h.sleeps[0] > c.max {
			t.Errorf("kind %d: sleeps %v, want one in [%v, %v]", c.kind, h.sleeps, c.min, c.max)
		}
		if st := h.fake.Stats(); st.ReleasesCreated != 1 {
			t.Errorf("kind %d: %d releases created", c.kind, st.ReleasesCreated)
		}
	}
}

func TestRateLimitBeyondMaxWaitFails(t *testing.T) {
	h := newHarness(t, 3)
	h.fake.Inject(&fakegithub.Fault{Method: "GET", Path: "/releases$", Kind: fakegithub.PrimaryLimit403, Seconds: 7200})
	_, err := h.client.ListReleases(context.Background(), repo)
	if err == nil || !strings.Contains(err.Error(), "rate limit") {
		t.Fatalf("err = %v", err)
	}
	if len(h.sleeps) != 0 {
		t.Errorf("slept %v", h.sleeps)
	}
}

func TestTimeoutIsRetried(t *testing.T) {
	h := newHarness(t, 2)
	h.fake.Inject(&fakegithub.Fault{Method: "GET", Path: "/releases$", Kind: fakegithub.Hang})
	start := time.Now()
	if _, err := h.client.ListReleases(context.Background(), repo); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 200*time.Millisecond || d > 2*time.Second {
		t.Errorf("took %v; want about one attempt timeout (200ms)", d)
	}
	h.fake.Inject(&fakegithub.Fault{Method: "GET", Path: "/releases$", Kind: fakegithub.Hang, Times: 3})
	_, err := h.client.ListReleases(context.Background(), repo)
	if err == nil || !strings.Contains(err.Error(), "no answer within 200ms") {
		t.Errorf("err = %v", err)
	}
}

func TestClearMessagesFor401403404(t *testing.T) {
	h := newHarness(t, 3)
	bad, err := New(Options{APIURL: h.fake.APIURL(), Token: "wrong"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.CreateDraft(context.Background(), repo, "x-v1.0.0", "main", "X", "")
	if err == nil || !strings.Contains(err.Error(), "401 Unauthorized") || !strings.Contains(err.Error(), "GITHUB_TOKEN") {
		t.Errorf("401: %v", err)
	}
	_, err = h.client.ListReleases(context.Background(), "no/such")
	if err == nil || !strings.Contains(err.Error(), "404 Not Found") || !strings.Contains(err.Error(), "cannot see it") {
		t.Errorf("404: %v", err)
	}
	// A 403 without rate-limit headers is a permission problem: no retry.
	h.fake.Inject(&fakegithub.Fault{Method: "GET", Path: "/releases$", Kind: fakegithub.Forbidden403})
	_, err = h.client.ListReleases(context.Background(), repo)
	if err == nil || !strings.Contains(err.Error(), "403 Forbidden") || !strings.Contains(err.Error(), "lacks permission") || len(h.sleeps) != 0 {
		t.Errorf("403: err %v, sleeps %v", err, h.sleeps)
	}
}

func TestRedirectOfRenamedRepositoryAndPagination(t *testing.T) {
	h := newHarness(t, 0)
	h.fake.MaxPerPage = 2
	for _, tag := range []string{"v1.0.0", "v1.1.0", "v1.2.0", "v1.3.0", "v1.4.0"} {
		h.fake.AddRelease("podman-container-tools/skopeo", tag, false, false)
	}
	h.fake.Move("containers/skopeo", "podman-container-tools/skopeo")
	rels, err := h.client.ListReleases(context.Background(), "containers/skopeo")
	if err != nil {
		t.Fatal(err)
	}
	var tags []string
	for _, r := range rels {
		tags = append(tags, r.Tag)
	}
	if got := strings.Join(tags, " "); got != "v1.4.0 v1.3.0 v1.2.0 v1.1.0 v1.0.0" {
		t.Errorf("tags = %s", got)
	}
}

func TestUploadResendsWholeBodyAfterRateLimit(t *testing.T) {
	h := newHarness(t, 3)
	const sha = "0123456789abcdef0123456789abcdef01234567"
	rel, err := h.client.CreateDraft(context.Background(), repo, "x-v1.0.0", sha, "X", "")
	if err != nil {
		t.Fatal(err)
	}
	if rel.Commitish != sha || h.fake.Releases(repo, "x-v1.0.0")[0].Commitish != sha {
		t.Errorf("the draft targets %q, want %s", rel.Commitish, sha)
	}
	path := filepath.Join(t.TempDir(), "x-linux-amd64.tar.zst")
	content := strings.Repeat("0123456789", 120000)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	h.fake.Inject(&fakegithub.Fault{Method: "POST", Path: "^/uploads/", Kind: fakegithub.RateLimit429, Seconds: 1})
	if _, err := h.client.Upload(context.Background(), rel, path, "x-linux-amd64.tar.zst"); err != nil {
		t.Fatal(err)
	}
	if p := h.fake.Check(repo, "x-v1.0.0", map[string][]byte{"x-linux-amd64.tar.zst": []byte(content)}); len(p) != 1 || p[0] != "release is still a draft" {
		t.Errorf("problems: %v", p)
	}
	if !strings.Contains(h.log.String(), "uploading x-linux-amd64.tar.zst: 50%") {
		t.Errorf("no progress lines for a 1 MB upload:\n%s", h.log.String())
	}
}

func TestDownloadDoesNotSendTokenToStorage(t *testing.T) {
	h := newHarness(t, 0)
	rel := h.fake.AddRelease(repo, "x-v1.0.0", false, false)
	h.fake.AddAsset(rel, "a", []byte("content"))
	assets, err := h.client.ListAssets(context.Background(), repo, rel.ID)
	if err != nil || len(assets) != 1 {
		t.Fatalf("assets %v, err %v", assets, err)
	}
	rc, err := h.client.DownloadAsset(context.Background(), repo, assets[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	buf := new(strings.Builder)
	if _, err := io.Copy(buf, rc); err != nil || buf.String() != "content" {
		t.Errorf("downloaded %q, %v", buf.String(), err)
	}
	if h.fake.Stats().TokenLeaks != 0 {
		t.Error("the token was sent to storage")
	}
}

func TestBadAPIURL(t *testing.T) {
	for _, u := range []string{"ftp://x/", "not a url", "http://"} {
		if _, err := New(Options{APIURL: u}); err == nil {
			t.Errorf("New(%q) succeeded", u)
		}
	}
}
