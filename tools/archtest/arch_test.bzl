"""arch_test: a Go test that checks and runs one build of a binary per architecture in ARCHS."""

load("@io_bazel_rules_go//go:def.bzl", "go_test")
load("//platforms:archs.bzl", "ARCHS", "platform_name")
load("//platforms:platform_binary.bzl", "platform_binary")

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

def arch_test(name, binary, srcs, deps = [], args = [], data = [], binaries_name = None, arch_data = {}, cpu_variants = {}, **kwargs):
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
      arch_data: key -> executable built for every architecture too (e.g. a container's
        payload, or the runtime the binary drives); the test finds the build for a binary's
        architecture with Binary.Data(t, key).
      cpu_variants: CPU feature -> {goarch: label}: second builds of the binary for CPUs with
        that feature (e.g. {"avx2": {"amd64": ":pasta.avx2_amd64"}}); the test runs them as
        binaries under test too (subtest <goarch>+<feature>), skipped where the CPU lacks it.
      **kwargs: passed to go_test.
    """
    machine = {arch.go: arch.elf_machine for arch in ARCHS}
    variants = [(feature, goarch, label) for feature, builds in sorted(cpu_variants.items()) for goarch, label in sorted(builds.items())]
    if binaries_name:
        built = arch_binaries(binaries_name, binary, visibility = ["//visibility:public"])
    else:
        built = arch_binaries(name + "_bin", binary, testonly = True)
    extra = []
    for key, exe in sorted(arch_data.items()):
        for arch, label in arch_binaries("{}_{}".format(name, key), exe, testonly = True):
            extra.append((key, arch, label))
    go_test(
        name = name,
        srcs = srcs,
        data = [label for _, label in built] + [label for _, _, label in extra] + [label for _, _, label in variants] + data,
        args = ["-binary={}:{}:$(rlocationpath {})".format(arch.go, arch.elf_machine, label) for arch, label in built] +
               ["-binary={}+{}:{}:$(rlocationpath {})".format(goarch, feature, machine[goarch], label) for feature, goarch, label in variants] +
               ["-arch_data={}:{}:$(rlocationpath {})".format(key, arch.go, label) for key, arch, label in extra] + args,
        deps = deps + ["//tools/archtest"],
        **kwargs
    )
