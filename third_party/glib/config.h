/* config.h for the pinned glib's core library (glib/) built by Bazel with zig cc for linux musl,
 * x86_64 and aarch64. Values: what glib's meson writes for
 * `meson setup --cross-file <x86_64|aarch64>-linux-musl -Ddefault_library=static -Dnls=disabled
 *  -Dselinux=disabled -Dlibmount=disabled -Dsysprof=disabled ...` (meson 1.7.0 run with our zig
 * for both targets; the two results differ only in G_VA_COPY_AS_ARRAY, see glibconfig.h).
 * Kept: only the macros that the sources BUILD.glib.bazel compiles (and glib's headers) test;
 * meson's other ~130 defines are for gio/gobject/gmodule or for sources conmon does not pull in. */
#pragma once

/* ---- package and version ---- */
#define GETTEXT_PACKAGE "glib20"
#define GLIB_MAJOR_VERSION 2
#define GLIB_MINOR_VERSION 88
#define GLIB_MICRO_VERSION 0
/* glib always sets ENABLE_NLS (-Dnls only decides whether translations are installed); musl's
 * libc carries gettext/textdomain itself, so no libintl is linked. No catalogues are shipped:
 * messages stay in English. */
#define ENABLE_NLS 1
#define HAVE_BIND_TEXTDOMAIN_CODESET
#define GLIB_LOCALE_DIR "/usr/share/locale"

/* ---- -D options of the meson setup ---- */
/* -Dsysprof=disabled: no libsysprof-capture tracing (gtrace.c is not built either) */
#undef HAVE_SYSPROF

/* ---- printf: musl's passes meson's C99/Unix98 run checks, so no gnulib printf (glib/gnulib) ---- */
#define USE_SYSTEM_PRINTF
#define HAVE_VASPRINTF 1

/* ---- type sizes (LP64 on both targets) ---- */
#define SIZEOF_CHAR 1
#define SIZEOF_INT 4
#define SIZEOF_VOID_P 8
#define HAVE_SIG_ATOMIC_T 1
/* clang has unsigned __int128 on both targets (gmain.c's timeout arithmetic) */
#define HAVE_UINT128_T 1

/* ---- compiler ---- */
#define _GNU_SOURCE 1
/* clang's __sync_swap builtin (gatomic.h) */
#define _GLIB_GCC_HAVE_SYNC_SWAP
#define HAVE_STDATOMIC_H 1
#define HAVE_STDCKDINT_H 1

/* ---- threads: POSIX threads, futex-based GMutex/GCond (gthread-posix.c) ---- */
#define THREADS_POSIX 1
#define HAVE_FUTEX 1
#define HAVE_PTHREAD_ATTR_SETINHERITSCHED 1
#define HAVE_PTHREAD_ATTR_SETSTACKSIZE 1
#define HAVE_PTHREAD_CONDATTR_SETCLOCK 1
#define HAVE_PTHREAD_GETAFFINITY_NP 1
#define HAVE_PTHREAD_GETNAME_NP 1
/* musl's pthread_setname_np(pthread_t, const char *) */
#define HAVE_PTHREAD_SETNAME_NP_WITH_TID 1
#define HAVE_SCHED_H 1

/* ---- headers musl has ---- */
#define HAVE_FTW_H 1
#define HAVE_POLL_H 1
#define HAVE_SPAWN_H 1
#define HAVE_STDINT_H 1
#define HAVE_SYSLOG_H 1
#define HAVE_SYS_AUXV_H 1
#define HAVE_SYS_PARAM_H 1
#define HAVE_SYS_PRCTL_H 1
#define HAVE_SYS_RESOURCE_H 1
#define HAVE_SYS_SELECT_H 1
#define HAVE_SYS_TIME_H 1

/* ---- functions musl has (meson's cc.has_function / cc.links checks) ---- */
#define HAVE_ALIGNED_ALLOC 1
#define HAVE_EVENTFD 1
#define HAVE_FALLOCATE 1
#define HAVE_FSYNC 1
#define HAVE_GETAUXVAL 1
#define HAVE_GETPWUID_R 1
#define HAVE_GETRESUID 1
#define HAVE_GMTIME_R 1
#define HAVE_ISSETUGID 1
#define HAVE_LOCALTIME_R 1
#define HAVE_LSTAT 1
#define HAVE_MEMALIGN 1
#define HAVE_MEMMEM 1
#define HAVE_MKOSTEMP 1
#define HAVE_NEWLOCALE 1
#define HAVE_PIPE2 1
#define HAVE_POLL 1
#define HAVE_POSIX_MEMALIGN 1
#define HAVE_POSIX_SPAWN 1
#define HAVE_PPOLL 1
#define HAVE_PRCTL 1
#define HAVE_READLINK 1
#define HAVE_SETENV 1
#define HAVE_STPCPY 1
#define HAVE_STRCASECMP 1
#define HAVE_STRERROR_R 1
#define HAVE_STRLCPY 1
#define HAVE_STRNCASECMP 1
#define HAVE_STRSIGNAL 1
#define HAVE_STRTOD_L 1
#define HAVE_TIMEGM 1
#define HAVE_UNSETENV 1
#define HAVE_USELOCALE 1
/* nl_langinfo (CODESET) links: glib asks libc for the locale's charset */
#define HAVE_CODESET 1
#define HAVE_LANGINFO_CODESET 1

/* ---- Linux kernel interfaces (compile checks of the headers; used at run time if present) ---- */
/* pidfd_open/waitid(P_PIDFD): child watches without SIGCHLD when the kernel has them (>= 5.3) */
#define HAVE_PIDFD 1
/* goption.c reads /proc/self/cmdline for the program name */
#define HAVE_PROC_SELF_CMDLINE
