package signing

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"os"
	"time"

	"github.com/sigstore/cosign/v2/pkg/providers"
	_ "github.com/sigstore/cosign/v2/pkg/providers/github" // registers the GitHub Actions OIDC provider
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/atomicfile"
)

// Sigstore's public-good instances, used by keyless signing.
const (
	DefaultFulcioURL = "https://fulcio.sigstore.dev"
	DefaultRekorURL  = "https://rekor.sigstore.dev"
	GitHubIssuer     = "https://token.actions.githubusercontent.com"
)

// KeylessSigner gets a short-lived certificate from Fulcio for an OIDC
// identity (in GitHub Actions: the workflow, via `permissions: id-token:
// write`), signs with an ephemeral key and records the signature in Rekor.
type KeylessSigner struct {
	Ctx       context.Context
	FulcioURL string
	RekorURL  string
	IDToken   string // optional; otherwise fetched from the CI's OIDC provider
}

// Sign writes path.sig, path.pem and path.sigstore.json.
func (s *KeylessSigner) Sign(path string) error {
	token := s.IDToken
	if token == "" {
		if !providers.Enabled(s.Ctx) {
			return fmt.Errorf("keyless signing needs an OIDC identity token: run in GitHub Actions with `permissions: id-token: write`, or set SIGSTORE_ID_TOKEN")
		}
		var err error
		if token, err = providers.Provide(s.Ctx, "sigstore"); err != nil {
			return fmt.Errorf("fetching OIDC token: %w", err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	keypair, err := sign.NewEphemeralKeypair(nil)
	if err != nil {
		return err
	}
	b, err := sign.Bundle(&sign.PlainData{Data: data}, keypair, sign.BundleOptions{
		CertificateProvider:        sign.NewFulcio(&sign.FulcioOptions{BaseURL: s.FulcioURL, Timeout: time.Minute, Retries: 3}),
		CertificateProviderOptions: &sign.CertificateProviderOptions{IDToken: token},
		TransparencyLogs:           []sign.Transparency{sign.NewRekor(&sign.RekorOptions{BaseURL: s.RekorURL, Timeout: time.Minute, Retries: 3})},
		Context:                    s.Ctx,
	})
	if err != nil {
		return fmt.Errorf("keyless signing of %s: %w", path, err)
	}
	return WriteBundle(path, b)
}

// WriteBundle writes path.sigstore.json and the path.sig and path.pem
// taken from it.
func WriteBundle(path string, b *protobundle.Bundle) error {
	bundleJSON, err := protojson.Marshal(b)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path+BundleSuffix, bundleJSON, 0o644); err != nil {
		return err
	}
	return writeDerived(path, b)
}

func writeDerived(path string, b *protobundle.Bundle) error {
	sig, certPEM, err := material(b)
	if err != nil {
		return fmt.Errorf("%s: %w", path+BundleSuffix, err)
	}
	if err := atomicfile.Write(path+SigSuffix, sig, 0o644); err != nil {
		return err
	}
	return atomicfile.Write(path+CertSuffix, certPEM, 0o644)
}

// DeriveFromBundle writes path.sig and path.pem from path.sigstore.json,
// so that all three come from one signing.
func DeriveFromBundle(path string) error {
	b, err := bundle.LoadJSONFromPath(path + BundleSuffix)
	if err != nil {
		return fmt.Errorf("%s: %w", path+BundleSuffix, err)
	}
	return writeDerived(path, b.Bundle)
}

// material is the base64 signature and the PEM certificate of a bundle.
func material(b *protobundle.Bundle) (sig, certPEM []byte, err error) {
	raw := b.GetMessageSignature().GetSignature()
	cert := b.GetVerificationMaterial().GetCertificate().GetRawBytes()
	if len(raw) == 0 || len(cert) == 0 {
		return nil, nil, fmt.Errorf("bundle lacks a message signature or a certificate")
	}
	sig = []byte(base64.StdEncoding.EncodeToString(raw))
	return sig, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert}), nil
}

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
