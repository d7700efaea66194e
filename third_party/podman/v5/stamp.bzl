"""Written by tools/release bump from the Go module proxy's data of github.com/containers/podman/v5@v5.8.6: do not edit."""

# the tag's commit ("" where the proxy does not record it) and time (Unix seconds), stamped
# into the binary as upstream's Makefile does
COMMIT = "a859fc66702c23e869c282c63e92d9b6cd264229"
TIME = "1786640584"
