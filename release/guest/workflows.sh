# What users do with podman-full every day, on a booted guest (sourced by scenarios.sh, whose ok,
# fail, skip, t, why and eq it uses): builds with RUN, pods and volumes, the Docker-compatible API
# through the installed podman.socket, quadlet under systemd, a registry with TLS and basic auth,
# save/load, shell completions, and buildah's archive building with RUN by itself. Each group is
# a function wf_<group> PREFIX (root or rootless) run in the order of WORKFLOWS (guest.env, from
# tools/vm.d/guests.json); wf_group_names says what each reports.

# the scenario names group GROUP reports for PREFIX (without the PREFIX/)
wf_group_names() { # GROUP PREFIX
  case $1 in
  build) echo build/run-copy-multistage build/files-and-owners build/cache-hit build/failing-run-names-its-step ;;
  pods)
    echo pods/localhost-between-containers volumes/named-volume-outlives-container volumes/bind-mount-U-chowns
    [ "$2" = rootless ] && echo volumes/bind-mount-keep-id ;;
  api)
    echo api/socket-activation api/ping-version api/containers-json api/create-start-wait-logs api/libpod-info api/unknown-image-404
    command -v docker >/dev/null && echo api/docker-cli ;;
  quadlet) echo quadlet/unit-runs-this-podman quadlet/start-serves quadlet/volume-and-network quadlet/healthcheck quadlet/restart-after-kill quadlet/stop quadlet/unknown-key-in-journal ;;
  registry) echo registry/push-needs-auth registry/push-pull-same-id registry/typo-named registry/skopeo-inspect registry/skopeo-copy-oci-and-back registry/skopeo-sync registry/tls-unknown-ca-refused registry/tls-verify-false registry/sigstore-signed-pull registry/unsigned-refused ;;
  saveload) echo saveload/docker-archive-same-id saveload/oci-archive-same-id ;;
  buildah) echo buildah/runs-its-own-crun buildah/bud-with-run ;;
  completions)
    echo completions/bash-podman
    [ -f "$P/skopeo.tar.zst" ] && echo completions/bash-skopeo
    command -v fish >/dev/null && echo completions/fish-podman ;;
  *) echo "unknown-workflow-$1" ;;
  esac
}

# the scenario names of every group of WORKFLOWS for PREFIX, for the PLAN line
wf_names() { # PREFIX
  local g
  for g in $WORKFLOWS; do
    # shellcheck disable=SC2046
    printf "$1/%s " $(wf_group_names "$g" "$1")
  done
}

# each group of WORKFLOWS for PREFIX, timed (scenarios.sh's timed); a group whose set-up failed
# fails each of its scenarios
workflows() { # PREFIX
  local g
  for g in $WORKFLOWS; do timed "$1/$g" workflow "$g" "$1"; done
}

workflow() { # GROUP PREFIX
  local n
  if ! declare -F "wf_$1" >/dev/null; then
    fail "$2/unknown-workflow-$1" "guests.json names a workflow release/guest/workflows.sh does not have"
  elif [ "$1" = registry ] && [ ! -f "$REGDIR/ready" ]; then
    for n in $(wf_group_names "$1" "$2"); do fail "$2/$n" "no registry: $(cat "$REGDIR/setup-failed" 2>/dev/null)"; done
  else
    "wf_$1" "$2"
  fi
}

# the podman of this half's install (root: ROOT_DIR's, rootless: the user's home's)
podman_path() { command -v podman; }
# the systemd manager of PREFIX, in the caller's sc and kind: root's system manager (sc=(systemctl),
# kind=system) or the login user's (sc=(systemctl --user), kind=user); "${sc[@]}" also runs under t
systemd_of() { # PREFIX
  if [ "$1" = root ]; then sc=(systemctl) kind=system; else sc=(systemctl --user) kind=user; fi
}
# the podman whose quadlet is systemd's generator for PREFIX (install --system linked it)
quadlet_podman() { # PREFIX
  local sc kind q
  systemd_of "$1"
  q=$(readlink -f "/etc/systemd/$kind-generators/podman-$kind-generator")
  echo "${q%/lib/podman/quadlet}/bin/podman"
}

