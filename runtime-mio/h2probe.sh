#!/usr/bin/env bash
# h2probe.py (56 h2spec-style HTTP/2 server cases, raw frames over TCP) against the live server:
# `wire serve --threads 1`, once in cleartext (h2c, prior knowledge) and once under TLS (ALPN h2,
# with the peers' certificate). Each case is counted.
# Prints `N passed, N failed`; exits non-zero on any failure, and when fewer cases ran than
# expected (56 per run, 112), saying "expected N checks, ran M" (each missing case counts as
# failed), and when `wire` exits during a run. H2PROBE_ARGS adds arguments to every h2probe run
# (scripts/test-suites-fail.sh uses `-k 3.5/` to show that the count catches a cut run). Needs
# ../shared/peers/install.sh (PEERS_DIR).
set -uo pipefail
cd "$(dirname "$0")/.."
PEERS_DIR=${PEERS_DIR:-${TMPDIR:-/tmp}/http-engine-peers}
PY=$PEERS_DIR/venv/bin/python
TARGET=${CARGO_TARGET_DIR:-$PWD/target}
EXPECT_PER_RUN=56
work=$(mktemp -d)
wire_pid=
cleanup() {
  [ -n "$wire_pid" ] && { kill "$wire_pid" 2>/dev/null; wait "$wire_pid" 2>/dev/null; }
  rm -rf "$work"
}
trap cleanup EXIT

for f in "$PY" "$PEERS_DIR/py/h2probe.py" "$PEERS_DIR/certs/cert.pem"; do
  [ -e "$f" ] || { echo "missing $f (run ../shared/peers/install.sh)"; echo "0 passed, 1 failed"; exit 1; }
done
cargo build --release -q -p runtime-mio --bin wire || { echo "0 passed, 1 failed"; exit 1; }

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

passed=0
failed=0
missing=0
runs=0
# probe NAME [WIRE_ARGS...]: starts `wire serve` with WIRE_ARGS, runs h2probe against it (with
# --tls when WIRE_ARGS has --cert), adds its counts.
probe() {
  local name=$1
  shift
  local port tls=()
  port=$(free_port)
  [[ " $* " == *" --cert "* ]] && tls=(--tls)
  runs=$((runs + 1))
  "$TARGET/release/wire" serve --threads 1 --listen "127.0.0.1:$port" "$@" >"$work/wire-$name.log" 2>&1 &
  wire_pid=$!
  if ! wait_port "$port"; then
    echo "  [$name] wire serve did not start:"; tail -5 "$work/wire-$name.log" | sed 's/^/    /'
    echo "  [$name] 0 passed, 0 failed"
    missing=$((missing + EXPECT_PER_RUN))
    kill "$wire_pid" 2>/dev/null; wait "$wire_pid" 2>/dev/null; wire_pid=
    return
  fi
  # shellcheck disable=SC2086 # H2PROBE_ARGS is a list of words
  timeout 300 "$PY" "$PEERS_DIR/py/h2probe.py" --port "$port" "${tls[@]}" ${H2PROBE_ARGS:-} >"$work/h2probe-$name.log" 2>&1
  if ! kill -0 "$wire_pid" 2>/dev/null; then
    wait "$wire_pid"
    echo "  [$name] wire exited with status $? during the run:"; tail -5 "$work/wire-$name.log" | sed 's/^/    /'
    failed=$((failed + 1))
  else
    kill "$wire_pid" 2>/dev/null; wait "$wire_pid" 2>/dev/null
  fi
  wire_pid=
  local line p f
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$work/h2probe-$name.log" | tail -1)
  p=$(grep -oE '^[0-9]+' <<<"$line")
  f=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+')
  grep -E '^FAIL' "$work/h2probe-$name.log" | sed 's/^/    /'
  [ -n "$line" ] || { echo "  [$name] no count line:"; tail -5 "$work/h2probe-$name.log" | sed 's/^/    /'; }
  echo "  [$name] ${p:-0} passed, ${f:-0} failed"
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  local ran=$((${p:-0} + ${f:-0}))
  if [ "$ran" -ne "$EXPECT_PER_RUN" ]; then
    echo "  [$name] expected $EXPECT_PER_RUN checks, ran $ran"
    missing=$((missing + (EXPECT_PER_RUN > ran ? EXPECT_PER_RUN - ran : 1)))
  fi
}

probe h2c
probe tls --cert "$PEERS_DIR/certs/cert.pem" --key "$PEERS_DIR/certs/key.pem"

expected=$((runs * EXPECT_PER_RUN))
if [ "$missing" -ne 0 ]; then
  echo "wire-h2probe: expected $expected checks, ran $((passed + failed))"
fi
echo "wire-h2probe: $passed passed, $((failed + missing)) failed"
[ "$failed" = 0 ] && [ "$missing" = 0 ]
