package upstream

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/pins"
)

// gitHubSource derives the repository and the tag's spelling ("v{version}")
// from a release URL: .../OWNER/REPO/releases/download/TAG/FILE or
// .../OWNER/REPO/archive/refs/tags/TAG.tar.gz.
func gitHubSource(rawURL, version string) (repo, tagTemplate string, err error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", "", fmt.Errorf("URL %q: %w", rawURL, err)
	}
	seg := strings.Split(strings.Trim(u.Path, "/"), "/")
	var tag string
	switch {
	case len(seg) == 6 && seg[2] == "releases" && seg[3] == "download":
		tag = seg[4]
	case len(seg) == 6 && seg[2] == "archive" && seg[3] == "refs" && seg[4] == "tags":
		tag = strings.TrimSuffix(strings.TrimSuffix(seg[5], ".tar.gz"), ".zip")
	default:
		return "", "", fmt.Errorf("URL %s is neither OWNER/REPO/releases/download/TAG/FILE nor OWNER/REPO/archive/refs/tags/TAG.tar.gz", rawURL)
	}
	if !strings.Contains(tag, version) {
		return "", "", fmt.Errorf("the tag %s of URL %s does not contain the version %s", tag, rawURL, version)
	}
	return seg[0] + "/" + seg[1], strings.Replace(tag, version, "{version}", 1), nil
}

// newestGitHub is the newest published, non-pre-release GitHub release whose
// tag is spelled like the pinned one with a stable version in it.
func (s *Sources) newestGitHub(ctx context.Context, lead *pins.Pin, up *pins.Upstream, warn func(string, ...any)) (Release, error) {
	repo, tmpl, err := gitHubSource(lead.URLs()[0], lead.Version())
	if err != nil {
		return Release{}, fmt.Errorf("pin %s: %w", lead.Name, err)
	}
	if s.o.GitHub == nil {
		return Release{}, fmt.Errorf("no GitHub client to list the releases of %s", repo)
	}
	rels, err := s.o.GitHub.ListReleases(ctx, repo)
	if err != nil {
		return Release{}, err
	}
	prefix, suffix, _ := strings.Cut(tmpl, "{version}")
	var vs []string
	for _, r := range rels {
		if r.Draft || r.Pre {
			continue
		}
		v, ok := strings.CutPrefix(r.Tag, prefix)
		if ok {
			v, ok = strings.CutSuffix(v, suffix)
		}
		if !ok {
			continue // another series' tags, e.g. fuse-2.x beside fuse-3.x
		}
		if !Stable(v) {
			warn("%s: ignoring release %s of %s: %q is not a plain version", lead.Name, r.Tag, repo, v)
			continue
		}
		if !up.InLine(v) {
			continue // another line's release: this pin follows its own (e.g. netavark 1.x for podman 5)
		}
		vs = append(vs, v)
	}
	where := fmt.Sprintf("the GitHub releases of %s with tags %s", repo, tmpl)
	if up.Line != "" {
		where += " in line " + up.Line
	}
	return newest(vs, where)
}

// GitHubRepo is the OWNER/NAME of the GitHub repository a github-release pin's URL names.
func GitHubRepo(pin *pins.Pin) (string, error) {
	urls := pin.URLs()
	if len(urls) == 0 {
		return "", fmt.Errorf("pin %s: no URL", pin.Name)
	}
	repo, _, err := gitHubSource(urls[0], pin.Version())
	if err != nil {
		return "", fmt.Errorf("pin %s: %w", pin.Name, err)
	}
	return repo, nil
}
