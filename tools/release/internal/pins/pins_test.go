package pins

import (
	"os"
	"testing"
)

// The project's pins.json survives a read and a write byte for byte, and every part is valid.
func TestRoundTripOfTheProjectsPins(t *testing.T) {
	data, err := os.ReadFile("../../../../" + Path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(f.Bytes()); got != string(data) {
		t.Errorf("rewritten pins.json differs from the original")
		os.WriteFile(t.TempDir()+"/x", []byte(got), 0o644)
	}
	if _, err := f.Parts(); err != nil {
		t.Fatal(err)
	}
}
