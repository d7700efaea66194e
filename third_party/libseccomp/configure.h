/* configure.h for libseccomp built by Bazel with zig cc for linux-musl (what ./configure finds there). */
#define HAVE_LINUX_SECCOMP_H 1
#define HAVE_DLFCN_H 1
#define HAVE_INTTYPES_H 1
#define HAVE_STDINT_H 1
#define HAVE_STDIO_H 1
#define HAVE_STDLIB_H 1
#define HAVE_STRINGS_H 1
#define HAVE_STRING_H 1
#define HAVE_SYS_STAT_H 1
#define HAVE_SYS_TYPES_H 1
#define HAVE_UNISTD_H 1
#define STDC_HEADERS 1
#define PACKAGE "libseccomp"
#define PACKAGE_NAME "libseccomp"
