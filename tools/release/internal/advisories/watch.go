package advisories

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/google/go-github/v66/github"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/atomicfile"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/ghapi"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/upstream"
)

// Options configure Watch.
type Options struct {
	Root   string // the workspace
	GitHub *ghapi.Client
	// Sources reach the Go module proxy (the vulnerability database's module)
	Sources *upstream.Sources
	Logf    func(format string, args ...any)
}

// Finding is an advisory against a shipped version that no record names: the record the watch
// writes for it.
type Finding struct {
	Target *Target
	Source string // where it was found: "GitHub's advisory database (go)" or "containers/crun's advisories"
	Record *Record
}

// Result is what a watch found.
type Result struct {
	Shipped  *Shipped
	New      []*Finding
	Recorded int // advisories against shipped versions that records already name
	// Scored are affected records without a CVSS score that GitHub's advisory gives one: the
	// watch writes it (publish decides by it: 7 or more, or none, is refused)
	Scored []*Finding
	InGoDB int // Go advisories the gate's database has (the gate decides about them)
	Repos  []string
	VulnDB *VulnDB
	files  map[string]*recordsFile
}

// perQuery is how many packages one global advisory query names (GitHub takes up to 1000, if
// the URL stays short enough).
const perQuery = 100

// Watch looks up every shipped thing's advisories and works out the records to add; Write
// writes them. Any failed look-up fails the watch, nothing written.
func Watch(ctx context.Context, o Options) (*Result, error) {
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	shipped, err := Find(o.Root)
	if err != nil {
		return nil, err
	}
	res := &Result{Shipped: shipped, files: map[string]*recordsFile{}}
	o.Logf("advisories: the Go vulnerability database's pin")
	if res.VulnDB, err = moveVulnDB(ctx, o.Root, o.Sources); err != nil {
		return nil, err
	}
	// every record file a finding may go to, read first: a malformed one stops the watch
	for _, t := range shipped.Targets {
		for _, f := range t.Files {
			if res.files[f] == nil {
				if res.files[f], err = readRecordsFile(o.Root, f); err != nil {
					return nil, err
				}
			}
		}
	}
	byEco := map[string][]*Target{}
	byRepo := map[string][]*Target{}
	for _, t := range shipped.Targets {
		if t.Kind == Repo {
			if byRepo[t.Repo] == nil {
				res.Repos = append(res.Repos, t.Repo)
			}
			byRepo[t.Repo] = append(byRepo[t.Repo], t)
		} else {
			byEco[t.Kind] = append(byEco[t.Kind], t)
		}
	}
	sort.Strings(res.Repos)
	for _, eco := range []string{Go, Rust} {
		targets := byEco[eco]
		byName := map[string][]*Target{}
		var names []string
		for _, t := range targets {
			if byName[t.Name] == nil {
				names = append(names, t.Name)
			}
			byName[t.Name] = append(byName[t.Name], t)
		}
		for i := 0; i < len(names); i += perQuery {
			batch := names[i:min(i+perQuery, len(names))]
			o.Logf("advisories: GitHub's advisory database, %s packages %d-%d of %d", eco, i+1, i+len(batch), len(names))
			advs, err := globalAdvisories(ctx, o.GitHub, eco, batch)
			if err != nil {
				return nil, fmt.Errorf("GitHub's advisory database (%s): %w", eco, err)
			}
			for _, a := range advs {
				for _, v := range a.Vulnerabilities {
					if v.GetPackage().GetEcosystem() != eco {
						continue
					}
					for _, t := range byName[v.GetPackage().GetName()] {
						if err := res.consider(t, &a.SecurityAdvisory, v.GetVulnerableVersionRange(), v.GetFirstPatchedVersion(), "GitHub's advisory database ("+eco+")"); err != nil {
							return nil, err
						}
					}
				}
			}
		}
	}
	for _, repo := range res.Repos {
		o.Logf("advisories: %s's security advisories", repo)
		advs, err := repoAdvisories(ctx, o.GitHub, repo)
		if err != nil {
			return nil, fmt.Errorf("%s's security advisories: %w", repo, err)
		}
		for _, a := range advs {
			for _, t := range byRepo[repo] {
				if len(a.Vulnerabilities) == 0 {
					if err := res.consider(t, a, "", "", repo+"'s advisories"); err != nil {
						return nil, err
					}
				}
				for _, v := range a.Vulnerabilities {
					patched := ""
					if v.FirstPatchedVersion != nil {
						patched = v.FirstPatchedVersion.GetIdentifier()
					}
					if err := res.consider(t, a, v.GetVulnerableVersionRange(), patched, repo+"'s advisories"); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	sort.Slice(res.New, func(i, j int) bool {
		a, b := res.New[i], res.New[j]
		return a.Record.ID+" "+a.Target.String() < b.Record.ID+" "+b.Target.String()
	})
	return res, nil
}

// consider decides about one advisory against one shipped version.
func (res *Result) consider(t *Target, a *github.SecurityAdvisory, rng, patched, source string) error {
	if a.WithdrawnAt != nil {
		return nil
	}
	ids := []string{a.GetGHSAID()}
	if cve := a.GetCVEID(); cve != "" {
		ids = append([]string{cve}, ids...)
	}
	// a record may name it by the Go database's id (GO-...), which aliases the GHSA and CVE
	known := append([]string{}, ids...)
	for _, id := range ids {
		if goID := res.VulnDB.goIDs[id]; goID != "" {
			known = append(known, goID)
		}
	}
	why := ""
	if rng == "" {
		why = "names no vulnerable version range"
	} else if in, err := InRange(t.Version, rng); err != nil {
		why = err.Error()
	} else if !in {
		return nil
	}
	for _, f := range t.Files {
		for _, r := range res.files[f].added {
			if r.names(t.Name, t.Version, known) {
				return nil // another of its ranges, or another look-up, found it first
			}
		}
		for i, r := range res.files[f].records {
			if !r.names(t.Name, t.Version, known) {
				continue
			}
			res.Recorded++
			if r.Status == "affected" && r.CVSS == 0 && a.CVSS != nil && a.CVSS.Score != nil && *a.CVSS.Score > 0 {
				r.CVSS = *a.CVSS.Score
				res.files[f].scored[i] = r.CVSS
				res.Scored = append(res.Scored, &Finding{Target: t, Source: source, Record: r})
			}
			return nil
		}
	}
	if t.Kind == Go && res.VulnDB.covers(ids) {
		res.InGoDB++
		return nil
	}
	r := &Record{ID: ids[0], Aliases: ids[1:], Module: t.Name, Version: t.Version, Status: "under_investigation"}
	if a.CVSS != nil && a.CVSS.Score != nil {
		r.CVSS = *a.CVSS.Score
	}
	if patched != "" {
		r.Upstream = patched
	}
	published := ""
	if a.PublishedAt != nil {
		published = ", published " + a.PublishedAt.Format("2006-01-02")
	}
	vuln := "vulnerable: " + rng
	if why != "" {
		vuln = "its range cannot be read (" + why + "): recorded to be safe"
	}
	r.Why = fmt.Sprintf("%s (%s %s%s; %s): found by the advisory watch, not yet assessed", strings.TrimSpace(a.GetSummary()), source, a.GetGHSAID(), published, vuln)
	for _, f := range t.Files {
		res.files[f].added = append(res.files[f].added, r)
	}
	res.New = append(res.New, &Finding{Target: t, Source: source, Record: r})
	return nil
}

// Write writes the new records and the moved database pin, all files or none.
func (res *Result) Write(root string) ([]string, error) {
	var files []atomicfile.File
	var paths []string
	for path, f := range res.files {
		if len(f.added) == 0 && len(f.scored) == 0 {
			continue
		}
		data, err := f.encode()
		if err != nil {
			return nil, err
		}
		files = append(files, atomicfile.File{Path: filepath.Join(root, path), Data: data, Perm: 0o644})
		paths = append(paths, path)
	}
	if res.VulnDB.newFile != nil {
		files = append(files, atomicfile.File{Path: filepath.Join(root, VulnDBFile), Data: res.VulnDB.newFile, Perm: 0o644})
		paths = append(paths, VulnDBFile)
	}
	sort.Strings(paths)
	if len(files) == 0 {
		return nil, nil
	}
	return paths, atomicfile.WriteAll(files...)
}

// Created are the record files the watch would create (a part that had none).
func (res *Result) Created() []string {
	var out []string
	for path, f := range res.files {
		if f.created && len(f.added) > 0 {
			out = append(out, path)
		}
	}
	sort.Strings(out)
	return out
}

func globalAdvisories(ctx context.Context, c *ghapi.Client, eco string, names []string) ([]*github.GlobalSecurityAdvisory, error) {
	affects := strings.Join(names, ",")
	opts := &github.ListGlobalSecurityAdvisoriesOptions{Ecosystem: &eco, Affects: &affects}
	opts.PerPage = 100
	var out []*github.GlobalSecurityAdvisory
	for {
		page, resp, err := c.Raw.SecurityAdvisories.ListGlobalSecurityAdvisories(ctx, opts)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if !nextPage(resp, &opts.ListCursorOptions) {
			return out, nil
		}
	}
}

func repoAdvisories(ctx context.Context, c *ghapi.Client, repo string) ([]*github.SecurityAdvisory, error) {
	owner, name, _ := strings.Cut(repo, "/")
	opts := &github.ListRepositorySecurityAdvisoriesOptions{State: "published"}
	opts.PerPage = 100
	var out []*github.SecurityAdvisory
	for {
		page, resp, err := c.Raw.SecurityAdvisories.ListRepositorySecurityAdvisories(ctx, owner, name, opts)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if !nextPage(resp, &opts.ListCursorOptions) {
			return out, nil
		}
	}
}

// nextPage moves opts to the page after resp's (GitHub pages these lists by cursor, some by
// number); false at the last page.
func nextPage(resp *github.Response, opts *github.ListCursorOptions) bool {
	switch {
	case resp.After != "":
		opts.After = resp.After
	case resp.NextPage != 0:
		opts.Page = strconv.Itoa(resp.NextPage)
	case resp.NextPageToken != "":
		opts.Page = resp.NextPageToken
	default:
		return false
	}
	return true
}