wf_build() { # PREFIX
  local p=$1 ctx out rc
  ctx=$(mktemp -d)
  echo "copied in" >"$ctx/app.txt"
  cat >"$ctx/Containerfile" <<'EOF'
FROM localhost/bb:1 AS stage1
ARG GREETING=hello
RUN mkdir -p /out && echo "$GREETING from stage one" >/out/greeting
RUN echo second >/out/second && chown 1000:1000 /out/second

FROM localhost/bb:1
COPY --from=stage1 /out/ /srv/
COPY --chown=1000:1000 app.txt /home/u1000/app.txt
RUN echo built >/srv/built && chown 65534:65534 /srv/built
USER 1000
RUN id -u >/home/u1000/whoami
CMD ["cat", "/srv/greeting"]
EOF
  out=$(t 600 podman build --build-arg GREETING=howdy -t localhost/built:1 "$ctx" 2>&1)
  rc=$?
  if [ $rc = 0 ]; then ok "$p/build/run-copy-multistage"; else fail "$p/build/run-copy-multistage" "exit $rc: $(printf %s "$out" | tail -n 5 | tr '\n' ' ')"; fi
  out=$(t 120 podman run --rm --pull=never localhost/built:1 sh -c 'cat /srv/greeting; stat -c "%u:%g %n" /srv/greeting /srv/second /srv/built /home/u1000/app.txt /home/u1000/whoami; cat /home/u1000/whoami')
  eq "$p/build/files-and-owners" "howdy from stage one
0:0 /srv/greeting
1000:1000 /srv/second
65534:65534 /srv/built
1000:1000 /home/u1000/app.txt
1000:1000 /home/u1000/whoami
1000" "$out"
  # the same build again: every step but FROM from the cache (podman says "Using cache" for each)
  out=$(t 600 podman build --build-arg GREETING=howdy -t localhost/built:1 "$ctx" 2>&1)
  rc=$?
  eq "$p/build/cache-hit" "0 $(grep -Evc '^(FROM |$)' "$ctx/Containerfile")" "$rc $(printf %s "$out" | grep -c -- '--> Using cache')"
  printf 'FROM localhost/bb:1\nRUN echo before\nRUN exit 3\nRUN echo after\n' >"$ctx/Containerfile"
  out=$(timeout 300 podman build -t localhost/failing:1 "$ctx" 2>&1)
  rc=$?
  case "$rc:$out" in
  0:*) fail "$p/build/failing-run-names-its-step" "a failing RUN built: $out" ;;
  *'STEP "RUN exit 3"'*"exit status 3"*) ok "$p/build/failing-run-names-its-step" ;;
  *) fail "$p/build/failing-run-names-its-step" "exit $rc without naming the step and its status: $(printf %s "$out" | tail -n 3 | tr '\n' ' ')" ;;
  esac
  rm -rf "$ctx"
}

wf_pods() { # PREFIX
  local p=$1 out d want
  # a pod's containers share one network namespace: the second reaches the first on localhost
  if t 60 podman pod create --name rstpod >/dev/null &&
    t 120 podman run -d --pod rstpod --name podweb localhost/bb:1 httpd -f -p 8080 -h /www >/dev/null; then
    for _ in $(seq 1 20); do
      out=$(t 60 podman run --rm --pod rstpod localhost/bb:1 sh -c 'printf "GET / HTTP/1.0\r\n\r\n" | nc -w 5 127.0.0.1 8080 | tail -n 1') && [ -n "$out" ] && break
      sleep 1
    done
    eq "$p/pods/localhost-between-containers" "hello from the web container" "$out"
  else
    fail "$p/pods/localhost-between-containers" "$(why "podman pod create or run --pod failed")"
  fi
  t 60 podman pod rm -f -t 0 rstpod >/dev/null

  # a named volume outlives the container that wrote it
  t 60 podman volume create rstvol >/dev/null
  t 120 podman run --rm -v rstvol:/data localhost/bb:1 sh -c 'echo kept >/data/f'
  out=$(t 120 podman run --rm -v rstvol:/data:ro localhost/bb:1 cat /data/f)
  eq "$p/volumes/named-volume-outlives-container" kept "$out"
  t 60 podman volume rm rstvol >/dev/null

  # a bind mount with :U: podman chowns the directory to the container's user; on the host the
  # files then belong to that user as the user namespace maps it (rootless: a subordinate id)
  d=$(mktemp -d)
  out=$(t 120 podman run --rm --user 1000:1000 -v "$d:/data:U" localhost/bb:1 sh -c 'echo x >/data/f; stat -c %u:%g /data/f')
  if [ "$p" = rootless ]; then want=$(($(awk -F: -v u="$(id -un)" '$1 == u { print $2 }' /etc/subuid) + 999)); else want=1000; fi
  eq "$p/volumes/bind-mount-U-chowns" "1000:1000 $want:$want" "$out $(stat -c %u:%g "$d" 2>&1)"
  rm -rf "$d" 2>/dev/null || podman unshare rm -rf "$d"
  if [ "$p" = rootless ]; then
    # upstream's way for a rootless user's own files: --userns=keep-id, the user is the same
    # uid inside and out, and what the container writes is the user's
    d=$(mktemp -d)
    out=$(t 120 podman run --rm --userns=keep-id -v "$d:/data" localhost/bb:1 sh -c 'id -u; echo x >/data/f')
    eq "$p/volumes/bind-mount-keep-id" "$(id -u) $(id -u):$(id -g)" "$out $(stat -c %u:%g "$d/f" 2>&1)"
    rm -rf "$d"
  fi
}

