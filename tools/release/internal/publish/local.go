package publish

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/checksums"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/config"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/signing"
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

// collect checks a release directory and lists the assets it makes:
// every archive the tool needs is there as a regular file (not a symlink or
// a directory; nor is any other asset), checksums.txt matches the files,
// and every listed file and checksums.txt carries a signature that verifies.
func collect(dir string, tool *config.Tool, v signing.Verifier) ([]localFile, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("release directory %s does not exist", dir)
	}
	var missing, odd []string
	for _, a := range tool.SortedArchives() {
		switch err := checksums.Regular(filepath.Join(dir, a)); {
		case os.IsNotExist(err):
			missing = append(missing, a)
		case err != nil:
			odd = append(odd, err.Error())
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s lacks archives of %s: %s", dir, tool.Name, strings.Join(missing, ", "))
	}
	if len(odd) > 0 {
		return nil, fmt.Errorf("refusing to publish:\n  %s", strings.Join(odd, "\n  "))
	}
	if err := checksums.Regular(filepath.Join(dir, checksums.FileName)); os.IsNotExist(err) {
		return nil, fmt.Errorf("%s has no %s (run `release checksums %s`)", dir, checksums.FileName, dir)
	} else if err != nil {
		return nil, fmt.Errorf("refusing to publish: %w", err)
	}
	sums, err := checksums.Verify(dir)
	if err != nil {
		return nil, fmt.Errorf("refusing to publish: %w", err)
	}
	signed := []string{checksums.FileName}
	for name := range sums {
		signed = append(signed, name)
	}
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
			sum, err := checksums.SHA256File(p)
			if err != nil {
				return nil, err
			}
			files = append(files, localFile{Name: n + suffix, Path: p, SHA256: sum, Size: st.Size(), Base: n})
		}
	}
	return files, nil
}

var groupOrder = []string{"", signing.BundleSuffix, signing.SigSuffix, signing.CertSuffix}
