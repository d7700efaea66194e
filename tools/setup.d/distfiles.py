#!/usr/bin/env python3
"""distfiles.py PINS_JSON DISTDIR — put every pin's offline archive into DISTDIR, checked by sha256.

Each pin's "offline" entry says which registry serves the release here:
  go-toolchain   a Go toolchain module from the Go module proxy (checked by Go's checksum database too)
  pypi-wheel     a wheel from PyPI (pip download)
  debian-source  a Debian source package (apt-get source, checked by apt against the signed Sources index)
  debian-orig    only the upstream tarball of a Debian source package (our archive is a partial cache:
                 the Debian part may be missing); its sha256 must equal the one in the signed Sources index
  debian-binary  a binary .deb of Debian sid (amd64 or all), as listed (URL, SHA256) by the signed Packages
                 index (the Rust toolchain and protoc, with the run-time libraries they need)
  crate          a crate of the Rust crate registry: fetched at build time by the repository rule through the
                 pinned cargo (the registry is reachable online and offline), so nothing to put here
A pin writes its version once: its offline names spell it {version}, filled in here (as
//third_party:pins.bzl does for Bazel and //tools/pins for the Go programs).
A file is written under a temporary name and renamed only once its sha256 matches.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request

APT_SUITES = "sid trixie trixie-backports bookworm"


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"error: {' '.join(cmd)} failed:\n{r.stderr.strip()[-2000:]}")
    return r.stdout


def mirror():
    for d in ("/etc/apt/sources.list.d",):
        for n in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if n.endswith(".sources"):
                for line in open(os.path.join(d, n)):
                    if line.startswith("URIs:"):
                        return line.split()[1]
    sys.exit("error: cannot find the Debian mirror in /etc/apt/sources.list.d")


def private_apt(state, name, sources, extra=()):
    """apt-get options for a private apt configuration under state (the host's apt setup is left
    alone); apt-get update runs once, and again when the sources change."""
    etc = os.path.join(state, "etc")
    stamp = os.path.join(state, "lists", "updated")
    src_file = os.path.join(etc, name + ".sources")
    if not os.path.exists(src_file) or open(src_file).read() != sources:
        for d in ("etc", "lists/partial", "cache/archives/partial"):
            os.makedirs(os.path.join(state, d), exist_ok=True)
        with open(src_file, "w") as f:
            f.write(sources)
        if os.path.exists(stamp):
            os.remove(stamp)  # the sources changed: read the indexes again
    opts = ["-o", "Dir::Etc::sourcelist=/dev/null", "-o", f"Dir::Etc::sourceparts={etc}",
            "-o", f"Dir::State::Lists={state}/lists", "-o", f"Dir::Cache={state}/cache", *extra,
            "-o", "Debug::NoLocking=1", "-o", "Acquire::Check-Valid-Until=false", "-qq"]
    if not os.path.exists(stamp):
        print("[distfiles] apt-get update (%s)" % sources.splitlines()[2], flush=True)
        run(["apt-get", *opts, "update"])
        open(stamp, "w").close()
    return opts


KEYRING = "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"


def apt_opts(state):
    """The deb-src configuration: Debian source packages of several suites."""
    return private_apt(state, "src", f"Types: deb-src\nURIs: {mirror()}\nSuites: {APT_SUITES}\nComponents: main\n" + KEYRING)


def apt_bin_opts(state):
    """The binary (deb) configuration: sid's amd64 packages."""
    return private_apt(state, "bin", f"Types: deb\nURIs: {mirror()}\nSuites: sid\nComponents: main\nArchitectures: amd64\n" + KEYRING,
                       extra=["-o", "APT::Architecture=amd64", "-o", "APT::Architectures::=amd64",
                              "-o", "Dir::State::status=/dev/null"])


def download_listed(name, off, tmp, listing, index):
    """Download off["file"] from apt's --print-uris listing, whose SHA256 comes from the signed
    index and must equal the pin's."""
    for line in listing.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[1] == off["file"]:
            url, index_sum = parts[0].strip("'"), parts[3]
            break
    else:
        return None
    if index_sum != "SHA256:" + off["sha256"]:
        sys.exit(f"error: pin {name}: the signed {index} index lists {off['file']} as {index_sum}, "
                 f"third_party/pins.json pins SHA256:{off['sha256']}")
    dest = os.path.join(tmp, off["file"])
    try:
        with urllib.request.urlopen(url, timeout=300) as resp, open(dest, "wb") as f:
            shutil.copyfileobj(resp, f)
    except OSError as e:
        sys.exit(f"error: pin {name}: downloading {url} failed: {e}")
    return dest


