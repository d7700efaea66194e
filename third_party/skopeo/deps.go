//go:build tools

// Keeps the tool's command in go.mod/go.sum for `go mod tidy`; Bazel builds it from go_deps.

package deps

import _ "go.podman.io/skopeo/cmd/skopeo"
