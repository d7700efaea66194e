// Package bump moves a Go tool's pin (third_party/<tool>/) to another upstream version:
// go.mod and go.sum through the Go module proxy (checksum-verified by the go command), and
// stamp.bzl, the tag's commit and time as the proxy's .info file records them, and go.licenses,
// the licenses of the modules go.sum pins. Nothing is typed by hand, nothing else is touched,
// and the tree is left as it was when a step fails.
package bump

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/atomicfile"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/fault"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/scratchdir"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/version"
)

// Files are the files of a tool's pin that a bump rewrites, in third_party/<tool>/.
var Files = []string{"go.mod", "go.sum", "stamp.bzl", LicensesFile}

// Options say what to bump.
type Options struct {
	Dir     string   // the tool's pin directory, e.g. <repo>/third_party/podman
	Version string   // target version, without "v"
	Go      string   // the go command (default "go" on PATH)
	MaxGo   string   // the pinned Go SDK's version: a module graph asking for a newer Go is refused
	Raise   []string // MODULE@vVERSION: a dependency of the tool raised to a (fixed) release
	Env     []string // environment of the go command (default os.Environ())
	Logf    func(format string, args ...any)

	rename func(oldpath, newpath string) error // replaces os.Rename when not nil (tests inject faults)
}

// Result says what a bump did.
type Result struct {
	Module  string   // the tool's upstream module path
	From    string   // the version pinned before, without "v"
	To      string   // the version pinned now
	Commit  string   // the tag's commit ("" when the proxy does not record it)
	Time    int64    // the tag's time, Unix seconds
	Raised  []string // "MODULE FROM -> TO" for each dependency raised
	Changed []string // files rewritten (empty: the pin already was this version)
}

// Pinned returns the module path and version (without "v") of the one direct requirement of
// the go.mod in dir: the tool's upstream module.
func Pinned(ctx context.Context, goCmd string, env []string, dir string) (module, ver string, err error) {
	// a bump killed while it replaced the pin's files is finished first: never read half of one
	if err := atomicfile.Recover(dir); err != nil {
		return "", "", err
	}
	out, err := run(ctx, goCmd, env, dir, "mod", "edit", "-json")
	if err != nil {
		return "", "", err
	}
	var mf struct {
		Require []struct {
			Path, Version string
			Indirect      bool
		}
	}
	if err := json.Unmarshal(out, &mf); err != nil {
		return "", "", fmt.Errorf("%s/go.mod: %w", dir, err)
	}
	for _, r := range mf.Require {
		if r.Indirect {
			continue
		}
		if module != "" {
			return "", "", fmt.Errorf("%s/go.mod requires both %s and %s directly: a tool's pin names one module", dir, module, r.Path)
		}
		module, ver = r.Path, strings.TrimPrefix(r.Version, "v")
	}
	if module == "" {
		return "", "", fmt.Errorf("%s/go.mod has no direct requirement: it should require the tool's module", dir)
	}
	return module, ver, nil
}

// Source returns where go.mod fetches the tool's module from when it replaces it with another
// module path (upstream moved its module path but the proxy serves the release only under the
// old one; the old path's go.mod declares the new path): "" when go.mod does not replace it.
func Source(ctx context.Context, goCmd string, env []string, dir, module string) (string, error) {
	out, err := run(ctx, goCmd, env, dir, "mod", "edit", "-json")
	if err != nil {
		return "", err
	}
	var mf struct {
		Replace []struct {
			Old, New struct{ Path, Version string }
		}
	}
	if err := json.Unmarshal(out, &mf); err != nil {
		return "", fmt.Errorf("%s/go.mod: %w", dir, err)
	}
	for _, r := range mf.Replace {
		if r.Old.Path == module {
			if r.New.Version == "" {
				return "", fmt.Errorf("%s/go.mod replaces %s with the directory %s: a pin fetches released modules only", dir, module, r.New.Path)
			}
			return r.New.Path, nil
		}
	}
	return "", nil
}

var majorSuffix = regexp.MustCompile(`/v([0-9]+)$`)

