#!/usr/bin/env bash
# Benchmark of the remote cache and remote execution (run by `go run ./tools/bench remote`; figures for
# the README). Everything runs on loopback servers of its own (tools/serve, own ports and data),
# in copies of the working tree, and is stopped and removed at the end.
#   fill  a copy builds the targets cold (no disk cache, fresh output base) into bazel-remote
#   (a)   a second copy (fresh output base, no disk cache) with the cache warm: wall time and
#         Bazel's process summary (every action should be a remote cache hit)
#   (b)   a no-op rebuild in that copy
#   (c)   `tools/release bump` moves one tool's pin (BENCH_BUMP, default "buildah 1.44.0") in that
#         copy; the rebuild's actions that were executed, by target (only that tool's, expected)
#   (d)   the same targets cold locally (= fill) and cold through Buildbarn (third copy), times
#         side by side, and whether the outputs are byte-identical
# Targets: BENCH_TARGETS (default: the skopeo and buildah bundles, amd64).
set -euo pipefail
ws=$(cd "$(dirname "$0")/../.." && pwd -P)
. "$ws/tools/setup.d/common.sh"
. "$ws/tools/serve.d/testlib.sh"
read -r -a targets <<<"${BENCH_TARGETS:-//release:skopeo_amd64 //release:buildah_amd64}"
read -r -a bump <<<"${BENCH_BUMP:-buildah 1.44.0}"

work=$(mktemp -d /var/tmp/rst-bench-remote.XXXXXX)
export RST_SERVE_DIR=$work/serve RST_CACHE_PORT=19192 RST_EXEC_PORT=19980
cleanup() {
  "$ws/tools/serve" stop all >/dev/null 2>&1 || true
  for d in fill warm exec; do drop_workspace "$work/$d"; done
  rm -rf "$work"
}
trap cleanup EXIT
for d in fill warm exec; do copy_workspace "$ws" "$work/$d"; done

# timed NAME DIR ARGS...: bazel build in DIR; prints the wall time and keeps the summary line
timed() {
  local name=$1 d=$2 t0
  shift 2
  echo "[bench] $name: tools/bazel build $* ${targets[*]}" >&2
  t0=$(date +%s.%N)
  (cd "$d" && tools/bazel build "$@" "${targets[@]}") >"$work/$name.log" 2>&1 || {
    tail -n 30 "$work/$name.log" >&2
    fail "$name: build failed"
  }
  grep -E '^INFO: [0-9]+ processes?: ' "$work/$name.log" | tail -1 >"$work/$name.summary" || echo "INFO: 0 processes." >"$work/$name.summary"
  python3 -c 'import sys, time; print("%.1f" % (time.time() - float(sys.argv[1])))' "$t0"
}

"$ws/tools/serve" start cache >&2
export RST_REMOTE_CACHE=grpc://127.0.0.1:$RST_CACHE_PORT
rm -rf "$SID_ROOT/tmp/rst-zig-cache"
t_fill=$(timed fill "$work/fill" --config=cache --disk_cache=)
echo "    the cold build that filled the cache: ${t_fill}s — $(cat "$work/fill.summary")"
t_a=$(timed a "$work/warm" --config=cache-ro --disk_cache=)
echo "(a) fresh output base, no disk cache, remote cache warm: ${t_a}s — $(cat "$work/a.summary")"
t_b=$(timed b "$work/warm" --config=cache-ro --disk_cache=)
echo "(b) no-op rebuild: ${t_b}s — $(cat "$work/b.summary")"
echo "[bench] (c): tools/release bump ${bump[*]}" >&2
(cd "$work/warm" && go run ./tools/release bump --repo . "${bump[@]}" >&2) || fail "bump ${bump[*]} failed"
diff -rq "$ws/third_party/${bump[0]}" "$work/warm/third_party/${bump[0]}" >&2 || true
t_c=$(timed c "$work/warm" --config=cache-ro --disk_cache= --execution_log_json_file="$work/warm/c.json")
ran=$(python3 - "$work/warm/c.json" <<'PY'
import collections, json, sys
dec, text, i, by = json.JSONDecoder(), open(sys.argv[1]).read(), 0, collections.Counter()
while True:
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        break
    s, i = dec.raw_decode(text, i)
    if not s.get("cacheHit") and s.get("runner") not in ("remote cache hit", "disk cache hit"):
        label = s.get("targetLabel", "?")
        by[label.split(":")[0].replace("@@", "@").split("~")[-1]] += 1
print(", ".join("%s %d" % kv for kv in by.most_common(8)) or "none")
PY
)

echo "(c) after \`tools/release bump ${bump[*]}\`: ${t_c}s — $(cat "$work/c.summary"); executed, by package: $ran"

if [ -x "$ws/tools/serve.d/buildbarn-config.sh" ]; then
  "$ws/tools/serve" stop cache >&2
  "$ws/tools/serve" start exec >&2
  export RST_REMOTE_EXECUTOR=grpc://127.0.0.1:$RST_EXEC_PORT
  unset RST_REMOTE_CACHE
  rm -rf "$SID_ROOT/tmp/rst-zig-cache"
  t_d=$(timed d "$work/exec" --config=remote --disk_cache=)
  digests "$work/fill" "${targets[@]}" >"$work/fill.sha256"
  digests "$work/exec" "${targets[@]}" >"$work/exec.sha256"
  same=$(cmp -s "$work/fill.sha256" "$work/exec.sha256" && echo "byte-identical" || echo "DIFFERENT")
  echo "(d) cold, local: ${t_fill}s — $(cat "$work/fill.summary")"
  echo "    cold, Buildbarn (local worker): ${t_d}s — $(cat "$work/d.summary"); outputs $same ($(wc -l <"$work/fill.sha256") files)"
  [ "$same" = byte-identical ] || exit 1
else
  echo "(d) not measured: Buildbarn is not set up (tools/serve.d/buildbarn-config.sh missing)"
fi