# api: the Docker-compatible and libpod API through the podman.socket install put in place,
# started by systemd (root's system manager, or the user's)
wf_api() { # PREFIX
  local p=$1 sock out id code sc kind
  systemd_of "$p"
  if [ "$p" = root ]; then sock=/run/podman/podman.sock; else sock=$XDG_RUNTIME_DIR/podman/podman.sock; fi
  "${sc[@]}" daemon-reload
  if t 60 "${sc[@]}" start podman.socket && [ -S "$sock" ]; then
    # the first request starts podman.service through the socket; the service is this podman
    out=$(t 60 curl -sS --unix-socket "$sock" http://d/_ping 2>&1)
    eq "$p/api/socket-activation" "OK active 1" "$out $("${sc[@]}" is-active podman.service) $("${sc[@]}" show -p ExecStart --value podman.service | grep -cF "path=$(podman_path) ;")"
  else
    fail "$p/api/socket-activation" "$(why "systemctl ($kind) start podman.socket failed or made no $sock")"
    return
  fi
  out=$(t 60 curl -sS --unix-socket "$sock" http://d/version)
  eq "$p/api/ping-version" "$(podman version --format '{{.Client.Version}}')" "$(printf %s "$out" | sed -n 's/.*"Components":\[{"Name":"Podman Engine","Version":"\([^"]*\)".*/\1/p')"
  t 120 podman run -d --name apictr localhost/bb:1 sleep 1000 >/dev/null
  out=$(t 60 curl -sS --unix-socket "$sock" "http://d/v1.44/containers/json")
  case $out in *'"Names":["/apictr"]'*'"State":"running"'*) ok "$p/api/containers-json" ;; *) fail "$p/api/containers-json" "no running /apictr in: $out" ;; esac
  t 60 podman rm -f -t 0 apictr >/dev/null
  # create, start, wait and read the logs of a container, all through the API
  out=$(t 60 curl -sS --unix-socket "$sock" -X POST -H 'Content-Type: application/json' \
    -d '{"Image":"localhost/bb:1","Cmd":["sh","-c","echo via-the-api"]}' "http://d/v1.44/containers/create?name=apirun")
  id=$(printf %s "$out" | sed -n 's/.*"Id":"\([0-9a-f]\{64\}\)".*/\1/p')
  code=$(t 60 curl -sS -o /dev/null -w '%{http_code}' --unix-socket "$sock" -X POST "http://d/v1.44/containers/$id/start")
  out="$code $(t 120 curl -sS --unix-socket "$sock" -X POST "http://d/v1.44/containers/$id/wait") $(t 60 curl -sS --unix-socket "$sock" "http://d/v1.44/containers/$id/logs?stdout=1" | tr -cd '[:print:]' | sed 's/^.*via/via/')"
  eq "$p/api/create-start-wait-logs" '204 {"StatusCode":0,"Error":null} via-the-api' "$(printf %s "$out" | sed 's/"Error":{"Message":""}/"Error":null/')"
  t 60 podman rm -f -t 0 apirun >/dev/null
  out=$(t 60 curl -sS --unix-socket "$sock" http://d/v5.0.0/libpod/info)
  eq "$p/api/libpod-info" "\"rootless\":$([ "$p" = rootless ] && echo true || echo false) \"ociRuntime\":{\"name\":\"crun\"" \
    "$(printf %s "$out" | grep -o '"rootless":[a-z]*' | head -n 1) $(printf %s "$out" | grep -o '"ociRuntime":{"name":"[a-z]*"' | head -n 1)"
  # a typo in the image: 404, and the message names the image
  out=$(t 60 curl -sS --unix-socket "$sock" -w ' %{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{"Image":"localhost/bbb:1"}' "http://d/v1.44/containers/create")
  case $out in *localhost/bbb:1*" 404") ok "$p/api/unknown-image-404" ;; *) fail "$p/api/unknown-image-404" "want a 404 naming localhost/bbb:1, got: $out" ;; esac
  if command -v docker >/dev/null; then
    # Debian's docker CLI against the socket: run (output back), and ps lists a running container
    local -x DOCKER_HOST="unix://$sock"
    out=$(t 120 docker run --rm localhost/bb:1 echo via-docker-cli)
    t 120 docker run -d --name dockerps localhost/bb:1 sleep 1000 >/dev/null
    out="$out $(t 60 docker ps --format '{{.Names}} {{.Image}}')"
    t 60 docker rm -f dockerps >/dev/null
    eq "$p/api/docker-cli" "via-docker-cli dockerps localhost/bb:1" "$out"
  fi
  "${sc[@]}" stop podman.socket podman.service
}

# quadlet: a .container (with a .volume and a .network) in the directory systemd's generator
# (quadlet, linked by install --system) reads, for root or the user's manager
wf_quadlet() { # PREFIX
  local p=$1 dir port out pid1 pid2 sc kind
  systemd_of "$p"
  if [ "$p" = root ]; then dir=/etc/containers/systemd port=18090; else dir=$HOME/.config/containers/systemd port=18091; fi
  mkdir -p "$dir"
  cat >"$dir/rstq.container" <<EOF
[Unit]
Description=quadlet scenario's web server

[Container]
Image=localhost/bb:1
ContainerName=rstq
Exec=sh -c 'trap "exit 0" TERM; httpd -f -p 8080 -h /www & wait'
Volume=rstq.volume:/data
Network=rstq.network
PublishPort=127.0.0.1:$port:8080
HealthCmd=pidof httpd

[Service]
Restart=always
RestartSec=1
EOF
  printf '[Volume]\nLabel=made-by=quadlet\n' >"$dir/rstq.volume"
  printf '[Network]\nLabel=made-by=quadlet\n' >"$dir/rstq.network"
  t 120 "${sc[@]}" daemon-reload
  out=$("${sc[@]}" show -p ExecStart --value rstq.service 2>&1)
  case $out in *"path=$(quadlet_podman "$p") ;"*) ok "$p/quadlet/unit-runs-this-podman" ;; *) fail "$p/quadlet/unit-runs-this-podman" "want ExecStart's path $(quadlet_podman "$p"), got: $out" ;; esac
  if t 300 "${sc[@]}" start rstq.service; then
    for _ in $(seq 1 30); do out=$(curl -s -m 5 "http://127.0.0.1:$port/") && break; sleep 1; done
    eq "$p/quadlet/start-serves" "active hello from the web container" "$("${sc[@]}" is-active rstq.service) $out"
  else
    fail "$p/quadlet/start-serves" "$(why "systemctl ($kind) start rstq.service failed: $("${sc[@]}" status rstq.service --no-pager 2>&1 | tail -n 5 | tr '\n' ' ')")"
  fi
  out="$(t 60 podman volume inspect systemd-rstq --format '{{index .Labels "made-by"}}') $(t 60 podman network inspect systemd-rstq --format '{{index .Labels "made-by"}}') $(t 60 podman inspect rstq --format '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}')"
  eq "$p/quadlet/volume-and-network" "quadlet quadlet systemd-rstq" "$out"
  # our podman has no systemd timers to run health checks by itself (a static build has no
  # libsystemd): a check run on demand works, and the container is then healthy
  out="$(t 60 podman healthcheck run rstq && echo passed) $(t 60 podman inspect rstq --format '{{.State.Health.Status}}')"
  eq "$p/quadlet/healthcheck" "passed healthy" "$out"
  # Restart=always: the container's main process killed, systemd starts the service again
  pid1=$(t 60 podman inspect rstq --format '{{.State.Pid}}')
  kill -9 "$pid1" 2>/dev/null || podman unshare kill -9 "$pid1"
  for _ in $(seq 1 60); do
    sleep 1
    pid2=$(t 60 podman inspect rstq --format '{{.State.Pid}}' 2>/dev/null)
    [ -n "$pid2" ] && [ "$pid2" != 0 ] && [ "$pid2" != "$pid1" ] && out=$(curl -s -m 5 "http://127.0.0.1:$port/") && break
  done
  eq "$p/quadlet/restart-after-kill" "restarted active hello from the web container" "$([ "${pid2:-0}" != 0 ] && [ "$pid2" != "$pid1" ] && echo restarted) $("${sc[@]}" is-active rstq.service) $out"
  t 120 "${sc[@]}" stop rstq.service
  eq "$p/quadlet/stop" "inactive 0" "$("${sc[@]}" is-active rstq.service) $(t 60 podman ps -a --filter name=rstq --format '{{.Names}}' | grep -c rstq)"
  rm -f "$dir/rstq.container" "$dir/rstq.volume" "$dir/rstq.network"
  # a key quadlet does not know: no service, and the generator's message reaches the journal
  printf '[Container]\nImage=localhost/bb:1\nImagee=typo\n' >"$dir/rstbad.container"
  t 120 "${sc[@]}" daemon-reload
  out=$("${sc[@]}" show -p LoadState --value rstbad.service)
  if [ "$p" = root ]; then
    eq "$p/quadlet/unknown-key-in-journal" "not-found 1" "$out $(journal_has 0 "unsupported key 'Imagee' in group 'Container' in $dir/rstbad.container")"
  else
    # a user may not read the system journal: root checks it after the rootless half
    echo "$out" >"$HOME/rstbad.loadstate"
  fi
  rm -f "$dir/rstbad.container"
  t 120 "${sc[@]}" daemon-reload
}

