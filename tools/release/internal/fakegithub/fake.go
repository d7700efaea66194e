// Package fakegithub is an in-memory GitHub serving exactly the endpoints the
// release tool uses, with injectable faults and counters that tests assert.
package fakegithub

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Server is the fake. Lock-free fields are set before the first request.
type Server struct {
	*httptest.Server
	Token      string // when set, writes need it and drafts are hidden without it
	OmitDigest bool   // behave like GitHub before asset digests existed
	MaxPerPage int    // small values force pagination; 0 = GitHub's 100

	mu     sync.Mutex
	repos  map[string][]*Release
	moved  map[string]string
	faults []*Fault
	nextID int64
	stats  Stats
}

// Release is a stored release.
type Release struct {
	ID         int64
	Tag, Name  string
	Body       string
	Draft, Pre bool
	Assets     []*Asset
}

// Asset is a stored asset; State is "uploaded" or, after a dropped upload, "starter".
type Asset struct {
	ID    int64
	Name  string
	State string
	Data  []byte
}

// Stats counts what tests assert.
type Stats struct {
	Requests        int
	ReleasesCreated int
	Uploads         int            // completed uploads
	UploadsByName   map[string]int // completed uploads per asset name
	Replaced        int            // complete assets deleted or overwritten
	StartersDeleted int            // leftovers of broken uploads removed
	TokenLeaks      int            // token sent to the storage download URL
	FaultsInjected  int
}

