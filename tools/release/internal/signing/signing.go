// Package signing makes and checks cosign blob signatures of release files.
//
// For a file F it writes F.sig (base64 signature, as `cosign sign-blob
// --output-signature` does) and, when keyless, F.pem (the Fulcio
// certificate) and F.sigstore.json (the Sigstore bundle with the
// transparency-log entry, which keyless verification needs).
package signing

import (
	"fmt"
	"strings"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/atomicfile"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/fault"
)

// File name suffixes of the signature material of a file.
const (
	SigSuffix    = ".sig"
	CertSuffix   = ".pem"
	BundleSuffix = ".sigstore.json"
)

// Signer signs files.
type Signer interface {
	// Sign signs path and writes its signature material beside it, all files or none.
	Sign(path string) error
	// Material signs path and returns its signature material, the files to write beside it.
	Material(path string) ([]atomicfile.File, error)
}

// SignAll signs every path and writes all their signature material, or none of it: when
// signing any of them or writing any file fails, no new file is left and the files there
// before are as they were.
func SignAll(s Signer, paths []string) error {
	var all []atomicfile.File
	for _, p := range paths {
		files, err := s.Material(p)
		if err != nil {
			return fmt.Errorf("%w (no signature written)", err)
		}
		all = append(all, files...)
		fault.Point("sign: signed " + p)
	}
	return atomicfile.WriteAll(all...)
}

// Verifier checks a file against the signature material beside it.
type Verifier interface {
	Verify(path string) error
}

// VerifyAll checks every file and reports all failures at once.
func VerifyAll(v Verifier, paths []string) error {
	var failed []string
	for _, p := range paths {
		if err := v.Verify(p); err != nil {
			failed = append(failed, err.Error())
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("signature verification failed:\n  %s", strings.Join(failed, "\n  "))
	}
	return nil
}
