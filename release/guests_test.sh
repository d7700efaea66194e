#!/usr/bin/env bash
# podman-full on real machines: each guest of tools/vm.d/guests.json (or the ones named) is booted
# by tools/vm, once per podman release line the guest lists (podman_lines), with that line's
# podman-full archive for the guest's architecture (built by Bazel from the line's bundles package,
# as tools/release/config.json names it), the skopeo and buildah archives when the guest's
# workflows use them, and release/guest/scenarios.sh (with workflows.sh: the groups the guest's
# workflows name) as its payload. Every
# planned scenario must report ok (as root and as the login user); podman 6 on a cgroup v1 guest
# must refuse with advice, podman 5 there must run with limits enforced.
# A scenario that did not report fails the guest; skips are listed and counted (in
# bazel-guests.skips, for tools/test's summary). The guests' console logs are kept in
# bazel-guests-logs/ (with each boot's payload while it runs: the next run removes what a killed
# run left). The images are built first, side by side; the guests then boot one at a time
# (one TCG guest keeps both cores of a build machine busy: two at once took 895–1,048 s against
# 928–1,001 s one by one). Needs root and tools/setup.
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
field() { python3 -c 'import json,sys; v = json.load(open(sys.argv[1]))["guests"][sys.argv[2]].get(sys.argv[3], ""); print(" ".join(v) if isinstance(v, list) else v)' tools/vm.d/guests.json "$1" "$2"; }
# podman's release lines and the Bazel package of each one's bundles, as the release tool reads
# tools/release/config.json ("LINE PACKAGE" per line, from its build matrix)
lines_out=$(mktemp)
go run ./tools/release pins --tool podman --github-output "$lines_out" >/dev/null ||
  { rm -f "$lines_out"; echo "FAIL: tools/release pins could not read podman's release lines"; exit 1; }
podman_lines=$(python3 -c 'import json,sys; [print(e["line"], e["bundles"]) for e in json.loads(open(sys.argv[1]).read().split("matrix=", 1)[1].split("\n", 1)[0])["include"]]' "$lines_out")
rm -f "$lines_out"
bundles_of() { # LINE
  awk -v l="$1" '$1 == l { print $2; found = 1 } END { if (!found) { print "podman has no release line " l " in tools/release/config.json" > "/dev/stderr"; exit 1 } }' <<<"$podman_lines"
}
user=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["user"]["name"])' tools/vm.d/guests.json)

# the other tools whose archives WORKFLOWS use: skopeo (the registry group copies images with it),
# buildah (the buildah group builds with it)
tools_for() { # WORKFLOWS
  case " $1 " in *" registry "*) echo skopeo ;; esac
  case " $1 " in *" buildah "*) echo buildah ;; esac
}
# the target of TOOL's archive for ARCH (each tool's newest line: //release)
tool_target() { echo "//release:$1_$2"; } # TOOL ARCH
runs=() # guest:line:target
extra=()
for g in "${guests[@]}"; do
  for line in $(field "$g" podman_lines); do
    pkg=$(bundles_of "$line") || exit 1
    runs+=("$g:$line://$pkg:podman_full_$(field "$g" arch)")
  done
  for tool in $(tools_for "$(field "$g" workflows)"); do extra+=("$(tool_target "$tool" "$(field "$g" arch)")"); done
done
targets=$( (printf '%s\n' "${runs[@]}" | cut -d: -f3-; printf '%s\n' "${extra[@]}") | sed '/^$/d' | sort -u)
echo "[guests] building $(echo $targets)"
# shellcheck disable=SC2086
tools/bazel build $targets >/tmp/rst-guests-build.log 2>&1 || { tail -n 30 /tmp/rst-guests-build.log; echo "FAIL: building the archives"; exit 1; }

# the logs, and each run's payload while it boots: what a killed run left goes here
logs=$ws/bazel-guests-logs
rm -rf "$logs" && mkdir -p "$logs/payloads"
: >"$ws/bazel-guests.skips"

