// Package pinbump moves a part's pins in third_party/pins.json to another
// upstream release: version, URLs and strip_prefix (spelling it {version}, or
// the old version replaced by the new one, or the URL the upstream's index
// names), the sha256 of the
// file actually downloaded, and the offline half as a registry serves the
// release, or marked unavailable when none we reach is known to.
package pinbump

import (
	"context"
	"fmt"
	"strings"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/atomicfile"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/pins"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/upstream"
)

// Options say what to bump.
type Options struct {
	File    *pins.File // loaded with pins.Load; saved only when every file was fetched
	Part    string
	Version string // "" = upstream's newest stable release
	Sources *upstream.Sources
	Warn    func(format string, args ...any)
	Body    string // when not "", the pull request's description (Result.Body) is written here, with the file or not at all
}

// Result is what a bump did.
type Result struct {
	Part     string
	From, To string
	Pins     []Pin // empty: already pinned, nothing changed
}

// Pin is one rewritten pin.
type Pin struct {
	Name    string
	URLs    []string
	SHA256  string
	Offline upstream.Offline
}

// Run bumps the part and saves the file, or changes nothing and returns why.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.Warn == nil {
		o.Warn = func(string, ...any) {}
	}
	part, err := o.File.Part(o.Part)
	if err != nil {
		return nil, err
	}
	if part.Untracked != "" {
		return nil, fmt.Errorf("%s is not tracked: %s", part.Name, part.Untracked)
	}
	res := &Result{Part: part.Name, From: part.Version(), To: o.Version}
	var indexURLs []string
	if o.Version == "" {
		rel, err := o.Sources.Newest(ctx, part, o.Warn)
		if err != nil {
			return nil, err
		}
		res.To, indexURLs = rel.Version, rel.URLs
	} else if !upstream.Stable(o.Version) {
		return nil, fmt.Errorf("version %q is not a plain release version (numbers and dots)", o.Version)
	} else if part.Upstream != nil && !part.Upstream.InLine(o.Version) {
		return nil, fmt.Errorf("%s follows upstream's %s line: %s is another line's release (pin that line separately)", part.Name, part.Upstream.Line, o.Version)
	}
	if res.To == res.From {
		return res, nil
	}
	if upstream.Compare(res.To, res.From) < 0 {
		o.Warn("%s: moving back from %s to the older %s", part.Name, res.From, res.To)
	}
	for i, p := range part.Pins {
		var urls []string
		if i == 0 && indexURLs != nil {
			urls = indexURLs
		} else {
			for _, u := range p.URLs() {
				nu := strings.ReplaceAll(u, res.From, res.To)
				if nu == u {
					return nil, fmt.Errorf("pin %s: URL %s does not contain the version %s: cannot derive the URL of %s", p.Name, u, res.From, res.To)
				}
				urls = append(urls, nu)
			}
		}
		if len(urls) == 0 {
			return nil, fmt.Errorf("pin %s has no upstream URL to fetch %s from", p.Name, res.To)
		}
		sum := ""
		for _, u := range urls {
			s, err := o.Sources.SHA256(ctx, u)
			if err != nil {
				return nil, fmt.Errorf("pin %s %s: %w; %s is left as it was", p.Name, res.To, err, pins.Path)
			}
			if sum != "" && s != sum {
				return nil, fmt.Errorf("pin %s %s: its URLs serve different files (sha256 %s and %s)", p.Name, res.To, sum, s)
			}
			sum = s
		}
		off, err := o.Sources.OfflineFor(ctx, p, res.To)
		if err != nil {
			return nil, fmt.Errorf("pin %s %s: offline half: %w; %s is left as it was", p.Name, res.To, err, pins.Path)
		}
		if p.Offline("kind") == "go-toolchain" && off.Missing == "" && field(off.Fields, "sha256") != sum {
			// the Go project's module and the proxy's are the same file
			return nil, fmt.Errorf("pin %s %s: the Go module proxy's zip has sha256 %s, upstream's %s", p.Name, res.To, field(off.Fields, "sha256"), sum)
		}
		res.Pins = append(res.Pins, Pin{Name: p.Name, URLs: urls, SHA256: sum, Offline: off})
	}
	for i, p := range part.Pins {
		r := res.Pins[i]
		p.SetVersion(res.To)
		p.SetURLs(r.URLs)
		p.SetSHA256(r.SHA256)
		p.SetStripPrefix(strings.ReplaceAll(p.StripPrefix(), res.From, res.To))
		p.SetOffline(r.Offline.Fields...)
	}
	var extra []atomicfile.File
	if o.Body != "" {
		extra = append(extra, atomicfile.File{Path: o.Body, Data: []byte(res.Body()), Perm: 0o644})
	}
	if err := o.File.Save(extra...); err != nil {
		return nil, err
	}
	return res, nil
}

// Offline reports whether every pin of the bump has its offline half.
func (r *Result) Offline() bool {
	for _, p := range r.Pins {
		if p.Offline.Missing != "" {
			return false
		}
	}
	return true
}

// Body is the pull request's description of the bump.
func (r *Result) Body() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Bumps %s from %s to upstream's %s in `%s` (`tools/release bump-pin`).\n\n", r.Part, r.From, r.To, pins.Path)
	for _, p := range r.Pins {
		fmt.Fprintf(&b, "- `%s`: %s, sha256 `%s` (of the file downloaded)\n", p.Name, strings.Join(p.URLs, " "), p.SHA256)
	}
	b.WriteString("\n")
	if r.Offline() {
		b.WriteString("Offline: every pin's offline half is filled from the registry that serves it:\n")
		for _, p := range r.Pins {
			fmt.Fprintf(&b, "- `%s`: %s\n", p.Name, fields(p.Offline.Fields))
		}
	} else {
		b.WriteString("**This cannot be built offline**: the offline half of these pins is marked `unavailable` (no file), so `tools/setup` stops on them:\n")
		for _, p := range r.Pins {
			if p.Offline.Missing != "" {
				fmt.Fprintf(&b, "- `%s`: %s\n", p.Name, p.Offline.Missing)
			}
		}
	}
	b.WriteString("\nNot done by the bump: overlays, config headers, patches or lock files beside the part that depend on the release; the build and tests of this pull request show what they need.\n")
	return b.String()
}

func fields(kv [][2]string) string {
	var s []string
	for _, f := range kv {
		if f[0] != "kind" {
			s = append(s, f[0]+" "+f[1])
		}
	}
	return kv[0][1] + ": " + strings.Join(s, ", ")
}

func field(kv [][2]string, key string) string {
	for _, f := range kv {
		if f[0] == key {
			return f[1]
		}
	}
	return ""
}
