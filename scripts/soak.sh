#!/usr/bin/env bash
# A bounded soak of `wire serve --threads 1`: for SOAK_SECONDS (default 60) it runs a mixed load
# and samples the server's resident memory (VmRSS) every SOAK_SAMPLE seconds (default 3), then
# prints the series and checks that memory stayed flat after warm-up.
#
# The load, all at once against the one server:
#   - wrk, 50 keep-alive connections cycling through /, /bytes/100000, /stream/20, a 5 KB POST
#     to /echo and /status/204 (no non-2xx answer, no socket error allowed);
#   - h2load over h2c, 10 connections x 50 streams on /, /bytes/10000, /stream/5 (none may fail);
#   - connection churn: curl in a loop, one new connection per request, HTTP/1.1 and h2c;
#   - scripts/soak_clients.py (Python from the peers kit): 4 WebSocket echo clients
#     (permessage-deflate), 4 SSE readers (half resuming with Last-Event-ID), and misbehaving
#     connections: malformed heads (400/414/431/501/505 checked) and resets in the middle of
#     an upload or a download.
#
# Flat means: the first third of the samples is warm-up; the highest RSS of the last third may
# exceed the highest of the middle third by at most SOAK_BOUND_PCT percent (default 10) or
# SOAK_BOUND_KIB KiB (default 2048), whichever is larger. A leak grows from one window to the
# next; the bound leaves room for allocator noise under a load that never stops.
#
#   bash scripts/soak.sh                       # release build, 60 s
#   SOAK_SECONDS=600 bash scripts/soak.sh
#   WIRE=target/debug/wire bash scripts/soak.sh
#
# Prints `soak: N passed, N failed` (the checks: server alive and answering, each load
# generator clean, memory flat) and exits non-zero on a failure. Not part of scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export SETUP_PEERS=${SETUP_PEERS:-1}
. scripts/setup.sh

SECONDS_TOTAL=${SOAK_SECONDS:-60}
SAMPLE=${SOAK_SAMPLE:-3}
BOUND_PCT=${SOAK_BOUND_PCT:-10}
BOUND_KIB=${SOAK_BOUND_KIB:-2048}
PY=$PEERS_DIR/venv/bin/python
if [ -z "${WIRE:-}" ]; then
  cargo build -q --release -p runtime-mio --bin wire
  WIRE=${CARGO_TARGET_DIR:-target}/release/wire
fi
for tool in wrk h2load curl "$PY"; do
  command -v "$tool" >/dev/null || { echo "soak: $tool missing (SETUP_PEERS=1 . scripts/setup.sh)"; echo "soak: 0 passed, 1 failed"; exit 1; }
done

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$WIRE" serve --listen 127.0.0.1:0 --threads 1 >"$work/server.out" 2>"$work/server.err" &
server=$!
for _ in $(seq 1 100); do
  grep -q '^listening on' "$work/server.out" 2>/dev/null && break
  sleep 0.05