# every guest's image (debootstrap, a few minutes each when not cached), side by side
mapfile -t image_guests < <(printf '%s\n' "${runs[@]}" | cut -d: -f1 | sort -u)
echo "[guests] images: ${image_guests[*]}"
pids=()
for g in "${image_guests[@]}"; do
  tools/vm image "$g" >"$logs/$g.image.log" 2>&1 &
  pids+=($!)
done
for i in "${!image_guests[@]}"; do
  wait "${pids[i]}" || { cat "$logs/${image_guests[i]}.image.log"; echo "FAIL: building the image of ${image_guests[i]}"; exit 1; }
  sed "s/^/[${image_guests[i]}] /" "$logs/${image_guests[i]}.image.log"
done

# one run: boot GUEST with the payload, then judge its output against its plan
fail=0 summary=()
judge_run() { # GUEST LINE PAYLOAD TIMEOUT TARGET
  local g=$1 line=$2 payload=$3 timeout=$4 target=$5 out rc start plan s missing failed passed skipped unplanned verdict
  out=$logs/$g-podman-$line.out
  start=$(date +%s)
  echo "=== guest $g, podman $line ($target)"
  mkdir -p "$logs/podman-$line"
  tools/vm run "$g" --payload "$payload" --timeout "$timeout" --log "$logs/podman-$line" | tee "$out"
  rc=${PIPESTATUS[0]}
  rm -rf "$payload"
  plan=$(sed -n 's/^PLAN //p' "$out" | head -n 1)
  missing="" failed=0 passed=0 skipped=0
  for s in $plan; do
    if grep -q "^ok - $s\$" "$out"; then passed=$((passed + 1))
    elif grep -q "^SKIP - $s: " "$out"; then skipped=$((skipped + 1))
    elif grep -q "^FAIL - $s: " "$out"; then failed=$((failed + 1))
    else missing="$missing $s"
    fi
  done
  # a scenario that reports without being planned is counted nowhere: it fails the guest
  unplanned=$(sed -n 's/^\(ok\|FAIL\|SKIP\) - \([^:]*\).*/\2/p' "$out" | sort -u | grep -vxF -f <(printf '%s\n' $plan) | tr '\n' ' ')
  grep "^SKIP - " "$out" | sed "s/^SKIP - /  guest $g podman $line: /" >>"$ws/bazel-guests.skips"
  verdict=passed
  if [ "$rc" != 0 ] || [ -z "$plan" ] || [ "$failed" != 0 ] || [ -n "$missing" ] || [ -n "$unplanned" ]; then
    verdict=FAILED fail=1
  fi
  summary+=("$g, podman $line ($target): $verdict: $passed ok, $failed failed, $skipped skipped${missing:+, did not report:$missing}${unplanned:+, reported without being planned: $unplanned}; guest exit $rc; $(($(date +%s) - start)) s")
}

for run in "${runs[@]}"; do
  g=${run%%:*} line=${run#*:} target=${run#*:*:}
  line=${line%%:*}
  arch=$(field "$g" arch)
  archive=$ws/$(tools/bazel cquery --output=files "$target" 2>/dev/null)
  payload=$logs/payloads/$g-podman-$line
  mkdir "$payload"
  cp release/guest/scenarios.sh "$payload/run"
  cp release/guest/workflows.sh "$payload/"
  cp "$archive" "$payload/podman-full.tar.zst"
  workflows=$(field "$g" workflows)
  for tool in $(tools_for "$workflows"); do
    cp "$ws/$(tools/bazel cquery --output=files "$(tool_target "$tool" "$arch")" 2>/dev/null)" "$payload/$tool.tar.zst"
  done
  printf 'GUEST=%s\nCGROUP=%s\nLINE=%s\nUSER_NAME=%s\nWORKFLOWS="%s"\n' "$g" "$(field "$g" cgroup)" "${line%%.*}" "$user" "$workflows" >"$payload/guest.env"
  timeout=$([ "$arch" = amd64 ] && echo 1200 || echo 3600)
  judge_run "$g" "$line" "$payload" "$timeout" "$target"
done
echo "=== guests"
printf '  %s\n' "${summary[@]}"
exit $fail
