package fakegithub

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
)

func (s *Server) assetJSON(a *Asset) map[string]any {
	j := map[string]any{"id": a.ID, "name": a.Name, "state": a.State, "size": len(a.Data)}
	if !s.OmitDigest && a.State == "uploaded" {
		sum := sha256.Sum256(a.Data)
		j["digest"] = "sha256:" + hex.EncodeToString(sum[:])
	}
	return j
}

func (s *Server) listAssets(w http.ResponseWriter, r *http.Request, repo, id string) {
	rel, unlock := s.lockRelease(w, repo, id)
	if rel == nil {
		return
	}
	var items []any
	for _, a := range rel.Assets {
		items = append(items, s.assetJSON(a))
	}
	unlock()
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
	rel, unlock := s.lockRelease(w, repo, id)
	if rel == nil {
		return
	}
	defer unlock()
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
