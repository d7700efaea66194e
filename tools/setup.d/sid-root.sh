#!/usr/bin/env bash
# sid-root.sh BAZEL_VERSION ROOT — debootstrap Debian sid into ROOT and install bazel-bootstrap
# BAZEL_VERSION in it. Built in ROOT.partial and renamed at the end: never a half-made root.
set -euo pipefail
. "$(dirname "$0")/common.sh"
want=$1 root=$2
part=$root.partial
mirror=$(debian_mirror)
umount_below() { awk -v r="$1" '$2 ~ "^"r"/" {print $2}' /proc/mounts | sort -r | while read -r m; do umount "$m" || umount -l "$m"; done; }
cleanup() { umount_below "$part"; }
trap cleanup EXIT

umount_below "$part"
rm -rf "$part"
echo "[sid-root] debootstrap sid from $mirror (about 1 minute)"
debootstrap_sid "$part"
mount -t proc proc "$part/proc"
in_root() { chroot "$part" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root DEBIAN_FRONTEND=noninteractive "$@"; }
in_root apt-get -qq update
have=$(in_root apt-cache madison bazel-bootstrap | awk '{print $3}')
pkgver=$(printf '%s\n' $have | grep -m1 "^${want//./\\.}+" || true)
[ -n "$pkgver" ] || die "Debian sid offers bazel-bootstrap ${have:-nothing} but this project pins Bazel $want (.bazelversion); update .bazelversion or find an archive snapshot that has $want"
echo "[sid-root] apt-get install bazel-bootstrap=$pkgver (about 2 minutes, ~700 MB)"
in_root apt-get install -y -qq --no-install-recommends "bazel-bootstrap=$pkgver" bazel-rules-pkg bazel-rules-shell \
  ca-certificates python3 zstd >/dev/null
in_root apt-get clean
in_root update-ca-certificates >/dev/null 2>&1
in_root bazel --version | grep -qx "bazel $want" || die "installed bazel reports '$(in_root bazel --version)', expected $want"
umount_below "$part"
echo "$want" >"$part/.ready"
rm -rf "$root"
mv "$part" "$root"
trap - EXIT
