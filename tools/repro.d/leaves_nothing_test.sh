#!/usr/bin/env bash
# tools/repro touches only what it started: the machine's shared zig cache survives a run, a
# failing build makes it exit 2 with Bazel's error (not a comparison of nothing), and leaves no
# temporary directory, no zig cache of its own and, with --record, no partial record behind.
# Killed (SIGKILL, no trap runs) at each of --record's steps, it leaves no record or a whole one,
# and the next run removes everything the killed one left (its copy, Bazel server and output base).
# Exit status: 0 pass, 1 fail.
set -uo pipefail
ws=$(cd "$(dirname "$0")/../.." && pwd -P)
. "$ws/tools/setup.d/common.sh"
pkg=//tools/repro.d/firstdiff/testdata
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
"$ws/tools/repro" --record "$rec/ok" "$pkg:stable" >"$log" 2>&1
[ $? = 2 ] && grep -q "a record goes into a new or empty directory" "$log" || fail "--record into an existing record: want exit 2 and why"

# killed at each step of --record: steps 1 (copy made) and 2 (record written beside DIR) leave no
# record, step 3 (record renamed to DIR) a whole one; the next run (a --compare) sweeps the rest
steps=3
for ((step = 1; ; step++)); do
  rm -rf "$rec/k"
  { RST_FAULT_KILL_AT=$step "$ws/tools/repro" --record "$rec/k" "$pkg:stable" >"$log" 2>&1; } 2>/dev/null # no "Killed" notice
  rc=$?
  if [ "$rc" != 137 ]; then
    [ "$rc" = 0 ] && [ $((step - 1)) = "$steps" ] || fail "unkilled --record: exit $rc after $((step - 1)) steps, want 0 after $steps"
    break
  fi
  killed=$(ls -d /var/tmp/rst-repro.* | grep -vxF "$before")
  [ -n "$killed" ] || fail "killed at step $step: no run directory left to sweep"
  if [ "$step" -lt 3 ]; then
    [ ! -e "$rec/k" ] || fail "killed at step $step: $rec/k exists ($(ls -A "$rec/k"))"
  else
    [ -s "$rec/k/digests.sha256" ] && [ -s "$rec/k/exec.json" ] || fail "killed at step $step: the record is not whole ($(ls -A "$rec/k"))"
  fi
  copy=$killed/a
  server=$(pgrep -f "output_base=$RST_CACHE/output-root/$(printf %s "$copy" | md5sum | cut -c1-32)" || true)
  "$ws/tools/repro" --compare "$rec/ok" "$rec/ok" >"$log" 2>&1 || fail "the run after the kill at step $step failed"
  grep -q "removing what a killed run left: $killed" "$log" || fail "the run after the kill at step $step did not say it removed $killed"
  [ "$(leftovers)" = "$before" ] || fail "killed at step $step, then run again: left $(leftovers)"
  [ -z "$server" ] || ! kill -0 $server 2>/dev/null || fail "killed at step $step, then run again: the copy's Bazel server (pid $server) still runs"
  [ ! -e "$RST_CACHE/output-root/$(printf %s "$copy" | md5sum | cut -c1-32)" ] || fail "killed at step $step, then run again: the copy's output base is left"
  [ -z "$(ls -A "$rec" | grep -v '^ok$' | grep -v '^k$')" ] || fail "killed at step $step: $(ls -A "$rec") beside the records"
done
echo "PASS: tools/repro kept the shared zig cache, failed with exit 2 and Bazel's error on a broken build, left no partial record or temporary directory, and killed at each of --record's $steps steps left no record or a whole one and nothing the next run did not remove"
