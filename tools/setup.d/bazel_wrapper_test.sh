#!/usr/bin/env bash
# tools/bazel joins only a server that can see this workspace, and checks the remote configs in
# both spellings: --config NAME without its address is refused like --config=NAME; a workspace
# removed and cloned again at the same path (a CI checkout) still builds — the server of the
# old directory is stopped instead of joined (it failed with "getcwd() failed"); setting up a
# second cache on the machine (RST_CACHE=elsewhere) leaves the first's offline settings naming the
# first's caches (they were one file, and a cold run pointed every other build at its caches).
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

other=$(mktemp -d /var/tmp/rst-cache.XXXXXX)
before=$(sha256sum <"$OFFLINE_BAZELRC")
RST_CACHE=$other "$ws/tools/setup.d/bazel-modules.sh" "$ws" >/dev/null || { rm -rf "$other"; fail "setting up a second cache failed"; }
grep -qxF "build --disk_cache=$other/disk-cache" "$other/offline.bazelrc" || { rm -rf "$other"; fail "the second cache's settings do not name its disk cache"; }
rm -rf "$other"
[ "$(sha256sum <"$OFFLINE_BAZELRC")" = "$before" ] && grep -qxF "build --disk_cache=$RST_CACHE/disk-cache" "$OFFLINE_BAZELRC" ||
  fail "setting up a second cache changed this cache's settings ($OFFLINE_BAZELRC)"
echo "PASS: a second cache gets offline settings of its own; this cache's still name its caches"

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
