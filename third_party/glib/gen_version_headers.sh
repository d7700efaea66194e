#!/bin/sh
# gen_version_headers.sh MESON_BUILD GVERSIONMACROS_H_IN GLIBCONFIG_H OUT_GVERSIONMACROS_H OUT_GLIB_VISIBILITY_H
#
# What glib's tools/gen-visibility-macros.py writes for glib/gversionmacros.h ("versions-macros")
# and glib/glib-visibility.h ("visibility-macros GLIB"), in POSIX sh so that no Python enters the
# build; the output is byte-identical to the script's for glib 2.88.0. The version is read from
# glib's meson.build, and the build stops if our hand-written glibconfig.h is for another version.
set -eu
meson_build=$1 template=$2 glibconfig=$3 out_versions=$4 out_visibility=$5

version=$(sed -n "s/^  version : '\([0-9.]*\)',\$/\1/p" "$meson_build" | head -n 1)
major=${version%%.*} rest=${version#*.}
minor=${rest%%.*} micro=${rest#*.}
[ "$major" = 2 ] && [ -n "$minor" ] || { echo "cannot read glib's version from $meson_build" >&2; exit 1; }
for f in MAJOR:$major MINOR:$minor MICRO:$micro; do
  grep -q "^#define GLIB_${f%%:*}_VERSION ${f#*:}\$" "$glibconfig" || {
    echo "$glibconfig is not for glib $version (GLIB_${f%%:*}_VERSION): redo the hand-written headers for this version" >&2
    exit 1
  }
done

# gversionmacros.h: the template, with the line holding @GLIB_VERSIONS@ replaced by one block per
# even minor version 2 .. current+1.
: >"$out_versions"
while IFS= read -r line || [ -n "$line" ]; do
  case $line in
  *@GLIB_VERSIONS@*)
    m=2
    while [ "$m" -le $((minor + 1)) ]; do
      since=$m
      [ "$since" -ge 32 ] || since=32
      cat >>"$out_versions" <<BLOCK
/**
* GLIB_VERSION_2_$m:
*
* A macro that evaluates to the 2.$m version of GLib, in a format
* that can be used by the C pre-processor.
*
* Since: 2.$since
*/
#define GLIB_VERSION_2_$m       (G_ENCODE_VERSION (2, $m))
BLOCK
      m=$((m + 2))
    done
    ;;
  *) printf '%s\n' "$line" >>"$out_versions" ;;
  esac
done <"$template"

# glib-visibility.h for the GLIB namespace: fixed preamble, then one block per even minor version
# 26 .. current+1.
ns=GLIB
cat >"$out_visibility" <<BLOCK
#pragma once

#if (defined(_WIN32) || defined(__CYGWIN__)) && !defined(${ns}_STATIC_COMPILATION)
#  define _${ns}_EXPORT __declspec(dllexport)
#  define _${ns}_IMPORT __declspec(dllimport)
#elif __GNUC__ >= 4
#  define _${ns}_EXPORT __attribute__((visibility("default")))
#  define _${ns}_IMPORT
#else
#  define _${ns}_EXPORT
#  define _${ns}_IMPORT
#endif
#ifdef ${ns}_COMPILATION
#  define _${ns}_API _${ns}_EXPORT
#else
#  define _${ns}_API _${ns}_IMPORT
#endif

#define _${ns}_EXTERN _${ns}_API extern

#define ${ns}_VAR _${ns}_EXTERN
#define ${ns}_AVAILABLE_IN_ALL _${ns}_EXTERN

#ifdef GLIB_DISABLE_DEPRECATION_WARNINGS
#define ${ns}_DEPRECATED _${ns}_EXTERN
#define ${ns}_DEPRECATED_FOR(f) _${ns}_EXTERN
#define ${ns}_UNAVAILABLE(maj,min) _${ns}_EXTERN
#define ${ns}_UNAVAILABLE_STATIC_INLINE(maj,min)
#else
#define ${ns}_DEPRECATED G_DEPRECATED _${ns}_EXTERN
#define ${ns}_DEPRECATED_FOR(f) G_DEPRECATED_FOR(f) _${ns}_EXTERN
#define ${ns}_UNAVAILABLE(maj,min) G_UNAVAILABLE(maj,min) _${ns}_EXTERN
#define ${ns}_UNAVAILABLE_STATIC_INLINE(maj,min) G_UNAVAILABLE(maj,min)
#endif
BLOCK
m=26
while [ "$m" -le $((minor + 1)) ]; do
  cat >>"$out_visibility" <<BLOCK

#if GLIB_VERSION_MIN_REQUIRED >= GLIB_VERSION_2_$m
#define ${ns}_DEPRECATED_IN_2_$m ${ns}_DEPRECATED
#define ${ns}_DEPRECATED_IN_2_${m}_FOR(f) ${ns}_DEPRECATED_FOR (f)
#define ${ns}_DEPRECATED_MACRO_IN_2_$m GLIB_DEPRECATED_MACRO
#define ${ns}_DEPRECATED_MACRO_IN_2_${m}_FOR(f) GLIB_DEPRECATED_MACRO_FOR (f)
#define ${ns}_DEPRECATED_ENUMERATOR_IN_2_$m GLIB_DEPRECATED_ENUMERATOR
#define ${ns}_DEPRECATED_ENUMERATOR_IN_2_${m}_FOR(f) GLIB_DEPRECATED_ENUMERATOR_FOR (f)
#define ${ns}_DEPRECATED_TYPE_IN_2_$m GLIB_DEPRECATED_TYPE
#define ${ns}_DEPRECATED_TYPE_IN_2_${m}_FOR(f) GLIB_DEPRECATED_TYPE_FOR (f)
#else
#define ${ns}_DEPRECATED_IN_2_$m _${ns}_EXTERN
#define ${ns}_DEPRECATED_IN_2_${m}_FOR(f) _${ns}_EXTERN
#define ${ns}_DEPRECATED_MACRO_IN_2_$m
#define ${ns}_DEPRECATED_MACRO_IN_2_${m}_FOR(f)
#define ${ns}_DEPRECATED_ENUMERATOR_IN_2_$m
#define ${ns}_DEPRECATED_ENUMERATOR_IN_2_${m}_FOR(f)
#define ${ns}_DEPRECATED_TYPE_IN_2_$m
#define ${ns}_DEPRECATED_TYPE_IN_2_${m}_FOR(f)
#endif

#if GLIB_VERSION_MAX_ALLOWED < GLIB_VERSION_2_$m
#define ${ns}_AVAILABLE_IN_2_$m ${ns}_UNAVAILABLE (2, $m)
#define ${ns}_AVAILABLE_STATIC_INLINE_IN_2_$m GLIB_UNAVAILABLE_STATIC_INLINE (2, $m)
#define ${ns}_AVAILABLE_MACRO_IN_2_$m GLIB_UNAVAILABLE_MACRO (2, $m)
#define ${ns}_AVAILABLE_ENUMERATOR_IN_2_$m GLIB_UNAVAILABLE_ENUMERATOR (2, $m)
#define ${ns}_AVAILABLE_TYPE_IN_2_$m GLIB_UNAVAILABLE_TYPE (2, $m)
#else
#define ${ns}_AVAILABLE_IN_2_$m _${ns}_EXTERN
#define ${ns}_AVAILABLE_STATIC_INLINE_IN_2_$m
#define ${ns}_AVAILABLE_MACRO_IN_2_$m
#define ${ns}_AVAILABLE_ENUMERATOR_IN_2_$m
#define ${ns}_AVAILABLE_TYPE_IN_2_$m
#endif
BLOCK
  m=$((m + 2))
done
