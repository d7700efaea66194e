"""platform_binary and platform_files: executables built for another platform than the one on the command line."""

def _platform_transition_impl(_settings, attr):
    return {"//command_line_option:platforms": str(attr.platform)}

_platform_transition = transition(
    implementation = _platform_transition_impl,
    inputs = [],
    outputs = ["//command_line_option:platforms"],
)

def _platform_binary_impl(ctx):
    binary = ctx.attr.binary[0]
    exe = binary[DefaultInfo].files_to_run.executable

    # keep the binary's own file name: tools like podman print argv[0] (<name>/podman, not <name>)
    out = ctx.actions.declare_file(ctx.label.name + "/" + exe.basename)
    ctx.actions.symlink(output = out, target_file = exe, is_executable = True)
    return [DefaultInfo(
        files = depset([out]),
        executable = out,
        runfiles = ctx.runfiles(files = [out]).merge(binary[DefaultInfo].default_runfiles),
    )]

platform_binary = rule(
    implementation = _platform_binary_impl,
    doc = "Builds `binary` for `platform` and presents it under this target's name.",
    attrs = {
        "binary": attr.label(mandatory = True, executable = True, cfg = _platform_transition),
        "platform": attr.label(mandatory = True),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
    executable = True,
)

def _platform_files_impl(ctx):
    files = []
    for target in ctx.attr.srcs:
        exe = target[DefaultInfo].files_to_run.executable
        files.extend([exe] if exe else target[DefaultInfo].files.to_list())
    return [DefaultInfo(files = depset(files))]

platform_files = rule(
    implementation = _platform_files_impl,
    doc = "The executables of `srcs` (a target without one: its files) built for `platform`, " +
          "in the configuration platform_binary builds them in (the same outputs, built once).",
    attrs = {
        "platform": attr.label(mandatory = True),
        "srcs": attr.label_list(mandatory = True, allow_files = True, cfg = _platform_transition),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
)
