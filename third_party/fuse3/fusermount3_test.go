package fuse3_test

import (
	"testing"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/archtest"
)

// fusermount3 reports libfuse's version; it mounts and unmounts for real in
// third_party/fuse-overlayfs's test, which unmounts fuse-overlayfs with it.
func TestVersion(t *testing.T) {
	want := "fusermount3 version: " + archtest.PinVersion(t, "fuse3") + "\n"
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		if got := b.Run(t, nil, "--version"); got != want {
			t.Errorf("fusermount3 --version = %q, want %q", got, want)
		}
	})
}

func TestMimalloc(t *testing.T) {
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) { b.CheckMimalloc(t, "--version") })
}
