package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/gograph"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/scratchdir"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/pins"
)

// scratch is where a run keeps its copy of the tree and both builds' outputs.
const (
	scratchParent  = "/var/tmp"
	scratchPattern = "rst-bench.*"
)

// goBuild is what plain go build needs to build a tool as its go_binary does.
type goBuild struct {
	pkg    string   // the tool's command package (import path)
	tags   []string // build tags
	xflags []string // -X flags from x_defs
}

// buildInfo asks Bazel for the tool's go_binary (//third_party/<tool>:<tool>): its tags, x_defs
// and the command package it embeds (in its module's repository, whose module graph names).
func buildInfo(ws string, g *gograph.Graph) (*goBuild, error) {
	label := "//" + g.Pkg() + ":" + g.Name
	out, err := bazel(ws, ws, "query", "--output=streamed_jsonproto", label)
	if err != nil {
		return nil, err
	}
	return parseBuildInfo(out, g.Module, g.ModuleRepo())
}

// parseBuildInfo reads a go_binary from bazel query --output=streamed_jsonproto: the command
// package is the embedded library's package in repository repo, as a package of module.
func parseBuildInfo(jsonproto, module, repo string) (*goBuild, error) {
	var t struct {
		Rule struct {
			Name      string `json:"name"`
			Class     string `json:"ruleClass"`
			Attribute []struct {
				Name        string   `json:"name"`
				StringList  []string `json:"stringListValue"`
				StringDicts []struct {
					Key   string `json:"key"`
					Value string `json:"value"`
				} `json:"stringDictValue"`
			} `json:"attribute"`
		} `json:"rule"`
	}
	if err := json.Unmarshal([]byte(strings.SplitN(jsonproto, "\n", 2)[0]), &t); err != nil {
		return nil, fmt.Errorf("reading bazel query's answer: %v", err)
	}
	if t.Rule.Class != "go_binary" {
		return nil, fmt.Errorf("%s is a %q, not a go_binary", t.Rule.Name, t.Rule.Class)
	}
	b := &goBuild{}
	for _, a := range t.Rule.Attribute {
		switch a.Name {
		case "gotags":
			b.tags = a.StringList
		case "x_defs":
			for _, kv := range a.StringDicts {
				// x_defs are make-variable expanded: $$ is a $
				b.xflags = append(b.xflags, "-X", kv.Key+"="+strings.ReplaceAll(kv.Value, "$$", "$"))
			}
		case "embed":
			for _, l := range a.StringList {
				prefix := "@" + repo + "//"
				if !strings.HasPrefix(l, prefix) {
					continue
				}
				dir, _, _ := strings.Cut(strings.TrimPrefix(l, prefix), ":")
				b.pkg = path.Join(module, dir)
			}
		}
	}
	if b.pkg == "" {
		return nil, fmt.Errorf("%s embeds no package of @%s (module %s)", t.Rule.Name, repo, module)
	}
	return b, nil
}

// inputs are what both builds share, where Bazel keeps them.
type inputs struct {
	goroot, zig         string
	seccompInclude      string // libseccomp's headers
	seccompLib          string // libseccomp.a as Bazel built it
	seccompVersion      string // from its pin
	sidRoot, outputBase string
}

