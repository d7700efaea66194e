/* libfuse's private fuse_config.h (meson.build's private_cfg), written by hand: the values meson's
 * checks give against zig's musl (1.2.5) and Linux headers, for x86_64 and aarch64 alike. */

#define PACKAGE_VERSION "3.18.3"

/* functions musl has */
#define HAVE_COPY_FILE_RANGE 1
#define HAVE_FALLOCATE 1
#define HAVE_FDATASYNC 1
#define HAVE_FORK 1
#define HAVE_FSTATAT 1
#define HAVE_OPENAT 1
#define HAVE_PIPE2 1
#define HAVE_POSIX_FALLOCATE 1
#define HAVE_PTHREAD_SETNAME_NP 1
#define HAVE_READLINKAT 1
#define HAVE_SETXATTR 1
#define HAVE_SPLICE 1
#define HAVE_STATX 1
#define HAVE_UTIMENSAT 1
#define HAVE_VMSPLICE 1

/* headers and struct members */
#define HAVE_LINUX_LIMITS_H 1
#define HAVE_STRUCT_STAT_ST_ATIM 1
#define HAVE_SYS_XATTR_H 1
#undef HAVE_STRUCT_STAT_ST_ATIMESPEC /* BSD spelling */

/* musl has no close_range() wrapper (fusermount3 then closes inherited fds one by one) */
#undef HAVE_CLOSE_RANGE
/* musl's <sys/syscall.h> has no SYS_listmount (fusermount3 counts FUSE mounts in /etc/mtab) */
#undef HAVE_LISTMOUNT
/* musl has no <execinfo.h> */
#undef HAVE_BACKTRACE
/* FreeBSD only */
#undef HAVE_FSPACECTL
/* musl has iconv, but the iconv module (-o modules=iconv) is left out: fuse-overlayfs uses no
 * modules, and musl's iconv knows few charsets */
#undef HAVE_ICONV

/* options left at upstream's defaults for a release build: no USDT probes, no io_uring
 * (needs liburing and libnuma), no custom io (unsafe by upstream's own warning) */
#undef USDT_ENABLED
#undef HAVE_URING
#undef HAVE_CUSTOM_IO
