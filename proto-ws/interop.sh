#!/usr/bin/env bash
# Interop on loopback with Python `websockets` and node `ws`, both roles, permessage-deflate on:
#  - our echo_client against their echo servers (the peers kit's py/ws_echo_server.py and
#    node/ws_echo_server.js, started here on private ports);
#  - their clients (interop/client.py, interop/client.js) against our echo_server.
# Prints `NAME: N passed, N failed` per pairing; exits non-zero on any failure, and when a
# pairing ran fewer checks than expected (our client: one per message, N = WS_INTEROP_N, default
# 30; their clients: one per message, the ping and the close: N + 2; 4N + 4 in all), saying
# "expected N checks, ran M" (each missing check counts as failed). SKIP_CHECKS=REGEX skips the
# pairings whose name matches (used by scripts/test-suites-fail.sh to show that the count
# catches it).
set -uo pipefail
# A port the OS says is free on 127.0.0.1 (so concurrent runs do not collide).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
cd "$(dirname "$0")/.."
PEERS_DIR=${PEERS_DIR:-${TMPDIR:-/tmp}/http-engine-peers}
PY_PORT=${WS_PY_PORT:-$(free_port)}
NODE_PORT=${WS_NODE_PORT:-$(free_port)}
OUR_PORT=${WS_OUR_PORT:-$(free_port)}
N=${WS_INTEROP_N:-30}
target=${CARGO_TARGET_DIR:-target}
cargo build --release -q -p proto-ws --example echo_server --example echo_client || { echo "interop: 0 passed, 1 failed"; exit 1; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; }
trap cleanup EXIT
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }
status=0
ran=0
run() { # name expected command...
  local name=$1 expected=$2; shift 2
  local out rc
  if [ -n "${SKIP_CHECKS:-}" ] && [[ $name =~ $SKIP_CHECKS ]]; then
    out="skipped (SKIP_CHECKS)" rc=0
  else
    out=$("$@" 2>&1); rc=$?
  fi
  local p f
  read -r p f < <(echo "$out" | grep -oE '[0-9]+ passed, [0-9]+ failed' | tail -1 | sed -E 's/([0-9]+) passed, ([0-9]+) failed/\1 \2/')
  p=${p:-0} f=${f:-0}
  ran=$((ran + p + f))
  if [ $((p + f)) -ne "$expected" ]; then
    echo "$name: expected $expected checks, ran $((p + f))"
    f=$((f + (expected > p + f ? expected - p - f : 1)))
  fi
  echo "$name: $p passed, $f failed"
  [ $rc -eq 0 ] && [ "$f" -eq 0 ] || { status=1; echo "$out" | tail -5 | sed 's/^/  /'; }
}
"$PEERS_DIR/venv/bin/python" "$PEERS_DIR/py/ws_echo_server.py" "$PY_PORT" 127.0.0.1 >/dev/null 2>&1 & pids+=($!)
node "$PEERS_DIR/node/ws_echo_server.js" "$NODE_PORT" >/dev/null 2>&1 & pids+=($!)
"$target/release/examples/echo_server" "127.0.0.1:$OUR_PORT" 2>/dev/null & pids+=($!)
wait_port "$PY_PORT" && wait_port "$NODE_PORT" && wait_port "$OUR_PORT" || { echo "interop: 0 passed, 1 failed (servers not up)"; exit 1; }
run "proto-ws-client-vs-python-websockets" "$N" "$target/release/examples/echo_client" echo "ws://127.0.0.1:$PY_PORT" "$N"
run "proto-ws-client-vs-node-ws" "$N" "$target/release/examples/echo_client" echo "ws://127.0.0.1:$NODE_PORT" "$N"
run "python-websockets-client-vs-proto-ws" $((N + 2)) "$PEERS_DIR/venv/bin/python" proto-ws/interop/client.py "ws://127.0.0.1:$OUR_PORT" "$N"
run "node-ws-client-vs-proto-ws" $((N + 2)) env NODE_PATH="$PEERS_DIR/node/node_modules" node proto-ws/interop/client.js "ws://127.0.0.1:$OUR_PORT" "$N"
expected=$((4 * N + 4))
if [ "$ran" -ne "$expected" ]; then
  echo "ws-interop: expected $expected checks, ran $ran"
  status=1
else
  echo "ws-interop: ran all $expected checks"
fi
exit $status
