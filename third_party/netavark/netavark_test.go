package netavark_test

import (
	"testing"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/archtest"
)

// netavark prints "netavark <version>": the pinned release, for every architecture.
func TestVersion(t *testing.T) {
	want := "netavark " + archtest.PinVersion(t, "netavark") + "\n"
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		if got := b.Run(t, nil, "--version"); got != want {
			t.Errorf("netavark --version = %q, want %q", got, want)
		}
	})
}
