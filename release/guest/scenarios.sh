#!/bin/bash
# The core scenarios of podman-full on a booted Debian guest (tools/vm), run as the payload's `run`:
# as root, then as the login user through its systemd user manager (systemd-run --user in the
# user's logind session, lingering), each from the archive unpacked and its configuration installed
# the way the bundle's README says. Prints "PLAN <names>" first, then one line per scenario:
# "ok - NAME", "FAIL - NAME: why" or "SKIP - NAME: why" (release/guests_test.sh asserts that every
# planned scenario reported and none failed). podman 6 on a cgroup v1 machine: it asserts instead
# that podman refuses to run and tells the user what to do. podman 5 on cgroup v1: the same
# scenarios, limits read back from the v1 controllers' files, and rootless, where cgroup v1 has no
# limits, podman saying it ignores them.
# Then, for the groups WORKFLOWS names (guests.json's workflows), what users do every day
# (workflows.sh). The archives are installed with the commands their README gives (GUEST=native:
# the configuration alone, copied, as the host's /etc and systemd are not the test's to change).
# Payload: podman-full.tar.zst (of the podman line LINE), skopeo.tar.zst and buildah.tar.zst
# (when WORKFLOWS use them), guest.env (GUEST, CGROUP, LINE, USER_NAME, WORKFLOWS), workflows.sh,
# this script as `run`. release/podman5/cgroupv1_test.sh runs it on this machine
# (GUEST=native): no systemd there, so it runs the rootless half itself (`run rootless`), and root's
# configuration and storage go to the directories ROOT_DIR and ROOT_CONF it names, not the host's.
set -u
P=$(cd "$(dirname "$0")" && pwd -P)
. "$P/workflows.sh"
. "$P/guest.env"
WORKFLOWS=${WORKFLOWS:-}
export LC_ALL=C.UTF-8
ROOT_DIR=${ROOT_DIR:-/opt/rst tools} ROOT_CONF=${ROOT_CONF:-/etc/containers}

ok() { echo "ok - $1"; }
fail() { echo "FAIL - $1: $2"; }
skip() { echo "SKIP - $1: $2"; }
# t SECONDS CMD...: a command bounded in time, stderr kept in $err for the failure message
err=$(mktemp)
t() { timeout "$@" 2>"$err"; }
why() { echo "$1 (stderr: $(tail -c 400 "$err" | tr '\n' ' '))"; }
# timed NAME CMD...: CMD, then "# time NAME: N s" (the figures the README reports per group)
timed() {
  local t0=$SECONDS
  "${@:2}"
  echo "# time $1: $((SECONDS - t0)) s"
}

# the command the unpacked archive's README gives after the comment line MARKER
readme_cmd() { # TOPDIR MARKER
  awk -v m="$2" 'found { sub(/^ +/, ""); print; exit } $0 ~ "^ +" m "$" { found = 1 }' "$1/README.md"
}

