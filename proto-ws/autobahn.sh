#!/usr/bin/env bash
# Autobahn|Testsuite against proto-ws in both roles:
#  - server: examples/echo_server.rs under wstest's fuzzingclient;
#  - client: examples/echo_client.rs against wstest's fuzzingserver.
# Every case (chapters 1-13, permessage-deflate included) unless AB_CASES narrows it, e.g.
#   AB_CASES='"1.*","2.*","3.*","4.*","5.*","6.*","7.*","9.*","10.*"' bash proto-ws/autobahn.sh
# AB_ROLES=server or AB_ROLES=client runs one role; both roles run at the same time. Prints `ROLE: N passed, N failed` per role
# (OK, NON-STRICT, INFORMATIONAL pass; FAILED and UNIMPLEMENTED fail) and exits non-zero on
# any failure. Starts its own fuzzingserver (with this spec; loopback only, through
# wstest_loopback.py) and stops everything it started.
set -uo pipefail
# A port the OS says is free on 127.0.0.1 (so concurrent runs do not collide).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
cd "$(dirname "$0")/.."
PEERS_DIR=${PEERS_DIR:-${TMPDIR:-/tmp}/http-engine-peers}
AB_CASES=${AB_CASES:-'"*"'}
AB_ROLES=${AB_ROLES:-server client}
SERVER_PORT=${AB_SERVER_PORT:-$(free_port)}
FUZZ_PORT=${AB_FUZZ_PORT:-$(free_port)}
PY=$PEERS_DIR/venv-ab27/bin/python
if [ ! -x "$PY" ] && [ -f ../shared/peers/install.sh ]; then bash ../shared/peers/install.sh >/dev/null; fi
if [ ! -x "$PY" ]; then echo "autobahn: $PY missing (run ../shared/peers/install.sh)"; echo "0 passed, 1 failed"; exit 1; fi

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
# summarize ROLE INDEX: ab_summary.py's listing, with UNIMPLEMENTED (its "skipped") counted as failed.
summarize() {
  local role=$1 index=$2
  if [ ! -f "$index" ]; then echo "$role: 0 passed, 1 failed (no report)"; status=1; return; fi
  local out; out=$(python3 "$PEERS_DIR/autobahn/ab_summary.py" "$index")
  echo "$out" | grep -v ' passed, ' | sed "s/^/  /"
  local line; line=$(echo "$out" | grep ' passed, ' | head -1)
  local p f s
  read -r p f s < <(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped.*/\1 \2 \3/')
  echo "$role: $p passed, $((f + s)) failed"
  [ $((f + s)) -eq 0 ] || status=1
}

# Each role runs in its own subshell, both at once (wstest is single-threaded Python, one core
# each), and prints its summary to its own file; the exit status says whether it passed.
server_role() {
  status=0
  "$target/release/examples/echo_server" "127.0.0.1:$SERVER_PORT" 2>"$work/server.log" &
  local echo_pid=$!
  trap "kill $echo_pid 2>/dev/null; wait $echo_pid 2>/dev/null" EXIT
  wait_port "$SERVER_PORT" || { echo "server: 0 passed, 1 failed (echo_server not up)"; return 1; }
  cat > "$work/fuzzingclient.json" <<JSON
{"options": {"failByDrop": false}, "outdir": "$work/servers",
 "servers": [{"agent": "proto-ws-server", "url": "ws://127.0.0.1:$SERVER_PORT"}],
 "cases": [$AB_CASES], "exclude-cases": [], "exclude-agent-cases": {}}
JSON
  (cd "$PEERS_DIR/autobahn" && "$PY" wstest_loopback.py -m fuzzingclient -s "$work/fuzzingclient.json") >"$work/fuzzingclient.log" 2>&1
  summarize server "$work/servers/index.json"
  return $status
}

client_role() {
  status=0
  cat > "$work/fuzzingserver.json" <<JSON
{"url": "ws://127.0.0.1:$FUZZ_PORT", "outdir": "$work/clients",
 "cases": [$AB_CASES], "exclude-cases": [], "exclude-agent-cases": {}}
JSON
  (cd "$PEERS_DIR/autobahn" && exec "$PY" wstest_loopback.py -m fuzzingserver -s "$work/fuzzingserver.json" -u 0) >"$work/fuzzingserver.log" 2>&1 &
  local server_pid=$!
  trap "kill $server_pid 2>/dev/null; wait $server_pid 2>/dev/null" EXIT
  if wait_port "$FUZZ_PORT"; then
    "$target/release/examples/echo_client" autobahn "ws://127.0.0.1:$FUZZ_PORT" proto-ws-client 2>"$work/client.log"
    summarize client "$work/clients/index.json"
  else
    echo "client: 0 passed, 1 failed (fuzzingserver not up)"; status=1
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
