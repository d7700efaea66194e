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
	"os/exec"
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

// Only publish.yml of our repository, run on main, is accepted as the signer:
// not a branch, a tag, a pull request or another workflow or repository.
func TestPublishIdentityIsOurWorkflowOnMain(t *testing.T) {
	const repo = "rootless-static-toolkits/rootless-static-toolkits"
	re := PublishIdentityRegexp(repo)
	if want := `^https://github\.com/rootless-static-toolkits/rootless-static-toolkits/\.github/workflows/publish\.yml@refs/heads/main$`; re != want {
		t.Errorf("PublishIdentityRegexp = %s, want %s", re, want)
	}
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	id, err := verify.NewShortCertificateIdentity(GitHubIssuer, "", "", re)
	if err != nil {
		t.Fatal(err)
	}
	v := &KeylessVerifier{Trusted: vs, Identity: id, noSCT: true}
	file := filepath.Join(t.TempDir(), "skopeo-linux-amd64.tar.zst")
	writeFile(t, file, "skopeo bytes")
	const ours = "https://github.com/" + repo + "/.github/workflows/"
	refused := []string{
		ours + "publish.yml@refs/heads/feature",
		ours + "publish.yml@refs/heads/main-hotfix",
		ours + "publish.yml@refs/heads/x/refs/heads/main",
		ours + "publish.yml@refs/tags/skopeo-v1.20.0",
		ours + "publish.yml@refs/pull/7/merge",
		ours + "check-releases.yml@refs/heads/main",
		"https://github.com/someone/rootless-static-toolkits/.github/workflows/publish.yml@refs/heads/main",
	}
	for i, identity := range append([]string{ours + "publish.yml@refs/heads/main"}, refused...) {
		accept := i == 0
		entity, err := vs.Sign(identity, GitHubIssuer, []byte("skopeo bytes"))
		if err != nil {
			t.Fatal(err)
		}
		switch err := v.VerifyEntity(file, entity); {
		case accept && err != nil:
			t.Errorf("%s was refused: %v", identity, err)
		case !accept && err == nil:
			t.Errorf("%s was accepted", identity)
		}
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
	b := testBundle()
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

// The bundle, .sig and .pem are written together or not at all.
func TestWriteBundleWritesAllThreeOrNone(t *testing.T) {
	b := testBundle()
	path := filepath.Join(t.TempDir(), "podman-full-linux-arm64.tar.zst")
	if err := os.Mkdir(path+CertSuffix, 0o755); err != nil { // the .pem cannot be written
		t.Fatal(err)
	}
	if err := WriteBundle(path, b); err == nil || !strings.Contains(err.Error(), path+CertSuffix) {
		t.Errorf("WriteBundle with the .pem a directory: %v", err)
	}
	for _, suffix := range []string{BundleSuffix, SigSuffix} {
		if _, err := os.Lstat(path + suffix); !os.IsNotExist(err) {
			t.Errorf("%s was written (%v) though the .pem could not be", path+suffix, err)
		}
	}
	if err := os.Remove(path + CertSuffix); err != nil {
		t.Fatal(err)
	}
	if err := WriteBundle(path, b); err != nil {
		t.Fatal(err)
	}
	os.Remove(path + SigSuffix)
	os.Remove(path + CertSuffix)
	os.Mkdir(path+CertSuffix, 0o755)
	if err := DeriveFromBundle(path); err == nil {
		t.Error("DeriveFromBundle with the .pem a directory succeeded")
	}
	if _, err := os.Lstat(path + SigSuffix); !os.IsNotExist(err) {
		t.Errorf("DeriveFromBundle wrote the .sig (%v) though the .pem could not be", err)
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

// A user verifies a keyless signature with the stock cosign CLI as README.md
// says: cosign verify-blob --bundle FILE.sigstore.json with our identity
// regexp and issuer. Here the bundle comes from KeylessSigner and the
// stand-in Fulcio, whose CA is the trusted root (cosign's --trusted-root).
// The stand-in has no Rekor and no CT log, so the bundle holds no
// transparency-log entry and the certificate no SCT, and cosign is told to
// skip those two checks; certificate chain, identity, issuer and signature
// over the file are checked as for a real release.
func TestCosignCLIVerifiesOurKeylessBundles(t *testing.T) {
	cosign := cosignCLI(t)
	const repo = "rootless-static-toolkits/rootless-static-toolkits"
	const workflow = "https://github.com/" + repo + "/.github/workflows/publish.yml@"
	fulcio := signingtest.Fulcio(t, workflow+ReleaseRef)
	dir := t.TempDir()
	trustedRoot := filepath.Join(dir, "trusted_root.json")
	fulcio.WriteTrustedRoot(t, trustedRoot)
	file := filepath.Join(dir, "podman-full-linux-amd64.tar.zst")
	writeFile(t, file, "podman bytes")
	signFile := func() {
		t.Helper()
		s := &KeylessSigner{Ctx: context.Background(), FulcioURL: fulcio.URL, IDToken: signingtest.IDToken,
			TransparencyLogs: []sign.Transparency{&signingtest.NoTlog{}}}
		if err := s.Sign(file); err != nil {
			t.Fatal(err)
		}
	}
	cosignVerify := func(issuer string) (string, error) {
		cmd := exec.Command(cosign, "verify-blob", "--bundle", file+BundleSuffix,
			"--certificate-identity-regexp", PublishIdentityRegexp(repo),
			"--certificate-oidc-issuer", issuer,
			"--trusted-root", trustedRoot, "--insecure-ignore-tlog=true", "--insecure-ignore-sct=true", "--offline=true",
			file)
		cmd.Env = append(os.Environ(), "HOME="+dir) // keeps cosign's cache out of the real home
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	signFile()
	if out, err := cosignVerify(GitHubIssuer); err != nil || !strings.Contains(out, "Verified OK") {
		t.Fatalf("cosign verify-blob rejected our keyless bundle: %v\n%s", err, out)
	}
	// Each refusal must be for its reason, not for some other fault.
	refuse := func(what, issuer, reason string) {
		t.Helper()
		if out, err := cosignVerify(issuer); err == nil || !strings.Contains(out, reason) {
			t.Errorf("cosign verify-blob, %s: %v, want it refused with %q:\n%s", what, err, reason, out)
		}
	}
	refuse("another OIDC issuer", "https://accounts.example.com", `expected issuer value "https://accounts.example.com"`)
	writeFile(t, file, "podman bytez")
	refuse("a tampered file", GitHubIssuer, "failed to verify signature")
	writeFile(t, file, "podman bytes")
	for _, ref := range []string{"refs/heads/feature", "refs/tags/podman-v5.8.4", "refs/pull/7/merge"} {
		fulcio.SetIdentity(workflow + ref)
		signFile()
		refuse("signed by publish.yml on "+ref, GitHubIssuer, "expected SAN value to match regex")
	}
}

// testBundle is a keyless signature's bundle whose certificate is "cert-der" and whose
// signature is "raw-signature".
func testBundle() *protobundle.Bundle {
	return &protobundle.Bundle{
		MediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
		VerificationMaterial: &protobundle.VerificationMaterial{
			Content: &protobundle.VerificationMaterial_Certificate{Certificate: &protocommon.X509Certificate{RawBytes: []byte("cert-der")}},
		},
		Content: &protobundle.Bundle_MessageSignature{MessageSignature: &protocommon.MessageSignature{
			MessageDigest: &protocommon.HashOutput{Algorithm: protocommon.HashAlgorithm_SHA2_256, Digest: make([]byte, 32)},
			Signature:     []byte("raw-signature"),
		}},
	}
}