done
addr=$(sed -n 's|^listening on http://||p' "$work/server.out")
[ -n "$addr" ] || { echo "soak: wire serve did not start"; cat "$work/server.err"; exit 1; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$server/status"; }
echo "soak: wire serve (pid $server) on $addr for ${SECONDS_TOTAL} s; RSS at start $(rss) KiB"

cat >"$work/mix.lua" <<'EOF'
local reqs = {}
init = function(args)
  reqs[1] = wrk.format("GET", "/")
  reqs[2] = wrk.format("GET", "/bytes/100000")
  reqs[3] = wrk.format("GET", "/stream/20")
  reqs[4] = wrk.format("POST", "/echo", { ["Content-Type"] = "text/plain" }, string.rep("x", 5000))
  reqs[5] = wrk.format("GET", "/status/204")
end
local i = 0
request = function()
  i = i % #reqs + 1
  return reqs[i]
end
EOF

wrk -t1 -c50 -d"${SECONDS_TOTAL}s" -s "$work/mix.lua" "http://$addr/" >"$work/wrk.out" 2>&1 &
pids+=($!)
h2load -D "$SECONDS_TOTAL" -c 10 -m 50 "http://$addr/" "http://$addr/bytes/10000" \
  "http://$addr/stream/5" >"$work/h2load.out" 2>&1 &
pids+=($!)
(
  end=$((SECONDS + SECONDS_TOTAL)) ok=0 bad=0
  while [ $SECONDS -lt $end ]; do
    for mode in --http1.1 --http2-prior-knowledge; do
      if [ "$(curl -s --max-time 10 $mode -o /dev/null -w '%{http_code}' "http://$addr/bytes/1000")" = 200 ]; then
        ok=$((ok + 1))
      else
        bad=$((bad + 1))
      fi
    done
  done
  echo "curl churn: $ok ok, $bad failed"
) >"$work/curl.out" 2>&1 &
pids+=($!)
"$PY" scripts/soak_clients.py "$addr" "$SECONDS_TOTAL" >"$work/py.out" 2>"$work/py.err" &
pids+=($!)

samples=()
t=0
while [ $t -lt "$SECONDS_TOTAL" ]; do
  sleep "$SAMPLE"
  t=$((t + SAMPLE))
  kill -0 "$server" 2>/dev/null || break
  samples+=("$(rss)")
  echo "  t=${t}s rss=${samples[-1]} KiB"
done

passed=0 failed=0
check() { # check NAME CONDITION-STATUS DETAIL
  if [ "$2" = 0 ]; then passed=$((passed + 1)); echo "ok   $1"; else failed=$((failed + 1)); echo "FAIL $1: $3"; fi
}
statuses=()
for p in "${pids[@]}"; do
  if wait "$p"; then statuses+=(0); else statuses+=(1); fi
done
pids=()

alive=1
kill -0 "$server" 2>/dev/null && alive=0
check "server alive after the load" $alive "exited: $(cat "$work/server.err")"
answer=$(curl -s --max-time 5 "http://$addr/" || true)
check "server answers after the load" "$([ "$answer" = 'Hello, World!' ] && echo 0 || echo 1)" "$answer"

wrk_requests=$(awk '/requests in/ { print $1 }' "$work/wrk.out")
wrk_bad=$(grep -cE 'Non-2xx|Socket errors' "$work/wrk.out" || true)
check "wrk: $wrk_requests requests, no non-2xx, no socket error" \
  "$([ "${statuses[0]}" = 0 ] && [ -n "$wrk_requests" ] && [ "$wrk_bad" = 0 ] && echo 0 || echo 1)" \
  "$(grep -E 'requests in|Non-2xx|Socket errors' "$work/wrk.out" | tr '\n' ' ')"
h2_line=$(grep '^requests:' "$work/h2load.out" || true)
check "h2load: $h2_line" \
  "$([ "${statuses[1]}" = 0 ] && echo "$h2_line" | grep -qE ' 0 failed, 0 errored, 0 timeout' && echo 0 || echo 1)" \
  "$(tail -5 "$work/h2load.out" | tr '\n' ' ')"
curl_line=$(cat "$work/curl.out")
check "$curl_line" "$(echo "$curl_line" | grep -q ', 0 failed' && echo 0 || echo 1)" "$curl_line"
check "python clients: $(cat "$work/py.out")" "${statuses[3]}" "$(tail -5 "$work/py.err" | tr '\n' ' ')"

# Memory: warm-up is the first third; compare the maxima of the middle and last thirds.
n=${#samples[@]}
if [ "$n" -lt 6 ]; then
  check "memory flat" 1 "only $n samples (SOAK_SECONDS / SOAK_SAMPLE must give at least 6)"
else
  third=$((n / 3))
  max_of() { printf '%s\n' "$@" | sort -n | tail -1; }
  mid=$(max_of "${samples[@]:third:third}")
  last=$(max_of "${samples[@]:$((n - third))}")
  bound=$((mid * BOUND_PCT / 100))
  [ "$bound" -lt "$BOUND_KIB" ] && bound=$BOUND_KIB
  echo "RSS series (KiB, every ${SAMPLE} s): ${samples[*]}"
  echo "RSS: first sample ${samples[0]} KiB, max of middle third $mid KiB, max of last third $last KiB (growth $((last - mid)) KiB, bound $bound KiB), idle after the load $(rss) KiB"
  check "memory flat after warm-up (growth $((last - mid)) KiB <= $bound KiB)" \
    "$([ $((last - mid)) -le "$bound" ] && echo 0 || echo 1)" "max $mid KiB then $last KiB"
fi
echo "soak: $passed passed, $failed failed"
[ "$failed" = 0 ]