// checkMajor refuses a version whose major number needs another module path (Go's semantic
// import versioning): that move renames the module in BUILD and MODULE files too.
func checkMajor(module string, v version.Version) error {
	want := 1
	if m := majorSuffix.FindStringSubmatch(module); m != nil {
		fmt.Sscan(m[1], &want)
	}
	got := v.Major
	if got == 0 {
		got = 1
	}
	if got != want {
		return fmt.Errorf("version %s is major version %d, but the pinned module %s is major version %d: "+
			"its module path differs (a new module), so rename it in the tool's go.mod, deps.go, BUILD.bazel and "+
			"go_graph.json by hand first (then go run ./tools/generate), then run bump", v, v.Major, module, want)
	}
	return nil
}

// scratchPattern names the scratch copies of bumps in the temporary directory.
const scratchPattern = "rst-bump-*"

// Run bumps the pin in opts.Dir to opts.Version. The new files are made in a scratch copy and
// replace the old ones only when every step succeeded; running it again is a no-op.
func Run(ctx context.Context, opts Options) (*Result, error) {
	if opts.Go == "" {
		opts.Go = "go"
	}
	if opts.Env == nil {
		opts.Env = os.Environ()
	}
	// the module graph is the tool's own: no workspace, and go.mod may be rewritten
	opts.Env = append(append([]string{}, opts.Env...), "GOWORK=off", "GOFLAGS=-mod=mod")
	logf := opts.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	v, err := version.Parse(opts.Version)
	if err != nil {
		return nil, err
	}
	if !v.Stable() {
		return nil, fmt.Errorf("version %s is a pre-release: only stable releases are pinned", v)
	}
	module, from, err := Pinned(ctx, opts.Go, opts.Env, opts.Dir)
	if err != nil {
		return nil, err
	}
	if err := checkMajor(module, v); err != nil {
		return nil, err
	}
	res := &Result{Module: module, From: from, To: v.String()}

	// the scratch copy is held while this bump runs; those of bumps that were killed are removed
	if _, err := scratchdir.Sweep(os.TempDir(), scratchPattern); err != nil {
		return nil, err
	}
	sd, err := scratchdir.New(os.TempDir(), scratchPattern)
	if err != nil {
		return nil, err
	}
	defer sd.Remove()
	scratch := sd.Path
	fault.Point("bump: scratch copy made")
	// deps.go imports the tool's command, which is what `go mod tidy` keeps the graph of
	for _, f := range []string{"go.mod", "go.sum", "deps.go"} {
		data, err := os.ReadFile(filepath.Join(opts.Dir, f))
		if err != nil {
			return nil, fmt.Errorf("reading the pin: %w", err)
		}
		if err := os.WriteFile(filepath.Join(scratch, f), data, 0o644); err != nil {
			return nil, err
		}
	}
	src, err := Source(ctx, opts.Go, opts.Env, scratch, module)
	if err != nil {
		return nil, err
	}
	target := module + "@v" + v.String()
	if src == "" {
		logf("bump: go get %s (through the Go module proxy, checksum-verified)", target)
		if _, err := run(ctx, opts.Go, opts.Env, scratch, "get", target); err != nil {
			return nil, fmt.Errorf("cannot pin %s: %w", target, err)
		}
	} else {
		// the module is fetched under the path go.mod replaces it with: pin both at the version
		fetched := src + "@v" + v.String()
		logf("bump: %s comes from %s (go.mod replaces it): pinning both at v%s", module, src, v)
		if _, err := run(ctx, opts.Go, opts.Env, scratch, "mod", "edit", "-require="+target, "-replace="+module+"="+fetched); err != nil {
			return nil, fmt.Errorf("cannot pin %s: %w", target, err)
		}
		if _, err := run(ctx, opts.Go, opts.Env, scratch, "mod", "download", fetched); err != nil {
			return nil, fmt.Errorf("cannot pin %s: %w", target, err)
		}
		target = fetched
	}
	graph := map[string]bool{} // the modules of the graph before any raise
	if len(opts.Raise) > 0 {
		// the module graph's requirements (go.mod files only: `go list -m all` also wants every
		// module's .info, which a filtering proxy may refuse for modules no build needs)
		out, err := run(ctx, opts.Go, opts.Env, scratch, "mod", "graph")
		if err != nil {
			return nil, err
		}
		for _, m := range strings.Fields(string(out)) {
			path, _, _ := strings.Cut(m, "@")
			graph[path] = true
		}
	}
	for _, r := range opts.Raise {
		line, err := raise(ctx, opts.Go, opts.Env, scratch, module, r, graph)
		if err != nil {
			return nil, err
		}
		logf("bump: raise %s", line)
		res.Raised = append(res.Raised, line)
	}
	logf("bump: go mod tidy")
	if _, err := run(ctx, opts.Go, opts.Env, scratch, "mod", "tidy"); err != nil {
		return nil, fmt.Errorf("go mod tidy after pinning %s: %w", target, err)
	}
	fault.Point("bump: go mod tidy done")
	if opts.MaxGo != "" {
		if err := checkGo(ctx, opts.Go, opts.Env, scratch, target, opts.MaxGo); err != nil {
			return nil, err
		}
	}
	res.Commit, res.Time, err = origin(ctx, opts.Go, opts.Env, scratch, target)
	if err != nil {
		return nil, err
	}
	if res.Commit == "" {
		logf("bump: warning: the module proxy's .info for %s records no commit (no Origin): the commit stamp is left empty", target)
	}
	if err := os.WriteFile(filepath.Join(scratch, "stamp.bzl"), Stamp(target, res.Commit, res.Time), 0o644); err != nil {
		return nil, err
	}
	logf("bump: the licenses of the pinned modules (%s)", LicensesFile)
	licenses, err := Licenses(ctx, opts.Go, opts.Env, scratch)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(scratch, LicensesFile), licenses, 0o644); err != nil {
		return nil, err
	}
	fault.Point("bump: new files made")

	// replace what differs, all files or none: a half-bumped pin (go.mod of one version,
	// stamp.bzl of another) would build something no one asked for
	var write []atomicfile.File
	for _, f := range Files {
		newData, err := os.ReadFile(filepath.Join(scratch, f))
		if err != nil {
			return nil, err
		}
		oldData, err := os.ReadFile(filepath.Join(opts.Dir, f))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("reading the pin: %w", err)
		}
		if bytes.Equal(oldData, newData) {
			continue
		}
		write = append(write, atomicfile.File{Path: filepath.Join(opts.Dir, f), Data: newData, Perm: 0o644})
		res.Changed = append(res.Changed, f)
	}
	if err := (atomicfile.Writer{Rename: opts.rename}).WriteAll(write...); err != nil {
		return nil, fmt.Errorf("replacing the pin's files in %s: %w", opts.Dir, err)
	}
	return res, nil
}

