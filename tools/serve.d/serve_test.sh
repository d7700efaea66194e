#!/usr/bin/env bash
# tools/serve starts all or nothing and only calls ready what answers: a port past 65535 is refused
# before anything starts; when a later Buildbarn program cannot start (its port taken), the ones
# this command started are stopped again; after `start exec` the scheduler already counts the
# worker; killed at any step of a start, the next command stops what it had started. Uses its own
# directory and ports. Exit status: 0 pass, 1 fail.
set -uo pipefail
ws=$(cd "$(dirname "$0")/../.." && pwd -P)
. "$ws/tools/setup.d/common.sh"
. "$ws/tools/serve.d/testlib.sh"
work=$(mktemp -d /var/tmp/rst-serve-test.XXXXXX)
export RST_SERVE_DIR=$work/serve RST_EXEC_PORT=${RST_TEST_EXEC_PORT:-19180} RST_CACHE_PORT=${RST_TEST_CACHE_PORT:-19190}
holder=
cleanup() {
  [ -z "$holder" ] || kill "$holder" 2>/dev/null
  "$ws/tools/serve" stop all >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

out=$(RST_CACHE_PORT=65535 "$ws/tools/serve" start cache 2>&1)
rc=$?
[ "$rc" = 2 ] && [[ $out == *"up to 65535"* ]] || fail "RST_CACHE_PORT=65535: want exit 2 naming the limit, got exit $rc: $out"
[ ! -e "$RST_SERVE_DIR/run/bazel-remote.pid" ] || fail "a refused start left a pid file"
pass "a port past 65535 is refused before anything starts"

# bb_scheduler's port taken by another program: bb_storage (started first) must stop again
python3 -c 'import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(600)' "$((RST_EXEC_PORT + 1))" &
holder=$!
sleep 1
out=$("$ws/tools/serve" start exec 2>&1)
rc=$?
[ "$rc" = 1 ] && [[ $out == *"taken by another program"* ]] || fail "start exec with the scheduler's port taken: want exit 1, got $rc: $out"
status=$("$ws/tools/serve" status)
grep -q '^bb_storage: stopped$' <<<"$status" || fail "bb_storage still runs after the failed start: $status"
pgrep -f "$RST_SERVE_DIR/bin/bb_storage" >/dev/null && fail "a bb_storage process is left: $(pgrep -af "$RST_SERVE_DIR/bin/")"
kill "$holder"
wait "$holder" 2>/dev/null
holder=
pass "a failed start stops what it started (bb_storage)"

# killed (SIGKILL: no trap runs) at each step of `start exec`, then any command: nothing is left
steps=5 # built, then each of the four programs started
for ((step = 1; ; step++)); do
  { RST_FAULT_KILL_AT=$step "$ws/tools/serve" start exec >"$work/start.log" 2>&1; } 2>/dev/null # no "Killed" notice
  rc=$?
  if [ "$rc" != 137 ]; then
    [ "$rc" = 0 ] && [ $((step - 1)) = "$steps" ] || { cat "$work/start.log"; fail "unkilled start exec: exit $rc after $((step - 1)) steps, want 0 after $steps"; }
    "$ws/tools/serve" stop all >/dev/null
    break
  fi
  status=$("$ws/tools/serve" status)
  [ "$step" = 1 ] || grep -q '^\[serve\] a start was killed: stopping what it started$' <<<"$status" || fail "killed at step $step, then status: it did not say it stopped what the killed start started: $status"
  [ "$(grep -c ': stopped$' <<<"$status")" = 5 ] || fail "killed at step $step, then status: $status"
  ! pgrep -f "$RST_SERVE_DIR/bin/" >/dev/null || fail "killed at step $step, then status: left $(pgrep -af "$RST_SERVE_DIR/bin/")"
  [ ! -e "$RST_SERVE_DIR/run/starting" ] || fail "killed at step $step, then status: the start's journal is left"
done
pass "start exec killed at each of its $steps steps: the next command stopped what it had started"

"$ws/tools/serve" start exec >"$work/start.log" 2>&1 || { cat "$work/start.log"; fail "start exec failed"; }
status=$("$ws/tools/serve" status)
n=$(sed -n 's/^bb_worker: runs (pid [0-9]*), the scheduler counts \([0-9]*\) worker(s)$/\1/p' <<<"$status")
[ "${n:-0}" -gt 0 ] || fail "start exec returned before the scheduler counted a worker: $status"
pass "start exec returns once the scheduler counts the worker ($n)"
