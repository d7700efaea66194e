//go:build tools

// Keeps govulncheck's command in go.mod/go.sum for `go mod tidy`; Bazel builds it from go_deps.

package deps

import _ "golang.org/x/vuln/cmd/govulncheck"
