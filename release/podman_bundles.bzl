"""podman's two bundles, podman-minimal and podman-full, for one podman release line."""

load(":bundle.bzl", "bundle")

# what every bundle carries besides its tool: the bundle README and install, etc/containers/, the
# licenses of what every program links
COMMON_PARTS = [
    "//release:top",
    "//release/common:containers_conf",
    "//release/common:toolchain_licenses",
]

def podman_bundles(name, pin, network):
    """<name>_minimal_<arch> and <name>_full_<arch> of the podman line pinned in package `pin`.

    The line's package (e.g. //third_party/podman/v5) declares :bundle (podman alone) and
    :bundle_full (podman and the upstream helpers it ships); the runtime parts are shared by the
    lines but the network stack, which a podman line pins in step with its major.

    Args:
      name: the targets' prefix ("podman": podman_full_amd64, ...).
      pin: the line's pin package: its go.mod pins the version, its bundle parts place podman.
      network: the bundle parts of the line's netavark and aardvark-dns.

    Returns:
      What `bundle` returns, for both bundles.
    """
    return [
        bundle(
            # podman without a runtime of its own: for hosts that have conmon, an OCI runtime and netavark
            name = name + "_minimal",
            parts = COMMON_PARTS + [pin + ":bundle"],
            tool = pin,
        ),
        bundle(
            # podman with a runtime of its own, found beside it wherever the archive is unpacked
            name = name + "_full",
            network_test = True,
            parts = COMMON_PARTS + network + [
                "//third_party/catatonit:bundle",
                "//third_party/conmon:bundle",
                "//third_party/crun:bundle",
                "//third_party/fuse-overlayfs:bundle",
                "//third_party/fuse3:bundle",
                "//third_party/passt:bundle",
                "//third_party/passt:bundle_avx2",
                pin + ":bundle_full",
            ],
            tool = pin,
        ),
    ]
