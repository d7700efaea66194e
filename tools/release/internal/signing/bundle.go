package signing

import (
	"encoding/base64"
	"encoding/pem"
	"fmt"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/atomicfile"
)

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
