#!/usr/bin/env bash
# mkimage.sh — the recipe of a tools/vm guest image; its text (with the guest's record and the
# files in guest/) is the image's cache key, so a change here builds the images anew.
# Run by tools/vm as root, with: SUITE ARCH MIRROR PACKAGES (comma-separated) KERNEL_DEB
# USER_NAME USER_UID SUBID_START SUBID_COUNT FORBIDDEN (space-separated) OUT
# (an empty directory). Writes OUT/root.img (ext4, label root), OUT/vmlinuz, OUT/packages.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
root=$OUT/root kx=$OUT/kernel
say() { echo "[mkimage $SUITE-$ARCH] $*"; }

say "debootstrap $SUITE ($ARCH, minbase + ${PACKAGES//,/ })"
log=$OUT/debootstrap.log
debootstrap --arch="$ARCH" --variant=minbase --include="$PACKAGES" "$SUITE" "$root" "$MIRROR" >"$log" 2>&1 ||
  { tail -n 25 "$log" >&2; exit 1; }

# the pinned kernel: vmlinuz beside the image, its modules in the root (depmod run in the root)
dpkg-deb -x "$KERNEL_DEB" "$kx"
kver=$(basename "$(ls -d "$kx"/usr/lib/modules/* "$kx"/lib/modules/* 2>/dev/null | head -1)")
[ -n "$kver" ] || { echo "no modules in $KERNEL_DEB" >&2; exit 1; }
cp "$kx/boot/vmlinuz-$kver" "$OUT/vmlinuz"
mkdir -p "$root/usr/lib/modules"
cp -a "$(ls -d "$kx"/usr/lib/modules/"$kver" "$kx"/lib/modules/"$kver" 2>/dev/null | head -1)" "$root/usr/lib/modules/"
cp "$kx/boot/config-$kver" "$root/boot/"
chroot "$root" depmod "$kver"
say "kernel $kver"

echo "rst-$SUITE-$ARCH" >"$root/etc/hostname"
printf '127.0.1.1\trst-%s-%s\n' "$SUITE" "$ARCH" >>"$root/etc/hosts"
echo 'LABEL=root / ext4 defaults 0 1' >"$root/etc/fstab"
# the login user, its subordinate ids (the only range: newuidmap maps exactly this), lingering
# (logind starts its systemd user manager at boot)
chroot "$root" useradd --create-home --shell /bin/bash --uid "$USER_UID" --user-group "$USER_NAME"
echo "$USER_NAME:$SUBID_START:$SUBID_COUNT" >"$root/etc/subuid"
echo "$USER_NAME:$SUBID_START:$SUBID_COUNT" >"$root/etc/subgid"
mkdir -p "$root/var/lib/systemd/linger"
touch "$root/var/lib/systemd/linger/$USER_NAME"
# root logs in on the serial console without a password (a guest with no network)
chroot "$root" passwd -d root >/dev/null

install -D -m 0755 "$here/guest/rst-guest-run" "$root/usr/local/libexec/rst-guest-run"
install -D -m 0644 "$here/guest/rst-guest.service" "$root/etc/systemd/system/rst-guest.service"
chroot "$root" systemctl enable rst-guest.service >/dev/null 2>&1
# nothing that waits for a network the guest does not have; no getty on the result console
# (systemd's getty generator starts one on /dev/hvc0, whose hangup would kill the payload's run)
chroot "$root" systemctl mask apt-daily.timer apt-daily-upgrade.timer systemd-networkd-wait-online.service \
  serial-getty@hvc0.service >/dev/null 2>&1

# no container stack in the image: the archives under test bring their own
chroot "$root" dpkg-query -W -f '${Package} ${Version}\n' >"$OUT/packages.txt"
bad=""
for p in $FORBIDDEN; do
  if awk -v p="$p" '$1 == p {f = 1} END {exit !f}' "$OUT/packages.txt" || [ -e "$root/usr/bin/$p" ] || [ -e "$root/usr/sbin/$p" ]; then
    bad="$bad $p"
  fi
done
[ -z "$bad" ] || { echo "the image has a container stack:$bad" >&2; exit 1; }

rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root/debootstrap"
say "mkfs.ext4 (4 GiB sparse)"
mkfs.ext4 -q -d "$root" -L root -E root_owner=0:0 "$OUT/root.img" 4G >/dev/null
rm -rf "$root" "$kx"
