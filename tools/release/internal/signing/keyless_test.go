package signing

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/verify"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/signing/signingtest"
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

// The .sig and .pem of a keyless signature are views of its bundle; publish
// re-derives them from a bundle already on a release.
func TestWriteAndDeriveFromBundle(t *testing.T) {
	b := &protobundle.Bundle{
		MediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
		VerificationMaterial: &protobundle.VerificationMaterial{
			Content: &protobundle.VerificationMaterial_Certificate{Certificate: &protocommon.X509Certificate{RawBytes: []byte("cert-der")}},
		},
		Content: &protobundle.Bundle_MessageSignature{MessageSignature: &protocommon.MessageSignature{
			MessageDigest: &protocommon.HashOutput{Algorithm: protocommon.HashAlgorithm_SHA2_256, Digest: make([]byte, 32)},
			Signature:     []byte("raw-signature"),
		}},
	}
	path := filepath.Join(t.TempDir(), "podman-full-linux-arm64.tar.zst")
	if err := WriteBundle(path, b); err != nil {
		t.Fatal(err)
	}
	sig, _ := os.ReadFile(path + SigSuffix)
	cert, _ := os.ReadFile(path + CertSuffix)
	if string(sig) != base64.StdEncoding.EncodeToString([]byte("raw-signature")) {
		t.Errorf(".sig = %q", sig)
	}
	if block, _ := pem.Decode(cert); block == nil || string(block.Bytes) != "cert-der" || block.Type != "CERTIFICATE" {
		t.Errorf(".pem = %q", cert)
	}
	os.Remove(path + SigSuffix)
	os.Remove(path + CertSuffix)
	if err := DeriveFromBundle(path); err != nil {
		t.Fatal(err)
	}
	sig2, _ := os.ReadFile(path + SigSuffix)
	cert2, _ := os.ReadFile(path + CertSuffix)
	if string(sig2) != string(sig) || string(cert2) != string(cert) {
		t.Error("derived material differs from what signing wrote")
	}
}

// The GitHub Actions half of keyless signing: the OIDC token is fetched with
// the runner's request token and audience "sigstore", and sent to Fulcio
// with a proof of possession of the ephemeral key. Fulcio here refuses, so
// nothing is written.
func TestKeylessSignerTakesTheActionsTokenToFulcio(t *testing.T) {
	idToken := signingtest.IDToken
	var oidcCalls int
	oidc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		oidcCalls++
		if r.Header.Get("Authorization") != "bearer runner-request-token" || r.URL.Query().Get("audience") != "sigstore" {
			http.Error(w, "bad token request", http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"value": idToken})
	}))
	t.Cleanup(oidc.Close)
	var fulcioAuth string
	var request struct {
		PublicKeyRequest struct {
			PublicKey struct {
				Content string `json:"content"`
			} `json:"publicKey"`
			ProofOfPossession string `json:"proofOfPossession"`
		} `json:"publicKeyRequest"`
	}
	fulcio := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v2/signingCert" {
			fulcioAuth = r.Header.Get("Authorization")
			json.NewDecoder(r.Body).Decode(&request)
		}
		http.Error(w, `{"message":"this Fulcio issues nothing"}`, http.StatusBadRequest)
	}))
	t.Cleanup(fulcio.Close)
	t.Setenv("ACTIONS_ID_TOKEN_REQUEST_URL", oidc.URL+"/token?api-version=2.0")
	t.Setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "runner-request-token")

	file := filepath.Join(t.TempDir(), "podman-minimal-linux-amd64.tar.zst")
	writeFile(t, file, "podman bytes")
	s := &KeylessSigner{Ctx: context.Background(), FulcioURL: fulcio.URL, RekorURL: "http://127.0.0.1:1"}
	err := s.Sign(file)
	if err == nil || !strings.Contains(err.Error(), "keyless signing of "+file) {
		t.Fatalf("err = %v", err)
	}
	if oidcCalls != 1 || fulcioAuth != "Bearer "+idToken {
		t.Errorf("OIDC calls %d; Fulcio saw Authorization %q", oidcCalls, fulcioAuth)
	}
	if !strings.Contains(request.PublicKeyRequest.PublicKey.Content, "PUBLIC KEY") || request.PublicKeyRequest.ProofOfPossession == "" {
		t.Errorf("certificate request = %+v", request)
	}
	for _, suffix := range []string{SigSuffix, CertSuffix, BundleSuffix} {
		if _, err := os.Stat(file + suffix); err == nil {
			t.Errorf("%s written although signing failed", suffix)
		}
	}
}

// With Fulcio answering, signing writes the bundle and the .sig and .pem
// taken from it: the .pem is Fulcio's certificate for the workflow identity,
// and the .sig verifies over the file with that certificate's key.
func TestKeylessSignerWritesConsistentMaterial(t *testing.T) {
	const workflow = "https://github.com/rootless-static-toolkits/rootless-static-toolkits/.github/workflows/publish.yml@refs/heads/main"
	fulcio := signingtest.Fulcio(t, workflow)
	file := filepath.Join(t.TempDir(), "buildah-linux-arm64.tar.zst")
	writeFile(t, file, "buildah bytes")
	tlog := &signingtest.NoTlog{}
	s := &KeylessSigner{Ctx: context.Background(), FulcioURL: fulcio.URL, IDToken: signingtest.IDToken, TransparencyLogs: []sign.Transparency{tlog}}
	if err := s.Sign(file); err != nil {
		t.Fatal(err)
	}
	if tlog.Calls != 1 {
		t.Errorf("transparency log asked %d times", tlog.Calls)
	}
	certPEM, _ := os.ReadFile(file + CertSuffix)
	block, _ := pem.Decode(certPEM)
	if block == nil {
		t.Fatalf(".pem = %q", certPEM)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if len(cert.URIs) != 1 || cert.URIs[0].String() != workflow {
		t.Errorf("certificate identity = %v", cert.URIs)
	}
	sigB64, _ := os.ReadFile(file + SigSuffix)
	sig, err := base64.StdEncoding.DecodeString(string(sigB64))
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("buildah bytes"))
	if !ecdsa.VerifyASN1(cert.PublicKey.(*ecdsa.PublicKey), digest[:], sig) {
		t.Error(".sig does not verify with the certificate's key")
	}
	b, err := bundle.LoadJSONFromPath(file + BundleSuffix)
	if err != nil {
		t.Fatal(err)
	}
	if string(b.GetMessageSignature().GetSignature()) != string(sig) ||
		string(b.GetVerificationMaterial().GetCertificate().GetRawBytes()) != string(cert.Raw) {
		t.Error("the bundle does not hold the .sig and .pem")
	}
}
