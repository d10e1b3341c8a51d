#!/usr/bin/env bash
# HTTP/2 interop on loopback with real peers, through the blocking std::net adapter of
# proto-h2/examples (no runtime):
#   - our client (h2_client, h2c prior knowledge) against nghttpd (default and Chrome profiles)
#     and hypercorn (Python h2);
#   - our server (h2_server) under nghttp (GET, POST echo), h2load, h2probe.py (56 h2spec-style
#     cases, each counted) and Python h2 (py_h2_client.py, each check counted).
# Starts and stops its own peers on free 127.0.0.1 ports. Prints `N passed, N failed`; exits
# non-zero on any failure, and when fewer checks ran than expected (8 checks of its own, 56
# h2probe cases, 4 Python h2 checks: 68), saying "expected N checks, ran M" (each missing check
# counts as failed). SKIP_CHECKS=REGEX skips the own checks whose name matches (used by
# scripts/test-suites-fail.sh to show that the count catches it). Needs
# ../shared/peers/install.sh (PEERS_DIR).
set -uo pipefail
cd "$(dirname "$0")/.."
PEERS_DIR=${PEERS_DIR:-${TMPDIR:-/tmp}/http-engine-peers}
PY=$PEERS_DIR/venv/bin/python
TARGET=${CARGO_TARGET_DIR:-$PWD/target}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

for tool in nghttp nghttpd h2load; do
  command -v "$tool" >/dev/null || { echo "missing $tool (run ../shared/peers/install.sh)"; echo "0 passed, 1 failed"; exit 1; }
done
[ -x "$PY" ] || { echo "missing $PY"; echo "0 passed, 1 failed"; exit 1; }

cargo build -q -p proto-h2 --example h2_client --example h2_server || { echo "0 passed, 1 failed"; exit 1; }
BIN=$TARGET/debug/examples

# The checks this script expects to run: its own `check` calls below, and the cases the two
# Python suites count (h2probe.py's 56 @case cases; py_h2_client.py's 4 checks).
EXPECT_OWN=8
EXPECT_H2PROBE=56
EXPECT_PY_H2=4
passed=0
failed=0
own=0     # own checks that ran
missing=0 # expected checks that did not run
check() { # check NAME COMMAND...
  local name=$1
  shift
  if [ -n "${SKIP_CHECKS:-}" ] && [[ $name =~ $SKIP_CHECKS ]]; then
    echo "SKIP $name (SKIP_CHECKS)"
    return
  fi
  own=$((own + 1))
  if "$@" >"$work/log" 2>&1; then
    echo "PASS $name"
    passed=$((passed + 1))
  else
    echo "FAIL $name"
    tail -5 "$work/log" | sed 's/^/    /'
    failed=$((failed + 1))
  fi
}
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
# expect NAME EXPECTED RAN: a shortfall (or excess) of checks is reported and counted as failed.
expect() {
  [ "$2" -eq "$3" ] && return 0
  echo "  [$1] expected $2 checks, ran $3"
  missing=$((missing + ($2 > $3 ? $2 - $3 : 1)))
}
# Adds a suite's own `N passed, N failed` line to the totals, and checks that it ran EXPECTED
# checks (a suite that printed no count line ran none).
add_counts() { # add_counts NAME LOGFILE EXPECTED
  local line p f
  line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$2" | tail -1)
  p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+')
  f=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+')
  grep -E '^FAIL' "$2" | sed 's/^/    /'
  [ -n "$line" ] || { echo "  [$1] no count line:"; tail -5 "$2" | sed 's/^/    /'; }
  echo "  [$1] ${p:-0} passed, ${f:-0} failed"
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  expect "$1" "$3" $((${p:-0} + ${f:-0}))
}

# ---- our client against nghttpd
nport=$(free_port)
nghttpd --no-tls -a 127.0.0.1 -d "$PEERS_DIR/www" "$nport" >"$work/nghttpd.log" 2>&1 &
pids+=($!)
wait_port "$nport" || echo "nghttpd did not start"
check "h2_client -> nghttpd: 3 concurrent GETs (17 B, 1.4 KB, 1 MiB)" \
  bash -c "'$BIN/h2_client' 127.0.0.1 $nport /index.html /1k.txt /1m.bin | sort | tee /dev/stderr | grep -c '^200 ' | grep -qx 3"
check "h2_client (Chrome profile) -> nghttpd: GET 1 MiB" \
  bash -c "'$BIN/h2_client' 127.0.0.1 $nport /1m.bin --chrome | grep -qx '200 1048576 /1m.bin'"
check "h2_client -> nghttpd: 404 reported" \
  bash -c "'$BIN/h2_client' 127.0.0.1 $nport /missing | grep -q '^404 '"

# ---- our client against hypercorn (Python h2 underneath), h2c prior knowledge
hport=$(free_port)
(cd "$PEERS_DIR" && exec ./venv/bin/hypercorn py.asgi_peer:app --bind "127.0.0.1:$hport") >"$work/hypercorn.log" 2>&1 &
pids+=($!)
wait_port "$hport" || echo "hypercorn did not start"
check "h2_client -> hypercorn (python h2): GET / and 1 MiB" \
  bash -c "'$BIN/h2_client' 127.0.0.1 $hport / /big | sort | tr '\n' ' ' | grep -qx '200 1048576 /big 200 6 / '"

# ---- our server under nghttp, h2load, h2probe, Python h2
sport=$(free_port)
"$BIN/h2_server" "$sport" >"$work/server.log" 2>&1 &
pids+=($!)
wait_port "$sport" || echo "h2_server did not start"
url=http://127.0.0.1:$sport
check "nghttp -> h2_server: GET 100000 bytes" \
  bash -c "nghttp '$url/size/100000' | wc -c | grep -qx 100000"
head -c 300000 /dev/urandom >"$work/upload"
check "nghttp -> h2_server: POST 300000 bytes echoed" \
  bash -c "nghttp -d '$work/upload' '$url/echo' | cmp - '$work/upload'"
check "nghttp -> h2_server: 20 concurrent streams" \
  bash -c "nghttp -n -s $(for i in $(seq 20); do printf '%s ' "$url/size/$i"; done) | grep -c ' 200 ' | grep -qx 20"
check "h2load -> h2_server: 5000 requests, 20 connections x 20 streams" \
  bash -c "h2load -n 5000 -c 20 -m 20 '$url/size/1000' | tee /dev/stderr | grep -q '5000 succeeded, 0 failed'"
"$PY" "$PEERS_DIR/py/h2probe.py" --port "$sport" >"$work/h2probe.log" 2>&1
add_counts h2probe "$work/h2probe.log" "$EXPECT_H2PROBE"
"$PY" proto-h2/interop/py_h2_client.py "$sport" >"$work/pyh2.log" 2>&1
add_counts python-h2 "$work/pyh2.log" "$EXPECT_PY_H2"
expect own "$EXPECT_OWN" "$own"

expected=$((EXPECT_OWN + EXPECT_H2PROBE + EXPECT_PY_H2))
if [ "$missing" -ne 0 ]; then
  echo "h2-interop: expected $expected checks, ran $((passed + failed))"
fi
echo "$passed passed, $((failed + missing)) failed"
[ "$failed" = 0 ] && [ "$missing" = 0 ]
