// Command compress writes its standard input to its standard output as a zstd frame, with fixed
// parameters (level, window, one encoder thread, content checksum), so that the same input gives
// the same bytes on every machine: rules_pkg's pkg_tar runs it as the release bundles' compressor.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/klauspost/compress/zstd"
)

const usage = `Usage: compress [--level N] < IN > OUT

Compresses standard input to standard output with zstd, deterministically: the
encoder runs single-threaded with a fixed level and window, and writes a content
checksum, so the output depends on the input bytes alone. The result unpacks
with the stock zstd tool (zstd -d, tar --zstd -xf).

Exit status: 0 success; 1 reading, compressing or writing failed; 2 bad usage.
`

func main() {
	fs := flag.NewFlagSet("compress", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	fs.Usage = func() { fmt.Fprint(os.Stderr, usage); fs.PrintDefaults() }
	level := fs.Int("level", 19, "zstd level (1-22, mapped to the encoder's speed classes: 1 fastest .. 19+ best)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if err == flag.ErrHelp {
			fmt.Print(usage)
			os.Exit(0)
		}
		os.Exit(2)
	}
	if fs.NArg() != 0 || *level < 1 || *level > 22 {
		fs.Usage()
		os.Exit(2)
	}
	if err := compress(os.Stdout, os.Stdin, *level); err != nil {
		fmt.Fprintf(os.Stderr, "compress: %v\n", err)
		os.Exit(1)
	}
}

func compress(w io.Writer, r io.Reader, level int) error {
	enc, err := zstd.NewWriter(w,
		zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(level)),
		zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(8<<20),
		zstd.WithEncoderCRC(true),
		zstd.WithZeroFrames(true),
	)
	if err != nil {
		return err
	}
	if _, err := io.Copy(enc, r); err != nil {
		enc.Close()
		return err
	}
	return enc.Close()
}
