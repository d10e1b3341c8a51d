#!/usr/bin/env bash
# Autobahn|Testsuite against proto-ws in both roles:
#  - server: examples/echo_server.rs under wstest's fuzzingclient;
#  - client: examples/echo_client.rs against wstest's fuzzingserver.
# Every case (chapters 1-13, permessage-deflate included: 517 cases) unless AB_CASES narrows it, e.g.
#   AB_CASES='"1.*","2.*","3.*","4.*","5.*","6.*","7.*","9.*","10.*"' bash proto-ws/autobahn.sh
# AB_ROLES=server or AB_ROLES=client runs one role; both roles run at the same time.
# Runs with failByDrop true in both roles (a peer that drops TCP without the closing handshake
# fails the case). Prints `ROLE: N passed, N failed` per role (OK, NON-STRICT, INFORMATIONAL pass;
# FAILED and UNIMPLEMENTED fail) and exits non-zero on any failure, and also when:
#  - a role's report holds fewer (or more) cases than the selection does: the expected count is
#    computed from AB_CASES by the testsuite's own case list (the missing cases count as failed);
#  - AB_CASES selects no case at all (fails at once, before building anything);
#  - our side dies: echo_client exits non-zero, or echo_server exits during the run;
#  - a role takes longer than AB_TIMEOUT seconds (default 1800; the full run takes ~12 min).
# Starts its own fuzzingserver (with this spec; loopback only, through wstest_loopback.py) and
# stops everything it started.
set -uo pipefail
# A port the OS says is free on 127.0.0.1 (so concurrent runs do not collide).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
cd "$(dirname "$0")/.."
PEERS_DIR=${PEERS_DIR:-${TMPDIR:-/tmp}/http-engine-peers}
AB_CASES=${AB_CASES:-'"*"'}
AB_ROLES=${AB_ROLES:-server client}
AB_TIMEOUT=${AB_TIMEOUT:-1800}
SERVER_PORT=${AB_SERVER_PORT:-$(free_port)}
FUZZ_PORT=${AB_FUZZ_PORT:-$(free_port)}
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
cargo build --release -q -p proto-ws --example echo_server --example echo_client || { echo "0 passed, 1 failed"; exit 1; }

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

# Each role runs in its own subshell, both at once (wstest is single-threaded Python, one core
# each), and prints its summary to its own file; the exit status says whether it passed.
server_role() {
  status=0
  "$target/release/examples/echo_server" "127.0.0.1:$SERVER_PORT" 2>"$work/server.log" &
  local echo_pid=$!
  trap "kill $echo_pid 2>/dev/null; wait $echo_pid 2>/dev/null" EXIT
  wait_port "$SERVER_PORT" || { echo "server: echo_server not up"; echo "server: 0 passed, $((expected + 1)) failed"; return 1; }
  cat > "$work/fuzzingclient.json" <<JSON
{"options": {"failByDrop": true}, "outdir": "$work/servers",
 "servers": [{"agent": "proto-ws-server", "url": "ws://127.0.0.1:$SERVER_PORT"}],
 "cases": [$AB_CASES], "exclude-cases": [], "exclude-agent-cases": {}}
JSON
  (cd "$PEERS_DIR/autobahn" && exec timeout "$AB_TIMEOUT" "$PY" wstest_loopback.py -m fuzzingclient -s "$work/fuzzingclient.json") >"$work/fuzzingclient.log" 2>&1 &
  local ab_pid=$!
  trap "kill $echo_pid $ab_pid 2>/dev/null; wait $echo_pid $ab_pid 2>/dev/null" EXIT
  # Whichever ends first: the testsuite (normal), or echo_server (it died: stop the testsuite).
  local extra=0 rc
  wait -n "$echo_pid" "$ab_pid"
  if kill -0 "$echo_pid" 2>/dev/null; then
    wait "$ab_pid"; rc=$?
    [ "$rc" -eq 124 ] && { echo "server: fuzzingclient timed out after ${AB_TIMEOUT}s"; extra=1; }
  else
    wait "$echo_pid"; rc=$?
    echo "server: echo_server exited with status $rc during the run"; tail -5 "$work/server.log" | sed 's/^/  /'
    extra=1
    kill "$ab_pid" 2>/dev/null; wait "$ab_pid" 2>/dev/null
  fi
  summarize server "$work/servers/index.json" "$extra"
  return $status
}

client_role() {
  status=0
  cat > "$work/fuzzingserver.json" <<JSON
{"url": "ws://127.0.0.1:$FUZZ_PORT", "options": {"failByDrop": true}, "outdir": "$work/clients",
 "cases": [$AB_CASES], "exclude-cases": [], "exclude-agent-cases": {}}
JSON
  (cd "$PEERS_DIR/autobahn" && exec "$PY" wstest_loopback.py -m fuzzingserver -s "$work/fuzzingserver.json" -u 0) >"$work/fuzzingserver.log" 2>&1 &
  local server_pid=$!
  trap "kill $server_pid 2>/dev/null; wait $server_pid 2>/dev/null" EXIT
  if wait_port "$FUZZ_PORT"; then
    local extra=0 rc
    timeout "$AB_TIMEOUT" "$target/release/examples/echo_client" autobahn "ws://127.0.0.1:$FUZZ_PORT" proto-ws-client 2>"$work/client.log"
    rc=$?
    if [ "$rc" -ne 0 ]; then
      echo "client: echo_client exited with status $rc$([ "$rc" -eq 124 ] && echo " (timed out after ${AB_TIMEOUT}s)")"
      tail -5 "$work/client.log" | sed 's/^/  /'
      extra=1
    fi
    summarize client "$work/clients/index.json" "$extra"
  else
    echo "client: fuzzingserver not up"; echo "client: 0 passed, $((expected + 1)) failed"; status=1
  fi
  return $status
}

roles=()
for role in $AB_ROLES; do
  case $role in
    server) ( server_role ) >"$work/server.out" 2>&1 & pids+=($!); roles+=(server) ;;
    client) ( client_role ) >"$work/client.out" 2>&1 & pids+=($!); roles+=(client) ;;
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
