#!/usr/bin/env bash
# Autobahn|Testsuite against proto-ws in both roles:
#  - server: examples/echo_server.rs under wstest's fuzzingclient;
#  - client: examples/echo_client.rs against wstest's fuzzingserver.
# Every case (chapters 1-13, permessage-deflate included) unless AB_CASES narrows it, e.g.
#   AB_CASES='"1.*","2.*","3.*","4.*","5.*","6.*","7.*","9.*","10.*"' bash proto-ws/autobahn.sh
# AB_ROLES=server or AB_ROLES=client runs one role. Prints `ROLE: N passed, N failed` per role
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

if [[ " $AB_ROLES " == *" server "* ]]; then
  "$target/release/examples/echo_server" "127.0.0.1:$SERVER_PORT" 2>"$work/server.log" &
  pids+=($!)
  wait_port "$SERVER_PORT" || { echo "server: 0 passed, 1 failed (echo_server not up)"; exit 1; }
  cat > "$work/fuzzingclient.json" <<JSON
{"options": {"failByDrop": false}, "outdir": "$work/servers",
 "servers": [{"agent": "proto-ws-server", "url": "ws://127.0.0.1:$SERVER_PORT"}],
 "cases": [$AB_CASES], "exclude-cases": [], "exclude-agent-cases": {}}
JSON
  (cd "$PEERS_DIR/autobahn" && "$PY" wstest_loopback.py -m fuzzingclient -s "$work/fuzzingclient.json") >"$work/fuzzingclient.log" 2>&1
  summarize server "$work/servers/index.json"
fi

if [[ " $AB_ROLES " == *" client "* ]]; then
  cat > "$work/fuzzingserver.json" <<JSON
{"url": "ws://127.0.0.1:$FUZZ_PORT", "outdir": "$work/clients",
 "cases": [$AB_CASES], "exclude-cases": [], "exclude-agent-cases": {}}
JSON
  (cd "$PEERS_DIR/autobahn" && exec "$PY" wstest_loopback.py -m fuzzingserver -s "$work/fuzzingserver.json" -u 0) >"$work/fuzzingserver.log" 2>&1 &
  pids+=($!)
  if wait_port "$FUZZ_PORT"; then
    "$target/release/examples/echo_client" autobahn "ws://127.0.0.1:$FUZZ_PORT" proto-ws-client 2>"$work/client.log"
    summarize client "$work/clients/index.json"
  else
    echo "client: 0 passed, 1 failed (fuzzingserver not up)"; status=1
  fi
fi
[ -n "${AB_KEEP:-}" ] && cp -r "$work" "$AB_KEEP"
exit $status
