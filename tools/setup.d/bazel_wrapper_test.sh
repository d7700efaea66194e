#!/usr/bin/env bash
# tools/bazel joins only a server that can see this workspace, and checks the remote configs in
# both spellings: --config NAME without its address is refused like --config=NAME; a workspace
# removed and cloned again at the same path (a CI checkout) still builds — the server of the
# old directory is stopped instead of joined (it failed with "getcwd() failed").
# Exit status: 0 pass, 1 fail.
set -uo pipefail
ws=$(cd "$(dirname "$0")/../.." && pwd -P)
. "$ws/tools/setup.d/common.sh"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
out=$(cd "$ws" && env -u RST_REMOTE_CACHE tools/bazel build --config cache //:nothing 2>&1)
rc=$?
[ "$rc" = 2 ] && [[ $out == *"needs the cache's address"* ]] || fail "--config cache without RST_REMOTE_CACHE: exit $rc: $out"
echo "PASS: --config cache (space form) without the cache's address is refused"

d=$(mktemp -d /var/tmp/rst-bazel-wrapper.XXXXXX)
trap 'drop_workspace "$d"; rm -rf "$d"' EXIT
copy_workspace "$ws" "$d"
(cd "$d" && tools/bazel info workspace >/dev/null 2>&1) || fail "tools/bazel info in a copy of the tree failed"
rm -rf "$d"
copy_workspace "$ws" "$d"
out=$(cd "$d" && tools/bazel info workspace 2>&1)
rc=$?
[ "$rc" = 0 ] && [ "$(tail -n 1 <<<"$out")" = "$d" ] || fail "after the workspace was made again at $d: exit $rc: $out"
echo "PASS: a workspace removed and made again at the same path still builds"
