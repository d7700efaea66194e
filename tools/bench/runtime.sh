#!/usr/bin/env bash
# tools/bench/runtime.sh [--out DIR] [FLAG...] — go run ./tools/bench runtime: see its --help.
# Builds our podman-full (the podman 5 line, like Debian's 5.8) and skopeo archives for
# linux/amd64, makes (once per machine, cached) a Debian sid root with Debian's builds of the same
# programs, unpacks ours into it, and runs tools/bench/runtime (built static) as root inside it,
# in a private mount namespace (where it mounts the host's cgroup v2 hierarchy alone). Everything it makes is removed at the end
# (the root stays cached); FLAGs go to the program (--reps, --only, --image-mib, ...).
set -euo pipefail
ws=$(cd "$(dirname "$0")/../.." && pwd -P)
. "$ws/tools/setup.d/common.sh"
out=$ws/measurements
args=()
while [ $# -gt 0 ]; do
  case "$1" in
  --out) out=$(realpath -m "$2"); shift 2 ;;
  -h | --help) cd "$ws" && exec go run ./tools/bench --help ;;
  *) args+=("$1"); shift ;;
  esac
done
[ "$(id -u)" = 0 ] || die "tools/bench runtime runs containers as root, mounts FUSE and enters a chroot: run it as root"

# Debian's side: the same programs as Debian sid builds them, and what the workloads use around
# them (busybox-static: the containers' payload; tar)
packages="podman crun conmon catatonit skopeo fuse-overlayfs fuse3 passt iperf3 busybox-static tar ca-certificates"
root=$RST_CACHE/bench-root-$(printf '%s\n' $packages | sha256sum | cut -c1-12)
if [ ! -e "$root/.ready" ]; then
  part=$root.partial
  rm -rf "$part"
  echo "[bench] making the benchmark's root: Debian sid with $packages (once per machine, a few minutes)"
  debootstrap_sid "$part"
  log=$(mktemp)
  mount -t proc proc "$part/proc"
  # shellcheck disable=SC2086 # a list of package names
  chroot "$part" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    sh -c "apt-get -qq update && apt-get install -y -qq --no-install-recommends $packages && apt-get clean" >"$log" 2>&1 ||
    { umount "$part/proc"; tail -20 "$log" >&2; die "installing Debian's programs failed (log above)"; }
  umount "$part/proc"
  rm -f "$log"
  touch "$part/.ready"
  mv "$part" "$root"
fi

echo "[bench] building our podman-full (podman 5 line) and skopeo for linux/amd64"
cd "$ws"
targets=(//release/podman5:podman_full_amd64 //release:skopeo_amd64)
tools/bazel build "${targets[@]}" >/dev/null 2>&1 || die "building ${targets[*]} failed (run tools/bazel build ${targets[*]})"
run=/var/tmp/rst-bench-runtime # inside the root
cleanup() { rm -rf "${root:?}$run"; }
trap cleanup EXIT
cleanup
mkdir -p "$root$run/ours" "$root$run/out"
for t in "${targets[@]}"; do
  a=$(tools/bazel cquery --output=files "$t" 2>/dev/null | grep '\.tar\.zst$')
  tar --zstd -xf "$a" -C "$root$run/ours"
done
podman_top=$(ls -d "$root$run"/ours/podman-v*) skopeo_top=$(ls -d "$root$run"/ours/skopeo-v*)
CGO_ENABLED=0 GOTOOLCHAIN=local go build -trimpath -o "$root$run/runtime" ./tools/bench/runtime
{
  echo "| program | ours | Debian's |"
  echo "|---|---|---|"
  for p in podman:bin/podman crun:lib/podman/crun conmon:lib/podman/conmon skopeo:bin/skopeo fuse-overlayfs:bin/fuse-overlayfs; do
    name=${p%%:*} rel=${p#*:}
    top=$podman_top
    [ "$name" != skopeo ] || top=$skopeo_top
    said=$("$top/$rel" --version 2>&1)
    mine=$(grep -m1 -i version <<<"$said") # no pipe: grep's early exit would kill a writer (SIGPIPE)
    theirs=$(chroot "$root" dpkg-query -W -f '${Version}' "$name")
    echo "| $name | $mine | $theirs |"
  done
} >"$root$run/versions.md"
"$ws/tools/setup.d/enter-root" --root "$root" --pivot -- /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
  "$run/runtime" --ours "${podman_top#"$root"}" --skopeo "${skopeo_top#"$root"}" --work "$run/work" \
  --out "$run/out" --versions "$run/versions.md" "${args[@]}"
mkdir -p "$out"
cp "$root$run/out/runtime.md" "$root$run/out/runtime.svg" "$out/"
echo "[bench] wrote $out/runtime.md and $out/runtime.svg"