# how many of this boot's journal messages from UID contain TEXT (the generator's messages: the
# kernel's log for the system one, the user's manager's for a user one)
journal_has() { # UID TEXT
  journalctl -b --no-pager -o cat $([ "$1" = 0 ] || echo "_UID=$1") 2>/dev/null | grep -cF "$2"
}

wf_saveload() { # PREFIX
  local p=$1 d id fmt
  d=$(mktemp -d)
  # an image of its own (no other image is built on it, so it can be removed and loaded again)
  t 300 podman import /var/tmp/rst-image.tar localhost/sl:1 >/dev/null
  id=$(t 60 podman image inspect localhost/sl:1 --format '{{.Id}}')
  for fmt in docker-archive oci-archive; do
    t 300 podman save --format "$fmt" -o "$d/$fmt.tar" localhost/sl:1 && t 60 podman rmi localhost/sl:1 >/dev/null &&
      t 300 podman load -i "$d/$fmt.tar" >/dev/null
    eq "$p/saveload/$fmt-same-id" "$id" "$(t 60 podman image inspect localhost/sl:1 --format '{{.Id}}' 2>&1)"
  done
  t 60 podman rmi localhost/sl:1 >/dev/null
  rm -rf "$d"
}

# the registry the registry group uses: Debian's docker-registry on the guest's loopback, TLS
# from a test CA (trusted through /etc/containers/certs.d/), basic auth (htpasswd), and the test
# sigstore key pair (set up once by root; the files are readable by the rootless user); it
# leaves REGDIR/ready, or REGDIR/setup-failed saying why
REG=localhost:5443 REGDIR=/var/tmp/rst-registry
registry_setup() {
  mkdir -p "$REGDIR"
  registry_start || { echo "$(why "setting up the registry failed")" >"$REGDIR/setup-failed"; chmod a+r "$REGDIR/setup-failed"; }
}
registry_start() {
  local r=$REGDIR
  mkdir -p "$r/data" "/etc/containers/certs.d/$REG" /etc/containers/registries.d
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=rst-test-ca -keyout "$r/ca.key" -out "$r/ca.crt" 2>"$err" &&
    openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout "$r/tls.key" -out "$r/tls.csr" 2>"$err" &&
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$r/ext" &&
    openssl x509 -req -in "$r/tls.csr" -CA "$r/ca.crt" -CAkey "$r/ca.key" -CAcreateserial -days 2 -extfile "$r/ext" -out "$r/tls.crt" 2>"$err" || return 1
  htpasswd -Bbn rst rst-secret >"$r/htpasswd" 2>"$err" || return 1
  cat >"$r/config.yml" <<CONFIG
version: 0.1
storage:
  filesystem:
    rootdirectory: $r/data
http:
  addr: 127.0.0.1:5443
  tls:
    certificate: $r/tls.crt
    key: $r/tls.key
auth:
  htpasswd:
    realm: rst
    path: $r/htpasswd
CONFIG
  cp "$r/ca.crt" "/etc/containers/certs.d/$REG/ca.crt"
  # sigstore signatures live beside the image in the registry (OCI attachments)
  printf 'docker:\n  %s:\n    use-sigstore-attachments: true\n' "$REG" >/etc/containers/registries.d/rst-test.yaml
  echo rst-key-pass >"$r/pass"
  t 60 skopeo generate-sigstore-key --output-prefix "$r/key" --passphrase-file "$r/pass" >/dev/null || return 1
  chmod -R a+rX "$r"
  systemd-run --quiet --unit rst-registry /usr/bin/docker-registry serve "$r/config.yml" 2>"$err" || return 1
  for _ in $(seq 1 30); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$r/ca.crt" "https://$REG/v2/")" = 401 ] && touch "$r/ready" && return 0
    sleep 1
  done
  echo "the registry did not answer on $REG" >"$err"
  return 1
}

