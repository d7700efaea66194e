"""Written by tools/release bump from the Go module proxy's data of github.com/containers/skopeo@v1.23.0: do not edit."""

# the tag's commit ("" where the proxy does not record it) and time (Unix seconds), stamped
# into the binary as upstream's Makefile does
COMMIT = "9645b282ca2d8792235db5a3e142ea9ae2f0c63b"
TIME = "1779807790"
