#!/usr/bin/env bash
# Shows that the conformance and interop suites fail on rigged runs instead of passing on fewer
# checks than they promise:
#  - proto-ws/autobahn.sh with a selection that matches no case (AB_CASES='"99.*"') exits
#    non-zero within 60 s;
#  - proto-ws/autobahn.sh whose echo_server, echo_client, `wire serve` and autobahn_client are
#    killed part-way
#    (found by their ports, killed by pid) exits non-zero, names our side's exit and the missing
#    cases in each role;
#  - each interop script with SKIP_CHECKS skipping checks (and proto-h2/interop.sh with a fake
#    h2probe.py that runs 2 of its 56 cases, runtime-mio/h2probe.sh with h2probe cut to 2 cases
#    by H2PROBE_ARGS) exits non-zero and says "expected N checks, ran M".
# The lines that show a rig was caught are shown indented (all of a rigged run's output when it
# was not caught; indented, so that scripts/test.sh does not count them). Prints
# `suites-fail: N passed, N failed`; exits non-zero when a rigged run was not caught.
set -uo pipefail
cd "$(dirname "$0")/.."
SETUP_PEERS=0 . scripts/setup.sh >/dev/null # scripts/test.sh has installed the peers already
PEERS_DIR=${PEERS_DIR:-${TMPDIR:-/tmp}/http-engine-peers}
export PEERS_DIR
work=$(mktemp -d)
bg=
cleanup() {
  [ -n "$bg" ] && { kill "$bg" 2>/dev/null; wait "$bg" 2>/dev/null; }
  rm -rf "$work"
}
trap cleanup EXIT
passed=0
failed=0

# rigged NAME LIMIT_SECONDS OUTFILE RC ELAPSED PATTERN...: the rigged run must have exited
# non-zero, within LIMIT_SECONDS, and printed every PATTERN (an extended regex).
rigged() {
  local name=$1 limit=$2 out=$3 rc=$4 secs=$5
  shift 5
  local why=
  [ "$rc" -ne 0 ] || why="exited 0"
  [ "$secs" -le "$limit" ] || why="$why; took ${secs}s (limit ${limit}s)"
  local pat
  for pat in "$@"; do
    grep -qE -- "$pat" "$out" || why="$why; no line matching /$pat/"
  done
  if [ -z "$why" ]; then
    passed=$((passed + 1))
    echo "ok   $name (exit $rc, ${secs}s)"
    for pat in "$@"; do grep -E -- "$pat" "$out" | head -1 | sed 's/^ */    /'; done
  else
    failed=$((failed + 1))
    echo "FAIL $name: ${why#; }"
    sed 's/^/    /' "$out" | tail -40
  fi
}

