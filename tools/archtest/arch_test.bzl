"""arch_test: a Go test that checks and runs one build of a binary per architecture in ARCHS.

Each architecture is a test target of its own (<name>_<goarch>, all of them in the test_suite
<name>): a slow or flaky emulated architecture re-runs alone, the others stay cached. The Go test
is compiled once (<name>_all_arches, tagged manual: run by the per-architecture targets, or by
hand for every architecture at once).
"""

load("@io_bazel_rules_go//go:def.bzl", "go_test")
load("//platforms:archs.bzl", "ARCHS", "platform_label")
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
            platform = platform_label(arch),
            **kwargs
        )
        out.append((arch, ":" + label))
    return out

def _test_args(goarches, built, variants, extra, args):
    """The test's arguments for the builds of these architectures (and every arch's arch_data)."""
    machine = {arch.go: arch.elf_machine for arch in ARCHS}
    return ["-binary={}:{}:$(rlocationpath {})".format(arch.go, arch.elf_machine, label) for arch, label in built if arch.go in goarches] + \
           ["-binary={}+{}:{}:$(rlocationpath {})".format(goarch, feature, machine[goarch], label) for feature, goarch, label in variants if goarch in goarches] + \
           ["-arch_data={}:{}:$(rlocationpath {})".format(key, arch.go, label) for key, arch, label in extra] + args

def _quote(s):
    return "'" + s.replace("'", "'\\''") + "'"

def _arch_run_impl(ctx):
    exe = ctx.executable.test
    launcher = ctx.actions.declare_file(ctx.label.name + ".sh")
    args = [ctx.expand_location(a, ctx.attr.data) for a in ctx.attr.test_args]
    ctx.actions.write(
        output = launcher,
        content = "#!/bin/bash\n# %s: the Go test %s for one architecture\nexec \"$TEST_SRCDIR/%s/%s\" %s \"$@\"\n" % (
            ctx.label.name,
            ctx.attr.test.label.name,
            ctx.workspace_name,
            exe.short_path,
            " ".join([_quote(a) for a in args]),
        ),
        is_executable = True,
    )
    runfiles = ctx.runfiles(files = [exe]).merge(ctx.attr.test[DefaultInfo].default_runfiles)
    return [DefaultInfo(executable = launcher, runfiles = runfiles)]

_arch_run_test = rule(
    implementation = _arch_run_impl,
    doc = "Runs a compiled go_test with the arguments of one architecture.",
    attrs = {
        "data": attr.label_list(allow_files = True, doc = "What the arguments' $(rlocationpath) name (the test's runfiles already hold them)."),
        "test": attr.label(mandatory = True, executable = True, cfg = "target"),
        "test_args": attr.string_list(),
    },
    test = True,
)

# go_test attributes that belong to the per-architecture targets (how Bazel runs a test)
_RUN_ATTRS = ["size", "timeout", "flaky", "shard_count", "local", "env", "env_inherit"]

def arch_test(name, binary, srcs, deps = [], args = [], data = [], arch_data = {}, cpu_variants = {}, tags = [], **kwargs):
    """Test suite `name`: a go_test over `binary` built for every architecture, one target each.

    Target <name>_<goarch> passes the test -binary=<goarch>:<ELF machine>:<rlocationpath> of
    <name>_bin_<goarch> (the binary built for that architecture; testonly: what ships is built by
    the part's bundle_part) and its cpu_variants; the //tools/archtest package parses them, checks
    each binary is static and runs it. Every target gets every architecture's arch_data (a test
    may run a helper natively beside an emulated binary).

    Args:
      name: the go_test's name.
      binary: the executable under test.
      srcs: the test's Go sources.
      deps: more Go dependencies (//tools/archtest is added).
      args: more test arguments.
      data: more runfiles.
      arch_data: key -> executable built for every architecture too (e.g. a container's
        payload, or the runtime the binary drives); the test finds the build for a binary's
        architecture with Binary.Data(t, key).
      cpu_variants: CPU feature -> {goarch: label}: second builds of the binary for CPUs with
        that feature (e.g. {"avx2": {"amd64": ":pasta.avx2_amd64"}}); the test runs them as
        binaries under test too (subtest <goarch>+<feature>), skipped where the CPU lacks it.
      tags: of the per-architecture tests.
      **kwargs: passed to go_test; size, timeout, flaky, shard_count, local, env and env_inherit
        to the per-architecture tests.
    """
    variants = [(feature, goarch, label) for feature, builds in sorted(cpu_variants.items()) for goarch, label in sorted(builds.items())]
    built = arch_binaries(name + "_bin", binary, testonly = True)
    extra = []
    for key, exe in sorted(arch_data.items()):
        for arch, label in arch_binaries("{}_{}".format(name, key), exe, testonly = True):
            extra.append((key, arch, label))
    run_kwargs = {k: kwargs.pop(k) for k in _RUN_ATTRS if k in kwargs}
    all_data = [label for _, label in built] + [label for _, _, label in extra] + [label for _, _, label in variants] + data

    go_test(
        name = name + "_all_arches",
        srcs = srcs,
        data = all_data,
        args = _test_args([arch.go for arch, _ in built], built, variants, extra, args),
        deps = deps + ["//tools/archtest"],
        tags = ["manual"],
        **(kwargs | run_kwargs)
    )
    for arch, _ in built:
        _arch_run_test(
            name = "{}_{}".format(name, arch.go),
            test = ":{}_all_arches".format(name),
            data = all_data,
            test_args = _test_args([arch.go], built, variants, extra, args),
            tags = tags,
            **run_kwargs
        )
    native.test_suite(
        name = name,
        tests = ["{}_{}".format(name, arch.go) for arch, _ in built],
    )
