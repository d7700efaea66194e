"""Written by tools/release bump from the Go module proxy's data of go.podman.io/podman/v6@v6.0.2: do not edit."""

# the tag's commit ("" where the proxy does not record it) and time (Unix seconds), stamped
# into the binary as upstream's Makefile does
COMMIT = ""
TIME = "1784689618"
