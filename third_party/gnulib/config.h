/* config.h for gnulib's argp (with getopt and basename-lgpl) built by Bazel with zig cc for
 * linux-musl: what gnulib's configure (gl_ARGP, gl_FUNC_GETOPT_POSIX, extern-inline,
 * gnulib-common) finds there, for these files only. Seen by gnulib's sources only
 * (implementation_deps): programs include //third_party/gnulib:include/argp.h. */
#define _GL_CONFIG_H_INCLUDED 1

/* extensions: musl declares program_invocation_name, strchrnul, mempcpy... under _GNU_SOURCE */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1
#endif

/* getopt-posix: musl's getopt lacks the reentrant _getopt_*_r argp needs, so gnulib replaces
   getopt (REPLACE_GETOPT=1, m4/getopt.m4 says so for musl) under rpl_ names that cannot clash
   with musl's getopt/optind. */
#define __GETOPT_PREFIX rpl_

/* argp.m4: musl declares and defines both (errno.h), so argp-pin.c defines neither. */
#define HAVE_DECL_PROGRAM_INVOCATION_NAME 1
#define HAVE_DECL_PROGRAM_INVOCATION_SHORT_NAME 1
#define HAVE_PROGRAM_INVOCATION_NAME 1
#define HAVE_PROGRAM_INVOCATION_SHORT_NAME 1
/* Not defined: argp_parse -> rpl_argp_parse (argp.m4 renames it only so that clang's ASAN does
   not intercept it; we build without ASAN, and programs call it by its documented name). */

/* argp.m4: musl's <stdio.h> declares every *_unlocked function and flockfile/funlockfile. */
#define HAVE_DECL_CLEARERR_UNLOCKED 1
#define HAVE_DECL_FEOF_UNLOCKED 1
#define HAVE_DECL_FERROR_UNLOCKED 1
#define HAVE_DECL_FFLUSH_UNLOCKED 1
#define HAVE_DECL_FGETS_UNLOCKED 1
#define HAVE_DECL_FPUTC_UNLOCKED 1
#define HAVE_DECL_FPUTS_UNLOCKED 1
#define HAVE_DECL_FREAD_UNLOCKED 1
#define HAVE_DECL_FWRITE_UNLOCKED 1
#define HAVE_DECL_GETC_UNLOCKED 1
#define HAVE_DECL_GETCHAR_UNLOCKED 1
#define HAVE_DECL_PUTC_UNLOCKED 1
#define HAVE_DECL_PUTCHAR_UNLOCKED 1
#define HAVE_FLOCKFILE 1
#define HAVE_FUNLOCKFILE 1
/* musl's strerror_r is the POSIX one (returns int): STRERROR_R_CHAR_P stays undefined. */
#define HAVE_DECL_STRERROR_R 1

/* bool and alignasof modules: getopt.c and basename-lgpl.c use bool, argp-parse.c alignof,
   as C23 keywords; before C23 they come from these headers. */
#include <stdalign.h>
#include <stdbool.h>

/* extern-inline.m4. GNU inline semantics (its branch for compilers without C99 inline):
   argp.h declares argp_usage `extern` before its inline definition, so with C99 semantics
   every file including argp.h would emit it (duplicate symbols); this way only argp-xinl.c
   and argp-fs-xinl.c (ARGP_EI = _GL_EXTERN_INLINE) emit the out-of-line copies. Same in
   include/argp.h for programs. */
#define _GL_INLINE extern inline __attribute__ ((__gnu_inline__))
#define _GL_EXTERN_INLINE extern
#define _GL_EXTERN_INLINE_IN_USE
#define _GL_INLINE_HEADER_BEGIN
#define _GL_INLINE_HEADER_END

/* gnulib-common.m4 and stdio.in.h, as they expand with clang */
#define _GL_ATTRIBUTE_FORMAT(spec) __attribute__ ((__format__ spec))
#define _GL_ATTRIBUTE_SPEC_PRINTF_STANDARD __printf__
#define _GL_ATTRIBUTE_SPEC_PRINTF_SYSTEM __printf__
/* clang takes no arguments to __malloc__ (gnulib: only GCC >= 11 gets them) */
#define _GL_ATTRIBUTE_DEALLOC(f, i)
#define _GL_ATTRIBUTE_PURE __attribute__ ((__pure__))
#define _GL_UNUSED __attribute__ ((__unused__))
