/* config.h for crun 1.21 built by Bazel with zig cc for linux-musl (x86_64 and aarch64): what
 * `./configure --enable-embedded-yajl --disable-systemd --disable-criu --disable-dl
 * --disable-shared` finds there (checked with zig cc against the same headers and musl; both
 * architectures give the same answers). Only the defines config.h.in knows; every #undef of
 * config.h.in not listed here stays undefined. Also used by the bundled libocispec (its own
 * config.h has header checks only, which none of its files test). */

#define PACKAGE "crun"
#define PACKAGE_NAME "crun"
#define PACKAGE_TARNAME "crun"
/* AC_INIT's version: build-aux/git-version-gen reads the tarball's .tarball-version ("1.21") */
#define PACKAGE_VERSION "1.21"
#define VERSION "1.21"
#define PACKAGE_STRING "crun 1.21"
#define PACKAGE_BUGREPORT "giuseppe@scrivano.org"
#define PACKAGE_URL ""

/* static build, no dynamic libcrun: the symbols stay default-visible inside the one binary */
#define LIBCRUN_PUBLIC __attribute__((visibility("default"))) extern

/* standard headers (AC_INCLUDES_DEFAULT) */
#define STDC_HEADERS 1
#define HAVE_INTTYPES_H 1
#define HAVE_STDINT_H 1
#define HAVE_STDLIB_H 1
#define HAVE_STRINGS_H 1
#define HAVE_STRING_H 1
#define HAVE_SYS_STAT_H 1
#define HAVE_SYS_TYPES_H 1
#define HAVE_UNISTD_H 1
#define HAVE_DLFCN_H 1

/* AC_CHECK_HEADERS: musl has no <error.h> (crun's error.h then defines its own error()) */
#define HAVE_LINUX_OPENAT2_H 1
#define HAVE_STDATOMIC_H 1
#define HAVE_LINUX_IOPRIO_H 1
#define HAVE_ATOMIC_INT 1

/* AC_CHECK_FUNCS: musl has all but fgetpwent_r (crun then uses its own fallback) */
#define HAVE_EACCESS 1
#define HAVE_HSEARCH_R 1
#define HAVE_COPY_FILE_RANGE 1
#define HAVE_FGETXATTR 1
#define HAVE_STATX 1
#define HAVE_ISSETUGID 1
#define HAVE_MEMFD_CREATE 1

/* libcap (//third_party/libcap) */
#define HAVE_SYS_CAPABILITY_H 1
#define HAVE_CAP 1

/* libseccomp 2.6.0 (//third_party/libseccomp), which has seccomp_arch_resolve_name */
#define HAVE_SECCOMP_H 1
#define HAVE_SECCOMP 1
#define SECCOMP_ARCH_RESOLVE_NAME 1
/* the kernel headers zig ships define it; without HAVE_DLOPEN no notify plugin is loaded anyway */
#define HAVE_SECCOMP_GET_NOTIF_SIZES 1

/* eBPF device filter for cgroup v2 (configure's compile test passes with zig's <linux/bpf.h>) */
#define HAVE_LINUX_BPF_H 1
#define HAVE_EBPF 1

/* new mount API: FSCONFIG_CMD_CREATE is in <linux/mount.h> (no clash with musl's <sys/mount.h>),
   musl's <sys/mount.h> itself does not define it */
#define HAVE_FSCONFIG_CMD_CREATE_LINUX_MOUNT_H 1

/* Left undefined on purpose: HAVE_SYSTEMD (--disable-systemd: no libsystemd in a static build),
   HAVE_CRIU and its *_SUPPORT (--disable-criu), HAVE_DLOPEN (--disable-dl: a static binary
   loads no handlers or plugins), HAVE_LIBKRUN, HAVE_WASMER, HAVE_WASMTIME, HAVE_WASMEDGE,
   HAVE_WAMR, HAVE_MONO, HAVE_SPIN (no such handlers),
   HAVE_YAJL (the embedded yajl is used), SHARED_LIBCRUN/DYNLOAD_LIBCRUN (static). */
