"""platform_binary: an executable built for another platform than the one on the command line."""

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
