// Package fakegithub is an in-memory GitHub serving exactly the endpoints the
// release tool uses, with injectable faults and counters that tests assert.
package fakegithub

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
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
	files  map[string][]byte
	// security advisories: GitHub's database and repositories' own
	global         []*Advisory
	repoAdvisories map[string][]*Advisory
	nextID         int64
	stats          Stats
}

// Release is a stored release.
type Release struct {
	ID         int64
	Tag, Name  string
	Body       string
	Commitish  string // target_commitish: where publishing a draft makes the tag
	Draft, Pre bool
	MakeLatest string // make_latest of the request that published it ("true", "false", "" when not given)
	Assets     []*Asset
	Source     []byte // the tag's source archive (AddSourceArchive); nil: none
}

// DefaultBranch is what GitHub records as target_commitish when a release
// is created without one.
const DefaultBranch = "main"

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
	AdvisoryQueries int // advisory list requests (global and repository)
	ReleasesCreated int
	Uploads         int            // completed uploads
	UploadsByName   map[string]int // completed uploads per asset name
	Replaced        int            // complete assets deleted or overwritten
	StartersDeleted int            // leftovers of broken uploads removed
	TokenLeaks      int            // token sent to the storage download URL
	Downloads       int            // files served outside the API (release downloads, AddFile)
	FaultsInjected  int
}

// New starts a fake; tests close it with t.Cleanup(s.Close).
func New() *Server {
	s := &Server{repos: map[string][]*Release{}, moved: map[string]string{}, files: map[string][]byte{}, nextID: 100}
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

// AddRelease stores a release directly (upstream history, earlier releases),
// targeting DefaultBranch; tests may set its Commitish before the first request.
func (s *Server) AddRelease(repo, tag string, draft, pre bool) *Release {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	r := &Release{ID: s.nextID, Tag: tag, Name: tag, Commitish: DefaultBranch, Draft: draft, Pre: pre}
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
	return s.releasesLocked(repo, tag)
}

// releasesLocked is Releases for callers that hold s.mu.
func (s *Server) releasesLocked(repo, tag string) []*Release {
	var out []*Release
	for _, r := range s.repos[repo] {
		if r.Tag == tag {
			out = append(out, r)
		}
	}
	return out
}

// Check lists what is wrong with a release: not exactly one release for the
// tag, a draft, or assets missing, extra, incomplete or with other content.
func (s *Server) Check(repo, tag string, want map[string][]byte) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	rels := s.releasesLocked(repo, tag)
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
