# Shared by tools/setup, its helpers and tools/bazel: where the machine-level state lives.
RST_HOME=${RST_HOME:-/var/lib/rootless-static-toolkits}
RST_CACHE=${RST_CACHE:-/var/cache/rootless-static-toolkits}
SID_ROOT=$RST_HOME/sid-root
DISTDIR=$RST_HOME/distfiles
OFFLINE=$RST_HOME/offline
# the offline settings name $RST_CACHE's caches, so each cache has its own: two caches on one
# machine (a cold run with RST_CACHE=elsewhere) must not point each other's builds at theirs
OFFLINE_BAZELRC=$RST_CACHE/offline.bazelrc
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

# A run's owner file: which process made it (pid and start time, so a later process with the
# same pid is not taken for it). What a killed run left behind is found by its dead owner.
# owner_mark FILE: this shell owns what FILE marks.
owner_mark() {
  echo "$$ $(proc_start $$)" >"$1"
}
# owner_alive FILE: true while the process that wrote FILE lives.
owner_alive() {
  local pid start
  read -r pid start <"$1" 2>/dev/null || return 1
  [ -n "$pid" ] && [ "$(proc_start "$pid")" = "$start" ]
}
proc_start() { # pid -> its start time in clock ticks since boot (field 22 of /proc/PID/stat)
  sed -n 's/.*) //p' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20
}

# fault_point NAME: one step of a command, where tests kill it: with RST_FAULT_KILL_AT=N, the Nth
# call (in the script's own shell, not a subshell) prints "fault: killed at step N: NAME" and
# SIGKILLs the script, so no trap runs (the Go tools' tools/internal/fault does the same).
rst_fault_calls=0
fault_point() {
  [ -n "${RST_FAULT_KILL_AT:-}" ] || return 0
  rst_fault_calls=$((rst_fault_calls + 1))
  if [ "$rst_fault_calls" = "$RST_FAULT_KILL_AT" ]; then
    echo "fault: killed at step $rst_fault_calls: $*" >&2
    kill -KILL $$
  fi
}

# debootstrap_sid DIR: Debian sid's minbase in DIR from debian_mirror, ready for apt-get here (the
# mirror is a frozen snapshot: its Release files are past Valid-Until; TLS is intercepted by a
# local CA: the host's extra CAs are trusted inside too). Used by the build root and by tools/bench
# runtime's root.
debootstrap_sid() {
  local log
  log=$(mktemp)
  debootstrap --variant=minbase sid "$1" "$(debian_mirror)" >"$log" 2>&1 || { tail -20 "$log" >&2; rm -f "$log"; die "debootstrap sid failed (log above)"; }
  rm -f "$log"
  printf 'Acquire::Check-Valid-Until "false";\nAcquire::Check-Date "false";\n' >"$1/etc/apt/apt.conf.d/99no-valid-until"
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    mkdir -p "$1/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$1/usr/local/share/ca-certificates/"
  fi
  cp -L /etc/resolv.conf "$1/etc/resolv.conf"
}
