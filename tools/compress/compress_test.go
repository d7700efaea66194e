package main

import (
	"bytes"
	"crypto/rand"
	"os/exec"
	"testing"
)

// The same input gives the same bytes, and the stock zstd tool decodes them.
func TestDeterministicAndStockZstdReadsIt(t *testing.T) {
	in := make([]byte, 3<<20)
	if _, err := rand.Read(in[:1<<20]); err != nil { // half random, half zeros: both paths of the encoder
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if err := compress(&a, bytes.NewReader(in), 19); err != nil {
		t.Fatal(err)
	}
	if err := compress(&b, bytes.NewReader(in), 19); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two compressions of the same input differ")
	}
	if a.Len() >= len(in) {
		t.Errorf("compressed %d bytes to %d", len(in), a.Len())
	}
	zstdBin, err := exec.LookPath("zstd")
	if err != nil {
		t.Skip("the stock zstd tool is not installed (tools/setup installs it): cannot check interoperability")
	}
	cmd := exec.Command(zstdBin, "-d", "-c")
	cmd.Stdin = bytes.NewReader(a.Bytes())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("zstd -d: %v", err)
	}
	if !bytes.Equal(out, in) {
		t.Fatal("zstd -d gave other bytes than the input")
	}
}
