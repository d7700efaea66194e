// Package cli is the command line of the release tool: one file per command.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// Exit codes.
const (
	ExitOK      = 0 // success
	ExitFailure = 1 // the operation failed: network, API, verification, conflicting assets
	ExitUsage   = 2 // bad flags or arguments, unknown tool, malformed version, missing environment
)

// Env is everything a command may touch besides files and the network.
type Env struct {
	Stdout, Stderr io.Writer
	LookupEnv      func(string) (string, bool)
	Config         []byte // the built-in config.json
	// Sleep replaces waiting between retries (tests); nil waits for real.
	Sleep func(context.Context, time.Duration) error
}

func (e Env) getenv(key string) string {
	v, _ := e.LookupEnv(key)
	return v
}

func (e Env) logf(format string, args ...any) {
	fmt.Fprintf(e.Stderr, format+"\n", args...)
}

// usageError marks errors that exit with ExitUsage.
type usageError struct{ error }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, env Env) error
}

var commands = []command{
	{"check", "compare upstream releases with ours and print what needs building", runCheck},
	{"pins", "print the pinned version of each tool, or of those a commit changed", runPins},
	{"bump", "move a tool's pin (go.mod, go.sum, version stamps) to an upstream version", runBump},
	{"bump-pin", "move a part's pins in third_party/pins.json to an upstream release", runBumpPin},
	{"check-advisories", "record new advisories against what we ship; move the vulnerability database's pin", runCheckAdvisories},
	{"checksums", "write checksums.txt (sha256sum format) for a release directory", runChecksums},
	{"keygen", "write a cosign key pair for offline signing", runKeygen},
	{"sign", "sign files with cosign, by key pair or keyless", runSign},
	{"verify", "verify the cosign signatures of files", runVerify},
	{"publish", "create a tool's GitHub release and upload its files", runPublish},
}

const environmentHelp = `Environment:
  GITHUB_TOKEN        GitHub API token; publish needs it (contents: write), check uses it if set
  GITHUB_API_URL      GitHub API base URL (default https://api.github.com/); --api-url wins
  COSIGN_PASSWORD     password of the cosign private key (keygen, sign --key)
  SIGSTORE_ID_TOKEN   OIDC token for keyless signing outside GitHub Actions
`

const exitHelp = `Exit status: 0 success; 1 the operation failed (network, API, verification,
conflicting assets); 2 bad usage (flags, arguments, unknown tool, malformed
version, missing environment variable).
`

func usage(w io.Writer) {
	fmt.Fprintf(w, "release automates the releases of rootless-static-toolkits.\n\nUsage: release <command> [flags] [arguments]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-16s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'release <command> --help' for the flags of a command.\n\n%s\n%s", exitHelp, environmentHelp)
}

// Run runs the command line args (without the program name) and returns
// the exit status.
func Run(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 {
		usage(env.Stderr)
		return ExitUsage
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		usage(env.Stdout)
		return ExitOK
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], env)
		switch {
		case err == nil:
			return ExitOK
		case errors.Is(err, flag.ErrHelp):
			return ExitOK
		case errors.As(err, new(usageError)):
			fmt.Fprintf(env.Stderr, "release %s: %v\n", c.name, err)
			return ExitUsage
		default:
			fmt.Fprintf(env.Stderr, "release %s: %v\n", c.name, err)
			return ExitFailure
		}
	}
	fmt.Fprintf(env.Stderr, "release: unknown command %q\n\n", args[0])
	usage(env.Stderr)
	return ExitUsage
}

// newFlags makes a command's flag set; its --help prints synopsis, the
// description, the flags and the exit status.
func newFlags(env Env, name, synopsis, description string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		w := env.Stderr
		fmt.Fprintf(w, "Usage: release %s %s\n\n%s\n\nFlags:\n", name, synopsis, strings.TrimSpace(description))
		fs.PrintDefaults()
		fmt.Fprintf(w, "\n%s", exitHelp)
	}
	return fs
}

// parse parses flags; errors other than --help are usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	return nil
}
