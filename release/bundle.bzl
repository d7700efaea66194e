"""Release bundles: one deterministic <archive>-linux-<goarch>.tar.zst per architecture.

A bundle's layout is data: the parts it is made of, each a `bundle_part` declared in the part's
own package, which says where that part's files land. Every file sits under one top directory
<tool>-v<version>/, the version read from the tool's go.mod (its one pin) when the archive is built.
The fan-out over the architectures is here: a part names its programs once, and bundle_part builds
them for every architecture of platforms/archs.bzl (platform_files), the bundle packs each.
"""

load("@bazel_skylib//rules:write_file.bzl", "write_file")
load("@io_bazel_rules_go//go:def.bzl", "go_test")
load("@rules_pkg//pkg:mappings.bzl", "pkg_attributes", "pkg_filegroup", "pkg_files")
load("@rules_pkg//pkg:tar.bzl", "pkg_tar")
load("//platforms:archs.bzl", "ARCHS", "EXEC_ARCH", "platform_label")
load("//platforms:platform_binary.bzl", "platform_binary", "platform_files")

def _components_impl(ctx):
    """Writes the part's components file: its pins and crates, and each program with its directory."""
    what = json.decode(ctx.attr.what)
    versions = what.pop("versions")
    programs = {}
    for target, dest in ctx.attr.executables.items():
        for f in target[DefaultInfo].files.to_list():
            if f.basename in programs:
                fail("bundle_part %s: two programs named %s" % (ctx.attr.part, f.basename))
            programs[f.basename] = dest
    for program in sorted(programs):
        if program not in versions:
            fail("bundle_part %s: %s/%s has no `versions` entry ({\"pin\": PIN}, {\"gomod\": DIR} or {} for none)" % (ctx.attr.part, programs[program], program))
    for program in sorted(versions):
        if program not in programs:
            fail("bundle_part %s: `versions` names %s, which none of its executables is" % (ctx.attr.part, program))
        origin = versions[program]
        if type(origin) != "dict" or [k for k in origin if k not in ("pin", "gomod")] or len(origin) > 1:
            fail("bundle_part %s: versions[%r] = %r: want {\"pin\": PIN}, {\"gomod\": DIR} or {} (no version)" % (ctx.attr.part, program, origin))
    what["programs"] = {p: versions[p] | {"dir": programs[p]} for p in sorted(programs)}
    out = ctx.actions.declare_file(ctx.label.name + ".json")
    ctx.actions.write(out, json.encode(what))
    return [DefaultInfo(files = depset([out]))]

# the components file of one part for one architecture (format: Go package release/components)
_components = rule(
    implementation = _components_impl,
    attrs = {
        "executables": attr.label_keyed_string_dict(allow_files = True, doc = "Program -> its directory in the bundle."),
        "part": attr.string(mandatory = True),
        "what": attr.string(mandatory = True, doc = "JSON: pins, crates, versions."),
    },
)

def bundle_part(name, executables = {}, files = {}, pins = [], crates = {}, versions = {}, advisories = None, arches = None, visibility = ["//release:__subpackages__"]):
    """Where one part's files land in a bundle, for every architecture, and what it is built from.

    Declares pkg_filegroup <name>_<goarch> and <name>_components_<goarch> per architecture: the
    part's files, and its components file (JSON, package release/components: what its programs
    are built from and where each lands) for the bundle's SBOM (tools/sbom) and test.

    Args:
      name: the part's name.
      pins: the pins of third_party/pins.json the part's programs are built from, for the SBOM; a
        Go program's modules come from its own build information.
      crates: the Rust crates they are built from: the directory of a Cargo.lock -> the crates
        repository vendoring them (whose :manifests must be in //third_party:sbom_sources).
      versions: program file name -> what its --version prints the version of: {"pin": PIN},
        {"gomod": DIR} (the go.mod's direct requirement), or {} for a program without one; one
        entry per program of `executables`, no more (the build checks); the bundle test runs
        each, the SBOM says which component each program comes from.
      executables: directory in the bundle (e.g. "bin") -> the programs (mode 0755), each built
        for every architecture of the bundle.
      files: directory in the bundle -> labels of data files (mode 0644), the same for every
        architecture.
      advisories: the part's records of advisories (see tools/vulncheck), for the vulnerability
        gate and the archive's OpenVEX document; default: the package's advisories.json, if it
        has one (the advisory watch, tools/release check-advisories, creates it for a part that
        had none).
      arches: the GOARCHes the part exists for (default: all); elsewhere its groups are empty.
      visibility: of the declared groups.
    """
    native.filegroup(
        name = name + "_advisories",
        srcs = native.glob(["advisories.json"], allow_empty = True) if advisories == None else advisories,
        visibility = visibility,
    )
    for arch in ARCHS:
        here = arches == None or arch.go in arches

        # the programs of each directory, built for this architecture
        programs = {}
        for i, (dest, labels) in enumerate(sorted(executables.items()) if here else []):
            programs[dest] = "{}_{}_programs{}".format(name, arch.go, i)
            platform_files(
                name = programs[dest],
                srcs = labels,
                platform = platform_label(arch),
                visibility = ["//visibility:private"],
            )
        _components(
            name = "{}_components_{}".format(name, arch.go),
            part = name,
            executables = {":" + target: dest for dest, target in programs.items()},
            what = json.encode({
                # a crates repository's vendor/ named by its path in the execution root
                "crates": [{"lock": d, "vendor": Label(repo).workspace_root + "/vendor"} for d, repo in sorted(crates.items())],
                "pins": pins,
                "versions": versions,
            } if here else {"versions": {}}),
            visibility = visibility,
        )
        groups = []
        exes = {dest: [":" + target] for dest, target in programs.items()}
        for kind, table, mode in ([("exe", exes, "0755"), ("file", files, "0644")] if here else []):
            for i, (dest, labels) in enumerate(sorted(table.items())):
                group = "{}_{}_{}{}".format(name, arch.go, kind, i)
                pkg_files(
                    name = group,
                    srcs = labels,
                    prefix = dest,
                    attributes = pkg_attributes(mode = mode, user = "root", group = "root", uid = 0, gid = 0),
                    visibility = ["//visibility:private"],
                )
                groups.append(":" + group)
        pkg_filegroup(
            name = "{}_{}".format(name, arch.go),
            srcs = groups,
            visibility = visibility,
        )

