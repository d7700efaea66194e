"""config_header: a part's hand-written config header, its version filled in from the pin.

The header is checked in as `<name>.in` with `@VERSION@` where configure would write the
version; the pin's version comes from the part's repository (`@<repo>//:version.bzl`, written by
pinned_archive), so a bump cannot leave a header naming the old release (the BCR's overlays do the
same with module_version()).
"""

load("@bazel_skylib//rules:expand_template.bzl", "expand_template")
load("@rules_cc//cc:defs.bzl", "cc_library")

def config_header(name, hdrs, version, **kwargs):
    """A cc_library of headers made from their `.in` templates.

    Args:
      name: the cc_library.
      hdrs: the headers' names (each made from the checked-in `<header>.in`).
      version: the pin's version (load VERSION from the part's version.bzl).
      **kwargs: passed to the cc_library (visibility...).
    """
    for hdr in hdrs:
        expand_template(
            name = "%s_%s" % (name, hdr.replace(".", "_")),
            out = hdr,
            substitutions = {"@VERSION@": version},
            template = hdr + ".in",
        )
    cc_library(
        name = name,
        hdrs = hdrs,
        includes = ["."],
        **kwargs
    )
