# Shared by the tests of tools/serve (sourced after tools/setup.d/common.sh).

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
pass() {
  echo "PASS: $*"
}

# processes SUMMARY_FILE KIND: the count of KIND in Bazel's "INFO: N processes: ..." line, where
# KIND is a strategy ("remote cache hit", "remote", "processwrapper-sandbox", ...), "executed"
# (every process neither internal nor a cache hit) or "local" (executed, not remotely: whatever
# the local strategy's name, "linux-sandbox", "local", "worker", ...). Fails (status 1) when the
# count is 0.
processes() {
  awk -v kind="$2" '
    {
      sub(/^INFO: [0-9]+ processes?: /, ""); sub(/\.$/, "")
      n = split($0, parts, /, /)
      for (i = 1; i <= n; i++) {
        count = parts[i]; sub(/ .*/, "", count)
        what = parts[i]; sub(/^[0-9]+ /, "", what)
        if (kind == "executed") { if (what != "internal" && what !~ /cache hit/) total += count }
        else if (kind == "local") { if (what != "internal" && what != "remote" && what !~ /cache hit/) total += count }
        else if (what == kind) total += count
      }
    }
    END { print total + 0; exit !(total > 0) }' "$1"
}

# digests DIR TARGET...: sha256 of every output file of the targets, built in workspace DIR; fails
# when the query fails or a target has no output (an empty list would compare equal to another)
digests() {
  local d=$1 t files f errf
  shift
  errf=$(mktemp)
  for t in "$@"; do
    files=$(cd "$d" && tools/bazel cquery --output=files "$t" 2>"$errf") || fail "cquery $t in $d: $(tail -n 5 "$errf")"
    [ -n "$files" ] || fail "$t has no output in $d"
    while read -r f; do
      [ -f "$d/$f" ] || fail "$d lacks the output $f of $t"
      (cd "$d" && sha256sum "$f")
    done <<<"$files"
  done
  rm -f "$errf"
}
