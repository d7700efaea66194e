"""Written by tools/release bump from the Go module proxy's data of go.podman.io/buildah@v1.45.0: do not edit."""

# the tag's commit ("" where the proxy does not record it) and time (Unix seconds), stamped
# into the binary as upstream's Makefile does
COMMIT = ""
TIME = "1785433866"
