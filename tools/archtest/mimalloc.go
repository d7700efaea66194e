package archtest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// MimallocCheckOutput is what //third_party/mimalloc/c:mimalloc_check prints when built with the mimalloc that
// third_party/pins.json pins: mi_version() (MI_MALLOC_VERSION, major*100+minor*10+patch: 2.0.9
// is 209), and that every kind of allocation it makes lives in mimalloc's heap. The test needs
// //third_party:pins.json in its data.
func MimallocCheckOutput(t testing.TB) string {
	t.Helper()
	v := PinVersion(t, "mimalloc")
	var n [3]int
	parts := strings.Split(v, ".")
	for i := range n {
		var err error
		if len(parts) != 3 {
			err = fmt.Errorf("not MAJOR.MINOR.PATCH")
		} else if n[i], err = strconv.Atoi(parts[i]); err == nil && i > 0 && n[i] > 9 {
			err = fmt.Errorf("MI_MALLOC_VERSION has one digit for it")
		}
		if err != nil {
			t.Fatalf("third_party/pins.json: mimalloc version %q: %v", v, err)
		}
	}
	return fmt.Sprintf("mimalloc %d malloc=1 strdup=1 aligned=1 threads=1\n", n[0]*100+n[1]*10+n[2])
}
