// Command release checks upstream versions, writes checksums, signs and
// verifies with cosign, and publishes GitHub releases. See `release help`.
package main

import (
	"context"
	_ "embed"
	"os"
	"os/signal"
	"syscall"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/cli"
)

//go:embed config.json
var configJSON []byte

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.Env{
		Stdout: os.Stdout, Stderr: os.Stderr, LookupEnv: os.LookupEnv, Config: configJSON,
	})
	stop()
	os.Exit(code)
}
