package c_test

import (
	"strings"
	"testing"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/archtest"
)

// The C proof program reports whether libc's and threads' allocations live in mimalloc's heap;
// with MIMALLOC_SHOW_STATS mimalloc itself prints its statistics at exit.
func TestMimallocIsTheAllocator(t *testing.T) {
	want := archtest.MimallocCheckOutput(t)
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		stdout, stderr, err := b.Exec([]string{"MIMALLOC_SHOW_STATS=1"})
		if err != nil {
			t.Fatalf("%v\nstdout: %s\nstderr: %s", err, stdout, stderr)
		}
		if stdout != want {
			t.Errorf("stdout = %q, want %q", stdout, want)
		}
		if !strings.Contains(stderr, "heap stats") {
			t.Errorf("mimalloc printed no statistics at exit; stderr:\n%s", stderr)
		}
	})
}

func TestMimallocVerbose(t *testing.T) {
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) { b.CheckMimalloc(t) })
}
