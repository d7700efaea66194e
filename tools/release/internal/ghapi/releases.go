package ghapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/google/go-github/v66/github"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/config"
)

// Release is the part of a GitHub release we use.
type Release struct {
	ID        int64
	Tag       string
	Name      string
	Commitish string // target_commitish: the branch or commit SHA a draft's tag will be made at
	Draft     bool
	Pre       bool
	UploadURL string
}

func fromGitHub(r *github.RepositoryRelease) *Release {
	return &Release{
		ID: r.GetID(), Tag: r.GetTagName(), Name: r.GetName(), Commitish: r.GetTargetCommitish(),
		Draft: r.GetDraft(), Pre: r.GetPrerelease(), UploadURL: r.GetUploadURL(),
	}
}

// Asset is a release asset. State "uploaded" is complete; others are
// leftovers of an interrupted upload. Digest ("sha256:<hex>") is sent by
// newer GitHub versions and is empty otherwise.
type Asset struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	State  string `json:"state"`
	Size   int64  `json:"size"`
	Digest string `json:"digest"`
}

// ListReleases returns every release of repo (owner/name), all pages.
// A renamed repository answers 301, which the HTTP client follows.
func (c *Client) ListReleases(ctx context.Context, repo string) ([]*Release, error) {
	owner, name := config.SplitRepo(repo)
	var all []*Release
	opt := &github.ListOptions{PerPage: 100}
	for {
		rs, resp, err := c.Raw.Repositories.ListReleases(ctx, owner, name, opt)
		if err != nil {
			return nil, fmt.Errorf("listing releases of %s: %w", repo, Explain(err))
		}
		for _, r := range rs {
			all = append(all, fromGitHub(r))
		}
		if resp.NextPage == 0 {
			return all, nil
		}
		opt.Page = resp.NextPage
	}
}

// ReleaseByTag returns the published release with this tag, or nil when
// there is none (drafts have no tag yet and are not found this way).
func (c *Client) ReleaseByTag(ctx context.Context, repo, tag string) (*Release, error) {
	owner, name := config.SplitRepo(repo)
	r, _, err := c.Raw.Repositories.GetReleaseByTag(ctx, owner, name, tag)
	if IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("looking up release %s of %s: %w", tag, repo, Explain(err))
	}
	return fromGitHub(r), nil
}

// CreateDraft creates a draft release; the tag is made at commitish (a
// commit SHA or a branch) when it is published.
func (c *Client) CreateDraft(ctx context.Context, repo, tag, commitish, title, body string) (*Release, error) {
	owner, name := config.SplitRepo(repo)
	r, _, err := c.Raw.Repositories.CreateRelease(ctx, owner, name, &github.RepositoryRelease{
		TagName: &tag, TargetCommitish: &commitish, Name: &title, Body: &body, Draft: github.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("creating release %s in %s: %w", tag, repo, Explain(err))
	}
	return fromGitHub(r), nil
}

// PublishDraft turns a draft into a published release; latest says whether it becomes the
// repository's "Latest" release (false for an older release line's, e.g. a podman 5.8.x published
// after 6.0.2; GitHub's default would otherwise make the most recently created one Latest).
func (c *Client) PublishDraft(ctx context.Context, repo string, id int64, latest bool) (*Release, error) {
	owner, name := config.SplitRepo(repo)
	makeLatest := "false"
	if latest {
		makeLatest = "true"
	}
	r, _, err := c.Raw.Repositories.EditRelease(ctx, owner, name, id, &github.RepositoryRelease{Draft: github.Bool(false), MakeLatest: &makeLatest})
	if err != nil {
		return nil, fmt.Errorf("publishing draft release %d of %s: %w", id, repo, Explain(err))
	}
	return fromGitHub(r), nil
}

// ListAssets returns every asset of a release, all pages. It decodes the
// JSON itself because go-github's ReleaseAsset lacks the digest field.
func (c *Client) ListAssets(ctx context.Context, repo string, releaseID int64) ([]*Asset, error) {
	var all []*Asset
	for page := 1; page != 0; {
		u := fmt.Sprintf("repos/%s/releases/%d/assets?per_page=100&page=%d", repo, releaseID, page)
		req, err := c.Raw.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		var as []*Asset
		resp, err := c.Raw.Do(ctx, req, &as)
		if err != nil {
			return nil, fmt.Errorf("listing assets of release %d of %s: %w", releaseID, repo, Explain(err))
		}
		all = append(all, as...)
		page = resp.NextPage
	}
	return all, nil
}

// DeleteAsset removes an asset; used only for leftovers of failed uploads.
func (c *Client) DeleteAsset(ctx context.Context, repo string, id int64) error {
	owner, name := config.SplitRepo(repo)
	if _, err := c.Raw.Repositories.DeleteReleaseAsset(ctx, owner, name, id); err != nil {
		return fmt.Errorf("deleting asset %d of %s: %w", id, repo, Explain(err))
	}
	return nil
}

// DownloadAsset streams an asset's content.
func (c *Client) DownloadAsset(ctx context.Context, repo string, id int64) (io.ReadCloser, error) {
	owner, name := config.SplitRepo(repo)
	rc, _, err := c.Raw.Repositories.DownloadReleaseAsset(ctx, owner, name, id, c.download)
	if err != nil {
		return nil, fmt.Errorf("downloading asset %d of %s: %w", id, repo, Explain(err))
	}
	return rc, nil
}

// Upload sends a file to the release's upload_url, reporting progress
// through the client's log.
func (c *Client) Upload(ctx context.Context, rel *Release, path, name string) (*Asset, error) {
	target, _, _ := strings.Cut(rel.UploadURL, "{") // drop the {?name,label} template
	if target == "" {
		return nil, fmt.Errorf("release %s has no upload_url", rel.Tag)
	}
	target += "?name=" + url.QueryEscape(name)
	// Each attempt reads its own handle: an abandoned attempt may still be
	// reading when the next one starts.
	open := func() (io.ReadCloser, int64, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, 0, err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, 0, err
		}
		return struct {
			io.Reader
			io.Closer
		}{newProgress(f, st.Size(), name, c.log), f}, st.Size(), nil
	}
	body, size, err := open()
	if err != nil {
		return nil, err
	}
	req, err := c.Raw.NewUploadRequest(target, body, size, "application/octet-stream")
	if err != nil {
		body.Close()
		return nil, err
	}
	req.Body = body // keep the Closer that NewUploadRequest's io.Reader hides
	req.GetBody = func() (io.ReadCloser, error) {
		rc, _, err := open()
		return rc, err
	}
	var a Asset
	if _, err := c.Raw.Do(ctx, req, &a); err != nil {
		return nil, fmt.Errorf("uploading %s: %w", name, Explain(err))
	}
	return &a, nil
}
