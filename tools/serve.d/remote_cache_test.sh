#!/usr/bin/env bash
# Remote cache, proven end to end: tools/serve starts bazel-remote on loopback (its own port and
# data directory); a build from one output base fills it; a second output base in another
# directory, with no disk cache, then gets every action from it — Bazel's process summary counts
# only remote cache hits — and its outputs are byte-identical to the first build's.
# Targets: a C part (catatonit) for both architectures, and a Go program (the cgo proof binary)
# for amd64 alone: its Go standard library is built per architecture (about a minute each), and
# what the cache proves does not depend on the architecture (catatonit crosses to arm64).
# Stops what it starts and removes both output bases. Exit status: 0 pass, 1 fail.
set -euo pipefail
ws=$(cd "$(dirname "$0")/../.." && pwd -P)
. "$ws/tools/setup.d/common.sh"
. "$ws/tools/serve.d/testlib.sh"
targets=(//third_party/catatonit:catatonit_test_bin_amd64 //third_party/catatonit:catatonit_test_bin_arm64
  //third_party/mimalloc/cgo:malloc_is_mimalloc_test_bin_amd64)

work=$(mktemp -d /var/tmp/rst-remote-cache.XXXXXX)
export RST_SERVE_DIR=$work/serve RST_CACHE_PORT=${RST_TEST_CACHE_PORT:-19092} RST_CACHE_MAX_GIB=4
cleanup() {
  "$ws/tools/serve" stop cache >/dev/null 2>&1 || true
  drop_workspace "$work/a"
  drop_workspace "$work/b"
  rm -rf "$work"
}
trap cleanup EXIT

"$ws/tools/serve" start cache
export RST_REMOTE_CACHE=grpc://127.0.0.1:$RST_CACHE_PORT
copy_workspace "$ws" "$work/a"
copy_workspace "$ws" "$work/b"

# build NAME CONFIG: build the targets in $work/NAME (no disk cache), keep Bazel's summary line
# in $work/NAME.summary and the outputs' digests in $work/NAME.sha256
build() {
  local t0=$SECONDS
  echo "[remote-cache] build $1 (--config=$2, fresh output base, no disk cache)"
  (cd "$work/$1" && timeout 1800 tools/bazel build --config="$2" --disk_cache= "${targets[@]}") >"$work/$1.log" 2>&1 || {
    tail -n 30 "$work/$1.log"
    fail "build $1 failed"
  }
  grep -E '^INFO: [0-9]+ processes?: ' "$work/$1.log" | tail -1 >"$work/$1.summary"
  echo "[remote-cache] build $1: $(cat "$work/$1.summary") ($((SECONDS - t0))s)"
  digests "$work/$1" "${targets[@]}" >"$work/$1.sha256"
}

build a cache
processes "$work/a.summary" executed >/dev/null || fail "build a executed no action: it cannot have filled the cache"
# the second reads as a pull request's CI would (--config=cache-ro)
build b cache-ro
hits=$(processes "$work/b.summary" "remote cache hit") || fail "build b had no remote cache hit: $(cat "$work/b.summary")"
if other=$(processes "$work/b.summary" executed); then
  fail "build b executed $other action(s) itself instead of taking them from the cache: $(cat "$work/b.summary")"
fi
diff -u "$work/a.sha256" "$work/b.sha256" || fail "outputs differ between the build that filled the cache and the one that read it"
pass "every one of build b's $hits actions was a remote cache hit; $(wc -l <"$work/a.sha256") outputs byte-identical"
