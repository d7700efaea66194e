package upstream

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"strings"
)

// The release lists of the upstreams that are not on GitHub (Mirrors
// redirect them in tests).
const (
	goReleasesURL = "https://go.dev/dl/?mode=json" // the supported stable releases
	zigIndexURL   = "https://ziglang.org/download/index.json"
)

// newestGo: the Go project's list of stable releases, [{"version": "go1.27.4", "stable": true}, ...].
func (s *Sources) newestGo(ctx context.Context) (Release, error) {
	data, err := s.get(ctx, goReleasesURL)
	if err != nil {
		return Release{}, err
	}
	var rels []struct {
		Version string `json:"version"`
		Stable  bool   `json:"stable"`
	}
	if err := json.Unmarshal(data, &rels); err != nil {
		return Release{}, fmt.Errorf("%s: malformed release list: %w", goReleasesURL, err)
	}
	var vs []string
	for _, r := range rels {
		if v, ok := strings.CutPrefix(r.Version, "go"); ok && r.Stable {
			vs = append(vs, v)
		}
	}
	return newest(vs, goReleasesURL)
}

// newestZig: the Zig download index, {"master": {...}, "0.15.2": {...}, ...}.
func (s *Sources) newestZig(ctx context.Context, _ string) (Release, error) {
	data, err := s.get(ctx, zigIndexURL)
	if err != nil {
		return Release{}, err
	}
	var idx map[string]json.RawMessage
	if err := json.Unmarshal(data, &idx); err != nil {
		return Release{}, fmt.Errorf("%s: malformed index: %w", zigIndexURL, err)
	}
	var vs []string
	for v := range idx {
		vs = append(vs, v) // "master" is not Stable
	}
	return newest(vs, zigIndexURL)
}

// gnomeModule splits a GNOME download URL .../sources/MODULE/SERIES/FILE into
// the module's directory URL (ending in "/") and the module's name.
func gnomeModule(rawURL string) (base, module string, err error) {
	i := strings.Index(rawURL, "/sources/")
	if i < 0 {
		return "", "", fmt.Errorf("URL %s is not .../sources/MODULE/SERIES/FILE", rawURL)
	}
	rest := strings.Split(rawURL[i+len("/sources/"):], "/")
	if len(rest) != 3 || rest[0] == "" {
		return "", "", fmt.Errorf("URL %s is not .../sources/MODULE/SERIES/FILE", rawURL)
	}
	return rawURL[:i] + "/sources/" + rest[0] + "/", rest[0], nil
}

// newestGnome: the module's cache.json, [4, {MODULE: {VERSION: {"tar.xz":
// "SERIES/FILE", ...}}}, {MODULE: [VERSION...]}, ...]. An odd minor version
// is a development release (GNOME's numbering, which GLib keeps).
func (s *Sources) newestGnome(ctx context.Context, pinURL string) (Release, error) {
	base, module, err := gnomeModule(pinURL)
	if err != nil {
		return Release{}, err
	}
	index := base + "cache.json"
	data, err := s.get(ctx, index)
	if err != nil {
		return Release{}, err
	}
	var cache []json.RawMessage
	var files map[string]map[string]map[string]string
	if err := json.Unmarshal(data, &cache); err != nil || len(cache) < 2 || json.Unmarshal(cache[1], &files) != nil {
		return Release{}, fmt.Errorf("%s: not a GNOME cache.json ([version, {module: {version: files}}, ...])", index)
	}
	var vs []string
	for v := range files[module] {
		f := strings.Split(v, ".")
		if minor, err := strconv.Atoi(f[min(1, len(f)-1)]); err == nil && len(f) > 1 && minor%2 == 1 {
			continue // a development release
		}
		vs = append(vs, v)
	}
	rel, err := newest(vs, index+" (even minor versions)")
	if err != nil {
		return Release{}, err
	}
	ext := strings.TrimPrefix(path.Ext(pinURL), ".")
	if strings.HasSuffix(pinURL, ".tar."+ext) {
		ext = "tar." + ext
	}
	if f := files[module][rel.Version][ext]; f != "" {
		rel.URLs = []string{base + f}
	}
	return rel, nil
}

// rustChannelURL is the stable channel manifest in the directory of a Rust dist URL.
func rustChannelURL(pinURL string) string {
	return pinURL[:strings.LastIndex(pinURL, "/")+1] + "channel-rust-stable.toml"
}

// newestRust: the version of package rust in the stable channel manifest,
// `[pkg.rust]` then `version = "1.97.1 (hash date)"`.
func (s *Sources) newestRust(ctx context.Context, pinURL string) (Release, error) {
	manifest := rustChannelURL(pinURL)
	data, err := s.get(ctx, manifest)
	if err != nil {
		return Release{}, err
	}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(line, "[] ")
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if section == "pkg.rust" && ok && strings.TrimSpace(k) == "version" {
			f := strings.Fields(strings.Trim(strings.TrimSpace(v), `"`))
			if len(f) > 0 {
				return newest(f[:1], manifest)
			}
		}
	}
	return Release{}, fmt.Errorf("%s: no [pkg.rust] version", manifest)
}
