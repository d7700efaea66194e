"""Written by tools/release bump from the Go module proxy's data of go.podman.io/podman/v6@v6.0.0: do not edit."""

# the tag's commit ("" where the proxy does not record it) and time (Unix seconds), stamped
# into the binary as upstream's Makefile does
COMMIT = "a8ed4b6dd12992decf659cadfdfb3d0cb1937748"
TIME = "1782311289"
