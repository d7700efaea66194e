package publish

import (
	"context"
	"fmt"
	"strings"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/ghapi"
)

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

// ensureRelease finds the release or creates it as a draft targeting
// o.Commit; a release found must target o.Commit too. A create that failed
// ambiguously may have succeeded, so every round looks before creating.
func (o Options) ensureRelease(ctx context.Context, tag, title string) (*ghapi.Release, error) {
	var lastErr error
	for attempt := 1; attempt <= o.Attempts; attempt++ {
		rel, err := o.findRelease(ctx, tag)
		if err != nil {
			return nil, err
		}
		if rel != nil {
			o.Log("%s: found release %d (draft: %v, target %s)", tag, rel.ID, rel.Draft, rel.Commitish)
			if !strings.EqualFold(rel.Commitish, o.Commit) {
				return nil, fmt.Errorf("%s: release %d (draft: %v) targets %q, not the commit being published, %s; not adding to it "+
					"(delete it by hand if it is a stale draft)", tag, rel.ID, rel.Draft, rel.Commitish, o.Commit)
			}
			return rel, nil
		}
		if o.DryRun {
			o.Log("dry run: would create draft release %s %q at commit %s", tag, title, o.Commit)
			return nil, nil
		}
		body := fmt.Sprintf("%s, static build for linux/amd64 and linux/arm64.\n\n"+
			"Verify with `sha256sum -c checksums.txt` and the cosign signatures. "+
			"Each archive `<bundle>-linux-<arch>.tar.zst` has beside it its SPDX 2.3 SBOM (`.spdx.json`) and "+
			"its OpenVEX document (`.openvex.json`: the status of every advisory known against what it ships, "+
			"from the release's vulnerability gate; e.g. `grype sbom:<bundle>-linux-<arch>.spdx.json --vex <bundle>-linux-<arch>.openvex.json`).", title)
		rel, err = o.Client.CreateDraft(ctx, o.Repo, tag, o.Commit, title, body)
		if err == nil {
			o.Log("%s: created draft release %d at commit %s", tag, rel.ID, o.Commit)
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
