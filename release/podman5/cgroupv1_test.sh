#!/usr/bin/env bash
# podman 5 on this machine's own cgroup v1 hierarchy, natively: the host architecture's podman-full
# archive of the podman 5.x line (built by Bazel) is unpacked with the stock tar and runs the real-
# machine scenarios (release/guest/scenarios.sh, GUEST=native) on the host's kernel and cgroups: no
# private cgroup2 mount, no --cgroups disabled. As root, with the cgroupfs manager: containers, a
# multi-UID image on overlay, --init, exec, stats, limits that are enforced and read back from the
# container's v1 controllers (--memory OOM-kills at exit 137, --pids-limit refuses forks, --cpus
# and --cpu-shares in cpu.cfs_quota_us and cpu.shares), a bridge network whose containers find each
# other by name (netavark 1.x with the host's iptables) and a published port. Then rootless, as
# `nobody` with a subordinate ID range: the same scenarios, where cgroup v1 has no limits and
# podman must say it ignores them (and that stats need cgroup v2).
# Nothing of the host's container or network state is touched: root's part runs in a private
# network and mount namespace (its own /run, bridges and iptables rules), its configuration and
# storage in the test's directory; the rootless part sees the test's /etc/subuid and /etc/subgid
# through a private mount namespace. Needs root, iptables, newuidmap (uidmap), busybox and curl on
# the host (tools/setup installs them).
# On a machine that mounts no cgroup v1 controllers it prints one "SUITE SKIPPED: ..." line and exits 0
# (tools/test counts it as a skip); the bookworm cgroup v1 guest (release/guests_test.sh) runs
# the same scenarios there.
# Exit status: 0 when every planned scenario reported ok (or the skip), 1 otherwise.
set -uo pipefail
case "${1:-}" in
-h | --help) sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
esac
ws=$(cd "$(dirname "$0")/../.." && pwd -P)
cd "$ws"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
[ "$(id -u)" = 0 ] || fail "needs root (containers as root, and the rootless user's mount namespace)"
if [ "$(stat -fc %T /sys/fs/cgroup/memory 2>/dev/null)" != cgroupfs ]; then
  echo "SUITE SKIPPED: podman 5 on cgroup v1: this machine mounts no cgroup v1 memory controller at /sys/fs/cgroup/memory ($(stat -fc %T /sys/fs/cgroup) at /sys/fs/cgroup); the bookworm cgroup v1 guest of release/guests_test.sh runs these scenarios"
  exit 0
fi
for c in iptables newuidmap busybox curl setpriv unshare; do
  command -v "$c" >/dev/null || fail "needs $c on this machine (tools/setup installs it)"
done
case $(uname -m) in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) fail "no podman-full archive for $(uname -m)" ;; esac
target=//release/podman5:podman_full_$arch

build_log=$(mktemp)
tools/bazel build "$target" >"$build_log" 2>&1 ||
  { tail -n 30 "$build_log" >&2; rm -f "$build_log"; fail "building $target failed (Bazel's output above)"; }
rm -f "$build_log"
archive=$ws/$(tools/bazel cquery --output=files "$target" 2>/dev/null)

