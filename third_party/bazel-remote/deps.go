//go:build tools

// Keeps bazel-remote's command in go.mod/go.sum for `go mod tidy`; Bazel builds it from go_deps.

package deps

import _ "github.com/buchgr/bazel-remote/v2"
