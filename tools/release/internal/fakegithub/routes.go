package fakegithub

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.stats.Requests++
	f := s.matchFault(r)
	s.mu.Unlock()
	if f != nil {
		f.inject(s, w, r)
		return
	}
	s.route(w, r)
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if seg[0] == "download" && len(seg) == 2 {
		s.download(w, r, seg[1])
		return
	}
	if s.web(w, r) {
		return
	}
	if r.Method == http.MethodGet && len(seg) == 1 && seg[0] == "advisories" {
		s.listGlobalAdvisories(w, r)
		return
	}
	if r.Method == http.MethodGet && len(seg) == 4 && seg[0] == "repos" && seg[3] == "security-advisories" {
		s.listRepoAdvisories(w, r, seg[1]+"/"+seg[2])
		return
	}
	upload := seg[0] == "uploads"
	if upload {
		seg = seg[1:]
	}
	if len(seg) < 4 || seg[0] != "repos" || seg[3] != "releases" {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	repo := seg[1] + "/" + seg[2]
	s.mu.Lock()
	to, moved := s.moved[repo]
	s.mu.Unlock()
	if moved {
		u := *r.URL
		u.Path = strings.Replace(u.Path, "/repos/"+repo+"/", "/repos/"+to+"/", 1)
		http.Redirect(w, r, u.String(), http.StatusMovedPermanently)
		return
	}
	rest := seg[4:]
	m := r.Method
	switch {
	case upload && m == http.MethodPost && len(rest) == 2 && rest[1] == "assets":
		s.upload(w, r, repo, rest[0])
	case upload:
		writeError(w, http.StatusNotFound, "Not Found")
	case m == http.MethodGet && len(rest) == 0:
		s.listReleases(w, r, repo)
	case m == http.MethodPost && len(rest) == 0:
		s.createRelease(w, r, repo)
	case m == http.MethodGet && len(rest) == 2 && rest[0] == "tags":
		s.releaseByTag(w, r, repo, rest[1])
	case m == http.MethodGet && len(rest) == 2 && rest[0] == "assets":
		s.getAsset(w, r, repo, rest[1])
	case m == http.MethodDelete && len(rest) == 2 && rest[0] == "assets":
		s.deleteAsset(w, r, repo, rest[1])
	case m == http.MethodPatch && len(rest) == 1:
		s.editRelease(w, r, repo, rest[0])
	case m == http.MethodGet && len(rest) == 2 && rest[1] == "assets":
		s.listAssets(w, r, repo, rest[0])
	default:
		writeError(w, http.StatusNotFound, "Not Found")
	}
}

func (s *Server) authorized(r *http.Request) bool {
	return s.Token == "" || r.Header.Get("Authorization") == "Bearer "+s.Token
}

// requireAuth answers 401 for writes without the token.
func (s *Server) requireAuth(w http.ResponseWriter, r *http.Request) bool {
	if s.authorized(r) {
		return true
	}
	writeError(w, http.StatusUnauthorized, "Bad credentials")
	return false
}

// paginate serves items a page at a time with a Link header, like GitHub.
func (s *Server) paginate(w http.ResponseWriter, r *http.Request, items []any) {
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	limit := s.MaxPerPage
	if limit == 0 {
		limit = 100
	}
	if per <= 0 {
		per = 30
	}
	per = min(per, limit)
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	lo := min((page-1)*per, len(items))
	hi := min(lo+per, len(items))
	if hi < len(items) {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(page+1))
		q.Set("per_page", strconv.Itoa(per))
		next := url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}
		w.Header().Set("Link", fmt.Sprintf("<%s>; rel=\"next\"", next.String()))
	}
	writeJSON(w, http.StatusOK, items[lo:hi])
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"message": msg, "documentation_url": "https://docs.github.com/rest"})
}
