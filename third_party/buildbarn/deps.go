//go:build tools

// Buildbarn's four commands: go.mod/go.sum hold what they import; Bazel builds them from go_deps
// (buildbarn.MODULE.bazel). `go mod tidy` fails here (Buildbarn's tests import mocks its Bazel
// build generates, and -e would raise versions to find them): after editing the requirements,
// fill go.mod/go.sum with `GOFLAGS=-mod=mod go list -e -deps -tags tools .` instead.

package deps

import (
	_ "github.com/buildbarn/bb-remote-execution/cmd/bb_runner"
	_ "github.com/buildbarn/bb-remote-execution/cmd/bb_scheduler"
	_ "github.com/buildbarn/bb-remote-execution/cmd/bb_worker"
	_ "github.com/buildbarn/bb-storage/cmd/bb_storage"
)
