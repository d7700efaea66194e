package cli

import (
	"flag"
	"time"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/config"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/ghapi"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/signing"
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
	fs.StringVar(&f.apiURL, "api-url", "", "GitHub API base URL (default $GITHUB_API_URL, else https://api.github.com/)")
	fs.DurationVar(&f.timeout, "timeout", 2*time.Minute, "time limit of one HTTP attempt, including its body")
	fs.IntVar(&f.retries, "retries", 5, "retries of a failed request (5xx, rate limits, timeouts), with exponential backoff")
	return f
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
