#!/usr/bin/env bash
# The helpers of the remote tests (testlib.sh) judge Bazel's process summary and the outputs'
# digests; a helper that cannot fail would make those tests pass without checking. This proves
# each one fails where it must: an action that fell back to local under any strategy name is
# counted as local, and `digests` fails on a target without outputs instead of yielding an empty
# list (two empty lists compare equal). Exit status: 0 pass, 1 fail.
set -uo pipefail
ws=$(cd "$(dirname "$0")/../.." && pwd -P)
. "$ws/tools/setup.d/common.sh"
. "$ws/tools/serve.d/testlib.sh"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
bad=0
check() { # NAME WANT GOT
  if [ "$2" = "$3" ]; then echo "ok - $1"; else echo "FAIL - $1: want '$2', got '$3'"; bad=1; fi
}

for strategy in processwrapper-sandbox linux-sandbox local worker sandboxed; do
  echo "INFO: 12 processes: 3 internal, 7 remote, 2 $strategy." >"$t/summary"
  check "local counts $strategy" "2 0" "$(processes "$t/summary" local) $?"
done
echo "INFO: 10 processes: 3 internal, 7 remote." >"$t/summary"
check "no local action" "0 1" "$(processes "$t/summary" local) $?"
check "remote actions" "7 0" "$(processes "$t/summary" remote) $?"
echo "INFO: 9 processes: 2 internal, 7 remote cache hit." >"$t/summary"
check "cache hits are not executed" "0 1" "$(processes "$t/summary" executed) $?"

# digests of a target that has no output file fails, in a subshell (fail exits)
out=$( (digests "$ws" //tools/serve.d:no_such_target) 2>&1)
check "digests fails on a target it cannot query" "1" "$( (digests "$ws" //tools/serve.d:no_such_target) >/dev/null 2>&1; echo $?)"
case "$out" in *"cquery //tools/serve.d:no_such_target"*) echo "ok - digests names the target" ;; *) echo "FAIL - digests names the target: $out"; bad=1 ;; esac
exit $bad
