#!/usr/bin/env bash
# The reproducibility audit finds the first differing action in one run: tools/repro builds
# tools/repro.d/firstdiff/testdata (one action not deterministic on purpose, one that inherits its output,
# one stable) twice, cold, and must fail naming the non-deterministic action as the first
# difference, the inheriting one as a consequence, and the stable output as identical.
# Exit status: 0 pass, 1 fail.
set -uo pipefail
ws=$(cd "$(dirname "$0")/../.." && pwd -P)
pkg=//tools/repro.d/firstdiff/testdata
log=$(mktemp)
trap 'rm -f "$log"' EXIT
fail() {
  echo "FAIL: $*" >&2
  sed 's/^/  | /' "$log" >&2
  exit 1
}
"$ws/tools/repro" "$pkg:down" "$pkg:stable" >"$log" 2>&1
rc=$?
[ $rc = 1 ] || fail "tools/repro exited $rc, want 1 (outputs differ)"
for want in \
  "FIRST DIFFERING ACTION: Genrule $pkg:random" \
  "the action itself is not deterministic" \
  "e.g. Genrule $pkg:down" \
  "2 of 3 actions have outputs that differ: 1 where the difference starts, 1 that only inherit it"; do
  grep -qF "$want" "$log" || fail "the audit's report lacks: $want"
done
grep -qE '^  [0-9a-f]{64}  .*/stable\.txt$' "$log" || fail "stable.txt's digest is not listed"
! grep -qE '^[-+][0-9a-f]{64}  .*/stable\.txt$' "$log" || fail "stable.txt is reported as differing"
echo "PASS: tools/repro named $pkg:random as the first differing action and $pkg:down as inheriting it"
