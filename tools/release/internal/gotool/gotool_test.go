package gotool

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A module the Go module proxy refuses (here every request gets 403 Forbidden, the answer of
// a filtering proxy) makes the check fail, naming the module and the proxy: it used to skip.
func TestBuildFailsWhenTheProxyRefuses(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH (e.g. inside a Bazel sandbox): `go test ./tools/release/...` runs this test")
	}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "refused by policy", http.StatusForbidden)
	}))
	t.Cleanup(proxy.Close)
	home := t.TempDir()
	// the go command's telemetry (on by default, "local") writes under $HOME/.config and may leave
	// a child process writing there after it exits: TempDir's cleanup then finds the directory
	// not empty. Off, as `go telemetry off` records it.
	if err := os.MkdirAll(filepath.Join(home, ".config/go/telemetry"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".config/go/telemetry/mode"), []byte("off"), 0o644); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"GOPROXY": proxy.URL, "XDG_CONFIG_HOME": "", "GOSUMDB": "off", "GOPRIVATE": "", "GONOPROXY": "", "GONOSUMDB": "",
		"GOMODCACHE": filepath.Join(home, "mod"), "XDG_CACHE_HOME": filepath.Join(home, "cache"), "HOME": home,
		"GOTOOLCHAIN": "local",
	} {
		t.Setenv(k, v)
	}
	_, err = build(goBin, "example.com/refused", "v1.0.0", "example.com/refused/cmd/tool", t.TempDir())
	if err == nil {
		t.Fatal("build succeeded through a proxy that refuses everything")
	}
	t.Logf("the error: %v", err)
	for _, want := range []string{"example.com/refused@v1.0.0", "GOPROXY=" + proxy.URL, "403 Forbidden", "fails rather than skips"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(home, "cache", "rootless-static-toolkits-gotool", "example.com_refused_cmd_tool@v1.0.0")); len(entries) != 0 {
		t.Errorf("a failed build left %d files in the binary cache", len(entries))
	}
}
