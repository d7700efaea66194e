#!/usr/bin/env bash
# no-host-cc.sh ROOT — make the sid root's own C compilers (pulled in by bazel-bootstrap) fail
# loudly, so a build that silently used the host toolchain instead of zig cannot pass.
# dpkg-divert keeps the originals (as *.distrib) and survives package upgrades.
set -euo pipefail
root=$1
stub='#!/bin/sh
echo "error: the build root'"'"'s host C compiler was invoked ($0 $*); every C action must go through //toolchains/zig" >&2
exit 97'
n=0
for p in "$root"/usr/bin/*; do
  t=${p##*/}
  case $t in
  *.distrib) continue ;;
  gcc | gcc-[0-9]* | g++ | g++-[0-9]* | cc | c++ | cpp | cpp-[0-9]* | c89 | c99 | *-linux-gnu-gcc* | *-linux-gnu-g++* | *-linux-gnu-cpp*) ;;
  *) continue ;;
  esac
  if [ -e "$p.distrib" ] || [ -L "$p.distrib" ]; then
    [ "$(cat "$p" 2>/dev/null)" = "$stub" ] && continue
  else
    chroot "$root" dpkg-divert --quiet --local --rename --add "/usr/bin/$t"
  fi
  printf '%s\n' "$stub" >"$p"
  chmod 755 "$p"
  n=$((n + 1))
done
[ $n = 0 ] || echo "[no-host-cc] $n host compiler entry points in the sid root now fail loudly"
