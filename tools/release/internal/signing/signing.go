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
)

// File name suffixes of the signature material of a file.
const (
	SigSuffix    = ".sig"
	CertSuffix   = ".pem"
	BundleSuffix = ".sigstore.json"
)

// Signer signs a file and writes its signature material beside it.
type Signer interface {
	Sign(path string) error
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
