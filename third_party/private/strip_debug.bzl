"""strip_debug: a program without the DWARF its linker put in, its symbol table kept (//tools/stripdebug)."""

def _strip_debug_impl(ctx):
    exe = ctx.attr.binary[DefaultInfo].files_to_run.executable
    out = ctx.actions.declare_file(ctx.label.name + "_/" + ctx.label.name)
    ctx.actions.run(
        executable = ctx.executable._stripdebug,
        arguments = [exe.path, out.path],
        inputs = [exe],
        outputs = [out],
        mnemonic = "StripDebug",
        progress_message = "Removing the DWARF of %{label}",
    )
    return [DefaultInfo(files = depset([out]), executable = out, runfiles = ctx.runfiles([out]))]

strip_debug = rule(
    implementation = _strip_debug_impl,
    doc = "`binary` (an ELF program) without its .debug_* sections, named after this target.",
    attrs = {
        "binary": attr.label(mandatory = True, executable = True, cfg = "target"),
        "_stripdebug": attr.label(default = "//tools/stripdebug", executable = True, cfg = "exec"),
    },
    executable = True,
)
