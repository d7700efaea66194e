package fakegithub

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

func (s *Server) releaseJSON(repo string, rel *Release) map[string]any {
	return map[string]any{
		"id": rel.ID, "tag_name": rel.Tag, "name": rel.Name, "body": rel.Body,
		"target_commitish": rel.Commitish, "draft": rel.Draft, "prerelease": rel.Pre,
		"upload_url": fmt.Sprintf("%s/uploads/repos/%s/releases/%d/assets{?name,label}", s.URL, repo, rel.ID),
	}
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
		Tag       string `json:"tag_name"`
		Commitish string `json:"target_commitish"`
		Name      string `json:"name"`
		Body      string `json:"body"`
		Draft     bool   `json:"draft"`
		Pre       bool   `json:"prerelease"`
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
	if in.Commitish == "" {
		in.Commitish = DefaultBranch // as GitHub does
	}
	s.nextID++
	rel := &Release{ID: s.nextID, Tag: in.Tag, Name: in.Name, Body: in.Body, Commitish: in.Commitish, Draft: in.Draft, Pre: in.Pre}
	s.repos[repo] = append(s.repos[repo], rel)
	s.stats.ReleasesCreated++
	writeJSON(w, http.StatusCreated, s.releaseJSON(repo, rel))
}

// lockRelease takes s.mu and finds release id of repo. If there is none it
// releases the lock, answers 404 and returns nil; otherwise the caller must
// call unlock.
func (s *Server) lockRelease(w http.ResponseWriter, repo, id string) (rel *Release, unlock func()) {
	s.mu.Lock()
	if rel = s.findRelease(repo, id); rel == nil {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "Not Found")
		return nil, nil
	}
	return rel, s.mu.Unlock
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
		Draft      *bool   `json:"draft"`
		MakeLatest *string `json:"make_latest"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	rel, unlock := s.lockRelease(w, repo, id)
	if rel == nil {
		return
	}
	defer unlock()
	if in.Draft != nil && !*in.Draft {
		for _, o := range s.repos[repo] {
			if o != rel && o.Tag == rel.Tag && !o.Draft {
				writeError(w, http.StatusUnprocessableEntity, "Validation Failed: tag_name already_exists")
				return
			}
		}
		rel.Draft = false
		if in.MakeLatest != nil {
			rel.MakeLatest = *in.MakeLatest
		}
	}
	writeJSON(w, http.StatusOK, s.releaseJSON(repo, rel))
}
