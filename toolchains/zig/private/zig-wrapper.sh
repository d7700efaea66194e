#!/bin/sh
# Runs the zig next to this wrapper as one tool of Bazel's cc toolchain; the tool is this file's
# name after "zig-" (zig-cc -> `zig cc`, zig-ar -> `zig ar`). The target triple comes in the flags.
here=${0%/*}
tool=${0##*/zig-}
# zig would find its lib/ through /proc/self/exe, an absolute path outside the sandbox that Bazel
# rejects in header dependencies and that varies between machines: name it relative to here.
export ZIG_LIB_DIR="${here%/bin}/lib"
# zig caches the libc it builds per target; a fixed path shared by all sandboxed actions.
export ZIG_GLOBAL_CACHE_DIR="${ZIG_GLOBAL_CACHE_DIR:-/tmp/rst-zig-cache}"
export ZIG_LOCAL_CACHE_DIR="$ZIG_GLOBAL_CACHE_DIR"
# zig cc cannot read a source from stdin ("-"), which cgo's and configure-style probes use:
# spool it to a file (a silent miscompile otherwise).
case " $* " in
*" - "*) ;;
*) exec "$here/../zig" "$tool" "$@" ;;
esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zig-stdin.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prev=
for a do
  shift
  if [ "$a" = - ] && [ "$prev" != -o ]; then
    cat >"$tmp/stdin.c"
    set -- "$@" "$tmp/stdin.c"
  else
    set -- "$@" "$a"
  fi
  prev=$a
done
"$here/../zig" "$tool" "$@"
