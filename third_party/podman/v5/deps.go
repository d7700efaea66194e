//go:build tools

// Keeps the tool's commands (podman, and the helpers podman-full ships) in go.mod/go.sum for `go mod tidy`; Bazel builds it from go_deps.

package deps

import (
	_ "github.com/containers/podman/v5/cmd/podman"
	_ "github.com/containers/podman/v5/cmd/quadlet"
	_ "github.com/containers/podman/v5/cmd/rootlessport"
)