func sharedInputs(ws string) (*inputs, error) {
	fmt.Fprintln(os.Stderr, "[bench] building libseccomp, asking Bazel where the Go SDK and zig are")
	if _, err := bazel(ws, ws, "build", "//third_party/libseccomp"); err != nil {
		return nil, err
	}
	in := &inputs{}
	var err error
	if in.outputBase, err = bazel(ws, ws, "info", "output_base"); err != nil {
		return nil, err
	}
	execroot, err := bazel(ws, ws, "info", "execution_root")
	if err != nil {
		return nil, err
	}
	// where each is: a source file's path is the output base's, a built one the execution root's;
	// dir takes the file's directory (the Go SDK's root, libseccomp's headers)
	for _, w := range []struct {
		label, suffix, base string
		dir                 bool
		to                  *string
	}{
		{"@go_sdk_pinned//:VERSION", "VERSION", in.outputBase, true, &in.goroot},
		{"@zig_sdk//:zig", "zig", in.outputBase, false, &in.zig},
		{"@libseccomp//:include/seccomp.h", "seccomp.h", in.outputBase, true, &in.seccompInclude},
		{"//third_party/libseccomp", ".a", execroot, false, &in.seccompLib},
	} {
		files, err := filesOf(ws, w.label)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if strings.HasSuffix(f, w.suffix) {
				*w.to = filepath.Join(w.base, f)
				break
			}
		}
		if *w.to == "" {
			return nil, fmt.Errorf("bazel names no %s file for %s", w.suffix, w.label)
		}
		if w.dir {
			*w.to = filepath.Dir(*w.to)
		}
	}
	for _, p := range []string{filepath.Join(in.goroot, "bin/go"), in.zig, filepath.Join(in.seccompInclude, "seccomp.h"), in.seccompLib} {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("the pinned Go SDK, zig or libseccomp is not where Bazel says: %v", err)
		}
	}
	pf, err := pins.Load(filepath.Join(ws, pins.Path))
	if err != nil {
		return nil, err
	}
	pin, err := pf.Pin("libseccomp")
	if err != nil {
		return nil, err
	}
	in.seccompVersion = pin.Version()
	if in.sidRoot, err = common(ws, "printenv", "SID_ROOT"); err != nil {
		return nil, err
	}
	return in, nil
}

// sweep removes what runs that were killed left: their scratch directories, each with its copy
// of the tree's output base (and Bazel server).
func sweep(ws string) error {
	removed, err := scratchdir.SweepWith(scratchParent, scratchPattern, func(p string) error {
		_, err := common(ws, "drop_workspace", filepath.Join(p, "ws"))
		return err
	})
	for _, p := range removed {
		fmt.Fprintf(os.Stderr, "[bench] removed %s, left by a run that was killed\n", p)
	}
	return err
}

func buildBench(ws string, tools []string, stdout, stderr io.Writer) error {
	if len(tools) == 0 {
		tools = []string{"skopeo", "podman", "buildah"}
	}
	graphs, err := gograph.Load(ws)
	if err != nil {
		return err
	}
	for _, t := range tools {
		if g := graphs.Graph(t); g == nil || g.Pkg() != "third_party/"+t {
			return fmt.Errorf("unknown tool %s (no third_party/%s/go_graph.json)", t, t)
		}
	}
	if err := sweep(ws); err != nil {
		return err
	}
	in, err := sharedInputs(ws)
	if err != nil {
		return err
	}
	dir, err := scratchdir.New(scratchParent, scratchPattern)
	if err != nil {
		return err
	}
	work := dir.Path
	bazelWS := filepath.Join(work, "ws")
	defer func() {
		common(ws, "drop_workspace", bazelWS)
		dir.Remove()
	}()
	if _, err := common(ws, "copy_workspace", ws, bazelWS); err != nil {
		return err
	}
	// go build's view of the same libseccomp and zig
	for _, d := range []string{"pc", "bin", "seccomp/lib"} {
		if err := os.MkdirAll(filepath.Join(work, d), 0o755); err != nil {
			return err
		}
	}
	lib, err := os.ReadFile(in.seccompLib)
	if err != nil {
		return err
	}
	files := map[string]string{
		"seccomp/lib/libseccomp.a": string(lib),
		"pc/libseccomp.pc": fmt.Sprintf("Name: libseccomp\nDescription: pinned libseccomp built by Bazel\nVersion: %s\nCflags: -I%s\nLibs: -L%s -lseccomp\n",
			in.seccompVersion, in.seccompInclude, filepath.Join(work, "seccomp/lib")),
		"bin/zigcc": fmt.Sprintf("#!/bin/sh\nexec %q cc -target x86_64-linux-musl \"$@\"\n", in.zig),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(work, name), []byte(data), 0o755); err != nil {
			return err
		}
	}

	// the pinned Go SDK, for both go build and its module work
	goenv := append(os.Environ(), "GOROOT="+in.goroot, "PATH="+filepath.Join(in.goroot, "bin")+":"+os.Getenv("PATH"),
		"GOFLAGS=-mod=readonly", "GOTOOLCHAIN=local")
	fmt.Fprintf(stdout, "%-8s %12s %12s %8s\n", "tool", "bazel", "go-build", "ratio")
	for _, t := range tools {
		g := graphs.Graph(t)
		info, err := buildInfo(ws, g)
		if err != nil {
			return err
		}
		// the patches Bazel applies to the tool's modules, as a go.mod replacing them (outside the timing)
		modfile, err := graphs.PatchedModfile(ws, g, filepath.Join(work, "patched-"+t), filepath.Join(in.goroot, "bin/go"), goenv)
		if err != nil {
			return fmt.Errorf("applying %s's module patches for go build: %v", t, err)
		}
		tb, split, err := coldBazel(ws, bazelWS, work, in, t)
		if err != nil {
			return err
		}
		tg, err := coldGoBuild(ws, work, in, t, info, modfile, goenv)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%-8s %11.0fs %11.0fs %7.2fx   bazel: %s\n", t, tb.Seconds(), tg.Seconds(), tb.Seconds()/tg.Seconds(), split)
	}
	return nil
}

