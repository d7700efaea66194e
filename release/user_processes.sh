# Sourced by the tests that run podman as an unprivileged user on this machine
# (release/rootless_test.sh, release/podman5/cgroupv1_test.sh): kill_user_processes UID HOME ends
# the processes the test started, the user's whose HOME is the test's (podman and what it starts:
# conmon, pasta, the containers' processes, podman's pause process), and no other process of the
# user: TERM, a second, then KILL.
user_processes() { # UID HOME
  local p
  for p in $(pgrep -u "$1"); do
    if tr '\0' '\n' 2>/dev/null <"/proc/$p/environ" | grep -qxF "HOME=$2"; then echo "$p"; fi
  done
}
kill_user_processes() { # UID HOME
  local left
  left=$(user_processes "$1" "$2")
  [ -z "$left" ] || kill $left 2>/dev/null || true
  sleep 1
  left=$(user_processes "$1" "$2")
  [ -z "$left" ] || kill -9 $left 2>/dev/null || true
}
