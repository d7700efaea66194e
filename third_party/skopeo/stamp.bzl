"""Written by tools/release bump from the Go module proxy's data of github.com/containers/skopeo@v1.19.0: do not edit."""

# the tag's commit ("" where the proxy does not record it) and time (Unix seconds), stamped
# into the binary as upstream's Makefile does
COMMIT = "7aa78df96b049bc9e36e10283ba08ceb9165041d"
TIME = "1747922150"
