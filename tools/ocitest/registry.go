package ocitest

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Registry is the pull half of a container registry (the distribution API's /v2/, manifests and
// blobs), serving what the test puts in it over plain HTTP on the loopback: a client pulls from
// Host() with TLS verification off (podman pull --tls-verify=false).
type Registry struct {
	*httptest.Server
	mu        sync.Mutex
	manifests map[string]manifest // "repo@reference"
	blobs     map[string][]byte   // by digest
}

type manifest struct {
	mediaType, digest string
	data              []byte
}

// NewRegistry starts a registry, stopped when the test ends.
func NewRegistry(t testing.TB) *Registry {
	r := &Registry{manifests: map[string]manifest{}, blobs: map[string][]byte{}}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

// Host is the registry's host:port, as an image reference names it.
func (r *Registry) Host() string { return strings.TrimPrefix(r.URL, "http://") }

// Digest is the sha256 digest of data, as the distribution API spells it.
func Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// PutBlob stores a blob under its digest, which it returns.
func (r *Registry) PutBlob(data []byte) string {
	d := Digest(data)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.blobs[d] = data
	return d
}

// PutManifest serves data as repo's manifest under reference (a tag, or a digest: the registry
// answers with that digest whatever data hashes to, as a registry that lies would).
func (r *Registry) PutManifest(repo, reference, mediaType string, data []byte) {
	d := reference
	if !strings.HasPrefix(d, "sha256:") {
		d = Digest(data)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.manifests[repo+"@"+reference] = manifest{mediaType, d, data}
}

func (r *Registry) serve(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		http.Error(w, "read-only", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	path := strings.TrimPrefix(req.URL.Path, "/v2/")
	if path == "" || req.URL.Path == "/v2" {
		w.Write([]byte("{}"))
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var body []byte
	switch i, j := strings.LastIndex(path, "/manifests/"), strings.LastIndex(path, "/blobs/"); {
	case i > 0:
		m, ok := r.manifests[path[:i]+"@"+path[i+len("/manifests/"):]]
		if !ok {
			writeRegistryError(w, http.StatusNotFound, "MANIFEST_UNKNOWN")
			return
		}
		w.Header().Set("Content-Type", m.mediaType)
		w.Header().Set("Docker-Content-Digest", m.digest)
		body = m.data
	case j > 0:
		data, ok := r.blobs[path[j+len("/blobs/"):]]
		if !ok {
			writeRegistryError(w, http.StatusNotFound, "BLOB_UNKNOWN")
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Docker-Content-Digest", path[j+len("/blobs/"):])
		body = data
	default:
		writeRegistryError(w, http.StatusNotFound, "NAME_UNKNOWN")
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if req.Method == http.MethodGet {
		w.Write(body)
	}
}

func writeRegistryError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write([]byte(`{"errors":[{"code":"` + code + `","message":"not here"}]}`))
}