wf_registry() { # PREFIX
  local p=$1 repo=$REG/rst-$1 out rc d id digest policy
  d=$(mktemp -d)
  t 60 podman logout "$REG" >/dev/null 2>&1
  out=$(timeout 120 podman push localhost/bb:1 "$repo/bb:1" 2>&1)
  rc=$?
  case "$rc:$out" in
  0:*) fail "$p/registry/push-needs-auth" "pushed without credentials" ;;
  *"authentication required"* | *unauthorized*) ok "$p/registry/push-needs-auth" ;;
  *) fail "$p/registry/push-needs-auth" "exit $rc without saying credentials are needed: $out" ;;
  esac
  echo rst-secret | t 60 podman login -u rst --password-stdin "$REG" >/dev/null || echo "# podman login failed: $(why '')"
  # pushed, then pulled into a store of its own (every blob comes from the registry)
  id=$(t 60 podman image inspect localhost/bb:1 --format '{{.Id}}')
  t 300 podman push --digestfile "$d/digest" localhost/bb:1 "$repo/bb:1" 2>"$err"
  out=$(t 300 podman --root "$d/root" --runroot "$d/run" pull -q "$repo/bb:1" 2>"$err")
  eq "$p/registry/push-pull-same-id" "$id" "$out"
  out=$(timeout 120 podman --root "$d/root" --runroot "$d/run" pull -q "$repo/bbb:1" 2>&1)
  rc=$?
  case "$rc:$out" in
  0:*) fail "$p/registry/typo-named" "pulled an image that does not exist" ;;
  *"rst-$p/bbb"*unknown*) ok "$p/registry/typo-named" ;;
  *) fail "$p/registry/typo-named" "exit $rc without naming the repository: $out" ;;
  esac
  digest=$(cat "$d/digest" 2>/dev/null)
  out=$(t 120 skopeo inspect --format '{{.Digest}}' "docker://$repo/bb:1")
  eq "$p/registry/skopeo-inspect" "${digest:-no digest from podman push}" "$out"
  t 300 skopeo copy -q "docker://$repo/bb:1" "oci:$d/oci:bb" && t 300 skopeo copy -q "oci:$d/oci:bb" "docker://$repo/back:1"
  eq "$p/registry/skopeo-copy-oci-and-back" "$(t 120 skopeo inspect --format '{{.Layers}}' "docker://$repo/bb:1")" "$(t 120 skopeo inspect --format '{{.Layers}}' "docker://$repo/back:1")"
  t 300 skopeo sync --src docker --dest dir "$repo/bb" "$d/sync" >/dev/null 2>"$err"
  eq "$p/registry/skopeo-sync" "$d/sync/bb:1/manifest.json" "$(ls "$d"/sync/*/manifest.json 2>&1)"
  # TLS: a CA the tools were not told of is refused; --tls-verify=false goes without
  mkdir -p "$d/no-ca"
  out=$(timeout 120 skopeo inspect --cert-dir "$d/no-ca" --format '{{.Digest}}' "docker://$repo/bb:1" 2>&1)
  case $out in *"certificate signed by unknown authority"*) ok "$p/registry/tls-unknown-ca-refused" ;; *) fail "$p/registry/tls-unknown-ca-refused" "$out" ;; esac
  out=$(t 120 skopeo inspect --tls-verify=false --cert-dir "$d/no-ca" --format '{{.Digest}}' "docker://$repo/bb:1")
  eq "$p/registry/tls-verify-false" "$digest" "$out"
  # signatures: an image pushed signed with the sigstore key; the policy (the installed
  # policy.json, changed the documented way: podman image trust set) then requires that key's
  # signature in the whole namespace: the signed image pulls, an unsigned one is refused
  policy=$([ "$p" = root ] && echo /etc/containers/policy.json || echo "$HOME/.config/containers/policy.json")
  cp "$policy" "$d/policy.json"
  t 300 podman push --sign-by-sigstore-private-key "$REGDIR/key.private" --sign-passphrase-file "$REGDIR/pass" localhost/bb:1 "$repo/signed:1" 2>"$err" ||
    echo "# podman push --sign-by-sigstore-private-key failed: $(why '')"
  t 60 podman image trust set --type sigstoreSigned --pubkeysfile "$REGDIR/key.pub" "$repo" || echo "# podman image trust set failed: $(why '')"
  out=$(t 300 podman --root "$d/root2" --runroot "$d/run2" pull -q "$repo/signed:1" 2>"$err")
  eq "$p/registry/sigstore-signed-pull" "$id" "$out"
  out=$(timeout 300 podman --root "$d/root2" --runroot "$d/run2" pull -q "$repo/back:1" 2>&1)
  case $out in *"A signature was required, but no signature exists"*) ok "$p/registry/unsigned-refused" ;; *) fail "$p/registry/unsigned-refused" "$out" ;; esac
  cp "$d/policy.json" "$policy"
  t 60 podman logout "$REG" >/dev/null
  podman unshare rm -rf "$d" 2>/dev/null || rm -rf "$d"
}

