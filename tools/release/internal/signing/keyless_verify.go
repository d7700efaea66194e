package signing

import (
	"fmt"
	"os"
	"regexp"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
)

// KeylessVerifier checks path.sigstore.json: certificate chain to Fulcio,
// the transparency-log entry, and that the certificate names the expected
// identity and OIDC issuer.
type KeylessVerifier struct {
	Trusted  root.TrustedMaterial
	Identity verify.CertificateIdentity

	noSCT bool // for tests: the in-memory Sigstore issues certificates without SCTs
}

// NewKeylessVerifier builds the identity policy. trustedRootPath may be empty
// to fetch Sigstore's trusted root through TUF (needs the network).
func NewKeylessVerifier(trustedRootPath, identityRegexp, issuer string) (*KeylessVerifier, error) {
	id, err := verify.NewShortCertificateIdentity(issuer, "", "", identityRegexp)
	if err != nil {
		return nil, fmt.Errorf("certificate identity: %w", err)
	}
	var tr *root.TrustedRoot
	if trustedRootPath != "" {
		tr, err = root.NewTrustedRootFromPath(trustedRootPath)
	} else {
		tr, err = root.FetchTrustedRoot()
	}
	if err != nil {
		return nil, fmt.Errorf("loading Sigstore trusted root: %w", err)
	}
	return &KeylessVerifier{Trusted: tr, Identity: id}, nil
}

// Verify implements Verifier.
func (k *KeylessVerifier) Verify(path string) error {
	b, err := bundle.LoadJSONFromPath(path + BundleSuffix)
	if err != nil {
		return fmt.Errorf("%s: no usable bundle: %w", path, err)
	}
	return k.VerifyEntity(path, b)
}

// VerifyEntity checks a signed entity (a bundle) against the file at path.
func (k *KeylessVerifier) VerifyEntity(path string, e verify.SignedEntity) error {
	opts := []verify.VerifierOption{verify.WithTransparencyLog(1), verify.WithObserverTimestamps(1)}
	if !k.noSCT {
		opts = append(opts, verify.WithSignedCertificateTimestamps(1))
	}
	v, err := verify.NewVerifier(k.Trusted, opts...)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := v.Verify(e, verify.NewPolicy(verify.WithArtifact(f), verify.WithCertificateIdentity(k.Identity))); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// ReleaseRef is the only ref whose publish workflow may sign releases.
const ReleaseRef = "refs/heads/main"

// PublishIdentityRegexp is the certificate identity of keyless signatures
// made by repo's (owner/name) release workflow, publish.yml, as it ran on
// ReleaseRef: Fulcio names the workflow file and the ref it ran from, so a
// run on another branch, a tag or a pull request does not match.
func PublishIdentityRegexp(repo string) string {
	return "^" + regexp.QuoteMeta("https://github.com/"+repo+"/.github/workflows/publish.yml@"+ReleaseRef) + "$"
}
