package signing

import (
	"encoding/base64"
	"encoding/pem"
	"fmt"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/atomicfile"
)

// WriteBundle writes path.sigstore.json and the path.sig and path.pem
// taken from it, all three or none.
func WriteBundle(path string, b *protobundle.Bundle) error {
	files, err := bundleFiles(path, b)
	if err != nil {
		return err
	}
	return atomicfile.WriteAll(files...)
}

// bundleFiles are path.sigstore.json, path.sig and path.pem of a bundle.
func bundleFiles(path string, b *protobundle.Bundle) ([]atomicfile.File, error) {
	bundleJSON, err := protojson.Marshal(b)
	if err != nil {
		return nil, err
	}
	derived, err := derivedFiles(path, b)
	if err != nil {
		return nil, err
	}
	return append([]atomicfile.File{{Path: path + BundleSuffix, Data: bundleJSON, Perm: 0o644}}, derived...), nil
}

// derivedFiles are path.sig and path.pem, taken from a bundle.
func derivedFiles(path string, b *protobundle.Bundle) ([]atomicfile.File, error) {
	sig, certPEM, err := material(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path+BundleSuffix, err)
	}
	return []atomicfile.File{
		{Path: path + SigSuffix, Data: sig, Perm: 0o644},
		{Path: path + CertSuffix, Data: certPEM, Perm: 0o644},
	}, nil
}

// DeriveFromBundle writes path.sig and path.pem from path.sigstore.json,
// so that all three come from one signing; both or neither.
func DeriveFromBundle(path string) error {
	b, err := bundle.LoadJSONFromPath(path + BundleSuffix)
	if err != nil {
		return fmt.Errorf("%s: %w", path+BundleSuffix, err)
	}
	files, err := derivedFiles(path, b.Bundle)
	if err != nil {
		return err
	}
	return atomicfile.WriteAll(files...)
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
