package signing

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"

	"github.com/sigstore/cosign/v2/pkg/cosign"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/atomicfile"
)

// GenerateKeyPair writes a cosign key pair, prefix.key (encrypted with
// password) and prefix.pub, refusing to overwrite either.
func GenerateKeyPair(prefix string, password []byte) (keyPath, pubPath string, err error) {
	keyPath, pubPath = prefix+".key", prefix+".pub"
	for _, p := range []string{keyPath, pubPath} {
		if _, err := os.Stat(p); err == nil {
			return "", "", fmt.Errorf("%s exists; not overwriting a key", p)
		}
	}
	kb, err := cosign.GenerateKeyPair(func(bool) ([]byte, error) { return password, nil })
	if err != nil {
		return "", "", fmt.Errorf("generating key pair: %w", err)
	}
	// both or neither: a lone private key would make the next keygen refuse to run
	if err := atomicfile.WriteAll(
		atomicfile.File{Path: keyPath, Data: kb.PrivateBytes, Perm: 0o600},
		atomicfile.File{Path: pubPath, Data: kb.PublicBytes, Perm: 0o644},
	); err != nil {
		return "", "", err
	}
	return keyPath, pubPath, nil
}

// KeySigner signs offline with a cosign private key; nothing is uploaded
// to a transparency log.
type KeySigner struct {
	sv signature.SignerVerifier
}

// LoadKeySigner decrypts a cosign private key file.
func LoadKeySigner(path string, password []byte) (*KeySigner, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading private key: %w", err)
	}
	sv, err := cosign.LoadPrivateKey(data, password, nil)
	if err != nil {
		return nil, fmt.Errorf("loading private key %s (is COSIGN_PASSWORD right?): %w", path, err)
	}
	return &KeySigner{sv: sv}, nil
}

// Sign writes path.sig.
func (s *KeySigner) Sign(path string) error {
	files, err := s.Material(path)
	if err != nil {
		return err
	}
	return atomicfile.WriteAll(files...)
}

// Material implements Signer: path.sig.
func (s *KeySigner) Material(path string) ([]atomicfile.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sig, err := s.sv.SignMessage(f)
	if err != nil {
		return nil, fmt.Errorf("signing %s: %w", path, err)
	}
	return []atomicfile.File{{Path: path + SigSuffix, Data: []byte(base64.StdEncoding.EncodeToString(sig)), Perm: 0o644}}, nil
}

// KeyVerifier checks path.sig against a cosign public key.
type KeyVerifier struct {
	v signature.Verifier
}

// LoadKeyVerifier reads a PEM public key, as written by cosign.
func LoadKeyVerifier(path string) (*KeyVerifier, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading public key: %w", err)
	}
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s is not a PEM public key: %w", path, err)
	}
	v, err := signature.LoadDefaultVerifier(pub, *cosign.GetDefaultLoadOptions(nil)...)
	if err != nil {
		return nil, fmt.Errorf("loading public key %s: %w", path, err)
	}
	return &KeyVerifier{v: v}, nil
}

// Verify implements Verifier.
func (k *KeyVerifier) Verify(path string) error {
	raw, err := os.ReadFile(path + SigSuffix)
	if err != nil {
		return fmt.Errorf("%s: no signature: %w", path, err)
	}
	sig, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(raw)))
	if err != nil {
		return fmt.Errorf("%s: is not base64: %w", path+SigSuffix, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := k.v.VerifySignature(bytes.NewReader(sig), f); err != nil {
		return fmt.Errorf("%s: signature does not match: %w", path, err)
	}
	return nil
}
