package publish

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/filehash"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/ghapi"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/signing"
)

// adoptSignature handles a release that already holds signature material of
// base that differs from ours. Signing again after a failed publish gives
// other bytes every time (random nonces; keyless, a new certificate), so
// material that verifies for the same file is kept rather than reported as a
// conflict. It returns what to upload instead of our group: pieces the
// release lacks, derived from its bundle so that the set stays one signing.
func (o Options) adoptSignature(ctx context.Context, base string, group []localFile, assets map[string]*ghapi.Asset) ([]localFile, error) {
	dir, err := os.MkdirTemp(o.work, "adopt-")
	if err != nil {
		return nil, err
	}
	src, err := filepath.Abs(filepath.Join(o.Dir, base))
	if err != nil {
		return nil, err
	}
	theirs := filepath.Join(dir, base)
	if err := os.Symlink(src, theirs); err != nil {
		return nil, err
	}
	for _, f := range group {
		if a := assets[f.Name]; a != nil && a.State == "uploaded" {
			if err := o.download(ctx, a, filepath.Join(dir, f.Name)); err != nil {
				return nil, err
			}
		}
	}
	if err := o.Verifier.Verify(theirs); err != nil {
		return nil, fmt.Errorf("%s: the release holds other signature material that does not verify (%v); not replacing it", base, err)
	}
	var todo []localFile
	for _, f := range group {
		if a := assets[f.Name]; a != nil && a.State == "uploaded" {
			continue // theirs, and it verifies
		}
		if f.Name == base+signing.BundleSuffix {
			return nil, fmt.Errorf("%s: the release holds signature material of another signing without its bundle; delete %s* from the release by hand", base, base)
		}
		if err := signing.DeriveFromBundle(theirs); err != nil {
			return nil, fmt.Errorf("%s: the release's signature lacks %s and it cannot be derived: %w", base, f.Name, err)
		}
		p := filepath.Join(dir, f.Name)
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		sum, err := filehash.SHA256(p)
		if err != nil {
			return nil, err
		}
		todo = append(todo, localFile{Name: f.Name, Path: p, SHA256: sum, Size: st.Size(), Base: base})
	}
	o.Log("%s: keeping the signature already on the release, which verifies", base)
	return todo, nil
}

func (o Options) download(ctx context.Context, a *ghapi.Asset, path string) error {
	rc, err := o.Client.DownloadAsset(ctx, o.Repo, a.ID)
	if err != nil {
		return err
	}
	defer rc.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, rc); err != nil {
		f.Close()
		return fmt.Errorf("downloading %s: %w", a.Name, err)
	}
	return f.Close()
}
