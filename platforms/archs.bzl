"""The one list of target architectures; platforms, toolchains and tests are generated from it."""

# go: GOARCH and our platform names; zig: zig's CPU name in target triples; cpu: @platforms//cpu;
# elf_machine: debug/elf's Machine name, which the static-binary check expects; rust: Rust's
# target triple (its CPU name is not always zig's: riscv64gc for zig's riscv64).
ARCHS = [
    struct(go = "amd64", zig = "x86_64", cpu = "x86_64", elf_machine = "EM_X86_64", rust = "x86_64-unknown-linux-musl"),
    struct(go = "arm64", zig = "aarch64", cpu = "aarch64", elf_machine = "EM_AARCH64", rust = "aarch64-unknown-linux-musl"),
]

# the architecture of the machines that run the build's actions: a program the build runs to write
# a file (shell completions) is taken for this architecture (elsewhere binfmt_misc's qemu runs it)
EXEC_ARCH = [a for a in ARCHS if a.go == "amd64"][0]

# hermetic_cc_toolchain spells its libc-aware platforms and toolchains linux_<goarch>_musl too.
def platform_name(arch):
    return "linux_{}_musl".format(arch.go)

def platform_label(arch):
    """The label of arch's platform (//platforms:linux_<goarch>_musl)."""
    return "//platforms:" + platform_name(arch)

def zig_triple(arch):
    return "{}-linux-musl".format(arch.zig)
