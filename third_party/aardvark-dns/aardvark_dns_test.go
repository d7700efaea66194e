package aardvarkdns_test

import (
	"testing"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/archtest"
)

// aardvark-dns prints "aardvark-dns <version>": the pinned release, for every architecture.
func TestVersion(t *testing.T) {
	want := "aardvark-dns " + archtest.PinVersion(t, "aardvark_dns") + "\n"
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		if got := b.Run(t, nil, "--version"); got != want {
			t.Errorf("aardvark-dns --version = %q, want %q", got, want)
		}
	})
}
