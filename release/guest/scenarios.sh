#!/bin/bash
# The core scenarios of podman-full on a booted Debian guest (tools/vm), run as the payload's `run`:
# as root, then as the login user through its systemd user manager (systemd-run --user in the
# user's logind session, lingering), each from the archive unpacked and its configuration installed
# the way the bundle's README says. Prints "PLAN <names>" first, then one line per scenario:
# "ok - NAME", "FAIL - NAME: why" or "SKIP - NAME: why" (release/guests_test.sh asserts that every
# planned scenario reported and none failed). On a cgroup v1 guest it asserts instead that podman
# refuses to run and tells the user what to do.
# Payload: podman-full.tar.zst, guest.env (GUEST, CGROUP, USER_NAME), this script as `run`.
set -u
P=$(cd "$(dirname "$0")" && pwd -P)
. "$P/guest.env"
export LC_ALL=C.UTF-8

ok() { echo "ok - $1"; }
fail() { echo "FAIL - $1: $2"; }
skip() { echo "SKIP - $1: $2"; }
# t SECONDS CMD...: a command bounded in time, stderr kept in $err for the failure message
err=$(mktemp)
t() { timeout "$@" 2>"$err"; }
why() { echo "$1 (stderr: $(tail -c 400 "$err" | tr '\n' ' '))"; }

