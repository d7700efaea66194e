package main_test

import (
	"testing"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/archtest"
)

func TestCgoRuns(t *testing.T) {
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		got := b.Run(t, nil)
		if want := "cgo linux/" + b.Arch + " mimalloc=true\n"; got != want {
			t.Errorf("output = %q, want %q", got, want)
		}
	})
}
