// Command planted is the vulnerability gate's test subject: it calls zstd.NewReader of the
// klauspost/compress version the project pins, which the fixture database (testdata/db) marks
// vulnerable, so the gate must find a reachable finding in it.
package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/klauspost/compress/zstd"
)

func main() {
	r, err := zstd.NewReader(bytes.NewReader(nil))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	r.Close()
	fmt.Println("planted")
}
