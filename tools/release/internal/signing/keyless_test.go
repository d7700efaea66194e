package signing

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/verify"
)

// Keyless signing needs Fulcio, Rekor and an OIDC token, none reachable
// here; the verification policy runs against an in-memory Sigstore.
func TestKeylessVerifyPolicy(t *testing.T) {
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	const workflow = "https://github.com/rootless-static-toolkits/rootless-static-toolkits/.github/workflows/publish.yml@refs/heads/main"
	file := filepath.Join(t.TempDir(), "buildah-linux-amd64.tar.zst")
	writeFile(t, file, "buildah bytes")
	entity, err := vs.Sign(workflow, GitHubIssuer, []byte("buildah bytes"))
	if err != nil {
		t.Fatal(err)
	}
	verifier := func(re, issuer string) *KeylessVerifier {
		id, err := verify.NewShortCertificateIdentity(issuer, "", "", re)
		if err != nil {
			t.Fatal(err)
		}
		return &KeylessVerifier{Trusted: vs, Identity: id, noSCT: true}
	}
	ours := `^https://github\.com/rootless-static-toolkits/rootless-static-toolkits/\.github/workflows/`
	if err := verifier(ours, GitHubIssuer).VerifyEntity(file, entity); err != nil {
		t.Fatalf("a matching identity was rejected: %v", err)
	}
	if err := verifier(`^https://github\.com/someone-else/`, GitHubIssuer).VerifyEntity(file, entity); err == nil {
		t.Error("another repository's workflow identity was accepted")
	}
	if err := verifier(ours, "https://accounts.example.com").VerifyEntity(file, entity); err == nil {
		t.Error("another OIDC issuer was accepted")
	}
	writeFile(t, file, "buildah bytez")
	if err := verifier(ours, GitHubIssuer).VerifyEntity(file, entity); err == nil {
		t.Error("a tampered file was accepted")
	}
}

func TestKeylessWithoutBundle(t *testing.T) {
	file := filepath.Join(t.TempDir(), "x.tar.zst")
	writeFile(t, file, "x")
	err := (&KeylessVerifier{}).Verify(file)
	if err == nil || !strings.Contains(err.Error(), "no usable bundle") {
		t.Errorf("err = %v", err)
	}
}
