// Package publish creates a GitHub release and uploads its assets, safe to
// re-run after any failure: it finds what a previous attempt left and
// uploads only what is missing, and never replaces content.
package publish

import (
	"context"
	"errors"
	"net/http"
	"os"

	"github.com/google/go-github/v66/github"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/bundles"
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
	Commit   string // the commit SHA built; the tag is made there
	Dir      string
	Bundles  string // bundles.json, which lists the tool's archives; default Dir/bundles.json
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
	if o.Commit == "" {
		return errors.New("no commit to tag: without one the tag would land wherever the default branch is when the draft is published")
	}
	// only the tool's newest line's releases become the repository's Latest; a version in no
	// tracked line is not ours to publish
	line, err := o.Tool.LineOf(o.Version)
	if err != nil {
		return err
	}
	latest := o.Tool.Newest(line)
	files, err := collect(o.Dir, bundles.PathIn(o.Dir, o.Bundles), o.Tool, o.Version, o.Verifier)
	if err != nil {
		return err
	}
	if o.work, err = os.MkdirTemp("", "release-publish-"); err != nil {
		return err
	}
	defer os.RemoveAll(o.work)
	tag, title := o.Tool.Tag(o.Version), o.Tool.ReleaseTitle(o.Version)
	o.Log("%s: %d files checked (checksums, signatures, archives' top directory %s/)", tag, len(files), tag)

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
	if _, err := o.Client.PublishDraft(ctx, o.Repo, rel.ID, latest); err != nil {
		return err
	}
	if latest {
		o.Log("%s: published (the repository's latest release)", tag)
	} else {
		o.Log("%s: published (release line %s, not the tool's newest: not marked latest)", tag, line)
	}
	return nil
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
