"""CcToolchainConfigInfo for zig cc targeting one <cpu>-linux-musl triple."""

load("@rules_cc//cc:action_names.bzl", "ALL_CC_COMPILE_ACTION_NAMES", "ALL_CC_LINK_ACTION_NAMES")
load("@rules_cc//cc:cc_toolchain_config_lib.bzl", "feature", "flag_group", "flag_set", "tool_path")
load("@rules_cc//cc:defs.bzl", "CcToolchainConfigInfo", "cc_common")

def _flags(name, actions, flags):
    return feature(
        name = name,
        enabled = True,
        flag_sets = [flag_set(actions = actions, flag_groups = [flag_group(flags = flags)])],
    )

def _impl(ctx):
    target = ["-target", ctx.attr.triple]
    features = [
        feature(name = "supports_pic", enabled = True),
        _flags("default_compile_flags", ALL_CC_COMPILE_ACTION_NAMES, target + [
            "-O2",
            "-fno-omit-frame-pointer",
            # reproducible: no build time or host paths in objects
            "-Wno-builtin-macro-redefined",
            "-D__DATE__=\"redacted\"",
            "-D__TIMESTAMP__=\"redacted\"",
            "-D__TIME__=\"redacted\"",
            "-fno-ident",
        ]),
        # Static musl executables with no symbols or debug info (which would carry zig's paths).
        # -O2 here sets how zig builds the libc and compiler_rt it links (debug builds add ubsan).
        # --strip-all only where Bazel links (its output path is known): rules_go asks for the
        # link flags without one and links the Go programs without it, keeping their symbol
        # table for govulncheck; static_go_binary then removes zig's DWARF (//tools/stripdebug).
        feature(
            name = "default_link_flags",
            enabled = True,
            flag_sets = [flag_set(actions = ALL_CC_LINK_ACTION_NAMES, flag_groups = [
                flag_group(flags = target + ["-O2", "-static"]),
                flag_group(flags = ["-Wl,--strip-all"], expand_if_available = "output_execpath"),
                flag_group(flags = ["-Wl,--build-id=none"]),
            ])],
        ),
    ]
    return cc_common.create_cc_toolchain_config_info(
        ctx = ctx,
        features = features,
        toolchain_identifier = "zig-" + ctx.attr.triple,
        host_system_name = "x86_64-linux-gnu",
        target_system_name = ctx.attr.triple,
        target_cpu = ctx.attr.cpu,
        target_libc = "musl",
        compiler = "clang",
        abi_version = "unknown",
        abi_libc_version = "unknown",
        tool_paths = [
            tool_path(name = "gcc", path = "bin/zig-cc"),
            tool_path(name = "cpp", path = "bin/zig-cc"),
            tool_path(name = "ld", path = "bin/zig-cc"),
            tool_path(name = "ar", path = "bin/zig-ar"),
            # zig has no nm/objdump/strip/gcov; nothing in this build calls them
            tool_path(name = "nm", path = "/bin/false"),
            tool_path(name = "objdump", path = "/bin/false"),
            tool_path(name = "strip", path = "/bin/false"),
            tool_path(name = "gcov", path = "/bin/false"),
        ],
        cxx_builtin_include_directories = ctx.attr.builtin_include_directories,
    )

zig_cc_toolchain_config = rule(
    implementation = _impl,
    attrs = {
        "builtin_include_directories": attr.string_list(),
        "cpu": attr.string(mandatory = True),
        "triple": attr.string(mandatory = True),
    },
    provides = [CcToolchainConfigInfo],
)
