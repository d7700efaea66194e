"""pinned_archive: an upstream release archive, checked by sha256.

Online it is downloaded from its upstream URLs. Where RST_DISTDIR is set (tools/setup's offline
bazelrc) and holds the pin's offline file, that file is used instead: the same release as served
by a registry our machines reach (Debian source package, PyPI wheel, Go toolchain module), with
its own sha256; a missing or different offline file stops the build naming the pin. Patches (`patches`, applied with -p1) and overlay files come after extraction.

The pin's version is written once (third_party/pins.json); the repository hands it on as
`version.bzl` (`VERSION`), which the part's BUILD file and the config headers beside it load
(config headers through expand_template: `@VERSION@` in the header's `.in` file).
"""

_EXPORT_LICENSES = """
# added by pinned_archive: upstream's license files, which the release bundles ship
exports_files(glob(["COPYING*", "LICENSE*", "LICENCE*", "License*", "LICENSES/**"], allow_empty = True))
"""

def _archive_type(name):
    return "zip" if name.endswith(".whl") or name.endswith(".zip") else ""

def _impl(rctx):
    distdir = rctx.os.environ.get("RST_DISTDIR", "")
    if distdir and not rctx.attr.offline_file:
        fail("pin %s %s: no registry this machine reaches serves it (third_party/pins.json: offline kind unavailable); it builds only online, from its upstream URL" % (
            rctx.attr.pin_name,
            rctx.attr.version,
        ))
    local = rctx.path("%s/%s" % (distdir, rctx.attr.offline_file)) if distdir else None
    if local and not local.exists:
        fail("pin %s %s: %s is not in the distfiles directory %s: run tools/setup" % (
            rctx.attr.pin_name,
            rctx.attr.version,
            rctx.attr.offline_file,
            distdir,
        ))
    if local:
        res = rctx.execute(["sha256sum", str(local)])
        got = res.stdout.split(" ")[0] if res.return_code == 0 else "unreadable (%s)" % res.stderr.strip()
        if got != rctx.attr.offline_sha256:
            fail("pin %s %s: %s has sha256 %s, third_party/pins.json pins %s" % (
                rctx.attr.pin_name,
                rctx.attr.version,
                local,
                got,
                rctx.attr.offline_sha256,
            ))
        rctx.report_progress("extracting %s %s from %s" % (rctx.attr.pin_name, rctx.attr.version, local))
        rctx.download_and_extract(
            url = "file://%s" % local,
            sha256 = rctx.attr.offline_sha256,
            stripPrefix = rctx.attr.offline_strip_prefix,
            type = _archive_type(rctx.attr.offline_file),
        )
    elif rctx.attr.upstream_file:
        # upstream publishes the file itself, not an archive of it
        rctx.download(url = rctx.attr.urls, output = rctx.attr.upstream_file, sha256 = rctx.attr.sha256)
    else:
        rctx.download_and_extract(
            url = rctx.attr.urls,
            sha256 = rctx.attr.sha256,
            stripPrefix = rctx.attr.strip_prefix,
        )
    for d in rctx.attr.executable_dirs:
        res = rctx.execute(["find", d, "-type", "f", "-exec", "chmod", "a+x", "{}", "+"])
        if res.return_code != 0:
            fail("pinned_archive %s: chmod under %s failed: %s" % (rctx.name, d, res.stderr))
    for patch in rctx.attr.patches:
        rctx.patch(patch, strip = 1)
    for dest, label in rctx.attr.overlay.items():
        rctx.file(dest, rctx.read(Label(label)), executable = True)

    rctx.file("version.bzl", '"""%s\'s version, as third_party/pins.json pins it (written by pinned_archive)."""\n\nVERSION = %r\n' % (rctx.attr.pin_name, rctx.attr.version))

    # the upstream license files, for the release bundles (share/licenses/<part>/)
    rctx.file("BUILD.bazel", rctx.read(rctx.attr.build_file) + _EXPORT_LICENSES)

pinned_archive = repository_rule(
    implementation = _impl,
    attrs = {
        "pin_name": attr.string(mandatory = True),
        "version": attr.string(mandatory = True),
        "urls": attr.string_list(mandatory = True),
        "sha256": attr.string(mandatory = True),
        "strip_prefix": attr.string(),
        "upstream_file": attr.string(doc = "The upstream URL is this one file (not an archive), saved under this name."),
        "offline_file": attr.string(),
        "offline_sha256": attr.string(mandatory = True),
        "offline_strip_prefix": attr.string(),
        "build_file": attr.label(mandatory = True, allow_single_file = True),
        "overlay": attr.string_dict(),
        "patches": attr.label_list(doc = "Patches applied with -p1 after extraction (one line of why at the top of each)."),
        "executable_dirs": attr.string_list(),
    },
    environ = ["RST_DISTDIR"],
)