def fetch_debian_orig(name, off, tmp, apt_state):
    """Download one file of a source package, as listed (URL, SHA256) by the signed Sources index."""
    out = run(["apt-get", *apt_opts(apt_state), "source", "--print-uris", off["package"]], cwd=tmp)
    dest = download_listed(name, off, tmp, out, "Sources")
    if dest is None:
        sys.exit(f"error: pin {name}: {off['package']} has no file {off['file']} in the Sources index")
    return dest


def fetch_debian_binary(name, off, tmp, apt_state):
    """Download one .deb, as listed (URL, SHA256) by the signed Packages index."""
    state = os.path.join(os.path.dirname(apt_state), "apt-bin")
    out = run(["apt-get", *apt_bin_opts(state), "download", "--print-uris", off["package"]], cwd=tmp)
    dest = download_listed(name, off, tmp, out, "Packages")
    if dest is None:
        sys.exit(f"error: pin {name}: {off['package']} is not in the Packages index as {off['file']} "
                 "(sid drops superseded versions: keep the pinned .deb in the distfiles)")
    return dest


def fetch(name, off, tmp, apt_state):
    kind = off["kind"]
    if kind == "go-toolchain":
        env = dict(os.environ, GOFLAGS="-modcacherw", GOTOOLCHAIN="local")
        out = json.loads(run(["go", "mod", "download", "-json", off["module"]], cwd=tmp, env=env))
        return out["Zip"]
    if kind == "pypi-wheel":
        pip = ["pip3"] if shutil.which("pip3") else [sys.executable, "-m", "pip"]
        run([*pip, "download", "-q", "--no-deps", "--only-binary=:all:", "--platform", off["platform"],
             "-d", tmp, off["package"]])
        return os.path.join(tmp, off["file"])
    if kind == "debian-source":
        run(["apt-get", *apt_opts(apt_state), "source", "--download-only", off["package"]], cwd=tmp)
        return os.path.join(tmp, off["file"])
    if kind == "debian-orig":
        return fetch_debian_orig(name, off, tmp, apt_state)
    if kind == "debian-binary":
        return fetch_debian_binary(name, off, tmp, apt_state)
    sys.exit(f"error: pin {name}: unknown offline kind {kind!r}")


def offline_half(pin):
    """The pin's offline half, its version filled in."""
    return {k: v.replace("{version}", pin["version"]) if isinstance(v, str) else v for k, v in pin["offline"].items()}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    pins = json.load(open(sys.argv[1]))
    distdir = sys.argv[2]
    os.makedirs(distdir, exist_ok=True)
    apt_state = os.path.join(os.path.dirname(os.path.abspath(distdir)), "apt-src")
    fetched = 0
    for name, pin in sorted(pins.items()):
        if name.startswith("_"):
            continue
        off = offline_half(pin)
        if off["kind"] == "unavailable":
            sys.exit(f"error: pin {name} {pin['version']}: no registry this machine reaches serves it ({off.get('why', 'no reason recorded')}); "
                     "it builds only online, from its upstream URL")
        if off["kind"] == "crate":
            continue  # fetched by the crates repository rule through cargo (see the kinds above)
        dest = os.path.join(distdir, off["file"])
        if os.path.exists(dest) and sha256(dest) == off["sha256"]:
            continue
        print(f"[distfiles] {name} {pin['version']}: {off['kind']} {off['file']}", flush=True)
        with tempfile.TemporaryDirectory(dir=distdir, prefix=".fetch-") as tmp:
            src = fetch(name, off, tmp, apt_state)
            if not os.path.exists(src):
                sys.exit(f"error: pin {name}: the registry did not deliver {off['file']}")
            got = sha256(src)
            if got != off["sha256"]:
                sys.exit(f"error: pin {name}: {off['file']} has sha256 {got}, third_party/pins.json pins {off['sha256']}")
            part = dest + ".partial"
            shutil.copyfile(src, part)
            os.replace(part, dest)
            fetched += 1
    print(f"[distfiles] {len([n for n in pins if not n.startswith('_')])} pinned archives in {distdir} ({fetched} fetched now)")


if __name__ == "__main__":
    main()
