"""cargo_build: Rust programs built by the pinned cargo, offline, for the target platform's arch.

rules_rust cannot be fetched here; this rule runs cargo in one action per architecture whose every
input is declared: the toolchain (@rust_toolchain), each part's patched source and vendored crates
(@<part> from rust.crates), zig (@zig_sdk). The architecture comes from the target platform's CPU
constraint, matched against platforms/archs.bzl. rust_program presents one output as an executable.
"""

load("//platforms:archs.bzl", "ARCHS", "zig_triple")

def _arch(ctx):
    for arch in ARCHS:
        if ctx.target_platform_has_constraint(getattr(ctx.attr, "_cpu_" + arch.go)[platform_common.ConstraintValueInfo]):
            return arch
    fail("%s: the target platform's CPU is none of platforms/archs.bzl" % ctx.label)

def _group(program):
    """The output group of a program ("v1/aardvark-dns" -> "v1_aardvark_dns")."""
    return program.replace("/", "_").replace("-", "_")

def _cargo_build_impl(ctx):
    arch = _arch(ctx)
    triple = arch.rust
    args = ctx.actions.args()
    args.add_all([triple, zig_triple(arch), ctx.attr.source_date_epoch])
    inputs = []
    outputs = {}
    for manifest, program in ctx.attr.programs.items():
        mf = manifest.files.to_list()[0]
        out = ctx.actions.declare_file("{}_{}/{}".format(ctx.label.name, arch.go, program))
        outputs[program] = out
        args.add_all([mf.path, program.split("/")[-1], out.path])
        inputs.append(manifest.files)
    srcs = ctx.attr.srcs
    tc = ctx.attr._toolchain[DefaultInfo]
    ctx.actions.run(
        executable = ctx.executable._script,
        arguments = [args],
        inputs = depset(transitive = inputs + [s.files for s in srcs] + [
            tc.files,
            ctx.attr._zig[DefaultInfo].files,
        ]),
        outputs = outputs.values(),
        env = {
            "RST_CARGO": ctx.file._cargo.path,
            "RST_RUSTC": ctx.file._rustc.path,
            "RST_PROTOC": ctx.file._protoc.path,
            "RST_ZIG_CC": ctx.file._zig_cc.path,
            "RST_ZIG_AR": ctx.file._zig_ar.path,
        },
        mnemonic = "CargoBuild",
        progress_message = "cargo build %s for %s" % (", ".join(outputs.keys()), triple),
        # cargo runs -j2 inside; the action counts as one job, so Bazel's other actions (see
        # .bazelrc's --jobs) fill the cores cargo's serial stretches leave idle
    )
    return [
        DefaultInfo(files = depset(outputs.values())),
        OutputGroupInfo(**{_group(program): depset([f]) for program, f in outputs.items()}),
    ]

_cpu_attrs = {
    "_cpu_" + arch.go: attr.label(default = "@platforms//cpu:" + arch.cpu)
    for arch in ARCHS
}

cargo_build = rule(
    implementation = _cargo_build_impl,
    doc = "Builds programs (manifest -> binary name) with one cargo per package, sharing one target directory.",
    attrs = dict({
        "programs": attr.label_keyed_string_dict(
            mandatory = True,
            allow_files = ["Cargo.toml"],
            doc = "A package's Cargo.toml -> the binary to build, optionally under a directory of the outputs (\"v1/netavark\": two packages with binaries of one name).",
        ),
        "source_date_epoch": attr.string(mandatory = True),
        "srcs": attr.label_list(mandatory = True, doc = "The packages' sources and vendored crates."),
        "_cargo": attr.label(default = "@rust_toolchain//:bin/cargo", allow_single_file = True),
        "_protoc": attr.label(default = "@rust_toolchain//:bin/protoc", allow_single_file = True),
        "_rustc": attr.label(default = "@rust_toolchain//:bin/rustc", allow_single_file = True),
        "_script": attr.label(default = Label("//toolchains/rust/private:cargo_build.sh"), executable = True, cfg = "exec", allow_single_file = True),
        "_toolchain": attr.label(default = "@rust_toolchain//:all"),
        "_zig": attr.label(default = "@zig_sdk//:all_files"),
        "_zig_ar": attr.label(default = "@zig_sdk//:bin/zig-ar", allow_single_file = True),
        "_zig_cc": attr.label(default = "@zig_sdk//:bin/zig-cc", allow_single_file = True),
    }, **_cpu_attrs),
)

def _rust_program_impl(ctx):
    src = getattr(ctx.attr.build[OutputGroupInfo], _group(ctx.attr.program)).to_list()[0]
    out = ctx.actions.declare_file(ctx.label.name + "_/" + ctx.attr.program.split("/")[-1])
    ctx.actions.symlink(output = out, target_file = src, is_executable = True)
    return [DefaultInfo(files = depset([out]), executable = out, runfiles = ctx.runfiles(files = [out]))]

rust_program = rule(
    implementation = _rust_program_impl,
    doc = "One program of a cargo_build, as an executable target.",
    attrs = {
        "build": attr.label(mandatory = True),
        "program": attr.string(mandatory = True),
    },
    executable = True,
)
