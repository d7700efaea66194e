// Package upstream finds a pinned part's newest upstream release and
// fetches release files: from upstream (the pin's URLs) and from the package
// registries that serve the offline half (the Go module proxy, PyPI through
// pip, the crate registry through cargo). Each kind of upstream derives what
// it needs (repository, tag spelling, index URL) from the pin's URL and
// version, so third_party/pins.json states it once.
package upstream

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/pins"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/ghapi"
)

// Options configure Sources; only GitHub is needed for github-release parts.
type Options struct {
	GitHub *ghapi.Client
	// HTTP fetches everything else; default: a client with a 10 minute limit per request.
	HTTP *http.Client
	// Mirrors: a URL starting with a mirror's From is fetched from To
	// instead (tests, local mirrors); pins keep upstream's URLs.
	Mirrors []Mirror
	// GoProxy is the Go module proxy's base URL (what `go env GOPROXY`
	// names); "" when none: go-toolchain halves then cannot be filled.
	GoProxy string
	// Pip runs pip (default: pip3); Cargo is the cargo command (default: cargo).
	Pip   []string
	Cargo string
	// Env is the environment of pip and cargo (default: this process's).
	Env  []string
	Logf func(format string, args ...any)
}

// Mirror rewrites URLs starting with From to start with To.
type Mirror struct{ From, To string }

// ParseMirror parses FROM=TO.
func ParseMirror(s string) (Mirror, error) {
	from, to, ok := strings.Cut(s, "=")
	if !ok || from == "" || to == "" {
		return Mirror{}, fmt.Errorf("mirror %q: want FROM=TO, two URL prefixes", s)
	}
	return Mirror{from, to}, nil
}

// Sources looks up and fetches releases.
type Sources struct{ o Options }

// New makes Sources.
func New(o Options) *Sources {
	if o.HTTP == nil {
		o.HTTP = &http.Client{Timeout: 10 * time.Minute}
	}
	if len(o.Pip) == 0 {
		o.Pip = []string{"pip3"}
	}
	if o.Cargo == "" {
		o.Cargo = "cargo"
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return &Sources{o: o}
}

// Release is an upstream release of a part.
type Release struct {
	Version string
	// URLs of the leading pin's file when the kind's index names them (GNOME
	// puts a release in a directory of its series); nil: the pin's URLs with
	// the version replaced.
	URLs []string
}

// Newest returns the newest stable release of a tracked part. warn receives
// what was skipped and why, when it may matter.
func (s *Sources) Newest(ctx context.Context, part *pins.Part, warn func(string, ...any)) (Release, error) {
	lead := part.Pins[0]
	if part.Untracked != "" {
		return Release{}, fmt.Errorf("%s is not tracked: %s", part.Name, part.Untracked)
	}
	urls := lead.URLs()
	if len(urls) == 0 {
		return Release{}, fmt.Errorf("pin %s: upstream kind %s needs an upstream URL", lead.Name, part.Upstream.Kind)
	}
	var rel Release
	var err error
	switch part.Upstream.Kind {
	case pins.GitHubRelease:
		rel, err = s.newestGitHub(ctx, lead, part.Upstream, warn)
	case pins.GoDev:
		rel, err = s.newestGo(ctx)
	case pins.Zig:
		rel, err = s.newestZig(ctx, urls[0])
	case pins.Gnome:
		rel, err = s.newestGnome(ctx, urls[0])
	case pins.RustDist:
		rel, err = s.newestRust(ctx, urls[0])
	default:
		return Release{}, fmt.Errorf("pin %s: upstream kind %q cannot be looked up", lead.Name, part.Upstream.Kind)
	}
	if err != nil {
		return Release{}, fmt.Errorf("%s: %w", part.Name, err)
	}
	return rel, nil
}

// Describe says where a part's releases are looked up.
func Describe(part *pins.Part) string {
	if part.Untracked != "" {
		return "not tracked"
	}
	lead := part.Pins[0]
	var u string
	if urls := lead.URLs(); len(urls) > 0 {
		u = urls[0]
	}
	switch part.Upstream.Kind {
	case pins.GitHubRelease:
		repo, tag, err := gitHubSource(u, lead.Version())
		if err != nil {
			return "GitHub releases: " + err.Error()
		}
		return fmt.Sprintf("GitHub releases of %s, tag %s", repo, tag)
	case pins.GoDev:
		return "the Go project's stable releases (" + goReleasesURL + ")"
	case pins.Zig:
		return "the Zig download index (" + zigIndexURL + ")"
	case pins.Gnome:
		base, _, err := gnomeModule(u)
		if err != nil {
			return "GNOME downloads: " + err.Error()
		}
		return "GNOME downloads (" + base + "cache.json)"
	case pins.RustDist:
		return "the Rust stable channel (" + rustChannelURL(u) + ")"
	}
	return part.Upstream.Kind
}

var stableRE = regexp.MustCompile(`^\d+(\.\d+)*$`)

// Stable reports whether v is a plain release version: numbers and dots.
func Stable(v string) bool { return stableRE.MatchString(v) }

// Compare orders versions of numbers and dots field by field ("1.9" < "1.10"
// < "1.10.1"); other text compares as a string, after the numbers.
func Compare(a, b string) int {
	af, bf := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(af) || i < len(bf); i++ {
		if i >= len(af) {
			return -1
		}
		if i >= len(bf) {
			return 1
		}
		x, errx := strconv.Atoi(af[i])
		y, erry := strconv.Atoi(bf[i])
		switch {
		case errx == nil && erry == nil && x != y:
			if x < y {
				return -1
			}
			return 1
		case errx != nil || erry != nil:
			if c := strings.Compare(af[i], bf[i]); c != 0 {
				return c
			}
		}
	}
	return 0
}

// newest is the greatest stable version of vs, or an error naming where.
func newest(vs []string, where string) (Release, error) {
	best := ""
	for _, v := range vs {
		if Stable(v) && (best == "" || Compare(v, best) > 0) {
			best = v
		}
	}
	if best == "" {
		return Release{}, fmt.Errorf("no stable release in %s", where)
	}
	return Release{Version: best}, nil
}
