package signing

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/gotool"
)

func keyPair(t *testing.T, password string) (dir, key, pub string) {
	t.Helper()
	dir = t.TempDir()
	key, pub, err := GenerateKeyPair(filepath.Join(dir, "cosign"), []byte(password))
	if err != nil {
		t.Fatal(err)
	}
	return dir, key, pub
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestKeySignVerifyRoundTrip(t *testing.T) {
	dir, key, pub := keyPair(t, "s3cret")
	file := filepath.Join(dir, "podman-full-linux-amd64.tar.zst")
	writeFile(t, file, "archive bytes")

	signer, err := LoadKeySigner(key, []byte("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	if err := signer.Sign(file); err != nil {
		t.Fatal(err)
	}
	verifier, err := LoadKeyVerifier(pub)
	if err != nil {
		t.Fatal(err)
	}
	if err := verifier.Verify(file); err != nil {
		t.Fatalf("verifying a fresh signature: %v", err)
	}

	writeFile(t, file, "archive bytez")
	if err := verifier.Verify(file); err == nil || !strings.Contains(err.Error(), "signature does not match") {
		t.Errorf("tampered file: err = %v", err)
	}

	_, _, otherPub := keyPair(t, "x")
	other, err := LoadKeyVerifier(otherPub)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, file, "archive bytes")
	if err := other.Verify(file); err == nil {
		t.Error("a signature verified with another key")
	}

	os.Remove(file + SigSuffix)
	if err := verifier.Verify(file); err == nil || !strings.Contains(err.Error(), "no signature") {
		t.Errorf("missing .sig: err = %v", err)
	}
}

func TestKeyErrors(t *testing.T) {
	_, key, pub := keyPair(t, "right")
	if _, err := LoadKeySigner(key, []byte("wrong")); err == nil || !strings.Contains(err.Error(), "COSIGN_PASSWORD") {
		t.Errorf("wrong password: err = %v", err)
	}
	if _, _, err := GenerateKeyPair(strings.TrimSuffix(key, ".key"), []byte("x")); err == nil || !strings.Contains(err.Error(), "not overwriting") {
		t.Errorf("overwriting a key: err = %v", err)
	}
	if _, err := LoadKeyVerifier(key); err == nil {
		t.Error("a private key loaded as a public key")
	}
	if _, err := LoadKeyVerifier(pub + ".missing"); err == nil {
		t.Error("a missing public key loaded")
	}
}

// cosignCLI is the stock cosign CLI at the version our go.mod pins.
func cosignCLI(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the cosign CLI; skipped with -short")
	}
	const module = "github.com/sigstore/cosign/v2"
	return gotool.Build(t, module, gotool.ModuleVersion(t, module), module+"/cmd/cosign")
}

// The stock cosign CLI, at the version our go.mod pins, must accept our
// signatures and reject a tampered file.
func TestCosignCLIVerifiesOurSignatures(t *testing.T) {
	cosign := cosignCLI(t)

	dir, key, pub := keyPair(t, "pw")
	file := filepath.Join(dir, "skopeo-linux-arm64.tar.zst")
	writeFile(t, file, "skopeo bytes")
	signer, err := LoadKeySigner(key, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	if err := signer.Sign(file); err != nil {
		t.Fatal(err)
	}
	verify := func() ([]byte, error) {
		cmd := exec.Command(cosign, "verify-blob", "--key", pub, "--signature", file+SigSuffix,
			"--insecure-ignore-tlog=true", file)
		cmd.Env = append(os.Environ(), "HOME="+dir) // keeps cosign's cache out of the real home
		return cmd.CombinedOutput()
	}
	if out, err := verify(); err != nil {
		t.Fatalf("cosign verify-blob rejected our signature: %v\n%s", err, out)
	}
	writeFile(t, file, "skopeo bytez")
	if out, err := verify(); err == nil {
		t.Fatalf("cosign verify-blob accepted a tampered file:\n%s", out)
	}

	// And we accept what cosign signs with our key.
	writeFile(t, file, "skopeo bytes")
	cmd := exec.Command(cosign, "sign-blob", "--yes", "--key", key, "--tlog-upload=false",
		"--output-signature", file+SigSuffix, file)
	cmd.Env = append(os.Environ(), "COSIGN_PASSWORD=pw", "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cosign sign-blob: %v\n%s", err, out)
	}
	v, err := LoadKeyVerifier(pub)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(file); err != nil {
		t.Errorf("our verifier rejects cosign's signature: %v", err)
	}
}

// SignAll signs every file before it writes any signature: when signing file N+1 fails, the
// first N get none, and a signature there before is left as it was.
func TestSignAllWritesNothingWhenOneFails(t *testing.T) {
	dir, key, _ := keyPair(t, "pw")
	signer, err := LoadKeySigner(key, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, n := range []string{"a.tar.zst", "b.tar.zst", "c.tar.zst"} {
		files = append(files, filepath.Join(dir, n))
		writeFile(t, filepath.Join(dir, n), n)
	}
	writeFile(t, files[0]+SigSuffix, "an older signature")
	os.Remove(files[2]) // signing c fails: it is gone
	if err := SignAll(signer, files); err == nil || !strings.Contains(err.Error(), "c.tar.zst") || !strings.Contains(err.Error(), "no signature written") {
		t.Errorf("SignAll with c.tar.zst missing: %v", err)
	}
	if data, _ := os.ReadFile(files[0] + SigSuffix); string(data) != "an older signature" {
		t.Errorf("a.tar.zst.sig changed to %q", data)
	}
	if _, err := os.Lstat(files[1] + SigSuffix); !os.IsNotExist(err) {
		t.Errorf("b.tar.zst.sig exists (%v) though signing c.tar.zst failed", err)
	}
}
