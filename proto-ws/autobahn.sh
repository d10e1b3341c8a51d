#!/usr/bin/env bash
# Autobahn|Testsuite against proto-ws in both roles, and against the live server:
#  - server: examples/echo_server.rs under wstest's fuzzingclient;
#  - client: examples/echo_client.rs against wstest's fuzzingserver;
#  - wire: runtime-mio's `wire serve --threads 1` under wstest's fuzzingclient, at its /ws
#    (the WebSocket echo endpoint, permessage-deflate, through the mio event loop over TCP);
#  - runtime: runtime-mio's client (`Client::websocket`, examples/autobahn_client.rs) against
#    wstest's fuzzingserver (permessage-deflate offered).
# Every case (chapters 1-13, permessage-deflate included: 517 cases) unless AB_CASES narrows it, e.g.
#   AB_CASES='"1.*","2.*","3.*","4.*","5.*","6.*","7.*","9.*","10.*"' bash proto-ws/autobahn.sh
# AB_ROLES lists the roles to run (default all four: `server client wire runtime`); they run
# at the same time (each wstest is single-threaded Python: the roles at once take less wall
# time than one after another).
# Runs with failByDrop true in every role (a peer that drops TCP without the closing handshake
# fails the case). Prints `ROLE: N passed, N failed` per role (OK, NON-STRICT, INFORMATIONAL pass;
# FAILED and UNIMPLEMENTED fail) and exits non-zero on any failure, and also when:
#  - a role's report holds fewer (or more) cases than the selection does: the expected count is
#    computed from AB_CASES by the testsuite's own case list (the missing cases count as failed);
#  - AB_CASES selects no case at all (fails at once, before building anything);
#  - our side dies: echo_client / autobahn_client exits non-zero, or echo_server / wire exits
#    during the run;
#  - a role takes longer than AB_TIMEOUT seconds (default 1800).
# Starts its own fuzzingservers (with this spec; loopback only, through wstest_loopback.py) and
# stops everything it started.
set -uo pipefail
# A port the OS says is free on 127.0.0.1 (so concurrent runs do not collide).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
cd "$(dirname "$0")/.."
PEERS_DIR=${PEERS_DIR:-${TMPDIR:-/tmp}/http-engine-peers}
AB_CASES=${AB_CASES:-'"*"'}
AB_ROLES=${AB_ROLES:-server client wire runtime}
AB_TIMEOUT=${AB_TIMEOUT:-1800}
SERVER_PORT=${AB_SERVER_PORT:-$(free_port)}
WIRE_PORT=${AB_WIRE_PORT:-$(free_port)}
FUZZ_PORT=${AB_FUZZ_PORT:-$(free_port)}
RUNTIME_FUZZ_PORT=${AB_RUNTIME_FUZZ_PORT:-$(free_port)}
PY=$PEERS_DIR/venv-ab27/bin/python
if [ ! -x "$PY" ] && [ -f ../shared/peers/install.sh ]; then bash ../shared/peers/install.sh >/dev/null; fi
if [ ! -x "$PY" ]; then echo "autobahn: $PY missing (run ../shared/peers/install.sh)"; echo "0 passed, 1 failed"; exit 1; fi

# The number of cases the selection holds, from the testsuite's own case list and pattern
# resolution (the same code wstest runs); a case id that names no case is an error.
expected=$("$PY" - "[$AB_CASES]" <<'PY' 2>&1
import json, sys
from autobahntestsuite.case import Cases, CaseCategories, CaseSubCategories, CaseSetname, CaseBasename
from autobahntestsuite.caseset import CaseSet
cs = CaseSet(CaseSetname, CaseBasename, Cases, CaseCategories, CaseSubCategories)
ids = cs.parseSpecCases({"cases": json.loads(sys.argv[1]), "exclude-cases": []})
unknown = [i for i in ids if i not in cs.CasesById]
if unknown:
    sys.exit("unknown case ids: " + " ".join(unknown))
print(len(ids))
PY
)
if ! [[ $expected =~ ^[0-9]+$ ]]; then
  echo "autobahn: AB_CASES=[$AB_CASES] is not a valid selection: $expected"; echo "0 passed, 1 failed"; exit 1
fi
if [ "$expected" -eq 0 ]; then
  echo "autobahn: AB_CASES=[$AB_CASES] selects no case"; echo "0 passed, 1 failed"; exit 1
