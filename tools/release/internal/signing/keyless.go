package signing

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/sigstore/cosign/v2/pkg/providers"
	_ "github.com/sigstore/cosign/v2/pkg/providers/github" // registers the GitHub Actions OIDC provider
	"github.com/sigstore/sigstore-go/pkg/sign"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/atomicfile"
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

	// TransparencyLogs replaces Rekor at RekorURL when not nil (tests).
	TransparencyLogs []sign.Transparency
}

// Sign writes path.sig, path.pem and path.sigstore.json, all three or none.
func (s *KeylessSigner) Sign(path string) error {
	files, err := s.Material(path)
	if err != nil {
		return err
	}
	return atomicfile.WriteAll(files...)
}

// Material implements Signer: path.sigstore.json, path.sig and path.pem.
func (s *KeylessSigner) Material(path string) ([]atomicfile.File, error) {
	token := s.IDToken
	if token == "" {
		if !providers.Enabled(s.Ctx) {
			return nil, fmt.Errorf("keyless signing needs an OIDC identity token: run in GitHub Actions with `permissions: id-token: write`, or set SIGSTORE_ID_TOKEN")
		}
		var err error
		if token, err = providers.Provide(s.Ctx, "sigstore"); err != nil {
			return nil, fmt.Errorf("fetching OIDC token: %w", err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	keypair, err := sign.NewEphemeralKeypair(nil)
	if err != nil {
		return nil, err
	}
	tlogs := s.TransparencyLogs
	if tlogs == nil {
		tlogs = []sign.Transparency{sign.NewRekor(&sign.RekorOptions{BaseURL: s.RekorURL, Timeout: time.Minute, Retries: 3})}
	}
	b, err := sign.Bundle(&sign.PlainData{Data: data}, keypair, sign.BundleOptions{
		CertificateProvider:        sign.NewFulcio(&sign.FulcioOptions{BaseURL: s.FulcioURL, Timeout: time.Minute, Retries: 3}),
		CertificateProviderOptions: &sign.CertificateProviderOptions{IDToken: token},
		TransparencyLogs:           tlogs,
		Context:                    s.Ctx,
	})
	if err != nil {
		return nil, fmt.Errorf("keyless signing of %s: %w", path, err)
	}
	return bundleFiles(path, b)
}
