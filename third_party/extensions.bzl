"""The `pins` module extension: one repository per archive pinned in third_party/pins.json."""

load("//third_party:pins.bzl", "pin_record")
load("//third_party/private:pinned_archive.bzl", "pinned_archive")

_archive = tag_class(attrs = {
    "name": attr.string(mandatory = True, doc = "Repository name."),
    "pin": attr.string(mandatory = True, doc = "Key in third_party/pins.json."),
    "build_file": attr.label(mandatory = True),
    "overlay": attr.string_dict(doc = "Path in the repository -> label of a file copied there."),
    "executable_dirs": attr.string_list(doc = "Directories whose files are made executable (zip archives carry no modes)."),
    "patches": attr.label_list(doc = "Patches applied with -p1 after extraction; each says why in its first lines."),
})

def _pins_impl(mctx):
    pins = json.decode(mctx.read(Label("//third_party:pins.json")))
    for mod in mctx.modules:
        for tag in mod.tags.archive:
            pin = pin_record(pins, tag.pin, "pins.archive(name = %r)" % tag.name)
            pinned_archive(
                name = tag.name,
                pin_name = tag.pin,
                version = pin["version"],
                urls = pin["urls"],
                sha256 = pin["sha256"],
                strip_prefix = pin["strip_prefix"],
                upstream_file = pin.get("upstream_file", ""),
                offline_file = pin["offline"]["file"],
                offline_sha256 = pin["offline"]["sha256"],
                offline_strip_prefix = pin["offline"]["strip_prefix"],
                build_file = tag.build_file,
                overlay = tag.overlay,
                executable_dirs = tag.executable_dirs,
                patches = tag.patches,
            )
    return mctx.extension_metadata(reproducible = True)

pins = module_extension(
    implementation = _pins_impl,
    tag_classes = {"archive": _archive},
)

def _upstream_files_impl(rctx):
    names = []
    for label in rctx.attr.srcs:
        name = label.name.split("/")[-1]  # exported by its base name
        if name in names:
            fail("upstream_files %s: two files named %s" % (rctx.name, name))
        names.append(name)
        rctx.file(name, rctx.read(rctx.path(label)))
    rctx.file("BUILD.bazel", "# files copied out of other repositories by //third_party:extensions.bzl\nexports_files(%r)\n" % names)
    rctx.file("gotags.bzl", "\"\"\"The tool's Go build tags, as its MODULE fragment lists them (one list for gazelle and rules_go).\"\"\"\n\nGOTAGS = %r\n" % rctx.attr.gotags)

# Files of a repository whose BUILD file does not export them (a Go module's LICENSE: gazelle
# generates those BUILD files), copied into a repository that does.
_upstream_files_repo = repository_rule(
    implementation = _upstream_files_impl,
    attrs = {
        "gotags": attr.string_list(),
        "srcs": attr.label_list(allow_files = True, mandatory = True),
    },
)

_files = tag_class(attrs = {
    "name": attr.string(mandatory = True, doc = "Repository name."),
    "srcs": attr.label_list(mandatory = True, doc = "Files of other repositories, exported by name."),
    "gotags": attr.string_list(doc = "The tool's Go build tags: the repository's gotags.bzl exports them as GOTAGS, for its BUILD file."),
})

def _upstream_files_ext_impl(mctx):
    for mod in mctx.modules:
        for tag in mod.tags.files:
            _upstream_files_repo(name = tag.name, srcs = tag.srcs, gotags = tag.gotags)
    return mctx.extension_metadata(reproducible = True)

upstream_files = module_extension(
    implementation = _upstream_files_ext_impl,
    tag_classes = {"files": _files},
)
