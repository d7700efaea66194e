#!/usr/bin/env bash
# tools/repro touches only what it started: the machine's shared zig cache survives a run, a
# failing build makes it exit 2 with Bazel's error (not a comparison of nothing), and leaves no
# temporary directory, no zig cache of its own and, with --record, no partial record behind.
# Exit status: 0 pass, 1 fail.
set -uo pipefail
ws=$(cd "$(dirname "$0")/../.." && pwd -P)
. "$ws/tools/setup.d/common.sh"
pkg=//tools/explain/testdata
log=$(mktemp) rec=$(mktemp -d)
marker=$SID_ROOT/tmp/rst-zig-cache/.rst-repro-test-marker
had_marker=$([ -e "$marker" ] && echo 1)
trap 'rm -rf "$log" "$rec"; [ -n "$had_marker" ] || rm -f "$marker"' EXIT
fail() {
  echo "FAIL: $*" >&2
  sed 's/^/  | /' "$log" >&2
  exit 1
}
leftovers() { ls -d /var/tmp/rst-repro.* /tmp/rst-repro-zig-cache.* "$SID_ROOT"/tmp/rst-repro-zig-cache.* 2>/dev/null; }
before=$(leftovers)
mkdir -p "$(dirname "$marker")" && touch "$marker"

"$ws/tools/repro" --record "$rec/ok" "$pkg:stable" >"$log" 2>&1 || fail "tools/repro --record of $pkg:stable failed"
[ -s "$rec/ok/digests.sha256" ] && [ -s "$rec/ok/exec.json" ] || fail "--record wrote $(ls -A "$rec/ok" 2>&1)"
[ -e "$marker" ] || fail "tools/repro emptied the machine's shared zig cache ($(dirname "$marker"))"

"$ws/tools/repro" --record "$rec/bad" "$pkg:no_such_target" >"$log" 2>&1
rc=$?
[ "$rc" = 2 ] || fail "a failing build: tools/repro exited $rc, want 2"
grep -q "no_such_target" "$log" || fail "a failing build: Bazel's error is not shown"
[ ! -e "$rec/bad" ] || [ -z "$(ls -A "$rec/bad")" ] || fail "a failing --record left $(ls -A "$rec/bad")"
[ "$(leftovers)" = "$before" ] || fail "tools/repro left $(leftovers)"
echo "PASS: tools/repro kept the shared zig cache, failed with exit 2 and Bazel's error on a broken build, and left no partial record or temporary directory"
