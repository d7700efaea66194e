package fakegithub

import (
	"net/http"
	"strings"
)

// What the fake serves besides the API, as github.com and other upstream
// sites do: release downloads, source archives of tags, and any file a
// test adds (other sites' release indexes, a module proxy's zip).

// AddSourceArchive sets the bytes of the tag's source archive, served at
// /OWNER/REPO/archive/refs/tags/TAG.tar.gz.
func (s *Server) AddSourceArchive(r *Release, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.Source = data
}

// AddFile serves data at path (e.g. "/go.dev/dl/"), whatever the query.
func (s *Server) AddFile(path string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[path] = data
}

// web serves the non-API paths; it reports whether the path was one of them.
func (s *Server) web(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if data, ok := s.files[r.URL.Path]; ok {
		s.stats.Downloads++
		w.Write(data)
		return true
	}
	seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(seg) != 6 || seg[0] == "repos" || seg[0] == "uploads" {
		return false
	}
	repo := seg[0] + "/" + seg[1]
	var data []byte
	switch {
	case seg[2] == "releases" && seg[3] == "download":
		for _, rel := range s.releasesLocked(repo, seg[4]) {
			for _, a := range rel.Assets {
				if !rel.Draft && a.Name == seg[5] && a.State == "uploaded" {
					data = a.Data
				}
			}
		}
	case seg[2] == "archive" && seg[3] == "refs" && seg[4] == "tags" && strings.HasSuffix(seg[5], ".tar.gz"):
		for _, rel := range s.releasesLocked(repo, strings.TrimSuffix(seg[5], ".tar.gz")) {
			if !rel.Draft && rel.Source != nil {
				data = rel.Source
			}
		}
	default:
		return false
	}
	if data == nil {
		http.NotFound(w, r)
		return true
	}
	s.stats.Downloads++
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(data)
	return true
}
