package emuprobe_test

import (
	"os"
	"testing"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/archtest"
)

// Natively (as root, as the container tests run) every feature works: the probe can tell a
// working feature from a missing one. Under the emulator it answers for every feature; what it
// lacks is logged (the tests that need it skip with the same reason).
func TestProbe(t *testing.T) {
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		// the probe is its own arch_data: Binary.Probe finds it as the other tests do
		got := b.Probe(t)
		for _, f := range []archtest.Feature{archtest.ChildSubreaper, archtest.NamespaceClone, archtest.SeccompFilter} {
			switch why := got[f]; {
			case why == "":
				t.Logf("%s: %s works", b.Arch, f)
			case archtest.Emulated(b.Arch):
				t.Logf("%s (emulated): %s missing: %s", b.Arch, f, why)
			case os.Geteuid() != 0 && f == archtest.NamespaceClone:
				t.Logf("%s: %s missing without root: %s", b.Arch, f, why)
			default:
				t.Errorf("%s (native): %s missing: %s", b.Arch, f, why)
			}
		}
	})
}
