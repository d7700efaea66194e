/* fuse-overlayfs's config.h, written by hand: what configure.ac (and gnulib's gl_EARLY/gl_INIT)
 * would write for musl and our libfuse 3.18. */

/* gl_EARLY's AC_USE_SYSTEM_EXTENSIONS (the sources also define it before including this file) */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1
#endif

#define PACKAGE "fuse-overlayfs"
#define PACKAGE_NAME "fuse-overlayfs"
#define PACKAGE_TARNAME "fuse-overlayfs"
/* "1.14", not configure.ac's AC_INIT: the v1.14 tag still says "1.13-dev" (upstream
 * containers/fuse-overlayfs#438, fixed after the release); the test checks it against pins.json */
#define PACKAGE_VERSION "1.14"
#define PACKAGE_STRING "fuse-overlayfs 1.14"
#define PACKAGE_BUGREPORT "giuseppe@scrivano.org"
#define PACKAGE_URL ""
#define VERSION PACKAGE_VERSION

/* AC_CHECK_HEADERS, AC_CHECK_TYPES, AC_CHECK_FUNCS: all present in musl */
#define HAVE_FCNTL_H 1
#define HAVE_INTTYPES_H 1
#define HAVE_LIMITS_H 1
#define HAVE_STDDEF_H 1
#define HAVE_STDINT_H 1
#define HAVE_STDLIB_H 1
#define HAVE_STRING_H 1
#define HAVE_UNISTD_H 1
#define HAVE_SYS_SENDFILE_H 1
#define HAVE_STDBOOL_H 1
#define HAVE__BOOL 1
#define HAVE_PTRDIFF_T 1
#define HAVE_MALLOC 1
#define HAVE_MEMSET 1
#define HAVE_STRDUP 1
#define HAVE_OPEN_BY_HANDLE_AT 1
#define HAVE_COPY_FILE_RANGE 1
#define HAVE_STATX 1
/* musl has no error(); fuse_overlayfs_error.h then uses its own fprintf macro (it tests
 * HAVE_ERROR_H, which configure.ac never defines, so upstream always does) */
#undef HAVE_ERROR

/* configure.ac's AC_DEFINEs and its two compile checks against libfuse 3.18 (both pass) */
#define USE_DIFF_HASH 1
#define HAVE_FUSE 1
#define HAVE_FUSE_CACHE_READDIR 1
#define HAVE_FUSE_COPY_FILE_RANGE 1

/* gnulib's config.h fragments (extern-inline.m4, gnulib-common.m4) that lib/hash.c and
 * lib/bitrotate.h use, reduced to what C99 and clang need */
#define _GL_INLINE inline
#define _GL_EXTERN_INLINE extern inline
#define _GL_INLINE_HEADER_BEGIN
#define _GL_INLINE_HEADER_END
#define _GL_ATTRIBUTE_CONST __attribute__ ((__const__))
#define _GL_ATTRIBUTE_PURE __attribute__ ((__pure__))