# unpack ARCHIVE into DIR, install the configuration into CONFDIR (the README's commands) and put
# bin/ on PATH; sets B, the unpacked top directory
install_bundle() { # DIR CONFDIR
  mkdir -p "$1" && tar --zstd -xf "$P/podman-full.tar.zst" -C "$1" || return 1
  B="$1/$(ls "$1")"
  mkdir -p "$2" && cp -n "$B"/etc/containers/* "$2/" || return 1
  export PATH="$B/bin:$PATH"
}

# an image whose files belong to several users: busybox (the guest's busybox-static) and a web root
make_image_tar() { # OUT
  local r
  r=$(mktemp -d)
  mkdir -p "$r/bin" "$r/www" "$r/home/u1000" "$r/data/nobody" "$r/tmp" "$r/etc" "$r/root"
  cp /bin/busybox "$r/bin/busybox"
  for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$r/bin/$a"; done
  echo "hello from the web container" >"$r/www/index.html"
  echo mine >"$r/home/u1000/file"
  echo theirs >"$r/data/nobody/file"
  printf 'root:x:0:0:root:/root:/bin/sh\nu1000:x:1000:1000::/home/u1000:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n' >"$r/etc/passwd"
  printf 'root:x:0:\nu1000:x:1000:\nnogroup:x:65534:\n' >"$r/etc/group"
  chown -R 1000:1000 "$r/home/u1000"
  chown -R 65534:65534 "$r/data/nobody"
  chmod 1777 "$r/tmp"
  tar -C "$r" --numeric-owner -cf "$1" .
  chmod 0644 "$1"
  rm -rf "$r"
}

# eq NAME WANT GOT: the scenario passes when GOT is exactly WANT
eq() {
  if [ "$3" = "$2" ]; then ok "$1"; else fail "$1" "want '$2', got '$(printf %s "$3" | tr '\n' '|')' $(why '')"; fi
}

# the scenarios both root and the rootless user run; PREFIX names them, PORT is the published port
core() { # PREFIX PORT
  local p=$1 port=$2 out rc
  out=$(t 300 podman import /var/tmp/rst-image.tar localhost/bb:1) || { fail "$p/import" "$(why "podman import failed")"; return; }
  ok "$p/import"
  out=$(t 120 podman run --rm localhost/bb:1 stat -c '%u:%g %n' /home/u1000/file /data/nobody/file /www/index.html)
  eq "$p/multi-uid-image" "1000:1000 /home/u1000/file
65534:65534 /data/nobody/file
0:0 /www/index.html" "$out"

  # the container's root file system is the kernel's overlay (rootless too: podman mounts it in the
  # user namespace since Linux 5.13), not FUSE (fuse-overlayfs would show fuse.fuse-overlayfs)
  out=$(t 120 podman run --rm localhost/bb:1 awk '$5 == "/" { for (i = 7; i <= NF; i++) if ($i == "-") { print $(i + 1); exit } }' /proc/self/mountinfo)
  eq "$p/rootfs-on-overlay" overlay "$out"

  # run, logs, exec, ps, stop (SIGTERM reaches the process under the bundle's catatonit), rm
  t 120 podman run -d --name s1 --init localhost/bb:1 sh -c 'trap "echo got-term; exit 7" TERM; echo started; while :; do sleep 1; done' >/dev/null ||
    { fail "$p/run-detached" "$(why "podman run -d failed")"; return; }
  for _ in $(seq 1 60); do out=$(t 30 podman logs s1); [ "$out" = started ] && break; sleep 1; done
  eq "$p/logs" started "$out"
  out=$(t 60 podman exec s1 sh -c 'tr "\0" " " </proc/1/cmdline; echo; id -u')
  eq "$p/exec-init-pid1" "/run/podman-init -- sh -c trap \"echo got-term; exit 7\" TERM; echo started; while :; do sleep 1; done 
0" "$out"
  # podman exec --user: the process runs as that uid and gid, not as root (crun exec cannot run in
  # Bazel's build root, where crun's own exec test skips; podman hands crun the user in the process
  # file, not through `crun exec -u`, so this does not replace that test of CVE-2026-30892's patch)
  out=$(t 60 podman exec --user 1:1 s1 sh -c 'id -u; id -g')
  eq "$p/exec-user" "1
1" "$out"
  out=$(t 60 podman exec s1 cat /run/podman-init | sha256sum | cut -d' ' -f1)
  eq "$p/init-is-the-bundles-catatonit" "$(sha256sum <"$B/lib/podman/catatonit" | cut -d' ' -f1)" "$out"
  out=$(t 60 podman ps --format '{{.Names}} {{.State}}')
  eq "$p/ps" "s1 running" "$out"
  t 60 podman stop -t 30 s1 >/dev/null || fail "$p/stop" "$(why "podman stop failed")"
  out="$(t 30 podman logs s1 | tail -n 1) exit=$(t 30 podman inspect s1 --format '{{.State.ExitCode}}')"
  eq "$p/stop-sigterm" "got-term exit=7" "$out"
  t 60 podman rm s1 >/dev/null
  out=$(t 60 podman ps -a --format '{{.Names}}')
  eq "$p/rm" "" "$out"

  # resource limits, enforced
  out=$(t 120 podman run --rm --memory 64m localhost/bb:1 sh -c 'cat /sys/fs/cgroup/memory.max; exec dd if=/dev/zero of=/dev/null bs=160M count=1')
  rc=$?
  eq "$p/memory-limit-oom-kill" "67108864 rc=137" "$(printf %s "$out" | head -n 1) rc=$rc"
  out=$(t 120 podman run --rm --pids-limit 12 localhost/bb:1 sh -c '
    read max </sys/fs/cgroup/pids.max
    (i=0; while [ $i -lt 40 ]; do sleep 30 & i=$((i + 1)); done) 2>/dev/null
    read cur </sys/fs/cgroup/pids.current
    ev=0; while read k v; do [ "$k" = max ] && ev=$v; done </sys/fs/cgroup/pids.events
    echo "max=$max full=$([ "$cur" -le "$max" ] && [ "$cur" -ge $((max - 2)) ] && echo yes || echo "no ($cur)") refused=$([ "$ev" -gt 0 ] && echo yes || echo no)"')
  eq "$p/pids-limit-fork-fails" "max=12 full=yes refused=yes" "$out"
  out=$(t 120 podman run --rm --cpus 0.5 localhost/bb:1 cat /sys/fs/cgroup/cpu.max)
  eq "$p/cpus-limit" "50000 100000" "$out"

  # networking: two containers on a bridge network find each other by name (aardvark-dns);
  # a published port answers on the guest's loopback
  if t 60 podman network create rstnet >/dev/null &&
    t 120 podman run -d --name web --network rstnet localhost/bb:1 httpd -f -p 8080 -h /www >/dev/null; then
    for _ in $(seq 1 20); do
      out=$(t 60 podman run --rm --network rstnet localhost/bb:1 wget -q -T 5 -O - http://web:8080/) && break
      sleep 1
    done
    eq "$p/bridge-by-name" "hello from the web container" "$out"
  else
    fail "$p/bridge-by-name" "$(why "network or web container failed")"
  fi
  t 60 podman rm -f -t 0 web >/dev/null
  t 60 podman network rm rstnet >/dev/null
  if t 120 podman run -d --name pub -p "127.0.0.1:$port:8080" localhost/bb:1 httpd -f -p 8080 -h /www >/dev/null; then
    for _ in $(seq 1 30); do out=$(curl -s -m 5 "http://127.0.0.1:$port/") && break; sleep 1; done
    eq "$p/published-port" "hello from the web container" "$out"
  else
    fail "$p/published-port" "$(why "podman run -p failed")"
  fi
  t 60 podman rm -f -t 0 pub >/dev/null
}

rootless() {
  local out
  install_bundle "$HOME/rst tools" "$HOME/.config/containers" || { fail rootless/install "unpacking or installing the configuration failed"; return; }
  out=$(t 120 podman info --format '{{.Host.Security.Rootless}} {{.Host.CgroupsVersion}} {{.Host.CgroupManager}} {{.Store.GraphDriverName}} {{.Host.OCIRuntime.Path}} {{.Host.Pasta.Executable}}')
  echo "# rootless podman info: $out"
  eq rootless/info "true v2 cgroupfs overlay $B/lib/podman/crun $B/lib/podman/pasta" "$out"
  out=$(t 60 podman unshare cat /proc/self/uid_map | awk '{print $1, $2, $3}')
  eq rootless/subuid-map "0 $(id -u) 1
1 100000 65536" "$out"
  core rootless 18081
}

if [ "${1:-}" = rootless ]; then
  rootless
  exit 0
fi

# ---- as root ----
if [ "$CGROUP" = v1 ]; then
  echo "PLAN v1/podman-refuses"
  install_bundle "/opt/rst tools" /etc/containers || { fail v1/podman-refuses "install failed"; exit 0; }
  out=$(timeout 60 podman info 2>&1)
  rc=$?
  echo "# podman info on cgroup v1: exit $rc: $out"
  case "$rc:$out" in
  0:*) fail v1/podman-refuses "podman info succeeded on cgroup v1" ;;
  *"cgroup v2"*"systemd.unified_cgroup_hierarchy=1"*) ok v1/podman-refuses ;;
  *) fail v1/podman-refuses "exit $rc without telling the user what to do: $out" ;;
  esac
  exit 0
fi

core_names="import multi-uid-image rootfs-on-overlay logs exec-init-pid1 exec-user init-is-the-bundles-catatonit ps stop-sigterm rm memory-limit-oom-kill pids-limit-fork-fails cpus-limit bridge-by-name published-port"
echo "PLAN install info $(printf 'root/%s ' $core_names)rootless/info rootless/subuid-map $(printf 'rootless/%s ' $core_names)rootless/limits-from-a-non-delegated-cgroup"

install_bundle "/opt/rst tools" /etc/containers && ok install || { fail install "unpacking or installing the configuration failed"; exit 0; }
make_image_tar /var/tmp/rst-image.tar
out=$(t 120 podman info --format '{{.Host.CgroupsVersion}} {{.Host.CgroupManager}} {{.Store.GraphDriverName}} {{.Host.OCIRuntime.Path}}')
echo "# root podman info: $out"
eq info "v2 cgroupfs overlay $B/lib/podman/crun" "$out"
core root 18080

# ---- as the login user, in its systemd user manager ----
for _ in $(seq 1 60); do [ "$(systemctl is-active "user@$(id -u "$USER_NAME").service")" = active ] && break; sleep 1; done
systemd-run --quiet --wait --pipe --machine "$USER_NAME@" --user \
  --setenv=PATH=/usr/local/bin:/usr/bin:/bin --working-directory=/ \
  /bin/bash "$P/run" rootless </dev/null
# the user's podman from a login session (here: root's service's cgroup, not delegated to the user):
# podman asks the user's systemd manager for a delegated scope, and the limit still holds
uid=$(id -u "$USER_NAME")
out=$(cd / && runuser -u "$USER_NAME" -- env HOME="/home/$USER_NAME" XDG_RUNTIME_DIR="/run/user/$uid" PATH="$(ls -d "/home/$USER_NAME/rst tools/"*/bin):/usr/bin:/bin" \
  timeout 120 podman run --rm --pids-limit 12 localhost/bb:1 cat /sys/fs/cgroup/pids.max 2>"$err")
eq rootless/limits-from-a-non-delegated-cgroup 12 "$out"