# completions: the shell completions install put in place, loaded by the user's login shell
# (Debian's bash-completion), complete with the programs themselves; the tools are on PATH as the
# archive's README says (here: exported by the shell, as a user's ~/.profile would)
wf_completions() { # PREFIX
  local p=$1 prog word want out
  for prog in podman skopeo; do
    command -v "$prog" >/dev/null || continue
    case $prog in podman) word=ru want=run ;; skopeo) word=ins want=inspect ;; esac
    out=$(bash -lic "export PATH='$PATH'"'
      _completion_loader "$0" 2>/dev/null
      complete -p "$0"
      COMP_WORDS=("$0" "$1"); COMP_CWORD=1; COMP_LINE="$0 $1"; COMP_POINT=${#COMP_LINE}
      "__start_$0" "$0" "$1" "$0"
      printf "%s\n" "${COMPREPLY[@]}"' "$prog" "$word" 2>/dev/null </dev/null)
    eq "$p/completions/bash-$prog" "complete -o default -F __start_$prog $prog
$want" "$(printf %s "$out" | sed 's/[[:space:]]*$//')"
  done
  # fish finds the script install put in its (vendor) completion directory by itself
  if command -v fish >/dev/null; then
    out=$(t 60 fish -c 'complete -C "podman ru"' </dev/null | cut -f1)
    eq "$p/completions/fish-podman" run "$out"
  fi
}

# buildah: its archive, unpacked and installed beside podman-full, builds a Containerfile with RUN
# steps with the runtime it carries (crun; root's RUN network through its netavark, a rootless
# one through its pasta), not podman-full's
wf_buildah() { # PREFIX
  local p=$1 ctx out bt
  bt=$(dirname "$(dirname "$(command -v buildah)")")
  out=$(t 60 buildah info --format '{{.host.OCIRuntime}}')
  eq "$p/buildah/runs-its-own-crun" "$bt/lib/podman/crun" "$out"
  ctx=$(mktemp -d)
  printf 'FROM localhost/bb:1\nRUN echo built by buildah >/b && chown 1000:1000 /b\nRUN ls /sys/class/net | grep -vx lo | wc -l >/ifaces\n' >"$ctx/Containerfile"
  if t 600 buildah bud --pull=never -t localhost/bbud:1 "$ctx" >/dev/null; then
    out=$(t 120 podman run --rm --pull=never localhost/bbud:1 sh -c 'stat -c "%u %n" /b; cat /b; [ "$(cat /ifaces)" -ge 1 ] && echo networked')
    eq "$p/buildah/bud-with-run" "1000 /b
built by buildah
networked" "$out"
  else
    fail "$p/buildah/bud-with-run" "$(why "buildah bud failed")"
  fi
  rm -rf "$ctx"
}
