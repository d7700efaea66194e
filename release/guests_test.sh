#!/usr/bin/env bash
# podman-full on real machines: each guest of tools/vm.d/guests.json (or the ones named) is booted
# by tools/vm with the guest's architecture's podman-full archive (built by Bazel) and
# release/guest/scenarios.sh as its payload. On a cgroup v2 guest every planned scenario must
# report ok (as root and as the login user); on a cgroup v1 guest podman must refuse with advice.
# A scenario that did not report fails the guest; skips are listed and counted (in
# bazel-guests.skips, for tools/test's summary). The guests' console logs are kept in
# bazel-guests-logs/. Needs root and tools/setup.
# Usage: release/guests_test.sh [GUEST...]
# Exit status: 0 when every guest passed, 1 otherwise.
set -uo pipefail
case "${1:-}" in
-h | --help) sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
esac
ws=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$ws"
[ "$(id -u)" = 0 ] || { echo "FAIL: needs root (tools/vm builds images with debootstrap)" >&2; exit 1; }
guests=("$@")
[ ${#guests[@]} -gt 0 ] || mapfile -t guests < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["guests"]))' tools/vm.d/guests.json)
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["guests"][sys.argv[2]].get(sys.argv[3], ""))' tools/vm.d/guests.json "$1" "$2"; }
user=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["user"]["name"])' tools/vm.d/guests.json)

archs=$(for g in "${guests[@]}"; do field "$g" arch; done | sort -u)
targets=$(for a in $archs; do echo "//release:podman_full_$a"; done)
echo "[guests] building $(echo $targets)"
# shellcheck disable=SC2086
tools/bazel build $targets >/tmp/rst-guests-build.log 2>&1 || { tail -n 30 /tmp/rst-guests-build.log; echo "FAIL: building the archives"; exit 1; }

logs=$ws/bazel-guests-logs
rm -rf "$logs" && mkdir -p "$logs"
: >"$ws/bazel-guests.skips"
fail=0 summary=()
for g in "${guests[@]}"; do
  arch=$(field "$g" arch)
  archive=$ws/$(tools/bazel cquery --output=files "//release:podman_full_$arch" 2>/dev/null)
  payload=$(mktemp -d /var/tmp/rst-payload.XXXXXX)
  cp release/guest/scenarios.sh "$payload/run"
  cp "$archive" "$payload/podman-full.tar.zst"
  printf 'GUEST=%s\nCGROUP=%s\nUSER_NAME=%s\n' "$g" "$(field "$g" cgroup)" "$user" >"$payload/guest.env"
  timeout=$([ "$arch" = amd64 ] && echo 1200 || echo 3600)
  start=$(date +%s)
  echo "=== guest $g ($(basename "$archive"))"
  tools/vm run "$g" --payload "$payload" --timeout "$timeout" --log "$logs" | tee "$logs/$g.out"
  rc=${PIPESTATUS[0]}
  rm -rf "$payload"
  plan=$(sed -n 's/^PLAN //p' "$logs/$g.out" | head -n 1)
  missing="" failed=0 passed=0 skipped=0
  for s in $plan; do
    if grep -q "^ok - $s\$" "$logs/$g.out"; then passed=$((passed + 1))
    elif grep -q "^SKIP - $s: " "$logs/$g.out"; then skipped=$((skipped + 1))
    elif grep -q "^FAIL - $s: " "$logs/$g.out"; then failed=$((failed + 1))
    else missing="$missing $s"
    fi
  done
  grep "^SKIP - " "$logs/$g.out" | sed "s/^SKIP - /  guest $g /" >>"$ws/bazel-guests.skips"
  verdict=passed
  if [ "$rc" != 0 ] || [ -z "$plan" ] || [ "$failed" != 0 ] || [ -n "$missing" ]; then
    verdict=FAILED fail=1
  fi
  summary+=("$g: $verdict: $passed ok, $failed failed, $skipped skipped${missing:+, did not report:$missing}; guest exit $rc; $(($(date +%s) - start)) s")
done
echo "=== guests"
printf '  %s\n' "${summary[@]}"
exit $fail
