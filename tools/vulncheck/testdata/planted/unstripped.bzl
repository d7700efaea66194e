"""unstripped_binary: a binary built with its symbol table (Bazel's --strip=never), whatever the command line says."""

def _never_strip_impl(_settings, _attr):
    return {"//command_line_option:strip": "never"}

_never_strip = transition(
    implementation = _never_strip_impl,
    inputs = [],
    outputs = ["//command_line_option:strip"],
)

def _unstripped_binary_impl(ctx):
    exe = ctx.attr.binary[0][DefaultInfo].files_to_run.executable
    out = ctx.actions.declare_file(ctx.label.name + "/" + exe.basename)
    ctx.actions.symlink(output = out, target_file = exe, is_executable = True)
    return [DefaultInfo(files = depset([out]), executable = out)]

unstripped_binary = rule(
    implementation = _unstripped_binary_impl,
    doc = "Presents `binary` built with --strip=never (rules_go strips fastbuild binaries otherwise).",
    attrs = {
        "binary": attr.label(mandatory = True, executable = True, cfg = _never_strip),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
    executable = True,
)
