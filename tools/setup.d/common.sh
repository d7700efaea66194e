# Shared by tools/setup, its helpers and tools/bazel: where the machine-level state lives.
RST_HOME=${RST_HOME:-/var/lib/rootless-static-toolkits}
RST_CACHE=${RST_CACHE:-/var/cache/rootless-static-toolkits}
SID_ROOT=$RST_HOME/sid-root
DISTDIR=$RST_HOME/distfiles
OFFLINE=$RST_HOME/offline
OFFLINE_BAZELRC=$OFFLINE/bazelrc
export RST_HOME RST_CACHE SID_ROOT DISTDIR OFFLINE OFFLINE_BAZELRC

die() {
  echo "error: $*" >&2
  exit 1
}

# The Debian mirror this host's apt already uses (sid and trixie are read from the same mirror),
# or RST_DEBIAN_MIRROR when set. tools/vm reads it through this function too.
debian_mirror() {
  local m
  [ -z "${RST_DEBIAN_MIRROR:-}" ] || { echo "${RST_DEBIAN_MIRROR%/}"; return; }
  m=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
  [ -n "$m" ] || m=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
  [ -n "$m" ] || die "cannot find the Debian mirror in /etc/apt/sources.list{,.d}"
  echo "$m"
}

# Scratch workspaces (tools/repro, tools/bench, tests of tools/serve): a copy of the working tree
# in another directory gets its own Bazel server and output base.
# copy_workspace SRC DEST: SRC's tracked and untracked (not ignored) files, copied into DEST.
copy_workspace() {
  mkdir -p "$2"
  (cd "$1" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$2")
}
# drop_workspace DIR: stop DIR's Bazel server and remove its output base (not DIR itself).
drop_workspace() {
  (cd "$1" 2>/dev/null && "$RST_TOOLS/bazel" shutdown >/dev/null 2>&1) || true
  rm -rf "$RST_CACHE/output-root/$(printf %s "$1" | md5sum | cut -c1-32)"
}
RST_TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
