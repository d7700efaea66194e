// Package publish creates a GitHub release and uploads its assets, safe to
// re-run after any failure: it finds what a previous attempt left and
// uploads only what is missing, and never replaces content.
package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"

	"github.com/google/go-github/v66/github"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/config"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/ghapi"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/signing"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/version"
)

// Options say what to publish where.
type Options struct {
	Client   *ghapi.Client
	Repo     string // owner/name
	Tool     *config.Tool
	Version  version.Version
	Dir      string
	Verifier signing.Verifier
	DryRun   bool
	Attempts int // rounds of look-up-then-act after ambiguous failures; default 3
	Log      func(format string, args ...any)

	work string // scratch directory of one run
}

// Run publishes. The release is created as a draft, so users never see a
// release with assets missing, and is published once every asset is there.
func Run(ctx context.Context, o Options) error {
	if o.Attempts == 0 {
		o.Attempts = 3
	}
	files, err := collect(o.Dir, o.Tool, o.Verifier)
	if err != nil {
		return err
	}
	if o.work, err = os.MkdirTemp("", "release-publish-"); err != nil {
		return err
	}
	defer os.RemoveAll(o.work)
	tag, title := o.Tool.Tag(o.Version), o.Tool.ReleaseTitle(o.Version)
	o.Log("%s: %d files checked (checksums and signatures)", tag, len(files))

	rel, err := o.ensureRelease(ctx, tag, title)
	if err != nil {
		return err
	}
	if rel == nil { // dry run, nothing exists yet
		for _, f := range files {
			o.Log("dry run: would upload %s", f.Name)
		}
		o.Log("dry run: would publish %s", tag)
		return nil
	}
	if err := o.uploadMissing(ctx, rel, files); err != nil {
		return err
	}
	if !rel.Draft {
		o.Log("%s: release complete", tag)
		return nil
	}
	if o.DryRun {
		o.Log("dry run: would publish draft %s", tag)
		return nil
	}
	if _, err := o.Client.PublishDraft(ctx, o.Repo, rel.ID); err != nil {
		return err
	}
	o.Log("%s: published", tag)
	return nil
}

// findRelease returns the one release for tag, published or draft, or nil.
func (o Options) findRelease(ctx context.Context, tag string) (*ghapi.Release, error) {
	rel, err := o.Client.ReleaseByTag(ctx, o.Repo, tag)
	if err != nil || rel != nil {
		return rel, err
	}
	// Drafts have no tag yet; only the list shows them.
	all, err := o.Client.ListReleases(ctx, o.Repo)
	if err != nil {
		return nil, err
	}
	var found []*ghapi.Release
	for _, r := range all {
		if r.Tag == tag {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return found[0], nil
	}
	var ids []string
	for _, r := range found {
		ids = append(ids, fmt.Sprint(r.ID))
	}
	return nil, fmt.Errorf("%d releases carry tag %s (ids %s); delete the extra drafts by hand, then re-run", len(found), tag, strings.Join(ids, ", "))
}

// ensureRelease finds the release or creates it. A create that failed
// ambiguously may have succeeded, so every round looks before creating.
func (o Options) ensureRelease(ctx context.Context, tag, title string) (*ghapi.Release, error) {
	var lastErr error
	for attempt := 1; attempt <= o.Attempts; attempt++ {
		rel, err := o.findRelease(ctx, tag)
		if err != nil {
			return nil, err
		}
		if rel != nil {
			o.Log("%s: found release %d (draft: %v)", tag, rel.ID, rel.Draft)
			return rel, nil
		}
		if o.DryRun {
			o.Log("dry run: would create draft release %s %q", tag, title)
			return nil, nil
		}
		body := fmt.Sprintf("%s, static build for linux/amd64 and linux/arm64.\n\nVerify with `sha256sum -c checksums.txt` and the cosign signatures.", title)
		rel, err = o.Client.CreateDraft(ctx, o.Repo, tag, title, body)
		if err == nil {
			o.Log("%s: created draft release %d", tag, rel.ID)
			return rel, nil
		}
		if !ambiguous(err) {
			return nil, err
		}
		o.Log("%s: %v; looking again before retrying", tag, err)
		lastErr = err
	}
	return nil, fmt.Errorf("could not create release %s after %d attempts: %w", tag, o.Attempts, lastErr)
}

// ambiguous reports failures after which the request may have taken effect
// (or a 422, meaning something else created it meanwhile).
func ambiguous(err error) bool {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		c := er.Response.StatusCode
		return c >= 500 || c == http.StatusUnprocessableEntity
	}
	var rl *github.RateLimitError
	var ab *github.AbuseRateLimitError
	return !errors.As(err, &rl) && !errors.As(err, &ab) && !errors.Is(err, context.Canceled)
}

