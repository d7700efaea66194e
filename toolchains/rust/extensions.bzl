"""The `rust` module extension: the pinned Rust toolchain and each Rust part's crates.

rust.toolchain: one repository holding rustc, cargo, the std source and protoc from the pins
of third_party/pins.json whose `toolchain` is its name (offline: Debian sid .debs from
RST_DISTDIR, with the libraries they run with; online: the official release tarballs).
rust.crates: one repository per Rust part: the part's source crate (pin `pin`) with its checked-in
Cargo.lock and patches, and every crate that lock file and the std's lock file need for the
Linux targets, unpacked as a cargo vendored-source directory under vendor/.
"""

load("//third_party:pins.bzl", "pin_record")
load("//toolchains/rust/private:repositories.bzl", "cargo_crates", "rust_toolchain_repo")

_toolchain = tag_class(attrs = {
    "name": attr.string(mandatory = True, doc = "The repository; the pins whose `toolchain` is this name make it up."),
})

_crates = tag_class(attrs = {
    "name": attr.string(mandatory = True),
    "pin": attr.string(mandatory = True, doc = "Key in third_party/pins.json of the part's source crate."),
    "lock": attr.label(mandatory = True, doc = "The part's Cargo.lock: the pin of its crates."),
    "patches": attr.label_list(doc = "Applied with -p1 to the source crate; each says why in its first lines."),
    "toolchain": attr.string(mandatory = True, doc = "Name of the rust.toolchain repository whose cargo fetches."),
})

def _rust_impl(mctx):
    pins = json.decode(mctx.read(Label("//third_party:pins.json")))
    for mod in mctx.modules:
        for tag in mod.tags.toolchain:
            selected = {k: pin_record(pins, k, "rust.toolchain") for k in pins if not k.startswith("_") and pins[k].get("toolchain") == tag.name}
            if not selected:
                fail("rust.toolchain(%s): no pin of third_party/pins.json has \"toolchain\": %r" % (tag.name, tag.name))
            rust_toolchain_repo(name = tag.name, pins = json.encode(selected))
        for tag in mod.tags.crates:
            cargo_crates(
                name = tag.name,
                pin_name = tag.pin,
                pin = json.encode(pin_record(pins, tag.pin, "rust.crates(name = %r)" % tag.name)),
                lock = tag.lock,
                patches = tag.patches,
                cargo = "@%s//:bin/cargo" % tag.toolchain,
                rustc = "@%s//:bin/rustc" % tag.toolchain,
                std_lock = "@%s//:library/Cargo.lock" % tag.toolchain,
            )
    return mctx.extension_metadata(reproducible = True)

rust = module_extension(
    implementation = _rust_impl,
    tag_classes = {"toolchain": _toolchain, "crates": _crates},
)
