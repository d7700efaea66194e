#!/usr/bin/env python3
"""go_patched_modfile.py TOOL WORKDIR: the patches Bazel applies to TOOL's modules, for `go build`.

Reads the go_deps_<TOOL>.module_override(...) declarations of third_party/<TOOL>/<TOOL>.MODULE.bazel,
applies each module's patches to a copy of the module (from the module cache `go` uses for
third_party/<TOOL>), and prints the path of a copy of the tool's go.mod (go.sum beside it) that
replaces each patched module by its copy: `go build -modfile FILE` then compiles what Bazel
compiles. (An -overlay cannot do it: go refuses to overlay files of the module cache.) Run from
the workspace root.
"""
import os, re, shutil, subprocess, sys

tool, work = sys.argv[1], os.path.abspath(sys.argv[2])
frag = open(f"third_party/{tool}/{tool}.MODULE.bazel").read()
os.makedirs(work, exist_ok=True)
replaces = []
for m in re.finditer(r"go_deps_%s\.module_override\((.*?)\n\)" % re.escape(tool), frag, re.S):
    body = m.group(1)
    path = re.search(r'path = "([^"]+)"', body).group(1)
    strip = int(re.search(r"patch_strip = (\d+)", body).group(1))
    patches = [l.replace("//", "", 1).replace(":", "/") for l in re.findall(r'"(//[^"]+\.patch)"', body)]
    moddir = subprocess.run(["go", "list", "-m", "-f", "{{.Dir}}", path], cwd=f"third_party/{tool}",
                            check=True, capture_output=True, text=True).stdout.strip()
    if not moddir:
        sys.exit(f"go_patched_modfile: module {path} is not in the module cache (go mod download it)")
    copy = os.path.join(work, "modules", path)
    shutil.copytree(moddir, copy)
    subprocess.run(["chmod", "-R", "u+w", copy], check=True)
    if not os.path.exists(os.path.join(copy, "go.mod")):
        open(os.path.join(copy, "go.mod"), "w").write(f"module {path}\n")
    for p in patches:
        subprocess.run(["patch", "-s", "-p%d" % strip, "-d", copy, "-i", os.path.abspath(p)], check=True)
    replaces.append(f"replace {path} => {copy}\n")
modfile = os.path.join(work, "go.mod")
with open(modfile, "w") as f:
    f.write(open(f"third_party/{tool}/go.mod").read() + "\n" + "".join(replaces))
shutil.copy(f"third_party/{tool}/go.sum", os.path.join(work, "go.sum"))
print(modfile)