# run OUTFILE COMMAND...: runs COMMAND with its output in OUTFILE; sets rc and secs.
run() {
  local out=$1
  shift
  local t0=$SECONDS
  "$@" >"$out" 2>&1
  rc=$?
  secs=$((SECONDS - t0))
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# 1. Autobahn: a selection with no case fails at once.
run "$work/ab-none" env AB_CASES='"99.*"' bash proto-ws/autobahn.sh
rigged 'autobahn.sh AB_CASES="99.*" (no case)' 60 "$work/ab-none" "$rc" "$secs" 'selects no case'

# 2. Autobahn: our side dies part-way in every role. Chapter 9 (large messages, slow cases) keeps
# the roles busy; once each of our processes is up and at work, it is killed by its pid.
sport=$(free_port)
fport=$(free_port)
wport=$(free_port)
rport=$(free_port)
t0=$SECONDS
AB_CASES='"9.*"' AB_SERVER_PORT=$sport AB_FUZZ_PORT=$fport AB_WIRE_PORT=$wport \
  AB_RUNTIME_FUZZ_PORT=$rport AB_TIMEOUT=120 \
  bash proto-ws/autobahn.sh >"$work/ab-kill" 2>&1 &
bg=$!
# pid_of NAME SS_ARGS...: the pid of the process NAME that owns a socket ss lists with SS_ARGS.
pid_of() {
  local name=$1
  shift
  ss -Htnp "$@" 2>/dev/null | grep -oE "\"$name\",pid=[0-9]+" | head -1 | cut -d= -f2
}
server_pid= client_pid= wire_pid= runtime_pid=
for _ in $(seq 600); do
  [ -n "$server_pid" ] || server_pid=$(pid_of echo_server -l "sport = :$sport")
  [ -n "$client_pid" ] || client_pid=$(pid_of echo_client state established "dport = :$fport")
  [ -n "$wire_pid" ] || wire_pid=$(pid_of wire -l "sport = :$wport")
  [ -n "$runtime_pid" ] || runtime_pid=$(pid_of autobahn_client state established "dport = :$rport")
  [ -n "$server_pid" ] && [ -n "$client_pid" ] && [ -n "$wire_pid" ] && [ -n "$runtime_pid" ] && break
  kill -0 "$bg" 2>/dev/null || break
  sleep 0.1
done
sleep 3
[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
[ -n "$client_pid" ] && kill "$client_pid" 2>/dev/null
[ -n "$runtime_pid" ] && kill "$runtime_pid" 2>/dev/null
# wire stops gracefully on SIGTERM (exit 0); SIGKILL is a crash.
[ -n "$wire_pid" ] && kill -KILL "$wire_pid" 2>/dev/null
wait "$bg"
rc=$?
bg=
secs=$((SECONDS - t0))
rigged "autobahn.sh with echo_server, echo_client, wire and autobahn_client killed part-way" 150 \
  "$work/ab-kill" "$rc" "$secs" \
  'server: echo_server exited with status [1-9]' 'client: echo_client exited with status [1-9]' \
  'wire: wire exited with status [1-9]' 'runtime: autobahn_client exited with status [1-9]' \
  'server: expected [0-9]+ cases, ran ' 'client: expected [0-9]+ cases, ran ' \
  'wire: expected [0-9]+ cases, ran ' 'runtime: expected [0-9]+ cases, ran '

# 3. proto-h2/interop.sh: one own check skipped, and a fake h2probe.py that runs 2 of its cases.
fake=$work/peers
mkdir -p "$fake/py"
for f in "$PEERS_DIR"/*; do [ "$(basename "$f")" = py ] || ln -s "$f" "$fake/"; done
for f in "$PEERS_DIR"/py/*; do [ "$(basename "$f")" = h2probe.py ] || ln -s "$f" "$fake/py/"; done
cat >"$fake/py/h2probe.py" <<PY
import runpy, sys
sys.argv += ["-k", "3.5/"]  # only the 2 connection-preface cases
runpy.run_path("$PEERS_DIR/py/h2probe.py", run_name="__main__")
PY
run "$work/h2" env PEERS_DIR="$fake" SKIP_CHECKS='^h2load' bash proto-h2/interop.sh
rigged "proto-h2/interop.sh, h2load skipped and h2probe cut to 2 cases" 120 "$work/h2" "$rc" "$secs" \
  '\[own\] expected 8 checks, ran 7' '\[h2probe\] expected 56 checks, ran 2' \
  'h2-interop: expected 68 checks, ran 13'

# 3b. runtime-mio/h2probe.sh: h2probe cut to its 2 connection-preface cases in both runs.
run "$work/wire-h2" env H2PROBE_ARGS='-k 3.5/' bash runtime-mio/h2probe.sh
rigged "runtime-mio/h2probe.sh, h2probe cut to 2 cases" 120 "$work/wire-h2" "$rc" "$secs" \
  '\[h2c\] expected 56 checks, ran 2' '\[tls\] expected 56 checks, ran 2' \
  'wire-h2probe: expected 112 checks, ran 4'

# 4. proto-ws/interop.sh: one pairing skipped.
run "$work/ws" env WS_INTEROP_N=5 SKIP_CHECKS='^node-ws-client' bash proto-ws/interop.sh
rigged "proto-ws/interop.sh, node ws client skipped" 120 "$work/ws" "$rc" "$secs" \
  'node-ws-client-vs-proto-ws: expected 7 checks, ran 0' 'ws-interop: expected 24 checks, ran 17'

# 5. proto-sse/interop.sh: one check skipped.
run "$work/sse" env SKIP_CHECKS='1-byte' bash proto-sse/interop.sh
rigged "proto-sse/interop.sh, 1-byte read check skipped" 120 "$work/sse" "$rc" "$secs" \
  'sse-interop: expected 4 checks, ran 3'

# 6. tls/fingerprint-check.sh: three of its four profiles skipped.
run "$work/tls" env SKIP_CHECKS='chrome|firefox|safari' bash tls/fingerprint-check.sh
rigged "tls/fingerprint-check.sh, 3 of 4 profiles skipped" 120 "$work/tls" "$rc" "$secs" \
  'tls-fingerprints: expected 21 checks, ran 4'

echo "suites-fail: $passed passed, $failed failed"
[ "$failed" = 0 ]
