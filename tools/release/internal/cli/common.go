package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/atomicfile"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/bundles"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/checksums"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/config"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/ghapi"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/signing"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/version"
)

// apiFlags are the flags of commands that talk to GitHub.
type apiFlags struct {
	config  string
	apiURL  string
	timeout time.Duration
	retries int
}

func addAPIFlags(fs *flag.FlagSet) *apiFlags {
	f := &apiFlags{}
	fs.StringVar(&f.config, "config", "", "config file (default: the built-in tools/release/config.json)")
	addClientFlags(fs, f)
	return f
}

// addClientFlags adds the flags of the GitHub client alone (commands that read no config).
func addClientFlags(fs *flag.FlagSet, f *apiFlags) {
	fs.StringVar(&f.apiURL, "api-url", "", "GitHub API base URL (default $GITHUB_API_URL, else https://api.github.com/)")
	fs.DurationVar(&f.timeout, "timeout", 2*time.Minute, "time limit of one HTTP attempt, including its body")
	fs.IntVar(&f.retries, "retries", 5, "retries of a failed request (5xx, rate limits, timeouts), with exponential backoff")
}

func (f *apiFlags) loadConfig(env Env) (*config.Config, error) {
	if f.config != "" {
		c, err := config.Load(f.config)
		if err != nil {
			return nil, usageError{err}
		}
		return c, nil
	}
	c, err := config.Parse(env.Config)
	if err != nil {
		return nil, usageError{err}
	}
	return c, nil
}

func (f *apiFlags) client(env Env, token string) (*ghapi.Client, error) {
	url := f.apiURL
	if url == "" {
		url = env.getenv("GITHUB_API_URL")
	}
	if f.retries < 0 {
		return nil, usagef("--retries must not be negative")
	}
	if f.timeout <= 0 {
		return nil, usagef("--timeout must be positive")
	}
	retries := f.retries
	if retries == 0 {
		retries = -1 // ghapi's zero means its default
	}
	c, err := ghapi.New(ghapi.Options{
		APIURL: url, Token: token, AttemptTimeout: f.timeout, Retries: retries,
		Sleep: env.Sleep, Log: env.logf,
	})
	if err != nil {
		return nil, usageError{err}
	}
	return c, nil
}

// verifyFlags choose how signatures are checked: by public key, or by the
// keyless certificate identity (--keyless: ours).
type verifyFlags struct {
	key, identity, issuer, trustedRoot string
	keyless                            bool
}

func addVerifyFlags(fs *flag.FlagSet) *verifyFlags {
	f := &verifyFlags{}
	fs.StringVar(&f.key, "key", "", "cosign public key (PEM) that made the signatures")
	fs.BoolVar(&f.keyless, "keyless", false, "keyless, as our releases are signed: the certificate must name .github/workflows/publish.yml of the config's repository run on "+signing.ReleaseRef+", and issuer "+signing.GitHubIssuer)
	fs.StringVar(&f.identity, "certificate-identity-regexp", "", "keyless: regular expression the certificate's identity (the workflow URL) must match")
	fs.StringVar(&f.issuer, "certificate-oidc-issuer", "", "keyless: the OIDC issuer, e.g. "+signing.GitHubIssuer)
	fs.StringVar(&f.trustedRoot, "trusted-root", "", "keyless: Sigstore trusted_root.json (default: fetched through Sigstore's TUF repository)")
	return f
}

// verifier makes the Verifier; repo (owner/name) is whose publish workflow
// --keyless accepts.
func (f *verifyFlags) verifier(repo string) (signing.Verifier, error) {
	keyless := f.identity != "" || f.issuer != ""
	switch {
	case f.keyless && (f.key != "" || keyless):
		return nil, usagef("--keyless stands for --certificate-identity-regexp and --certificate-oidc-issuer; give it without them and without --key")
	case f.keyless:
		return signing.NewKeylessVerifier(f.trustedRoot, signing.PublishIdentityRegexp(repo), signing.GitHubIssuer)
	case f.key != "" && keyless:
		return nil, usagef("give --key or the keyless flags, not both")
	case f.key != "":
		return signing.LoadKeyVerifier(f.key)
	case f.identity != "" && f.issuer != "":
		return signing.NewKeylessVerifier(f.trustedRoot, f.identity, f.issuer)
	case keyless:
		return nil, usagef("keyless verification needs both --certificate-identity-regexp and --certificate-oidc-issuer")
	}
	return nil, usagef("give --key, --keyless, or --certificate-identity-regexp and --certificate-oidc-issuer, to check signatures")
}

const bundlesHelp = "the list of each tool's archives (default DIR/" + bundles.FileName + ", which `bazel build //release:all` writes beside the archives)"

// releaseArchives reads which archives tool's release carries from
// bundles.json (manifest, or dir/bundles.json) and checks that each is in dir.
func releaseArchives(dir, manifest, tool string) ([]string, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("release directory %s does not exist", dir)
	}
	m, err := bundles.Load(bundles.PathIn(dir, manifest))
	if err != nil {
		return nil, err
	}
	return m.InDir(dir, tool)
}

// parseVersion parses a release's --version: MAJOR.MINOR.PATCH, no pre-release.
func parseVersion(s string) (version.Version, error) {
	v, err := version.Parse(s)
	if err != nil || !v.Stable() {
		return version.Version{}, usagef("malformed --version %q: want MAJOR.MINOR.PATCH, e.g. 5.8.4", s)
	}
	return v, nil
}

// releaseFiles are the files sign and verify work on: the arguments as
// given, or with tool, the tool's archives in the one release directory
// given (as its bundles.json, or manifest, lists them) and its checksums.txt,
// which must list exactly those archives with their digests.
func releaseFiles(args []string, tool, manifest string) ([]string, error) {
	// a sign killed while it wrote its signatures is finished first: never read half of one
	for _, a := range args {
		dir := a
		if tool == "" {
			dir = filepath.Dir(a)
		}
		if err := atomicfile.Recover(dir); err != nil {
			return nil, err
		}
	}
	if tool == "" {
		if manifest != "" {
			return nil, usagef("--bundles goes with --tool")
		}
		return args, nil
	}
	if len(args) != 1 {
		return nil, usagef("with --tool, give exactly one release directory, got %d arguments", len(args))
	}
	dir := args[0]
	archives, err := releaseArchives(dir, manifest, tool)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, a := range archives {
		files = append(files, filepath.Join(dir, a))
	}
	sums := filepath.Join(dir, checksums.FileName)
	if _, err := os.Lstat(sums); os.IsNotExist(err) {
		return nil, fmt.Errorf("%s has no %s (run `release checksums --tool %s %s` first)", dir, checksums.FileName, tool, dir)
	}
	// checksums.txt is signed as vouching for exactly these archives.
	if _, err := checksums.Verify(dir, archives); err != nil {
		return nil, err
	}
	return append(files, sums), nil
}

// selectTools returns the config's tools, or only the one named (a usage error if unknown).
func selectTools(cfg *config.Config, name string) ([]*config.Tool, error) {
	if name == "" {
		return cfg.Tools, nil
	}
	t, err := cfg.Tool(name)
	if err != nil {
		return nil, usageError{err}
	}
	return []*config.Tool{t}, nil
}

// repoRoot is dir, or else the top of the git work tree containing the current directory.
func repoRoot(ctx context.Context, dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	out, err := exec.CommandContext(ctx, "git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return "", usagef("not inside a git work tree: give --repo")
	}
	return strings.TrimSpace(string(out)), nil
}
