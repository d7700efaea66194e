#!/usr/bin/env bash
# Remote execution, proven end to end: tools/serve starts Buildbarn on loopback (its own ports and
# data directory); a build from a fresh output base with --config=remote and no disk cache runs
# its actions on the Buildbarn worker — Bazel's process summary counts remote processes and no
# local (sandboxed) one — and its outputs are byte-identical to those of a purely local build of
# the same target from a second fresh output base.
# Target: a C part (catatonit: the zig toolchain's compiler, archiver and linker run remotely).
# Stops what it starts and removes both output bases. Exit status: 0 pass, 1 fail.
set -euo pipefail
ws=$(cd "$(dirname "$0")/../.." && pwd -P)
. "$ws/tools/setup.d/common.sh"
. "$ws/tools/serve.d/testlib.sh"
targets=(//third_party/catatonit:catatonit_test_bin_amd64)

work=$(mktemp -d /var/tmp/rst-remote-exec.XXXXXX)
export RST_SERVE_DIR=$work/serve RST_EXEC_PORT=${RST_TEST_EXEC_PORT:-19980}
cleanup() {
  "$ws/tools/serve" stop exec >/dev/null 2>&1 || true
  drop_workspace "$work/remote"
  drop_workspace "$work/local"
  rm -rf "$work"
}
trap cleanup EXIT

"$ws/tools/serve" start exec
export RST_REMOTE_EXECUTOR=grpc://127.0.0.1:$RST_EXEC_PORT
copy_workspace "$ws" "$work/remote"
copy_workspace "$ws" "$work/local"

# build NAME FLAGS...: build the targets in $work/NAME (fresh output base, no disk cache), keep
# Bazel's summary line in $work/NAME.summary and the outputs' digests in $work/NAME.sha256
build() {
  local name=$1 t0=$SECONDS
  shift
  echo "[remote-exec] build $name (${*:+$* }--disk_cache=, fresh output base)"
  (cd "$work/$name" && timeout 1800 tools/bazel build "$@" --disk_cache= "${targets[@]}") >"$work/$name.log" 2>&1 || {
    tail -n 40 "$work/$name.log"
    fail "build $name failed"
  }
  grep -E '^INFO: [0-9]+ processes?: ' "$work/$name.log" | tail -1 >"$work/$name.summary"
  echo "[remote-exec] build $name: $(cat "$work/$name.summary") ($((SECONDS - t0))s)"
  digests "$work/$name" "${targets[@]}" >"$work/$name.sha256"
}

build remote --config=remote
remote=$(processes "$work/remote.summary" remote) || fail "build remote ran no action remotely: $(cat "$work/remote.summary")"
if other=$(processes "$work/remote.summary" local); then
  fail "build remote ran $other action(s) locally: $(cat "$work/remote.summary")"
fi
# the local build must not see the executor (tools/bazel adds --remote_executor when it is set)
unset RST_REMOTE_EXECUTOR
build local
processes "$work/local.summary" remote >/dev/null && fail "build local ran actions remotely: $(cat "$work/local.summary")"
[ -s "$work/remote.sha256" ] || fail "build remote has no outputs"
diff -u "$work/remote.sha256" "$work/local.sha256" || fail "outputs differ between the remote build and the local one"
pass "$remote actions ran on the Buildbarn worker, none locally; $(wc -l <"$work/remote.sha256") output(s) byte-identical to a local build"
