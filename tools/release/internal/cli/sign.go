package cli

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/checksums"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/signing"
)

func runSign(ctx context.Context, args []string, env Env) error {
	fs := newFlags(env, "sign", "(--key cosign.key | --keyless) (FILE... | --tool T [--bundles FILE] DIR)", `
Sign each FILE with cosign and write FILE.sig (base64 signature). Each FILE
must be a regular file, not a symlink or a directory; if one is not, nothing
is signed. Every FILE is signed before any signature is written, and then
all are written or none: when signing or writing any fails, no new signature
file is left and those there before are unchanged. With --tool T, the files
are T's archives in the release directory DIR, as its bundles.json lists
them, and DIR/checksums.txt, which must list exactly those archives with
their digests: what publish needs signed.

--key signs offline with a cosign private key (password in $COSIGN_PASSWORD);
nothing is sent to a transparency log. Verify with 'release verify --key
cosign.pub' or 'cosign verify-blob --key cosign.pub --signature FILE.sig
--insecure-ignore-tlog=true FILE'.

--keyless gets a short-lived certificate from Fulcio for the OIDC identity of
the GitHub Actions workflow (needs 'permissions: id-token: write'; elsewhere
set $SIGSTORE_ID_TOKEN), signs with an ephemeral key, logs the signature in
Rekor, and also writes FILE.pem (certificate) and FILE.sigstore.json (bundle).
Verify with 'release verify --keyless FILE' (signed by our publish.yml on
main) or 'cosign verify-blob --bundle FILE.sigstore.json
--certificate-identity-regexp RE --certificate-oidc-issuer URL FILE', with
RE and URL as tools/release/README.md gives them.`)
	key := fs.String("key", "", "cosign private key file")
	keyless := fs.Bool("keyless", false, "sign keyless through Fulcio and Rekor")
	fulcio := fs.String("fulcio-url", signing.DefaultFulcioURL, "keyless: Fulcio URL")
	rekor := fs.String("rekor-url", signing.DefaultRekorURL, "keyless: Rekor URL")
	tool := fs.String("tool", "", "sign this tool's archives and checksums.txt in the one release directory given")
	manifest := fs.String("bundles", "", "with --tool: "+bundlesHelp)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("no files to sign")
	}
	files, err := releaseFiles(fs.Args(), *tool, *manifest)
	if err != nil {
		return err
	}
	for _, f := range files {
		// A symlink's signature would vouch for whatever it points to later.
		if err := checksums.Regular(f); err != nil {
			return err
		}
	}
	var signer signing.Signer
	switch {
	case *key != "" && *keyless:
		return usagef("give --key or --keyless, not both")
	case *key != "":
		password, err := cosignPassword(env)
		if err != nil {
			return err
		}
		if signer, err = signing.LoadKeySigner(*key, password); err != nil {
			return err
		}
	case *keyless:
		signer = &signing.KeylessSigner{Ctx: ctx, FulcioURL: *fulcio, RekorURL: *rekor, IDToken: env.getenv("SIGSTORE_ID_TOKEN")}
	default:
		return usagef("give --key cosign.key, or --keyless")
	}
	// every file is signed before any signature is written, and then all are written or none:
	// a run that fails half-way leaves no signatures of the first files to be taken for a
	// finished one
	if err := signing.SignAll(signer, files); err != nil {
		return err
	}
	for _, f := range files {
		fmt.Fprintf(env.Stdout, "signed %s\n", filepath.Clean(f))
	}
	return nil
}