// uploadMissing compares the release's assets with the files and uploads
// what is missing, in rounds: after a failed upload it lists the assets
// again, since the upload may have arrived after all.
func (o Options) uploadMissing(ctx context.Context, rel *ghapi.Release, files []localFile) error {
	var lastErr error
	for attempt := 1; attempt <= o.Attempts; attempt++ {
		todo, stale, err := o.plan(ctx, rel, files)
		if err != nil {
			return err
		}
		if len(todo) == 0 {
			return nil
		}
		if o.DryRun {
			for _, f := range todo {
				o.Log("dry run: would upload %s", f.Name)
			}
			return nil
		}
		lastErr = nil
		for _, f := range todo {
			if a := stale[f.Name]; a != nil {
				o.Log("%s: removing the remains of an interrupted upload (state %q)", f.Name, a.State)
				if err := o.Client.DeleteAsset(ctx, o.Repo, a.ID); err != nil {
					return err
				}
			}
			if _, err := o.Client.Upload(ctx, rel, f.Path, f.Name); err != nil {
				if !ambiguous(err) {
					return err
				}
				o.Log("%s: %v; checking the release again", f.Name, err)
				lastErr = err
				break
			}
			o.Log("uploaded %s", f.Name)
		}
	}
	if lastErr != nil {
		return fmt.Errorf("assets still missing after %d attempts: %w", o.Attempts, lastErr)
	}
	// The last round's uploads all succeeded; make sure they are all there.
	todo, _, err := o.plan(ctx, rel, files)
	if err == nil && len(todo) > 0 {
		err = fmt.Errorf("%d assets still missing after %d attempts", len(todo), o.Attempts)
	}
	return err
}

// plan returns the files to upload and the incomplete assets in their way;
// an existing complete asset with other content is an error, except
// signature material that verifies (see adoptSignature).
func (o Options) plan(ctx context.Context, rel *ghapi.Release, files []localFile) ([]localFile, map[string]*ghapi.Asset, error) {
	assets, err := o.Client.ListAssets(ctx, o.Repo, rel.ID)
	if err != nil {
		return nil, nil, err
	}
	byName := map[string]*ghapi.Asset{}
	for _, a := range assets {
		byName[a.Name] = a
	}
	var todo []localFile
	stale := map[string]*ghapi.Asset{}
	var conflicts []string
	resign := map[string]bool{} // signed files whose material on the release is not ours
	for _, f := range files {
		a := byName[f.Name]
		switch {
		case a == nil:
			todo = append(todo, f)
		case a.State != "uploaded":
			stale[f.Name] = a
			todo = append(todo, f)
		default:
			sum, err := o.assetSHA256(ctx, a)
			if err != nil {
				return nil, nil, err
			}
			switch {
			case sum == f.SHA256:
			case f.isSignature():
				resign[f.Base] = true
			default:
				conflicts = append(conflicts, fmt.Sprintf("%s: the release has sha256 %s, the file has %s", f.Name, sum, f.SHA256))
			}
		}
	}
	if len(conflicts) > 0 {
		return nil, nil, fmt.Errorf("release %s already has assets with other content; not replacing them:\n  %s", rel.Tag, strings.Join(conflicts, "\n  "))
	}
	if len(resign) > 0 {
		var kept []localFile
		groups := map[string][]localFile{}
		for _, f := range todo {
			if !resign[f.Base] || !f.isSignature() {
				kept = append(kept, f)
			}
		}
		for _, f := range files {
			if resign[f.Base] && f.isSignature() {
				groups[f.Base] = append(groups[f.Base], f)
			}
		}
		for _, base := range sortedKeys(resign) {
			adopted, err := o.adoptSignature(ctx, base, groups[base], byName)
			if err != nil {
				return nil, nil, err
			}
			kept = append(kept, adopted...)
		}
		todo = kept
	}
	known := map[string]bool{}
	for _, f := range files {
		known[f.Name] = true
	}
	var extra []string
	for n := range byName {
		if !known[n] {
			extra = append(extra, n)
		}
	}
	sort.Strings(extra)
	for _, n := range extra {
		o.Log("%s: asset %s is not among the files; leaving it alone", rel.Tag, n)
	}
	return todo, stale, nil
}

func sortedKeys(m map[string]bool) []string {
	var k []string
	for x := range m {
		k = append(k, x)
	}
	sort.Strings(k)
	return k
}

// assetSHA256 uses the digest GitHub reports, or downloads the asset.
func (o Options) assetSHA256(ctx context.Context, a *ghapi.Asset) (string, error) {
	if hexSum, ok := strings.CutPrefix(a.Digest, "sha256:"); ok {
		return hexSum, nil
	}
	rc, err := o.Client.DownloadAsset(ctx, o.Repo, a.ID)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return "", fmt.Errorf("downloading asset %s: %w", a.Name, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