# the shells whose completions a bundle carries: shell -> the file name for PROGRAM, as each shell's
# completion directory expects it (the archive's install copies share/completions/<shell>/ there)
COMPLETION_FILES = {
    "bash": "{}",
    "fish": "{}.fish",
    "zsh": "_{}",
}

def shell_completions(name, program):
    """PROGRAM's completion scripts, written by the program itself (`PROGRAM completion SHELL`).

    Declares <name>_<shell> for each shell of COMPLETION_FILES, written by `program` built for
    this machine (<name>_program; the scripts are the same for every architecture).

    Args:
      name: the targets' prefix.
      program: the program, a static_go_tool of this package with a cobra `completion` command.

    Returns:
      A bundle_part `files` table: share/completions/<shell> -> the script.
    """
    files = {}
    platform_binary(
        name = name + "_program",
        binary = ":" + program,
        platform = platform_label(EXEC_ARCH),
    )
    for shell, file_name in COMPLETION_FILES.items():
        native.genrule(
            name = "{}_{}".format(name, shell),
            srcs = [":{}_program".format(name)],
            outs = ["{}/{}/{}".format(name, shell, file_name.format(program))],
            cmd = "$(execpath :{}_program) completion {} > $@".format(name, shell),
        )
        files["share/completions/" + shell] = [":{}_{}".format(name, shell)]
    return files

