package cli

import (
	"context"
	"flag"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/pins"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/ghapi"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/pinbump"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/upstream"
)

func runBumpPin(ctx context.Context, args []string, env Env) error {
	fs := newFlags(env, "bump-pin", "[flags] PART [VERSION]", `
Moves PART's pins in third_party/pins.json (a part is a pin with an
"upstream", with the pins that follow it) to VERSION (default: upstream's
newest stable release, looked up as release check does). For each pin it
writes the version (the URLs, prefixes and offline names that spell it
{version} follow it; a field spelling the old version literally gets the new
one, and gnome's URL is the one upstream's index names); the sha256 of the
file downloaded from the first URL (every URL must serve the same bytes); and
the offline half from the registry the old one came from: go-toolchain from
the Go module proxy (--goproxy; its zip must equal upstream's), pypi-wheel
through pip download, crate through cargo (the registry index's checksum).
Debian halves are not looked up: such a pin's offline half becomes
{"kind": "unavailable", "why": ...} with no file, so tools/setup stops on it
rather than use another release's file. Nothing is written unless every file
was fetched; the file is replaced atomically, together with --body's file
(both or neither); bumping to the pinned version changes nothing. Prints
"PART FROM -> TO" and each pin; --body writes the pull request's
description, which says plainly when the bump cannot be built offline.`)
	repo := fs.String("repo", "", "the repository's top directory (default: the git work tree containing the current directory)")
	pinsPath := fs.String("pins", "", "the pins file (default: REPO/"+pins.Path+")")
	body := fs.String("body", "", "write the pull request's description (Markdown) to this file")
	src := addSourceFlags(fs)
	api := &apiFlags{}
	addClientFlags(fs, api)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() < 1 || fs.NArg() > 2 {
		return usagef("want PART [VERSION], got %d arguments", fs.NArg())
	}
	path := *pinsPath
	if path == "" {
		root, err := repoRoot(ctx, *repo)
		if err != nil {
			return err
		}
		path = filepath.Join(root, pins.Path)
	}
	file, err := pins.Load(path)
	if err != nil {
		return usagef("%v", err)
	}
	version := ""
	if fs.NArg() == 2 {
		version = fs.Arg(1)
		if !upstream.Stable(version) {
			return usagef("malformed VERSION %q: want numbers and dots, e.g. 1.22", version)
		}
	}
	if _, err := file.Part(fs.Arg(0)); err != nil {
		return usageError{err}
	}
	client, err := api.client(env, env.getenv("GITHUB_TOKEN"))
	if err != nil {
		return err
	}
	sources, err := src.sources(ctx, env, client)
	if err != nil {
		return err
	}
	res, err := pinbump.Run(ctx, pinbump.Options{
		File: file, Part: fs.Arg(0), Version: version, Sources: sources,
		Warn: func(f string, a ...any) { env.logf("warning: "+f, a...) },
		Body: *body, // written with pins.json, or neither
	})
	if err != nil {
		return err
	}
	if len(res.Pins) == 0 {
		fmt.Fprintf(env.Stdout, "%s %s: already pinned, nothing changed\n", res.Part, res.To)
		return nil
	}
	fmt.Fprintf(env.Stdout, "%s %s -> %s\n", res.Part, res.From, res.To)
	for _, p := range res.Pins {
		offline := "offline: " + p.Offline.Fields[0][1]
		if p.Offline.Missing != "" {
			offline = "offline: unavailable: " + p.Offline.Missing
		}
		fmt.Fprintf(env.Stdout, "  %s: %s sha256 %s; %s\n", p.Name, strings.Join(p.URLs, " "), p.SHA256, offline)
	}
	return nil
}

// sourceFlags say where upstream files and the registries' are fetched from.
type sourceFlags struct {
	mirrors listFlag
	goproxy string
	pip     string
	cargo   string
}

func addSourceFlags(fs *flag.FlagSet) *sourceFlags {
	f := &sourceFlags{}
	fs.Var(&f.mirrors, "mirror", "FROM=TO: fetch URLs starting with FROM from TO instead, e.g. a local mirror; the pins keep upstream's URLs (repeatable)")
	fs.StringVar(&f.goproxy, "goproxy", "", "the Go module proxy's base URL (default: the first URL of `go env GOPROXY`; off: none)")
	fs.StringVar(&f.pip, "pip", "pip3", "the pip command")
	fs.StringVar(&f.cargo, "cargo", "cargo", "the cargo command")
	return f
}

func (f *sourceFlags) sources(ctx context.Context, env Env, client *ghapi.Client) (*upstream.Sources, error) {
	var mirrors []upstream.Mirror
	for _, m := range f.mirrors {
		mm, err := upstream.ParseMirror(m)
		if err != nil {
			return nil, usageError{err}
		}
		mirrors = append(mirrors, mm)
	}
	proxy := f.goproxy
	switch proxy {
	case "off":
		proxy = ""
	case "":
		proxy = goEnvProxy(ctx, env)
	}
	return upstream.New(upstream.Options{
		GitHub: client, Mirrors: mirrors, GoProxy: proxy,
		Pip: strings.Fields(f.pip), Cargo: f.cargo, Logf: env.logf,
	}), nil
}

// goEnvProxy is the first URL of the go command's GOPROXY list, or "".
func goEnvProxy(ctx context.Context, env Env) string {
	out, err := exec.CommandContext(ctx, "go", "env", "GOPROXY").Output()
	if err != nil {
		env.logf("warning: go env GOPROXY: %v: no Go module proxy", err)
		return ""
	}
	for _, p := range strings.FieldsFunc(strings.TrimSpace(string(out)), func(r rune) bool { return r == ',' || r == '|' }) {
		if strings.HasPrefix(p, "https://") || strings.HasPrefix(p, "http://") {
			return p
		}
	}
	return ""
}
