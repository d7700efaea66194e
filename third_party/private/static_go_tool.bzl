"""static_go_tool: one of our Go tools (podman, buildah, skopeo) and its test on every architecture."""

load("@io_bazel_rules_go//go:def.bzl", "go_binary")
load("//tools/archtest:arch_test.bzl", "arch_test")
load(":strip_debug.bzl", "strip_debug")

# Tags a static build from this repository must set or must not set, and why. A wrong set would
# otherwise surface as a cgo dependency on a C library we do not build, or a binary that can
# only work dynamically.
_REQUIRED_TAGS = {
    "containers_image_openpgp": "without it containers/image signs and verifies through gpgme (cgo, libgpgme), which is not built here",
    "exclude_graphdriver_btrfs": "without it containers/storage's btrfs driver needs the btrfs headers and cgo, which are not built here",
}
_FORBIDDEN_TAGS = {
    "systemd": "it makes the binary dlopen libsystemd, which a static binary cannot do",
}

def _check_tags(name, gotags):
    for tag, why in _REQUIRED_TAGS.items():
        if tag not in gotags:
            fail("static_go_tool(%s): gotags must include %r: %s" % (name, tag, why))
    for tag, why in _FORBIDDEN_TAGS.items():
        if tag in gotags:
            fail("static_go_tool(%s): gotags must not include %r: %s" % (name, tag, why))

def static_go_binary(name, embed, gotags = [], x_defs = {}, visibility = ["//visibility:public"], testonly = False):
    """A Go program built as our shipped ones are: static (cgo through the zig toolchain), mimalloc's malloc, no DWARF, no build id.

    It keeps its symbol table, so that stock govulncheck reads which functions it holds (without
    one it can only go by module versions and reports every advisory of a linked version); the
    DWARF zig links in (its libc's, naming zig's cache directory) is removed after the link
    (strip_debug), which keeps the program reproducible.

    Args:
      name: the program's name.
      embed: its command's go_library.
      gotags: build tags.
      x_defs: version stamping.
      visibility: the binary's visibility.
      testonly: a test's subject.
    """
    go_binary(
        name = name + "_linked",
        embed = [embed],
        gotags = gotags,
        pure = "off",
        static = "on",
        # the cgo parts (sqlite, libseccomp, the runtime's thread start) allocate through C's
        # malloc: mimalloc's, not musl's (a cgo file in the main package links it)
        srcs = ["//third_party/mimalloc:gomain/mimalloc.go"],
        cgo = True,
        cdeps = ["//third_party/mimalloc"],
        x_defs = x_defs,
        # no build id (-trimpath is rules_go's default); neither -s nor -w, which Go hands the
        # external linker as a strip that zig makes total (the symbol table too): the DWARF goes
        # after the link
        gc_linkopts = ["-buildid="],
        visibility = ["//visibility:private"],
        testonly = testonly,
    )
    strip_debug(
        name = name,
        binary = ":" + name + "_linked",
        visibility = visibility,
        testonly = testonly,
    )

def static_go_tool(name, embed, gotags, x_defs, test_srcs, test_arch_data = {}, test_args = [], test_data = [], helpers = {}):
    """Declares a static Go tool and its test on every architecture.

    go_binary `name` is static (cgo through the zig toolchain), its symbol table kept and no DWARF, with no build id (its
    bundle_part builds it for each architecture); arch_test `<name>_test` checks and runs it on
    every architecture, with the package's go.mod to read the pinned version.

    Args:
      name: the tool's name.
      embed: the upstream command's go_library.
      gotags: build tags, as upstream's static build sets them (gazelle gets them too, in
        <name>.MODULE.bazel).
      x_defs: version stamping as upstream's Makefile does it, with fixed values.
      test_srcs: the Go test that runs the tool.
      test_arch_data: arch_test's arch_data: executables the test needs for each architecture.
      test_args: more arguments of the test (after -gomod).
      test_data: more runfiles of the test (e.g. //third_party:pins.json).
      helpers: name -> go_library of another upstream command shipped with the tool (e.g.
        podman's quadlet), built the same way.
    """
    _check_tags(name, gotags)
    static_go_binary(name, embed, gotags, x_defs)
    for helper, lib in helpers.items():
        static_go_binary(helper, lib, gotags, x_defs)
    arch_test(
        name = name + "_test",
        size = "large",
        srcs = test_srcs,
        args = ["-gomod=$(rlocationpath :go.mod)"] + test_args,
        binary = ":" + name,
        arch_data = test_arch_data,
        data = [":go.mod"] + test_data,
        deps = [
            "//tools/elfcheck",
            "//tools/ocitest",
        ],
    )
