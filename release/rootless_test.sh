#!/usr/bin/env bash
# podman-full rootless, from the unpacked archive: the amd64 archive (built by Bazel) is unpacked
# with the stock tar into a directory whose path has a space, and an unprivileged user (nobody,
# through setpriv; storage and configuration under a home the test makes) imports an image
# holding a static probe, runs a container in its user namespace with the bundle's crun, conmon
# and pasta, and publishes a port that answers on the host's loopback.
# It runs on the host, not in Bazel's build root: the kernel refuses unprivileged user namespaces
# to chrooted processes. Like the other tests, podman 6 gets a cgroup2 hierarchy at
# /sys/fs/cgroup in a private mount namespace (this machine's cgroups are hybrid); it has no
# controllers, so containers run with cgroups disabled.
# Exit status: 0 pass, 1 fail.
set -euo pipefail
ws=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$ws"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
[ "$(id -u)" = 0 ] || fail "needs root (to make the user's namespace and mount cgroup2)"
build_log=$(mktemp)
tools/bazel build //release:podman_full_amd64 //tools/netnstest/netprobe >"$build_log" 2>&1 ||
  { tail -n 30 "$build_log" >&2; rm -f "$build_log"; fail "building the archive and the probe failed (Bazel's output above)"; }
rm -f "$build_log"
archive=$ws/$(tools/bazel cquery --output=files //release:podman_full_amd64 2>/dev/null)
probe=$ws/$(tools/bazel cquery --output=files //tools/netnstest/netprobe 2>/dev/null)
top=$(tar --zstd -tf "$archive" | awk -F/ 'NR == 1 { print $1 }')

work=$(mktemp -d /var/tmp/rst-rootless.XXXXXX)
chmod 0755 "$work"
user=nobody
uid=$(id -u $user) gid=$(id -g $user)
. release/user_processes.sh
cleanup() {
  kill_user_processes "$uid" "$work/home"
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/unpacked here" "$work/home/.config/containers" "$work/home/run" "$work/image/bin"
tar --zstd -xf "$archive" -C "$work/unpacked here"
podman="$work/unpacked here/$top/bin/podman"
cp "$probe" "$work/image/bin/netprobe"
tar -C "$work/image" -cf "$work/image.tar" bin
cat >"$work/home/.config/containers/containers.conf" <<'EOF'
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
printf '[storage]\ndriver = "vfs"\n[storage.options.vfs]\nignore_chown_errors = "true"\n' >"$work/home/.config/containers/storage.conf"
printf 'unqualified-search-registries = []\n' >"$work/home/.config/containers/registries.conf"
printf '{"default": [{"type": "insecureAcceptAnything"}]}\n' >"$work/home/.config/containers/policy.json"
chown -R "$uid:$gid" "$work/home" "$work/image.tar"
# pasta opens /dev/net/tun as the user: distributions make it 0666, these machines 0600; the
# user's namespace gets a 0666 node of the same device bound over it (the host's stays as it is)
mknod -m 0666 "$work/tun" c 10 200
chmod 0700 "$work/home/run"

# as the user: podman in a mount namespace with cgroup2 (made as root), then without privileges
as_user() {
  timeout 120 unshare --mount --propagation private /bin/sh -c '
    mount -t cgroup2 cgroup2 /sys/fs/cgroup
    mount --bind "$2/../tun" /dev/net/tun
    uid=$0 gid=$1 home=$2
    shift 2
    exec setpriv --reuid="$uid" --regid="$gid" --clear-groups --inh-caps=-all \
      env -i PATH=/usr/bin:/bin HOME="$home" XDG_RUNTIME_DIR="$home/run" "$@"' \
    "$uid" "$gid" "$work/home" "$@"
}
as_user "$podman" info --format '{{.Host.Security.Rootless}} {{.Host.OCIRuntime.Path}} {{.Host.Pasta.Executable}}' >"$work/info" 2>"$work/err" ||
  { cat "$work/err"; fail "podman info as $user failed"; }
read -r rootless runtime pasta_path <<<"$(sed "s#$work/unpacked here#BUNDLE#g" "$work/info")"
[ "$rootless" = true ] || fail "podman info says rootless=$rootless"
[ "$runtime" = "BUNDLE/$top/lib/podman/crun" ] && [ "$pasta_path" = "BUNDLE/$top/lib/podman/pasta" ] ||
  fail "rootless podman uses $(cat "$work/info"), not the bundle's crun and pasta"
as_user "$podman" import "$work/image.tar" localhost/probe:v1 >/dev/null 2>"$work/err" ||
  { cat "$work/err"; fail "podman import as $user failed"; }
# the probe itself must run and fail its way: exit 1 with its own message (podman's own failures
# exit 125-127)
rc=0
out=$(as_user "$podman" run --rm --cgroups=disabled localhost/probe:v1 /bin/netprobe get 127.0.0.1:1 2>&1) || rc=$?
case "$rc:$out" in
"1:netprobe: "*"connection refused"*) ;;
*) fail "a rootless container did not run (want netprobe's exit 1 with connection refused, got exit $rc): $out" ;;
esac
port=$((20000 + RANDOM % 20000))
as_user "$podman" run -d --cgroups=disabled --name srv -p "127.0.0.1:$port:8080" localhost/probe:v1 \
  /bin/netprobe serve 8080 "hello rootless" >/dev/null 2>"$work/err" || { cat "$work/err"; fail "podman run -d -p as $user failed"; }
got=""
for _ in $(seq 1 60); do
  got=$(timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && cat <&3" 2>/dev/null || true)
  [ -z "$got" ] || break
  sleep 0.5
done
as_user "$podman" rm -f -t 0 srv >/dev/null 2>&1 || true
[ "$got" = "hello rootless" ] || fail "127.0.0.1:$port (published by a rootless container through pasta) answered '$got', want 'hello rootless'"
echo "PASS: as $user (rootless: user namespace, the bundle's crun and pasta), unpacked under a path with a space: a container ran and its published port answered on the host's loopback"