// New starts a fake; tests close it with t.Cleanup(s.Close).
func New() *Server {
	s := &Server{repos: map[string][]*Release{}, moved: map[string]string{}, nextID: 100}
	s.stats.UploadsByName = map[string]int{}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// APIURL is the base URL to give the client.
func (s *Server) APIURL() string { return s.URL + "/" }

// AddRepo makes an empty repository.
func (s *Server) AddRepo(repo string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.repos[repo]; !ok {
		s.repos[repo] = []*Release{}
	}
}

// AddRelease stores a release directly (upstream history, earlier releases).
func (s *Server) AddRelease(repo, tag string, draft, pre bool) *Release {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	r := &Release{ID: s.nextID, Tag: tag, Name: tag, Draft: draft, Pre: pre}
	s.repos[repo] = append(s.repos[repo], r)
	return r
}

// AddAsset stores a complete asset on a release.
func (s *Server) AddAsset(r *Release, name string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	r.Assets = append(r.Assets, &Asset{ID: s.nextID, Name: name, State: "uploaded", Data: data})
}

// Move makes requests for repository from answer 301 to repository to.
func (s *Server) Move(from, to string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.moved[from] = to
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.UploadsByName = map[string]int{}
	for k, v := range s.stats.UploadsByName {
		st.UploadsByName[k] = v
	}
	return st
}

// Releases returns the releases of a repository with this tag.
func (s *Server) Releases(repo, tag string) []*Release {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*Release
	for _, r := range s.repos[repo] {
		if r.Tag == tag {
			out = append(out, r)
		}
	}
	return out
}

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

func (s *Server) releaseJSON(repo string, rel *Release) map[string]any {
	return map[string]any{
		"id": rel.ID, "tag_name": rel.Tag, "name": rel.Name, "body": rel.Body,
		"draft": rel.Draft, "prerelease": rel.Pre,
		"upload_url": fmt.Sprintf("%s/uploads/repos/%s/releases/%d/assets{?name,label}", s.URL, repo, rel.ID),
	}
}

func (s *Server) assetJSON(a *Asset) map[string]any {
	j := map[string]any{"id": a.ID, "name": a.Name, "state": a.State, "size": len(a.Data)}
	if !s.OmitDigest && a.State == "uploaded" {
		sum := sha256.Sum256(a.Data)
		j["digest"] = "sha256:" + hex.EncodeToString(sum[:])
	}
	return j
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

func (s *Server) listReleases(w http.ResponseWriter, r *http.Request, repo string) {
	s.mu.Lock()
	rels, ok := s.repos[repo]
	var items []any
	// GitHub lists newest first and shows drafts only to writers.
	for i := len(rels) - 1; i >= 0; i-- {
		if !rels[i].Draft || (s.Token != "" && s.authorized(r)) {
			items = append(items, s.releaseJSON(repo, rels[i]))
		}
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	s.paginate(w, r, items)
}

func (s *Server) releaseByTag(w http.ResponseWriter, _ *http.Request, repo, tag string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rel := range s.repos[repo] {
		if rel.Tag == tag && !rel.Draft {
			writeJSON(w, http.StatusOK, s.releaseJSON(repo, rel))
			return
		}
	}
	writeError(w, http.StatusNotFound, "Not Found")
}

func (s *Server) createRelease(w http.ResponseWriter, r *http.Request, repo string) {
	if !s.requireAuth(w, r) {
		return
	}
	var in struct {
		Tag   string `json:"tag_name"`
		Name  string `json:"name"`
		Body  string `json:"body"`
		Draft bool   `json:"draft"`
		Pre   bool   `json:"prerelease"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Tag == "" {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Like GitHub: a published tag is unique, drafts may share one.
	for _, rel := range s.repos[repo] {
		if rel.Tag == in.Tag && !rel.Draft {
			writeError(w, http.StatusUnprocessableEntity, "Validation Failed: tag_name already_exists")
			return
		}
	}
	s.nextID++
	rel := &Release{ID: s.nextID, Tag: in.Tag, Name: in.Name, Body: in.Body, Draft: in.Draft, Pre: in.Pre}
	s.repos[repo] = append(s.repos[repo], rel)
	s.stats.ReleasesCreated++
	writeJSON(w, http.StatusCreated, s.releaseJSON(repo, rel))
}

func (s *Server) findRelease(repo, id string) *Release {
	for _, rel := range s.repos[repo] {
		if strconv.FormatInt(rel.ID, 10) == id {
			return rel
		}
	}
	return nil
}

func (s *Server) editRelease(w http.ResponseWriter, r *http.Request, repo, id string) {
	if !s.requireAuth(w, r) {
		return
	}
	var in struct {
		Draft *bool `json:"draft"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rel := s.findRelease(repo, id)
	if rel == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	if in.Draft != nil && !*in.Draft {
		for _, o := range s.repos[repo] {
			if o != rel && o.Tag == rel.Tag && !o.Draft {
				writeError(w, http.StatusUnprocessableEntity, "Validation Failed: tag_name already_exists")
				return
			}
		}
		rel.Draft = false
	}
	writeJSON(w, http.StatusOK, s.releaseJSON(repo, rel))
}

func (s *Server) listAssets(w http.ResponseWriter, r *http.Request, repo, id string) {
	s.mu.Lock()
	rel := s.findRelease(repo, id)
	var items []any
	if rel != nil {
		for _, a := range rel.Assets {
			items = append(items, s.assetJSON(a))
		}
	}
	s.mu.Unlock()
	if rel == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	s.paginate(w, r, items)
}

func (s *Server) findAsset(repo, id string) (*Release, *Asset) {
	for _, rel := range s.repos[repo] {
		for _, a := range rel.Assets {
			if strconv.FormatInt(a.ID, 10) == id {
				return rel, a
			}
		}
	}
	return nil, nil
}

// getAsset redirects binary downloads to storage, as GitHub does.
func (s *Server) getAsset(w http.ResponseWriter, r *http.Request, repo, id string) {
	s.mu.Lock()
	_, a := s.findAsset(repo, id)
	var j map[string]any
	if a != nil {
		j = s.assetJSON(a)
	}
	s.mu.Unlock()
	if a == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	if r.Header.Get("Accept") == "application/octet-stream" {
		http.Redirect(w, r, s.URL+"/download/"+id, http.StatusFound)
		return
	}
	writeJSON(w, http.StatusOK, j)
}

func (s *Server) download(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Header.Get("Authorization") != "" {
		s.stats.TokenLeaks++
	}
	for _, rels := range s.repos {
		for _, rel := range rels {
			for _, a := range rel.Assets {
				if strconv.FormatInt(a.ID, 10) == id {
					w.Header().Set("Content-Type", "application/octet-stream")
					w.Write(a.Data)
					return
				}
			}
		}
	}
	http.NotFound(w, r)
}

func (s *Server) deleteAsset(w http.ResponseWriter, r *http.Request, repo, id string) {
	if !s.requireAuth(w, r) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rel, a := s.findAsset(repo, id)
	if a == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	if a.State == "uploaded" {
		s.stats.Replaced++
	} else {
		s.stats.StartersDeleted++
	}
	for i, x := range rel.Assets {
		if x == a {
			rel.Assets = append(rel.Assets[:i], rel.Assets[i+1:]...)
			break
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request, repo, id string) {
	if !s.requireAuth(w, r) {
		return
	}
	name := r.URL.Query().Get("name")
	data, err := io.ReadAll(r.Body)
	if err != nil || int64(len(data)) != r.ContentLength || name == "" {
		writeError(w, http.StatusBadRequest, "bad upload")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rel := s.findRelease(repo, id)
	if rel == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	for _, a := range rel.Assets {
		if a.Name == name {
			writeError(w, http.StatusUnprocessableEntity, "Validation Failed: name already_exists")
			return
		}
	}
	s.nextID++
	a := &Asset{ID: s.nextID, Name: name, State: "uploaded", Data: data}
	rel.Assets = append(rel.Assets, a)
	s.stats.Uploads++
	s.stats.UploadsByName[name]++
	writeJSON(w, http.StatusCreated, s.assetJSON(a))
}

// starter records what GitHub keeps of an upload cut off midway.
func (s *Server) starter(r *http.Request) {
	seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(seg) != 7 || seg[0] != "uploads" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if rel := s.findRelease(seg[2]+"/"+seg[3], seg[5]); rel != nil {
		s.nextID++
		rel.Assets = append(rel.Assets, &Asset{ID: s.nextID, Name: r.URL.Query().Get("name"), State: "starter"})
	}
}

// Check lists what is wrong with a release: not exactly one release for the
// tag, a draft, or assets missing, extra, incomplete or with other content.
func (s *Server) Check(repo, tag string, want map[string][]byte) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var rels []*Release
	for _, r := range s.repos[repo] {
		if r.Tag == tag {
			rels = append(rels, r)
		}
	}
	if len(rels) != 1 {
		return []string{fmt.Sprintf("%d releases with tag %s, want 1", len(rels), tag)}
	}
	var problems []string
	if rels[0].Draft {
		problems = append(problems, "release is still a draft")
	}
	have := map[string]*Asset{}
	for _, a := range rels[0].Assets {
		if have[a.Name] != nil {
			problems = append(problems, "asset listed twice: "+a.Name)
		}
		have[a.Name] = a
	}
	for name, data := range want {
		a := have[name]
		switch {
		case a == nil:
			problems = append(problems, "missing asset "+name)
		case a.State != "uploaded":
			problems = append(problems, "incomplete asset "+name)
		case string(a.Data) != string(data):
			problems = append(problems, "asset with other content: "+name)
		}
	}
	for name := range have {
		if _, ok := want[name]; !ok {
			problems = append(problems, "unexpected asset "+name)
		}
	}
	sort.Strings(problems)
	return problems
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"message": msg, "documentation_url": "https://docs.github.com/rest"})
}
