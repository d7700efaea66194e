package publish

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/filehash"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/bundles"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/checksums"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/config"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/signing"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/version"
)

// localFile is a file to be a release asset.
type localFile struct {
	Name   string
	Path   string
	SHA256 string
	Size   int64
	Base   string // the signed file this is, or whose signature material it is
}

// isSignature reports whether f is signature material of another file.
func (f localFile) isSignature() bool { return f.Name != f.Base }

// collect checks a release directory and lists the assets it makes. The
// tool's archives are those the build's bundles.json lists for it; each must
// be in dir as a regular file (not a symlink or a directory; nor may any
// other asset be), checksums.txt must list exactly them with their digests,
// every archive and checksums.txt must carry a signature that verifies, and
// every archive must hold the one top directory <tool>-v<version>/ with a
// program in its bin/: the pin the archives were built from is the version
// released. Other files in dir (other tools' archives, bundles.json) are not
// assets.
func collect(dir, manifest string, tool *config.Tool, ver version.Version, v signing.Verifier) ([]localFile, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("release directory %s does not exist", dir)
	}
	m, err := bundles.Load(manifest)
	if err != nil {
		return nil, err
	}
	archives, err := m.InDir(dir, tool.Name)
	if err != nil {
		return nil, err
	}
	var odd []string
	for _, a := range archives {
		if err := checksums.Regular(filepath.Join(dir, a)); err != nil {
			odd = append(odd, err.Error())
		}
	}
	if len(odd) > 0 {
		return nil, fmt.Errorf("refusing to publish:\n  %s", strings.Join(odd, "\n  "))
	}
	if err := checksums.Regular(filepath.Join(dir, checksums.FileName)); os.IsNotExist(err) {
		return nil, fmt.Errorf("%s has no %s (run `release checksums --tool %s %s`)", dir, checksums.FileName, tool.Name, dir)
	} else if err != nil {
		return nil, fmt.Errorf("refusing to publish: %w", err)
	}
	if _, err := checksums.Verify(dir, archives); err != nil {
		return nil, fmt.Errorf("refusing to publish: %w", err)
	}
	signed := append([]string{checksums.FileName}, archives...)
	sort.Strings(signed)
	var paths []string
	for _, n := range signed {
		paths = append(paths, filepath.Join(dir, n))
	}
	if v == nil {
		return nil, fmt.Errorf("refusing to publish without checking signatures: give --key or the keyless identity flags")
	}
	if err := signing.VerifyAll(v, paths); err != nil {
		return nil, fmt.Errorf("refusing to publish: %w", err)
	}
	var wrong []string
	for _, a := range archives {
		if err := bundles.CheckFile(filepath.Join(dir, a), tool.Name, ver.String()); err != nil {
			wrong = append(wrong, err.Error())
		}
	}
	if len(wrong) > 0 {
		return nil, fmt.Errorf("refusing to publish %s %s:\n  %s", tool.Name, ver, strings.Join(wrong, "\n  "))
	}

	// Assets: each signed file, then its bundle before the .sig and .pem
	// derived from it, so an interrupted upload never leaves a .sig whose
	// bundle is missing.
	var files []localFile
	for _, n := range signed {
		for _, suffix := range groupOrder {
			p := filepath.Join(dir, n+suffix)
			if err := checksums.Regular(p); os.IsNotExist(err) {
				continue // .pem and .sigstore.json exist only for keyless signatures
			} else if err != nil {
				return nil, fmt.Errorf("refusing to publish: %w", err)
			}
			st, err := os.Stat(p)
			if err != nil {
				return nil, err
			}
			sum, err := filehash.SHA256(p)
			if err != nil {
				return nil, err
			}
			files = append(files, localFile{Name: n + suffix, Path: p, SHA256: sum, Size: st.Size(), Base: n})
		}
	}
	return files, nil
}

var groupOrder = []string{"", signing.BundleSuffix, signing.SigSuffix, signing.CertSuffix}
