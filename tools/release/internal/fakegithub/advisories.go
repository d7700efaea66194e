package fakegithub

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Advisory is a stored security advisory: a global one (GET /advisories, by ecosystem and the
// packages it affects) or a repository's (GET /repos/OWNER/REPO/security-advisories).
type Advisory struct {
	GHSA, CVE string
	Summary   string
	Severity  string  // low, medium, high, critical
	CVSS      float64 // 0: none given
	// Vulnerabilities: the packages and version ranges it affects; Ecosystem is "" for a
	// repository advisory of a project in no ecosystem (crun)
	Vulnerabilities []Vulnerability
	Published       string // RFC 3339; default 2026-12-01T00:00:00Z
}

// Vulnerability is one affected package of an Advisory.
type Vulnerability struct {
	Ecosystem, Package string
	Range              string // GitHub's vulnerable_version_range, e.g. ">= 1.0, < 1.2.3"
	Patched            string // first_patched_version; "" none
}

// AddGlobalAdvisory adds an advisory to GitHub's advisory database.
func (s *Server) AddGlobalAdvisory(a *Advisory) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.global = append(s.global, a)
}

// AddRepoAdvisory adds a published security advisory of a repository.
func (s *Server) AddRepoAdvisory(repo string, a *Advisory) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.repoAdvisories == nil {
		s.repoAdvisories = map[string][]*Advisory{}
	}
	s.repoAdvisories[repo] = append(s.repoAdvisories[repo], a)
}

func (a *Advisory) json(global bool) map[string]any {
	published := a.Published
	if published == "" {
		published = "2026-12-01T00:00:00Z"
	}
	var vulns []any
	for _, v := range a.Vulnerabilities {
		vj := map[string]any{
			"package":                  map[string]any{"ecosystem": v.Ecosystem, "name": v.Package},
			"vulnerable_version_range": v.Range,
		}
		switch {
		case v.Patched == "":
			vj["first_patched_version"] = nil
		case global:
			vj["first_patched_version"] = v.Patched
		default:
			vj["first_patched_version"] = map[string]any{"identifier": v.Patched}
			vj["patched_versions"] = v.Patched
		}
		vulns = append(vulns, vj)
	}
	ids := []any{map[string]any{"type": "GHSA", "value": a.GHSA}}
	if a.CVE != "" {
		ids = append(ids, map[string]any{"type": "CVE", "value": a.CVE})
	}
	out := map[string]any{
		"ghsa_id":         a.GHSA,
		"summary":         a.Summary,
		"severity":        a.Severity,
		"identifiers":     ids,
		"published_at":    published,
		"vulnerabilities": vulns,
		"html_url":        "https://github.com/advisories/" + a.GHSA,
	}
	if a.CVE != "" {
		out["cve_id"] = a.CVE
	}
	if a.CVSS > 0 {
		out["cvss"] = map[string]any{"score": a.CVSS, "vector_string": nil}
	}
	if !global {
		out["state"] = "published"
	}
	return out
}

// listGlobalAdvisories answers GET /advisories as GitHub does for the parameters the watch
// sends: ecosystem, affects (package names, optionally @version: the fake filters by name
// only, the caller decides versions), per_page and the after cursor of the Link header.
func (s *Server) listGlobalAdvisories(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	eco := q.Get("ecosystem")
	var names []string
	for _, a := range strings.Split(q.Get("affects"), ",") {
		if a = strings.TrimSpace(a); a != "" {
			name, _, _ := strings.Cut(a[1:], "@") // a package name may start with @ (npm)
			names = append(names, a[:1]+name)
		}
	}
	s.mu.Lock()
	s.stats.AdvisoryQueries++
	var items []any
	for _, a := range s.global {
		match := false
		for _, v := range a.Vulnerabilities {
			if (eco == "" || v.Ecosystem == eco) && (len(names) == 0 || slices.Contains(names, v.Package)) {
				match = true
			}
		}
		if match {
			items = append(items, a.json(true))
		}
	}
	s.mu.Unlock()
	// cursor pagination: after=<index>
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per <= 0 || per > 100 {
		per = 30
	}
	if s.MaxPerPage > 0 {
		per = min(per, s.MaxPerPage)
	}
	lo, _ := strconv.Atoi(q.Get("after"))
	lo = min(max(lo, 0), len(items))
	hi := min(lo+per, len(items))
	if hi < len(items) {
		q.Set("after", strconv.Itoa(hi))
		next := url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}
		w.Header().Set("Link", fmt.Sprintf("<%s>; rel=\"next\"", next.String()))
	}
	writeJSON(w, http.StatusOK, append([]any{}, items[lo:hi]...))
}

// listRepoAdvisories answers GET /repos/OWNER/REPO/security-advisories: the published ones
// (the state a reader without rights sees).
func (s *Server) listRepoAdvisories(w http.ResponseWriter, r *http.Request, repo string) {
	s.mu.Lock()
	_, known := s.repos[repo]
	var items []any
	for _, a := range s.repoAdvisories[repo] {
		items = append(items, a.json(false))
	}
	s.stats.AdvisoryQueries++
	s.mu.Unlock()
	if !known && items == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	s.paginate(w, r, items)
}
