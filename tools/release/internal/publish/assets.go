package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/ghapi"
)

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
