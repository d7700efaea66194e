"""arch_test: a Go test that checks and runs one build of a binary per architecture in ARCHS."""

load("@io_bazel_rules_go//go:def.bzl", "go_test")
load("//platforms:archs.bzl", "ARCHS", "platform_name")
load("//platforms:transition.bzl", "platform_binary")

def arch_binaries(name, binary, **kwargs):
    """Declares <name>_<goarch> for each architecture: `binary` built for linux_<goarch>_musl.

    Args:
      name: prefix of the declared targets.
      binary: the executable to build for every architecture.
      **kwargs: passed to each platform_binary (e.g. testonly).

    Returns:
      The list of (arch, label) pairs.
    """
    out = []
    for arch in ARCHS:
        label = "{}_{}".format(name, arch.go)
        platform_binary(
            name = label,
            binary = binary,
            platform = "//platforms:" + platform_name(arch),
            **kwargs
        )
        out.append((arch, ":" + label))
    return out

def arch_test(name, binary, srcs, deps = [], args = [], data = [], binaries_name = None, **kwargs):
    """go_test `name` over `binary` built for every architecture.

    The test receives -binary=<goarch>:<ELF machine>:<rlocationpath> per architecture; the
    //tools/archtest package parses them, checks each binary is static and runs it.

    Args:
      name: the go_test's name.
      binary: the executable under test.
      srcs: the test's Go sources.
      deps: more Go dependencies (//tools/archtest is added).
      args: more test arguments.
      data: more runfiles.
      binaries_name: if set, the per-architecture builds are public targets
        <binaries_name>_<goarch> (e.g. a tool's release names), else testonly <name>_bin_<goarch>.
      **kwargs: passed to go_test.
    """
    if binaries_name:
        built = arch_binaries(binaries_name, binary, visibility = ["//visibility:public"])
    else:
        built = arch_binaries(name + "_bin", binary, testonly = True)
    go_test(
        name = name,
        srcs = srcs,
        data = [label for _, label in built] + data,
        args = ["-binary={}:{}:$(rlocationpath {})".format(arch.go, arch.elf_machine, label) for arch, label in built] + args,
        deps = deps + ["//tools/archtest"],
        **kwargs
    )
