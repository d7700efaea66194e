// Package signingtest has stand-ins for Sigstore's services, for tests of
// keyless signing, which cannot reach the real ones here.
package signingtest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	prototrustroot "github.com/sigstore/protobuf-specs/gen/pb-go/trustroot/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// IDToken is an unsigned JWT shaped like a GitHub Actions OIDC token;
// only Fulcio checks its signature.
var IDToken = "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString([]byte(
	`{"iss":"https://token.actions.githubusercontent.com","sub":"repo:rootless-static-toolkits/rootless-static-toolkits:ref:refs/heads/main"}`)) + ".c2ln"

// Issuer is the OIDC issuer of IDToken, which Fulcio writes into certificates.
const Issuer = "https://token.actions.githubusercontent.com"

// oidIssuerV2 is Fulcio's certificate extension naming the OIDC issuer.
var oidIssuerV2 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8}

// FulcioServer is a stand-in Fulcio and its CA.
type FulcioServer struct {
	*httptest.Server
	CA *x509.Certificate

	mu       sync.Mutex
	identity string
}

// SetIdentity changes the identity (the workflow URI) of later certificates.
func (f *FulcioServer) SetIdentity(identity string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.identity = identity
}

// WriteTrustedRoot writes a Sigstore trusted_root.json that trusts only this
// Fulcio's CA: no transparency log, no CT log, no timestamp authority.
func (f *FulcioServer) WriteTrustedRoot(t *testing.T, path string) {
	t.Helper()
	tr := &prototrustroot.TrustedRoot{
		MediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
		CertificateAuthorities: []*prototrustroot.CertificateAuthority{{
			Subject:   &protocommon.DistinguishedName{Organization: "test", CommonName: f.CA.Subject.CommonName},
			Uri:       f.URL,
			CertChain: &protocommon.X509CertificateChain{Certificates: []*protocommon.X509Certificate{{RawBytes: f.CA.Raw}}},
			ValidFor:  &protocommon.TimeRange{Start: timestamppb.New(f.CA.NotBefore)},
		}},
	}
	data, err := protojson.Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Fulcio issues a certificate for the requested key from a throwaway CA,
// naming identity and Issuer as the real one does.
func Fulcio(t *testing.T, identity string) *FulcioServer {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fake fulcio"},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	issuerExt, err := asn1.MarshalWithParams(Issuer, "utf8")
	if err != nil {
		t.Fatal(err)
	}
	f := &FulcioServer{CA: ca, identity: identity}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			PublicKeyRequest struct {
				PublicKey struct {
					Content string `json:"content"`
				} `json:"publicKey"`
			} `json:"publicKeyRequest"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		block, _ := pem.Decode([]byte(req.PublicKeyRequest.PublicKey.Content))
		if block == nil {
			http.Error(w, "no public key", http.StatusBadRequest)
			return
		}
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		u, _ := url.Parse(f.identity)
		f.mu.Unlock()
		leaf := &x509.Certificate{SerialNumber: big.NewInt(2), NotBefore: time.Now().Add(-time.Minute),
			NotAfter: time.Now().Add(10 * time.Minute), URIs: []*url.URL{u},
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
			ExtraExtensions: []pkix.Extension{{Id: oidIssuerV2, Value: issuerExt}}}
		der, err := x509.CreateCertificate(rand.Reader, leaf, ca, pub, caKey)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		chain := []string{
			string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
			string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})),
		}
		json.NewEncoder(w).Encode(map[string]any{"signedCertificateEmbeddedSct": map[string]any{"chain": map[string]any{"certificates": chain}}})
	}))
	t.Cleanup(f.Close)
	return f
}

// NoTlog stands in for Rekor, which is unreachable here.
type NoTlog struct{ Calls int }

func (n *NoTlog) GetTransparencyLogEntry(context.Context, []byte, *protobundle.Bundle) error {
	n.Calls++
	return nil
}