fi
echo "autobahn: AB_CASES=[$AB_CASES] selects $expected cases; roles: $AB_ROLES"

target=${CARGO_TARGET_DIR:-target}
# Builds what the roles run, one cargo call per package (one call for both would unify their
# dependencies' features and rebuild what the other scripts' single-package builds cached).
build_examples=0
build_wire=0
build_runtime=0
for role in $AB_ROLES; do
  case $role in
    server | client) build_examples=1 ;;
    wire) build_wire=1 ;;
    runtime) build_runtime=1 ;;
    *) echo "autobahn: unknown role $role"; echo "0 passed, 1 failed"; exit 1 ;;
  esac
done
if [ $build_examples = 1 ]; then
  cargo build --release -q -p proto-ws --example echo_server --example echo_client || { echo "0 passed, 1 failed"; exit 1; }
fi
if [ $build_wire = 1 ] || [ $build_runtime = 1 ]; then
  cargo build --release -q -p runtime-mio --bin wire --example autobahn_client || { echo "0 passed, 1 failed"; exit 1; }
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }

status=0
# summarize ROLE INDEX EXTRA_FAILED: ab_summary.py's listing, with UNIMPLEMENTED (its "skipped")
# counted as failed, and each selected case missing from the report counted as failed too.
# EXTRA_FAILED (0 or 1) adds one failure for our side dying.
summarize() {
  local role=$1 index=$2 extra=$3
  if [ ! -f "$index" ]; then
    echo "$role: expected $expected cases, ran 0 (no report)"
    echo "$role: 0 passed, $((expected + extra)) failed"; status=1; return
  fi
  local out; out=$(python3 "$PEERS_DIR/autobahn/ab_summary.py" "$index")
  echo "$out" | grep -v ' passed, ' | sed "s/^/  /"
  local ran; ran=$(python3 -c 'import json, sys; print(sum(len(c) for c in json.load(open(sys.argv[1])).values()))' "$index")
  local line; line=$(echo "$out" | grep ' passed, ' | head -1)
  local p f s
  read -r p f s < <(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped.*/\1 \2 \3/')
  local missing=0
  if [ "$ran" -ne "$expected" ]; then
    echo "$role: expected $expected cases, ran $ran"
    missing=$((expected > ran ? expected - ran : 1))
  fi
  local failed=$((${f:-0} + ${s:-0} + missing + extra))
  echo "$role: ${p:-0} passed, $failed failed"
  [ "$failed" -eq 0 ] || status=1
}

# Each role runs in its own subshell, all at once (wstest is single-threaded Python, one core
# each), and prints its summary to its own file; the exit status says whether it passed.

# fuzzingclient_role ROLE AGENT URL COMMAND...: starts COMMAND (our server, listening for URL),
# runs the fuzzingclient against URL, and summarizes its report as ROLE.
fuzzingclient_role() {
  local role=$1 agent=$2 url=$3
  shift 3
  local port=${url#ws://127.0.0.1:}
  port=${port%%/*}
  status=0
  "$@" >"$work/$role.log" 2>&1 &
  local our_pid=$!
  trap "kill $our_pid 2>/dev/null; wait $our_pid 2>/dev/null" EXIT
  wait_port "$port" || { echo "$role: ${1##*/} not up"; echo "$role: 0 passed, $((expected + 1)) failed"; return 1; }
  cat > "$work/fuzzingclient-$role.json" <<JSON
{"options": {"failByDrop": true}, "outdir": "$work/reports-$role",
 "servers": [{"agent": "$agent", "url": "$url"}],
 "cases": [$AB_CASES], "exclude-cases": [], "exclude-agent-cases": {}}
JSON
  (cd "$PEERS_DIR/autobahn" && exec timeout "$AB_TIMEOUT" "$PY" wstest_loopback.py -m fuzzingclient -s "$work/fuzzingclient-$role.json") >"$work/fuzzingclient-$role.log" 2>&1 &
  local ab_pid=$!
  trap "kill $our_pid $ab_pid 2>/dev/null; wait $our_pid $ab_pid 2>/dev/null" EXIT
  # Whichever ends first: the testsuite (normal), or our server (it died: stop the testsuite).
  local extra=0 rc
  wait -n "$our_pid" "$ab_pid"
  if kill -0 "$our_pid" 2>/dev/null; then
    wait "$ab_pid"; rc=$?
    [ "$rc" -eq 124 ] && { echo "$role: fuzzingclient timed out after ${AB_TIMEOUT}s"; extra=1; }
  else
    wait "$our_pid"; rc=$?
    echo "$role: ${1##*/} exited with status $rc during the run"; tail -5 "$work/$role.log" | sed 's/^/  /'
    extra=1
    kill "$ab_pid" 2>/dev/null; wait "$ab_pid" 2>/dev/null
  fi
  summarize "$role" "$work/reports-$role/index.json" "$extra"
  return $status
}

server_role() {
  fuzzingclient_role server proto-ws-server "ws://127.0.0.1:$SERVER_PORT" \
    "$target/release/examples/echo_server" "127.0.0.1:$SERVER_PORT"
}

# `wire serve` on one event-loop thread, its /ws endpoint.
wire_role() {
  fuzzingclient_role wire wire-serve "ws://127.0.0.1:$WIRE_PORT/ws" \
    "$target/release/wire" serve --threads 1 --listen "127.0.0.1:$WIRE_PORT"
}

# fuzzingserver_role ROLE AGENT PORT COMMAND...: starts a fuzzingserver of its own on PORT (its
# URL appended to COMMAND, then AGENT), runs COMMAND (our client, through every case) and
# summarizes the role's report.
fuzzingserver_role() {
  local role=$1 agent=$2 port=$3; shift 3
  status=0
  cat > "$work/fuzzingserver-$role.json" <<JSON
{"url": "ws://127.0.0.1:$port", "options": {"failByDrop": true}, "outdir": "$work/clients-$role",
 "cases": [$AB_CASES], "exclude-cases": [], "exclude-agent-cases": {}}
JSON
  (cd "$PEERS_DIR/autobahn" && exec "$PY" wstest_loopback.py -m fuzzingserver -s "$work/fuzzingserver-$role.json" -u 0) >"$work/fuzzingserver-$role.log" 2>&1 &
  local server_pid=$!
  trap "kill $server_pid 2>/dev/null; wait $server_pid 2>/dev/null" EXIT
  if wait_port "$port"; then
    local extra=0 rc
    timeout "$AB_TIMEOUT" "$@" "ws://127.0.0.1:$port" "$agent" 2>"$work/$role-client.log"
    rc=$?
    if [ "$rc" -ne 0 ]; then
      echo "$role: ${1##*/} exited with status $rc$([ "$rc" -eq 124 ] && echo " (timed out after ${AB_TIMEOUT}s)")"
      tail -5 "$work/$role-client.log" | sed 's/^/  /'
      extra=1
    fi
    summarize "$role" "$work/clients-$role/index.json" "$extra"
  else
    echo "$role: fuzzingserver not up"; echo "$role: 0 passed, $((expected + 1)) failed"; status=1
  fi
  return $status
}

# proto-ws's blocking client on std::net.
client_role() {
  fuzzingserver_role client proto-ws-client "$FUZZ_PORT" "$target/release/examples/echo_client" autobahn
}

# The runtime's client (`Client::websocket`: the event loop, the tunnel, proto-ws on the
# caller's thread).
runtime_role() {
  fuzzingserver_role runtime runtime-mio-client "$RUNTIME_FUZZ_PORT" "$target/release/examples/autobahn_client"
}

roles=()
for role in $AB_ROLES; do
  case $role in
    server) ( server_role ) >"$work/server.out" 2>&1 & pids+=($!); roles+=(server) ;;
    client) ( client_role ) >"$work/client.out" 2>&1 & pids+=($!); roles+=(client) ;;
    wire) ( wire_role ) >"$work/wire.out" 2>&1 & pids+=($!); roles+=(wire) ;;
    runtime) ( runtime_role ) >"$work/runtime.out" 2>&1 & pids+=($!); roles+=(runtime) ;;
    *) echo "autobahn: unknown role $role"; echo "0 passed, 1 failed"; exit 1 ;;
  esac
done
for i in "${!roles[@]}"; do
  wait "${pids[$i]}" || status=1
  cat "$work/${roles[$i]}.out"
done
pids=()
[ -n "${AB_KEEP:-}" ] && cp -r "$work" "$AB_KEEP"
exit $status