// coldBazel builds the tool in the copy of the tree from an empty output base and zig cache, in
// three commands for the split: the server's start, the external repositories (the Go SDK, zig,
// every module of the tool's graph extracted and given a BUILD file by gazelle), then the build
// proper (analysis and actions; its profile gives the time per kind of action).
func coldBazel(ws, bazelWS, work string, in *inputs, t string) (time.Duration, string, error) {
	bazel(ws, bazelWS, "clean", "--expunge") // a fresh copy has nothing to clean
	if err := os.RemoveAll(filepath.Join(in.sidRoot, "tmp/rst-zig-cache")); err != nil {
		return 0, "", err
	}
	fmt.Fprintf(os.Stderr, "[bench] %s: bazel build (cold)\n", t)
	profile := filepath.Join(bazelWS, ".profile-"+t+".json.gz")
	start := time.Now()
	var lap []time.Duration
	for _, args := range [][]string{
		{"info", "release"},
		{"fetch", "//third_party/" + t + ":" + t},
		{"build", "--disk_cache=", "--profile=" + profile, "//third_party/" + t + ":" + t},
	} {
		t0 := time.Now()
		if _, err := bazel(ws, bazelWS, args...); err != nil {
			return 0, "", err
		}
		lap = append(lap, time.Since(t0))
	}
	total := time.Since(start)
	split, err := split(profile, 6)
	if err != nil {
		return 0, "", err
	}
	return total, fmt.Sprintf("server %.1fs, repositories %.1fs, build %.1fs (%s)", lap[0].Seconds(), lap[1].Seconds(), lap[2].Seconds(), split), nil
}

// coldGoBuild builds the tool with plain go build from an empty GOCACHE and zig cache.
func coldGoBuild(ws, work string, in *inputs, t string, b *goBuild, modfile string, goenv []string) (time.Duration, error) {
	zigCache := filepath.Join(work, "zig-cache-"+t)
	ldflags := strings.Join(append(append([]string{"-s", "-w", "-buildid="}, b.xflags...),
		"-linkmode", "external", "-extldflags", "'-static -Wl,--strip-all'"), " ")
	cmd := exec.Command(filepath.Join(in.goroot, "bin/go"), "build", "-trimpath", "-buildvcs=false", "-tags", strings.Join(b.tags, ","),
		"-modfile", modfile, "-o", filepath.Join(work, t), "-ldflags", ldflags, b.pkg)
	cmd.Dir = filepath.Join(ws, "third_party", t)
	cmd.Env = append(goenv, "GOCACHE="+filepath.Join(work, "gocache-"+t), "CGO_ENABLED=1",
		"CC="+filepath.Join(work, "bin/zigcc"), "PKG_CONFIG_PATH="+filepath.Join(work, "pc"),
		"ZIG_GLOBAL_CACHE_DIR="+zigCache, "ZIG_LOCAL_CACHE_DIR="+zigCache)
	fmt.Fprintf(os.Stderr, "[bench] %s: go build (cold)\n", t)
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("go build of %s: %v\n%s", t, err, tail(string(out), 20))
	}
	return time.Since(start), nil
}