// raise moves one dependency of the tool's graph in dir up to spec (MODULE@vVERSION), e.g. to
// the release that fixes an advisory: never down (a module an earlier raise or the tool's own
// requirements already took that far is left as it is), never the tool itself, never to a
// version the proxy does not serve (go get fails, naming it). Returns "MODULE FROM -> TO", or
// "MODULE FROM (already >= VERSION)".
func raise(ctx context.Context, goCmd string, env []string, dir, tool, spec string, graph map[string]bool) (string, error) {
	mod, ver, ok := strings.Cut(spec, "@")
	if !ok || mod == "" || !strings.HasPrefix(ver, "v") {
		return "", fmt.Errorf("--raise %q: want MODULE@vVERSION", spec)
	}
	want, err := version.Parse(ver)
	if err != nil {
		return "", fmt.Errorf("--raise %s: %w", spec, err)
	}
	if mod == tool {
		return "", fmt.Errorf("--raise %s: that is the tool's own module: give its version as VERSION", spec)
	}
	out, err := run(ctx, goCmd, env, dir, "list", "-m", "-f", "{{.Version}}", mod)
	if err != nil {
		// an earlier raise may have taken it out of the graph; a module the graph never had is a mistake
		if graph[mod] {
			return fmt.Sprintf("%s (no longer in the graph)", mod), nil
		}
		return "", fmt.Errorf("--raise %s: %s is not in the tool's module graph: %w", spec, mod, err)
	}
	cur := strings.TrimSpace(string(out))
	have, err := version.Parse(cur)
	if err != nil {
		return "", fmt.Errorf("--raise %s: the graph has %s %s: %w", spec, mod, cur, err)
	}
	if have.Compare(want) >= 0 {
		return fmt.Sprintf("%s %s (already >= %s)", mod, cur, ver), nil
	}
	if _, err := run(ctx, goCmd, env, dir, "get", mod+"@"+ver); err != nil {
		return "", fmt.Errorf("cannot raise %s to %s: %w", mod, ver, err)
	}
	return fmt.Sprintf("%s %s -> %s", mod, cur, ver), nil
}