# unpack podman-full (and skopeo and buildah, when the payload has them) into DIR, install each as
# its README says (root: for every user; rootless: for the user) and put bin/ on PATH; sets B,
# podman-full's unpacked top directory. GUEST=native: the configuration only, copied into CONFDIR.
install_bundle() { # DIR CONFDIR
  local a top cmd marker
  marker=$([ "$(id -u)" = 0 ] && echo "# for every user, as root" || echo "# for you")
  mkdir -p "$1" || return 1
  for a in podman-full skopeo buildah; do
    [ -f "$P/$a.tar.zst" ] || continue
    top="$1/$(tar --zstd -tf "$P/$a.tar.zst" | awk -F/ 'NR == 1 { print $1 }')"
    tar --zstd -xf "$P/$a.tar.zst" -C "$1" || return 1
    [ "$a" = podman-full ] && B=$top
    if [ "$GUEST" = native ]; then
      mkdir -p "$2" && cp -n "$top"/etc/containers/* "$2/" || return 1
    else
      cmd=$(readme_cmd "$top" "$marker")
      [ -n "$cmd" ] || { echo "# $a's README has no command after '$marker'"; return 1; }
      echo "# $a: $cmd"
      (cd "$top" && sh -c "$cmd") | sed "s/^/# $a install: /"
      [ "${PIPESTATUS[0]}" = 0 ] || return 1
    fi
    export PATH="$top/bin:$PATH"
  done
}

# an image whose files belong to several users: busybox (the guest's busybox-static) and a web root
make_image_tar() { # OUT
  local r
  r=$(mktemp -d)
  chmod 0755 "$r" # the image's / (mktemp made it 0700: only root could reach anything)
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

# whether PREFIX runs rootless on cgroup v1, where the kernel delegates no controller to a user
v1_rootless() { [ "$CGROUP" = v1 ] && [ "$1" = rootless ]; }

# the container's cgroup file that holds a limit, by cgroup version
cg() { # V2FILE V1CONTROLLER/V1FILE
  if [ "$CGROUP" = v1 ]; then echo "/sys/fs/cgroup/$2"; else echo "/sys/fs/cgroup/$1"; fi
}

limits() { # PREFIX
  local p=$1 out rc
  out=$(t 120 podman run --rm --memory 64m localhost/bb:1 sh -c "cat $(cg memory.max memory/memory.limit_in_bytes); exec dd if=/dev/zero of=/dev/null bs=160M count=1")
  rc=$?
  eq "$p/memory-limit-oom-kill" "67108864 rc=137" "$(printf %s "$out" | head -n 1) rc=$rc"
  # the container's pids.max, pids.current and pids.events as $1 $2 $3
  out=$(t 120 podman run --rm --pids-limit 12 localhost/bb:1 sh -c '
    read max <"$1"
    (i=0; while [ $i -lt 40 ]; do sleep 30 & i=$((i + 1)); done) 2>/dev/null
    read cur <"$2"
    ev=0; while read k v; do [ "$k" = max ] && ev=$v; done <"$3"
    echo "max=$max full=$([ "$cur" -le "$max" ] && [ "$cur" -ge $((max - 2)) ] && echo yes || echo "no ($cur)") refused=$([ "$ev" -gt 0 ] && echo yes || echo no)"' \
    sh "$(cg pids.max pids/pids.max)" "$(cg pids.current pids/pids.current)" "$(cg pids.events pids/pids.events)")
  eq "$p/pids-limit-fork-fails" "max=12 full=yes refused=yes" "$out"
  if [ "$CGROUP" = v1 ]; then
    out=$(t 120 podman run --rm --cpus 0.5 localhost/bb:1 cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us)
    eq "$p/cpus-limit" "50000
100000" "$out"
    out=$(t 120 podman run --rm --cpu-shares 512 localhost/bb:1 cat /sys/fs/cgroup/cpu/cpu.shares)
    eq "$p/cpu-shares" 512 "$out"
  else
    out=$(t 120 podman run --rm --cpus 0.5 localhost/bb:1 cat /sys/fs/cgroup/cpu.max)
    eq "$p/cpus-limit" "50000 100000" "$out"
    # cgroup v2 has weights, not shares: podman converts (shares 512 -> weight 20)
    out=$(t 120 podman run --rm --cpu-shares 512 localhost/bb:1 cat /sys/fs/cgroup/cpu.weight)
    eq "$p/cpu-shares" 20 "$out"
  fi
}

# rootless on cgroup v1: no limits (the kernel delegates no v1 controller to a user), and podman
# says so and runs the container anyway, as upstream's own tests expect
v1_rootless_limits() {
  local out rc
  out=$(timeout 120 podman run --rm --memory 64m --pids-limit 12 localhost/bb:1 echo ran 2>&1)
  rc=$?
  case "$rc:$out" in
  0:*"Resource limits are not supported and ignored on cgroups V1 rootless systems"*ran) ok rootless/limits-ignored-with-a-warning ;;
  *) fail rootless/limits-ignored-with-a-warning "exit $rc: $out" ;;
  esac
}

# the scenario names core() reports for PREFIX (the PLAN line lists them before any runs)
core_names() { # PREFIX
  local n="import multi-uid-image rootfs-on-overlay logs exec-init-pid1 exec-user crun-exec-user init-is-the-bundles-catatonit ps stats stop-sigterm rm"
  if v1_rootless "$1"; then n="$n limits-ignored-with-a-warning"; else n="$n memory-limit-oom-kill pids-limit-fork-fails cpus-limit cpu-shares"; fi
  printf "$1/%s " $n bridge-by-name published-port
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
  # podman exec --user: the process runs as that uid and gid, not as root (podman hands crun the
  # user in the process file)
  out=$(t 60 podman exec --user 1:1 s1 sh -c 'id -u; id -g')
  eq "$p/exec-user" "1
1" "$out"
  # `crun exec --user`, the archive's crun on podman's container (CVE-2026-30892: `-u 1` ran the
  # process as uid 0; crun's own test of it cannot exec in Bazel's build root, a chroot). Rootless,
  # through podman unshare: crun enters the container's user namespace from the user's. crun
  # hands the process its stdio by chowning them to its user, so they are pipes here, never $err
  # (which the login user would no longer own): stderr reaches $err through cat
  id=$(t 30 podman inspect s1 --format '{{.Id}}')
  un=()
  [ "$p" = root ] || un=(podman unshare)
  out=$(for u in 1 2:3; do timeout 60 "${un[@]}" "$B/lib/podman/crun" exec --user "$u" "$id" sh -c 'echo $(id -u):$(id -g)' 2> >(cat >>"$err") | cat; done)
  eq "$p/crun-exec-user" "1:0
2:3" "$out"
  out=$(t 60 podman exec s1 cat /run/podman-init | sha256sum | cut -d' ' -f1)
  eq "$p/init-is-the-bundles-catatonit" "$(sha256sum <"$B/lib/podman/catatonit" | cut -d' ' -f1)" "$out"
  out=$(t 60 podman ps --format '{{.Names}} {{.State}}')
  eq "$p/ps" "s1 running" "$out"
  if v1_rootless "$p"; then
    out=$(timeout 60 podman stats --no-stream --format '{{.Name}}' s1 2>&1)
    case "$out" in
    *"stats is not supported in rootless mode without cgroups v2"*) ok "$p/stats" ;;
    *) fail "$p/stats" "want podman to say rootless stats need cgroup v2, got '$out'" ;;
    esac
  else
    out=$(t 60 podman stats --no-stream --format '{{.Name}} {{.PIDs}}' s1)
    # catatonit, the shell and its sleep (or between two sleeps: two)
    case "$out" in "s1 2" | "s1 3") ok "$p/stats" ;; *) fail "$p/stats" "want 's1 2' or 's1 3', got '$out' $(why '')" ;; esac
  fi
  t 60 podman stop -t 30 s1 >/dev/null || fail "$p/stop" "$(why "podman stop failed")"
  out="$(t 30 podman logs s1 | tail -n 1) exit=$(t 30 podman inspect s1 --format '{{.State.ExitCode}}')"
  eq "$p/stop-sigterm" "got-term exit=7" "$out"
  t 60 podman rm s1 >/dev/null
  out=$(t 60 podman ps -a --format '{{.Names}}')
  eq "$p/rm" "" "$out"

  # resource limits, enforced; read back from the container's own cgroup: cgroup v2's unified
  # files, or cgroup v1's, which crun mounts per controller (/sys/fs/cgroup/memory/...)
  if v1_rootless "$p"; then
    v1_rootless_limits
  else
    limits "$p"
  fi

  # networking: two containers on a bridge network find each other by name (aardvark-dns's answer,
  # then HTTP across the bridge to that address);
  # a published port answers on the guest's loopback
  if t 60 podman network create rstnet >/dev/null &&
    t 120 podman run -d --name web --network rstnet localhost/bb:1 httpd -f -p 8080 -h /www >/dev/null; then
    for _ in $(seq 1 20); do
      # busybox's nslookup asks the network's DNS (aardvark-dns) itself, and nc speaks HTTP to
      # the address; its wget crashes in bookworm's glibc-static busybox (a container lacks the
      # C library's name service modules)
      out=$(t 60 podman run --rm --network rstnet localhost/bb:1 sh -c '
        a=$(nslookup web | awk "/^Name:/ { n = 1; next } n && /^Address/ { print \$2; exit }")
        [ -n "$a" ] && printf "GET / HTTP/1.0\r\n\r\n" | nc -w 5 "$a" 8080 | tail -n 1') && [ -n "$out" ] && break
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
  eq rootless/info "true $CGROUP cgroupfs overlay $B/lib/podman/crun $B/lib/podman/pasta" "$out"
  out=$(t 60 podman unshare cat /proc/self/uid_map | awk '{print $1, $2, $3}')
  eq rootless/subuid-map "0 $(id -u) 1
1 100000 65536" "$out"
  timed rootless/core core rootless 18081
  workflows rootless
}

if [ "${1:-}" = rootless ]; then
  rootless
  exit 0
fi

# ---- as root ----
if [ "$CGROUP" = v1 ] && [ "$LINE" = 6 ]; then
  echo "PLAN v1/podman-refuses"
  install_bundle "$ROOT_DIR" "$ROOT_CONF" || { fail v1/podman-refuses "install failed"; exit 0; }
  out=$(timeout 60 podman info 2>&1)
  rc=$?
  echo "# podman info on cgroup v1: exit $rc: $out"
  case "$rc:$out" in
  0:*) fail v1/podman-refuses "podman info succeeded on cgroup v1" ;;
  *"cgroup v2"*"systemd.unified_cgroup_hierarchy=1"*"podman-v5 releases"*) ok v1/podman-refuses ;;
  *) fail v1/podman-refuses "exit $rc without telling the user what to do: $out" ;;
  esac
  exit 0
fi

# the rootless user's podman from a login session that is not delegated a cgroup: only where the
# user has a systemd manager (not GUEST=native) and cgroup v2 (v1 has no rootless limits)
nondelegated=$([ "$GUEST" != native ] && [ "$CGROUP" = v2 ] && echo rootless/limits-from-a-non-delegated-cgroup)
echo "PLAN install info $(core_names root)$(wf_names root)rootless/info rootless/subuid-map $(core_names rootless)$(wf_names rootless)$nondelegated"

install_bundle "$ROOT_DIR" "$ROOT_CONF" && ok install || { fail install "unpacking or installing the configuration failed"; exit 0; }
make_image_tar /var/tmp/rst-image.tar
out=$(t 120 podman info --format '{{.Host.CgroupsVersion}} {{.Host.CgroupManager}} {{.Store.GraphDriverName}} {{.Host.OCIRuntime.Path}}')
echo "# root podman info: $out"
eq info "$CGROUP cgroupfs overlay $B/lib/podman/crun" "$out"
timed root/core core root 18080
case " $WORKFLOWS " in *" registry "*) registry_setup ;; esac
workflows root
[ "$GUEST" = native ] && exit 0 # the test on this machine runs the rootless half itself

# ---- as the login user, in its systemd user manager ----
for _ in $(seq 1 60); do [ "$(systemctl is-active "user@$(id -u "$USER_NAME").service")" = active ] && break; sleep 1; done
systemd-run --quiet --wait --pipe --machine "$USER_NAME@" --user \
  --setenv=PATH=/usr/local/bin:/usr/bin:/bin --working-directory=/ \
  /bin/bash "$P/run" rootless </dev/null
uid=$(id -u "$USER_NAME")
case " $WORKFLOWS " in
*" quadlet "*)
  # the user's quadlet file with an unknown key (wf_quadlet): no unit, and the user generator's
  # message in the system journal, which the user may not read
  home=$(getent passwd "$USER_NAME" | cut -d: -f6)
  eq rootless/quadlet/unknown-key-in-journal "not-found 1" "$(cat "$home/rstbad.loadstate" 2>&1) $(journal_has "$uid" "unsupported key 'Imagee' in group 'Container' in $home/.config/containers/systemd/rstbad.container")"
  ;;
esac
[ -n "$nondelegated" ] || exit 0
# the user's podman from a login session (here: root's service's cgroup, not delegated to the user):
# podman asks the user's systemd manager for a delegated scope, and the limit still holds
out=$(cd / && runuser -u "$USER_NAME" -- env HOME="/home/$USER_NAME" XDG_RUNTIME_DIR="/run/user/$uid" PATH="$(ls -d "/home/$USER_NAME/rst tools/podman-"*/bin):/usr/bin:/bin" \
  timeout 120 podman run --rm --pids-limit 12 localhost/bb:1 cat /sys/fs/cgroup/pids.max 2>"$err")
eq rootless/limits-from-a-non-delegated-cgroup 12 "$out"
