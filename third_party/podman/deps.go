//go:build tools

// Keeps the tool's commands (podman, and the helpers podman-full ships) in go.mod/go.sum for `go mod tidy`; Bazel builds it from go_deps.

package deps

import (
	_ "go.podman.io/podman/v6/cmd/podman"
	_ "go.podman.io/podman/v6/cmd/quadlet"
	_ "go.podman.io/podman/v6/cmd/rootlessport"
)