// checkGo refuses a module graph whose go directive asks for a newer Go than the pinned SDK:
// Bazel would fail later with a less clear message.
func checkGo(ctx context.Context, goCmd string, env []string, dir, target, maxGo string) error {
	out, err := run(ctx, goCmd, env, dir, "mod", "edit", "-json")
	if err != nil {
		return err
	}
	var mf struct{ Go string }
	if err := json.Unmarshal(out, &mf); err != nil {
		return err
	}
	if goVersionLess(maxGo, mf.Go) {
		return fmt.Errorf("%s needs go %s, newer than the pinned Go SDK %s: bump go_sdk in third_party/pins.json first", target, mf.Go, maxGo)
	}
	return nil
}

// goVersionLess compares Go versions such as 1.25, 1.25.0 and 1.25.7 numerically.
func goVersionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y int
		if i < len(pa) {
			fmt.Sscan(pa[i], &x)
		}
		if i < len(pb) {
			fmt.Sscan(pb[i], &y)
		}
		if x != y {
			return x < y
		}
	}
	return false
}

// origin reads the proxy's .info of target: the tag's time and, where the proxy records it,
// the commit.
func origin(ctx context.Context, goCmd string, env []string, dir, target string) (string, int64, error) {
	out, err := run(ctx, goCmd, env, dir, "mod", "download", "-json", target)
	if err != nil {
		return "", 0, fmt.Errorf("reading the module proxy's data of %s: %w", target, err)
	}
	var dl struct{ Info, Error string }
	if err := json.Unmarshal(out, &dl); err != nil {
		return "", 0, fmt.Errorf("go mod download -json %s: %w", target, err)
	}
	if dl.Error != "" {
		return "", 0, fmt.Errorf("go mod download %s: %s", target, dl.Error)
	}
	data, err := os.ReadFile(dl.Info)
	if err != nil {
		return "", 0, fmt.Errorf("the module proxy's .info of %s: %w", target, err)
	}
	var info struct {
		Time   time.Time
		Origin *struct{ VCS, Hash, Ref string }
	}
	if err := json.Unmarshal(data, &info); err != nil {
		return "", 0, fmt.Errorf("the module proxy's .info of %s: %w", target, err)
	}
	if info.Time.IsZero() {
		return "", 0, fmt.Errorf("the module proxy's .info of %s has no time", target)
	}
	commit := ""
	if info.Origin != nil && info.Origin.VCS == "git" {
		if !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(info.Origin.Hash) {
			return "", 0, fmt.Errorf("the module proxy's .info of %s names commit %q, not a git hash", target, info.Origin.Hash)
		}
		commit = info.Origin.Hash
	}
	return commit, info.Time.Unix(), nil
}

// Stamp is the content of stamp.bzl: what upstream's Makefile stamps into the binary, for the
// pinned tag, so that builds are reproducible.
func Stamp(target, commit string, unix int64) []byte {
	return []byte(fmt.Sprintf(`"""Written by tools/release bump from the Go module proxy's data of %s: do not edit."""

# the tag's commit ("" where the proxy does not record it) and time (Unix seconds), stamped
# into the binary as upstream's Makefile does
COMMIT = %q
TIME = "%d"
`, target, commit, unix))
}

func run(ctx context.Context, goCmd string, env []string, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir = dir
	// a go command outlives no bump: killed, the bump's scratch copy is removed by the next one
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return stdout.Bytes(), fmt.Errorf("go %s: %s", strings.Join(args, " "), msg)
	}
	return stdout.Bytes(), nil
}
