#!/bin/bash
# cargo_build.sh RUST_TRIPLE ZIG_TRIPLE SOURCE_DATE_EPOCH [MANIFEST BIN OUT]...
# Run by //toolchains/rust:cargo.bzl in one action per architecture: builds each BIN of each
# MANIFEST's package with the pinned cargo, offline (--frozen, the crates repositories' vendor/
# directories as the only source), std from source (-Zbuild-std), zig as C compiler and linker.
# All packages share one target directory, so the std (and any crate they share) is built once.
# Environment from the rule: RST_CARGO, RST_RUSTC, RST_PROTOC, RST_ZIG_CC, RST_ZIG_AR.
set -euo pipefail
triple=$1 zig_triple=$2 epoch=$3
shift 3
root=$PWD
scratch=$(mktemp -d "${TMPDIR:-/tmp}/cargo-build.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/bin" "$scratch/home" "$scratch/vendor"

# C compiler, archiver and linker: zig through @zig_sdk's wrappers. Build scripts and proc macros
# run on the build host (glibc): they are linked by zig too (the build root's own cc is a stub).
zig_cc=$root/$RST_ZIG_CC
printf '#!/bin/sh\nexec "%s" -target %s "$@"\n' "$zig_cc" "$zig_triple" >"$scratch/bin/cc-target"
printf '#!/bin/sh\nexec "%s" -target x86_64-linux-gnu "$@"\n' "$zig_cc" >"$scratch/bin/cc-host"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$root/$RST_ZIG_AR" >"$scratch/bin/ar"
chmod +x "$scratch"/bin/*

# One directory source: every part's vendored crates (the same crate-version is the same bytes,
# checked against the lock files by the repository rules).
parts=()
while [ $# -gt 0 ]; do
  parts+=("$1" "$2" "$3")
  for c in "$root/$(dirname "$1")"/vendor/*; do
    [ -e "$scratch/vendor/${c##*/}" ] || ln -s "$c" "$scratch/vendor/${c##*/}"
  done
  shift 3
done

rustc=$root/$RST_RUSTC
sysroot=$("$rustc" --print sysroot)
stdsrc=$sysroot/lib/rustlib/src/rust
tu=$(echo "$triple" | tr 'a-z-' 'A-Z_')
tl=$(echo "$triple" | tr '-' '_')

export PATH="$root/$(dirname "$RST_CARGO"):/usr/bin:/bin"
export RUSTC=$rustc PROTOC=$root/$RST_PROTOC
export CARGO_HOME=$scratch/home CARGO_TARGET_DIR=$scratch/target
export RUSTC_BOOTSTRAP=1 SOURCE_DATE_EPOCH=$epoch CARGO_INCREMENTAL=0
# netavark's and aardvark-dns's build.rs run `git rev-parse HEAD`: not our repository's commit
export GIT_DIR=/nonexistent GIT_CEILING_DIRECTORIES=/
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 CARGO_PROFILE_RELEASE_STRIP=symbols CARGO_PROFILE_RELEASE_PANIC=abort
export CARGO_PROFILE_RELEASE_DEBUG=0
export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER=$scratch/bin/cc-host
export HOST_CC=$scratch/bin/cc-host HOST_AR=$scratch/bin/ar
export "CARGO_TARGET_${tu}_LINKER=$scratch/bin/cc-target"
export "CC_${tl}=$scratch/bin/cc-target" "AR_${tl}=$scratch/bin/ar"
remap=()
for p in "$sysroot=/sysroot" "$stdsrc=/rustc-src" "$(readlink -f "$stdsrc")=/rustc-src" "$scratch=/build"; do
  remap+=("--remap-path-prefix=$p")
done
cflags="-ffile-prefix-map=$scratch=/build"
for ((i = 0; i < ${#parts[@]}; i += 3)); do
  dir=$root/$(dirname "${parts[i]}")
  name=${parts[i + 1]}
  remap+=("--remap-path-prefix=$dir=/src/$name" "--remap-path-prefix=$dir/vendor=/build/vendor")
  cflags="$cflags -ffile-prefix-map=$dir=/src/$name"
done
export "CFLAGS_${tl}=$cflags"
# link-self-contained=no: rustc has no musl crt files here, zig brings them; static, not static-pie
export "CARGO_TARGET_${tu}_RUSTFLAGS=-C link-self-contained=no -C target-feature=+crt-static -C relocation-model=static ${remap[*]}"

cd "$scratch"
for ((i = 0; i < ${#parts[@]}; i += 3)); do
  manifest=$root/${parts[i]} bin=${parts[i + 1]} out=$root/${parts[i + 2]}
  echo "cargo_build: $bin for $triple" >&2
  cargo build --frozen --release -j"${RST_JOBS:-2}" -Zbuild-std=std,panic_abort --target "$triple" \
    --manifest-path "$manifest" --bin "$bin" \
    --config 'source.crates-io.replace-with="rst-vendored"' \
    --config "source.rst-vendored.directory=\"$scratch/vendor\"" \
    ${RST_CARGO_VERBOSE:+-v}
  cp "$scratch/target/$triple/release/$bin" "$out"
done
