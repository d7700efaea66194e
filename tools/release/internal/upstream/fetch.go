package upstream

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// errNotFound is an answer 404 or 410: the file is not there.
var errNotFound = errors.New("not found")

// open GETs url (through the mirrors); a 404 or 410 wraps errNotFound.
func (s *Sources) open(ctx context.Context, url string) (io.ReadCloser, error) {
	fetch := url
	for _, m := range s.o.Mirrors {
		if rest, ok := strings.CutPrefix(url, m.From); ok {
			fetch = m.To + rest
			break
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fetch, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	resp, err := s.o.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		err := fmt.Errorf("GET %s: %s", url, resp.Status)
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone {
			err = fmt.Errorf("%w (%w)", err, errNotFound)
		}
		return nil, err
	}
	return resp.Body, nil
}

// get reads a small document (an index), at most 64 MiB.
func (s *Sources) get(ctx context.Context, url string) ([]byte, error) {
	body, err := s.open(ctx, url)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	data, err := io.ReadAll(io.LimitReader(body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	return data, nil
}

// SHA256 downloads url and returns the sha256 of its bytes.
func (s *Sources) SHA256(ctx context.Context, url string) (string, error) {
	s.o.Logf("downloading %s", url)
	body, err := s.open(ctx, url)
	if err != nil {
		return "", fmt.Errorf("downloading to compute its sha256: %w", err)
	}
	defer body.Close()
	h := sha256.New()
	n, err := io.Copy(h, body)
	if err != nil {
		return "", fmt.Errorf("downloading %s to compute its sha256: %w", url, err)
	}
	if n == 0 {
		return "", fmt.Errorf("downloading %s: the answer is empty", url)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