def bundle(name, tool, parts, network_test = False):
    """A release bundle: <name>_<goarch> builds <archive>-linux-<goarch>.tar.zst.

    The archive is named after the bundle (its "_" written "-": podman_full makes
    podman-full-linux-amd64.tar.zst, as the release assets are named); its top directory is
    <tool>-v<version>, the version the one direct requirement of the tool's go.mod.

    Args:
      name: the bundle (e.g. "podman_minimal").
      tool: the package that pins the tool, third_party/<tool>[/<line>] (e.g.
        "//third_party/podman/v5"): its go.mod holds the version, <tool> names the tool.
      parts: bundle_part labels (without the _<goarch> suffix); what bin/ and lib/podman/ hold
        is theirs to say: <name>_test unpacks each archive with the stock tar, checks and runs
        them, and that a tool with helpers of its own (podman-full, buildah) uses them.
      network_test: the test also runs containers on networks (podman-full: release/network_test.go).

    Returns:
      struct(tool, archives, targets, archive_targets): the release files' names (each
      architecture's archive and its SBOM), their targets, and the archives' targets alone.
    """
    archive = name.replace("_", "-")
    gomod = tool + ":go.mod"
    path = Label(tool).package.split("/")
    if len(path) < 2 or path[0] != "third_party":
        fail("bundle %s: tool = %r: want the package that pins the tool, //third_party/<tool>[/<line>]" % (name, tool))
    tool = path[1]
    native.genrule(
        name = name + "_topdir",
        srcs = [gomod],
        outs = [name + "_topdir.txt"],
        # the one direct requirement of the tool's go.mod is its pinned version
        cmd = "awk '$$1 == \"require\" && NF == 3 {{ sub(/^v/, \"\", $$3); print \"{}-v\" $$3; n++ }} END {{ exit n != 1 }}' $< > $@".format(tool),
    )
    targets, archives, sboms, vexes = [], [], [], []
    components = {arch.go: [p + "_components_" + arch.go for p in parts] for arch in ARCHS}

    # the parts' records, and those of module versions several Go graphs share
    advisories = [p + "_advisories" for p in parts] + ["//third_party:go_advisories.json"]
    for arch in ARCHS:
        targets.append(":{}_{}".format(name, arch.go))
        archives += [
            "{}-linux-{}.tar.zst".format(archive, arch.go),
            "{}-linux-{}.spdx.json".format(archive, arch.go),
            "{}-linux-{}.openvex.json".format(archive, arch.go),
        ]
        pkg_tar(
            name = "{}_{}".format(name, arch.go),
            srcs = ["{}_{}".format(p, arch.go) for p in parts],
            package_dir_file = ":{}_topdir".format(name),
            package_file_name = "{}-linux-{}.tar.zst".format(archive, arch.go),
            extension = "tar.zst",
            compressor = "//tools/compress",
            # fixed owner and mtime (rules_pkg's portable mtime) for byte-identical archives
            owner = "0.0",
            ownername = "root.root",
            portable_mtime = True,
            visibility = ["//visibility:public"],
        )

        # its SBOM: the archive, its programs and what its parts are built from
        native.genrule(
            name = "{}_{}_sbom".format(name, arch.go),
            srcs = [":{}_{}".format(name, arch.go), "//third_party:sbom_sources"] + components[arch.go],
            outs = ["{}-linux-{}.spdx.json".format(archive, arch.go)],
            cmd = "$(execpath //tools/sbom) --archive $(execpath :{}_{}) --out $@ $(execpaths {})".format(
                name,
                arch.go,
                " ) $(execpaths ".join(components[arch.go]),
            ),
            tools = ["//tools/sbom"],
            visibility = ["//visibility:public"],
        )
        sboms.append(":{}_{}_sbom".format(name, arch.go))

        # the vulnerability gate over its Go programs and, when it passes, its OpenVEX document
        native.genrule(
            name = "{}_{}_vex".format(name, arch.go),
            srcs = [":{}_{}".format(name, arch.go), "@vulndb//:osv", "@vulndb//:VERSION"] + advisories,
            outs = ["{}-linux-{}.openvex.json".format(archive, arch.go)],
            # the records: the *advisories.json files among the sources
            cmd = "records=; for f in $(SRCS); do case $$f in *advisories.json) records=\"$$records --records=$$f\";; esac; done; " +
                  "$(execpath //tools/vulncheck) --quiet --govulncheck=$(execpath //third_party/govulncheck) " +
                  "--db=$(execpath @vulndb//:osv) --db-version=$(execpath @vulndb//:VERSION) --vex=$@ $$records $(execpath :{}_{})".format(name, arch.go),
            tools = [
                "//third_party/govulncheck",
                "//tools/vulncheck",
            ],
            visibility = ["//visibility:public"],
        )
        vexes.append(":{}_{}_vex".format(name, arch.go))
    go_test(
        name = name + "_test",
        size = "large",
        # podman with a runtime of its own (podman-full) is tested on networks too
        srcs = [
            "//release:bundle_test.go",
            "//release:sbom_test.go",
        ] + (["//release:network_test.go"] if network_test else []),
        args = ["-archive={}:{}:$(rlocationpath :{}_{})".format(arch.go, arch.elf_machine, name, arch.go) for arch in ARCHS] + [
            "-tool=" + tool,
            "-gomod=$(rlocationpath {})".format(gomod),
            "-readme=$(rlocationpath //release:README.md)",
            "-hello=$(rlocationpath //third_party/mimalloc/c:mimalloc_check)",
            "-spdx-schema=$(rlocationpath @spdx_schema//:schema)",
        ] + ["-components={}:$(rlocationpath {})".format(arch, c) for arch, cs in sorted(components.items()) for c in cs] + ["-sbom={}:$(rlocationpath {})".format(arch.go, sbom) for arch, sbom in zip(ARCHS, sboms)] + (
            ["-netprobe=$(rlocationpath //tools/netnstest/netprobe)"] if network_test else []
        ),
        data = targets + sboms + [c for cs in components.values() for c in cs] + [
            "//third_party:sbom_sources",
            "@spdx_schema//:schema",
            "//tools/netnstest/netprobe",
            gomod,
            "//release:README.md",
            "//third_party/mimalloc/c:mimalloc_check",
        ],
        deps = [
            "//release/components",
            "//tools/archtest",
            "//tools/elfcheck",
            "//tools/netnstest",
            "//tools/ocitest",
            "@com_github_santhosh_tekuri_jsonschema_v6//:jsonschema",
            "@io_bazel_rules_go//go/runfiles",
        ],
    )
    return struct(tool = tool, archives = archives, targets = targets + sboms + vexes, archive_targets = targets, advisories = advisories)

def bundles_manifest(name, out, bundles):
    """Writes `out`: {tool: [archive file names]} of every bundle, the release tool's one list.

    Args:
      name: target name.
      out: the JSON file written.
      bundles: what `bundle` returned, for every bundle.
    """
    by_tool = {}
    for b in bundles:
        by_tool.setdefault(b.tool, []).extend(b.archives)
    write_file(
        name = name,
        out = out,
        content = [json.encode_indent({tool: sorted(a) for tool, a in sorted(by_tool.items())}, indent = "  ")],
        visibility = ["//visibility:public"],
    )
