/* libfuse's public libfuse_config.h (meson.build's public_cfg), written by hand for musl. */

#define FUSE_MAJOR_VERSION 3
#define FUSE_MINOR_VERSION 18
#define FUSE_HOTFIX_VERSION 3
#define FUSE_RC_VERSION

/* LIBFUSE_BUILT_WITH_VERSIONED_SYMBOLS stays undefined (meson would set it for musl): the .symver
 * aliases only mean something in a shared library linked with fuse_versionscript; in our static
 * library the headers map fuse_parse_cmdline & co. to their versioned names instead (compat.c). */