work=$(mktemp -d /var/tmp/rst-cgroupv1.XXXXXX)
chmod 0755 "$work"
user=nobody
uid=$(id -u $user) gid=$(id -g $user)
. release/user_processes.sh
cleanup() {
  kill_user_processes "$uid" "$work/home"
  # the overlay mounts of root's storage live in root's private mount namespace, gone with it;
  # the v1 cgroups podman made for root's containers go with the containers, but podman keeps its
  # parent cgroups (libpod_parent/, and conmon/ in it): removed (when empty) unless they were
  # there before the test
  local d
  for d in /sys/fs/cgroup/*/libpod_parent; do
    [ -d "$d" ] && ! grep -qxF "$d" "$work/cgroups-before" 2>/dev/null || continue
    find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || echo "warning: $d is not empty: left in place" >&2
  done
  rm -rf "$work" /var/tmp/rst-image.tar
}
trap cleanup EXIT

ls -d /sys/fs/cgroup/*/libpod_parent >"$work/cgroups-before" 2>/dev/null
payload=$work/payload
mkdir -p "$payload" "$work/root-home/.config/containers" "$work/home" "$work/xdg"
cp release/guest/scenarios.sh "$payload/run"
cp release/guest/workflows.sh "$payload/"
cp "$archive" "$payload/podman-full.tar.zst"
printf 'GUEST=native\nCGROUP=v1\nLINE=5\nUSER_NAME=%s\n' "$user" >"$payload/guest.env"
chmod -R a+rX "$payload"
# root: the configuration the scenarios install goes to the test's root home (podman reads root's
# policy.json from $HOME/.config/containers/ too), storage to the test's directory, networks'
# configuration there too (runroot and podman's tmp_dir are under the private /run)
conf=$work/root-home/.config/containers
cat >"$conf/containers.conf" <<EOF
[network]
network_config_dir = "$work/root-networks"
EOF
cat >"$conf/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$work/root-storage"
runroot = "/run/containers/storage"
EOF
chown "$uid:$gid" "$work/home" "$work/xdg"
chmod 0700 "$work/xdg"
printf '%s:100000:65536\n' "$user" >"$work/subuid"
cp "$work/subuid" "$work/subgid"
# pasta opens /dev/net/tun as the user: distributions make it 0666, these machines 0600; the
# rootless half sees a 0666 node of the same device in its mount namespace (as rootless_test.sh)
mknod -m 0666 "$work/tun" c 10 200

log=$work/scenarios.out
echo "[cgroupv1] podman 5 as root on this machine's cgroup v1 hierarchy ($(basename "$archive"))"
HOME=$work/root-home ROOT_DIR="$work/root tools" ROOT_CONF=$conf CONTAINERS_CONF=$conf/containers.conf \
  CONTAINERS_STORAGE_CONF=$conf/storage.conf CONTAINERS_REGISTRIES_CONF=$conf/registries.conf \
  unshare --net --mount --propagation private bash -c '
    set -e
    ip link set lo up
    mount -t tmpfs -o mode=0755 tmpfs /run
    bash "$1/run"
    # podman removes what its scenarios left (containers, and with them their v1 cgroups)
    podman rm -a -f -t 0 >/dev/null 2>&1 || true' root "$payload" 2>&1 | tee "$log"
echo "[cgroupv1] podman 5 rootless as $user (subordinate IDs 100000:65536)"
unshare --mount --propagation private bash -c '
  mount --bind "$1/subuid" /etc/subuid
  mount --bind "$1/subgid" /etc/subgid
  mount --bind "$1/tun" /dev/net/tun
  cd /
  exec setpriv --reuid "$2" --regid "$3" --clear-groups env -i HOME="$1/home" XDG_RUNTIME_DIR="$1/xdg" \
    PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin LC_ALL=C.UTF-8 bash "$1/payload/run" rootless' \
  rootless "$work" "$uid" "$gid" 2>&1 | tee -a "$log"

plan=$(sed -n 's/^PLAN //p' "$log" | head -n 1)
[ -n "$plan" ] || fail "the scenarios printed no plan"
passed=0 failed=0 missing=""
for s in $plan; do
  if grep -q "^ok - $s\$" "$log"; then passed=$((passed + 1))
  elif grep -q "^FAIL - $s: " "$log"; then failed=$((failed + 1))
  else missing="$missing $s"
  fi
done
echo "[cgroupv1] $passed ok, $failed failed${missing:+, did not report:$missing}"
[ "$failed" = 0 ] && [ -z "$missing" ] || fail "podman 5 on this machine's cgroup v1 hierarchy"
echo "PASS: podman 5 on this machine's cgroup v1 hierarchy: $passed scenarios"
