#!/usr/bin/env bash
# System benchmark of `wire serve` (issue 12) against hyper 1.x on tokio (benches/src/bin/
# hyper_server.rs, built in the same run), nginx and nghttpd. A benchmark, not a test: it prints
# medians and ratios, and fails only when a server does not start or a run yields no numbers.
#
#   bash benches/system.sh
#
# Each server runs alone, pinned to core $SERVER_CORE (0) with one thread or worker; the load
# generator runs pinned to core $LOAD_CORE (1). On two cores the load generator saturates first,
# so the figure that decides is the server's CPU time per request: utime+stime of the server
# process from /proc/PID/stat before and after the run (nginx: its worker), over the requests
# the load generator completed. Beside it: requests/s and p99 latency (wrk --latency; h2load's
# per-request log).
#
#   h1 keep-alive     wrk -t1 -c50, one request at a time per connection
#   h1 pipelined x16  wrk -t1 -c50 with a Lua script writing 16 requests at once
#   h2c -m100         h2load -c10 -m100 -n $H2_REQUESTS, prior knowledge
#   h2 TLS -m100      the same over TLS (ALPN h2; the peers kit's ECDSA certificate for all)
#   idle memory h1/h2 resident memory (VmRSS) per idle keep-alive connection: idle_conns opens
#                     $IDLE_CONNS connections in a process of its own (one request each, then
#                     idle), delta of the server's VmRSS / connections
#
# Targets (issue 12): CPU per request at most 0.75x hyper's on h1 keep-alive, at most 0.5x
# pipelined, no more than nghttpd's on HTTP/2; at most 512 B per idle connection.
#
# Environment: ROUNDS (3; each figure is the median over the rounds), DURATION (wrk seconds, 5),
# WARMUP (wrk seconds before each measured run, 1), H2_REQUESTS (h2load -n, 1000000),
# IDLE_CONNS (10000), SCENARIOS (subset of: h1ka h1pipe h2c h2tls idle-h1 idle-h2),
# SERVERS (subset of: wire hyper nginx nghttpd), WIRE (the wire binary measured: another
# build's, to compare two builds side by side; default the one built here),
# BASE_PORT (28400; nine ports from it),
# SERVER_CORE (0), LOAD_CORE (1), KEEP_TMP=1 keeps the work directory (logs, raw results),
# SYSCALLS=1 also counts the server's system calls per request in each load run (perf's
# syscalls:sys_enter_* tracepoints on the server process; the tracing adds a little to the
# CPU figures of that run) and prints them after the table: where the time goes.
# Needs wrk, h2load, nghttpd and nginx: SETUP_PEERS=1 . scripts/setup.sh installs them (this
# script sources it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

BENCH_NAME=system.sh
# shellcheck source=benches/lib.sh
. benches/lib.sh

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
H2_REQUESTS=${H2_REQUESTS:-1000000}
IDLE_CONNS=${IDLE_CONNS:-10000}
SCENARIOS=${SCENARIOS:-h1ka h1pipe h2c h2tls idle-h1 idle-h2}
SERVERS=${SERVERS:-wire hyper nginx nghttpd}
BASE_PORT=${BASE_PORT:-28400}
SERVER_CORE=${SERVER_CORE:-0}
LOAD_CORE=${LOAD_CORE:-1}

export SETUP_PEERS=${SETUP_PEERS:-1}
# shellcheck source=/dev/null
. scripts/setup.sh

SYSCALLS=${SYSCALLS:-0}
tools="wrk h2load nghttpd nginx taskset getconf"
[ "$SYSCALLS" = 1 ] && tools="$tools perf"
for t in $tools; do
  command -v "$t" >/dev/null || die "$t not found (SETUP_PEERS=1 . scripts/setup.sh installs the peers)"
done
[ "$(nproc)" -ge 2 ] || die "needs two cores (server on core $SERVER_CORE, load generator on core $LOAD_CORE)"
CERT=$PEERS_DIR/certs/cert.pem
KEY=$PEERS_DIR/certs/key.pem
[ -f "$CERT" ] && [ -f "$KEY" ] || die "no certificate in $PEERS_DIR/certs (SETUP_PEERS=1 . scripts/setup.sh)"
HZ=$(getconf CLK_TCK)

# The idle run holds $IDLE_CONNS sockets in the client and as many in the server.
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] || [ "$hard" -ge $((IDLE_CONNS + 100)) ] ||
  die "the hard limit on open files ($hard) is below IDLE_CONNS=$IDLE_CONNS + 100"
ulimit -n "$hard"

echo "== building wire, hyper_server and idle_conns (release)"
cargo build --release -q -p runtime-mio --bin wire -p benches --bin hyper_server --bin idle_conns
target=${CARGO_TARGET_DIR:-$root/target}/release
WIRE=${WIRE:-$target/wire}
HYPER=$target/hyper_server
IDLE=$target/idle_conns

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sysbench.XXXXXX")
MPID= SPID=
cleanup() {
  # nginx's worker outlives a killed master (and keeps the ports): both go.
  [ -n "$MPID" ] && kill -KILL "$MPID" "$SPID" 2>/dev/null
  if [ "${KEEP_TMP:-0}" = 1 ]; then echo "work directory kept: $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
mkdir -p "$tmp/www" "$tmp/log" "$tmp/nginx/logs" "$tmp/nginx/tmp"
printf 'Hello, World!' >"$tmp/www/index.html"
results=$tmp/results.txt
: >"$results"

P_WIRE=$BASE_PORT P_WIRE_TLS=$((BASE_PORT + 1))
P_HYPER=$((BASE_PORT + 2)) P_HYPER_TLS=$((BASE_PORT + 3))
P_NGINX=$((BASE_PORT + 4)) P_NGINX_H2C=$((BASE_PORT + 5)) P_NGINX_TLS=$((BASE_PORT + 6))
P_NGHTTPD=$((BASE_PORT + 7)) P_NGHTTPD_TLS=$((BASE_PORT + 8))

# nginx: one worker, same answer as ours (text/plain; charset=utf-8, 13 bytes); keep-alive
# without a request cap, so that no load run reconnects.
nginx_conf "$tmp/nginx" "$P_NGINX" "$P_NGINX_H2C" "$P_NGINX_TLS" "$CERT" "$KEY" "$hard" $((IDLE_CONNS + 1000))

# wrk's pipelining script: 16 requests per write.
cat >"$tmp/pipeline.lua" <<'EOF'
init = function(args)
  local r = {}
  for i = 1, 16 do r[i] = wrk.format(nil, "/") end
  batch = table.concat(r)
end
request = function() return batch end
EOF

# start_server SERVER plain|tls: starts it pinned, sets MPID (the process to stop), SPID (the
# process measured: nginx's worker, else the server itself) and PORT (and PORT2: nginx's h2c).
start_server() {
  local server=$1 mode=$2 log=$tmp/log/$1-$2.log
  local -a cmd
  PORT2=
  case $server in
  wire)
    if [ "$mode" = tls ]; then
      PORT=$P_WIRE_TLS
      cmd=("$WIRE" serve --listen "127.0.0.1:$PORT" --threads 1 --cert "$CERT" --key "$KEY")
    else
      PORT=$P_WIRE
      cmd=("$WIRE" serve --listen "127.0.0.1:$PORT" --threads 1)
    fi
    ;;
  hyper)
    if [ "$mode" = tls ]; then
      PORT=$P_HYPER_TLS
      cmd=("$HYPER" --listen "127.0.0.1:$PORT" --cert "$CERT" --key "$KEY")
    else
      PORT=$P_HYPER
      cmd=("$HYPER" --listen "127.0.0.1:$PORT")
    fi
    ;;
  nginx)
    if [ "$mode" = tls ]; then PORT=$P_NGINX_TLS; else PORT=$P_NGINX PORT2=$P_NGINX_H2C; fi
    cmd=(nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/logs/error.log")
    ;;
  nghttpd)
    if [ "$mode" = tls ]; then
      PORT=$P_NGHTTPD_TLS
      cmd=(nghttpd -a 127.0.0.1 -d "$tmp/www" "$PORT" "$KEY" "$CERT")
    else
      PORT=$P_NGHTTPD
      cmd=(nghttpd --no-tls -a 127.0.0.1 -d "$tmp/www" "$PORT")
    fi
    ;;
  esac
  local p
  for p in $PORT $PORT2; do
    if port_taken "$p"; then
      die "port $p is taken before $server starts (a server left over? ss -ltnp | grep :$p)"
    fi
  done
  taskset -c "$SERVER_CORE" "${cmd[@]}" >"$log" 2>&1 &
  MPID=$!
  wait_port "$PORT" "$MPID" "$log"
  SPID=$MPID
  if [ "$server" = nginx ]; then
    SPID=$(nginx_worker "$MPID")
    [ -n "$SPID" ] || die "nginx started no worker (log: $log)"
  fi
  taskset -cp "$SPID" | grep -q ": $SERVER_CORE\$" || die "$server (pid $SPID) is not pinned to core $SERVER_CORE"
}

stop_server() {
  local i
  kill -TERM "$MPID" 2>/dev/null || true
  for i in $(seq 50); do
    kill -0 "$MPID" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$MPID" 2>/dev/null || true
  wait "$MPID" 2>/dev/null || true
  # nginx's worker leaves after its master; make sure it is gone before the next server.
  for i in $(seq 50); do
    kill -0 "$SPID" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$SPID" 2>/dev/null || true
  MPID= SPID=
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# With SYSCALLS=1: counts the measured process's system calls from trace_start to trace_stop.
trace_start() {
  [ "$SYSCALLS" = 1 ] || return 0
  perf stat -x, -e 'syscalls:sys_enter_*' -p "$SPID" -o "$tmp/perf.out" >/dev/null 2>&1 &
  TPID=$!
  sleep 1 # perf enables its tracepoints before the run starts
}
trace_stop() {
  [ "$SYSCALLS" = 1 ] || return 0
  kill -INT "$TPID"
  wait "$TPID" || true
}

# wrk URL [pipeline]: sets REQS, RPS and P99 (us) from a measured run.
run_wrk() {
  local url=$1 out=$tmp/wrk.out
  local -a script=()
  [ "${2:-}" = pipeline ] && script=(-s "$tmp/pipeline.lua")
  taskset -c "$LOAD_CORE" wrk -t1 -c50 -d"${WARMUP}s" "${script[@]}" "$url" >/dev/null 2>&1 || true
  trace_start
  read -r U0 S0 < <(cpu_ticks "$SPID")
  taskset -c "$LOAD_CORE" wrk -t1 -c50 -d"${DURATION}s" --latency "${script[@]}" "$url" >"$out" 2>&1 ||
    { cat "$out" >&2; die "wrk failed against $url"; }
  read -r U1 S1 < <(cpu_ticks "$SPID")
  trace_stop
  REQS=$(awk '/ requests in / { print $1 }' "$out")
  RPS=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
  P99=$(awk '$1 == "99%" { v = $2; u = v; sub(/[a-z]+$/, "", v); sub(/^[0-9.]+/, "", u);
        m = (u == "us") ? 1 : (u == "ms") ? 1000 : (u == "s") ? 1000000 : (u == "m") ? 60000000 : -1;
        if (m > 0) print v * m }' "$out")
  # wrk 4.1 sometimes prints a 99th percentile of 0.00us under pipelining (a histogram glitch):
  # kept as unknown (-1), left out of the median.
  if [ "$P99" = 0 ]; then P99=-1; fi
  if grep -q 'Non-2xx' "$out"; then cat "$out" >&2; die "wrk got non-2xx answers from $url"; fi
  [ -n "$REQS" ] && [ "$REQS" -gt 0 ] && [ -n "$RPS" ] && [ -n "$P99" ] ||
    { cat "$out" >&2; die "wrk against $url produced no numbers"; }
}

# h2load URL: sets REQS, RPS and P99 (us, from the per-request log) from a measured run.
run_h2load() {
  local url=$1 out=$tmp/h2load.out lg=$tmp/h2load.log
  taskset -c "$LOAD_CORE" h2load -c10 -m100 -n $((H2_REQUESTS / 10)) "$url" >/dev/null 2>&1 || true
  trace_start
  read -r U0 S0 < <(cpu_ticks "$SPID")
  taskset -c "$LOAD_CORE" h2load -c10 -m100 -n "$H2_REQUESTS" --log-file="$lg" "$url" >"$out" 2>&1 ||
    { cat "$out" >&2; die "h2load failed against $url"; }
  read -r U1 S1 < <(cpu_ticks "$SPID")
  trace_stop
  REQS=$(awk '/^status codes:/ { print $3 }' "$out")
  RPS=$(awk '/^finished in/ { print $4 }' "$out")
  local bad
  bad=$(awk '/^requests:/ { print $10 + $12 + $14 }' "$out")
  P99=$(sort -n -k3,3 "$lg" | awk '{ v[NR] = $3 } END { if (NR) { i = int(NR * 0.99); if (i < NR * 0.99) i++; print v[i] } }')
  CIPHER=$(awk -F': ' '/^Cipher:/ { print $2 }' "$out")
  if [ -n "$bad" ] && [ "$bad" != 0 ]; then cat "$out" >&2; die "h2load against $url: failed or errored requests"; fi
  [ -n "$REQS" ] && [ "$REQS" -gt 0 ] && [ "$REQS" = "$H2_REQUESTS" ] && [ -n "$RPS" ] && [ -n "$P99" ] ||
    { cat "$out" >&2; die "h2load against $url produced no numbers (or fewer 2xx than requests)"; }
}

# load SCENARIO SERVER ROUND: one measured load run; appends to $results.
load() {
  local sc=$1 server=$2 round=$3 mode=plain
  [ "$sc" = h2tls ] && mode=tls
  start_server "$server" "$mode"
  CIPHER=
  case $sc in
  h1ka) run_wrk "http://127.0.0.1:$PORT/" ;;
  h1pipe) run_wrk "http://127.0.0.1:$PORT/" pipeline ;;
  h2c) run_h2load "http://127.0.0.1:${PORT2:-$PORT}/" ;;
  h2tls) run_h2load "https://127.0.0.1:$PORT/" ;;
  esac
  stop_server
  local cpu sys
  cpu=$(awk -v t="$((U1 - U0 + S1 - S0))" -v hz="$HZ" -v n="$REQS" 'BEGIN { printf "%.3f", t * 1e6 / hz / n }')
  sys=$(awk -v t="$((S1 - S0))" -v hz="$HZ" -v n="$REQS" 'BEGIN { printf "%.3f", t * 1e6 / hz / n }')
  echo "$sc $server $round $cpu $RPS $P99 $sys" >>"$results"
  if [ -n "$CIPHER" ]; then echo "$server $CIPHER" >>"$tmp/ciphers.txt"; fi
  if [ "$SYSCALLS" = 1 ]; then
    awk -F, -v sc="$sc" -v sv="$server" -v n="$REQS" '$1 ~ /^[0-9]+$/ && $1 > 0 {
      sub(/^syscalls:sys_enter_/, "", $3); printf "%s %s %s %.4f\n", sc, sv, $3, $1 / n }' \
      "$tmp/perf.out" >>"$tmp/syscalls.txt"
  fi
  printf '  %-8s %-8s round %s: %7s us/req cpu (sys %6s)  %10s req/s  p99 %8s us  (%s requests)\n' \
    "$sc" "$server" "$round" "$cpu" "$sys" "$RPS" "$P99" "$REQS"
}

# idle SCENARIO SERVER ROUND: resident memory per idle connection; appends to $results.
idle() {
  local sc=$1 server=$2 round=$3 proto=${1#idle-} out=$tmp/idle.out
  start_server "$server" plain
  local port=$PORT
  [ "$proto" = h2 ] && port=${PORT2:-$PORT}
  # A few connections first, so that what every connection's first use allocates once (tables,
  # pools, lazily built state) is in the baseline, not in the delta.
  "$IDLE" --connect "127.0.0.1:$port" --count 20 --proto "$proto" --hold-secs 0 >"$out.warm" 2>&1 ||
    { cat "$out.warm" >&2; die "idle_conns warm-up against $server failed"; }
  sleep 0.5
  local before after i ipid
  before=$(rss_kb "$SPID")
  taskset -c "$LOAD_CORE" "$IDLE" --connect "127.0.0.1:$port" --count "$IDLE_CONNS" --proto "$proto" \
    --hold-secs 4 >"$out" 2>&1 &
  ipid=$!
  for i in $(seq 1200); do
    grep -q '^ready' "$out" && break
    kill -0 "$ipid" 2>/dev/null || break
    sleep 0.1
  done
  if ! grep -q '^ready' "$out"; then
    cat "$out" >&2
    kill -0 "$SPID" 2>/dev/null || echo "$server (pid $SPID) is gone" >&2
    tail -5 "$tmp/log/$server-plain.log" >&2
    die "idle_conns did not open $IDLE_CONNS connections to $server on port $port"
  fi
  sleep 1
  after=$(rss_kb "$SPID")
  wait "$ipid" || { cat "$out" >&2; die "idle_conns against $server: connections lost"; }
  stop_server
  local per
  per=$(awk -v a="$after" -v b="$before" -v n="$IDLE_CONNS" 'BEGIN { printf "%.0f", (a - b) * 1024 / n }')
  echo "$sc $server $round $per" >>"$results"
  printf '  %-8s %-8s round %s: %6s B/conn (VmRSS %s -> %s kB)\n' "$sc" "$server" "$round" "$per" "$before" "$after"
}

servers_for() {
  case $1 in
  h1ka | h1pipe | idle-h1) echo wire hyper nginx ;;
  *) echo wire hyper nginx nghttpd ;;
  esac
}

echo "== system benchmark: $ROUNDS rounds; server on core $SERVER_CORE, load generator on core $LOAD_CORE;" \
  "wrk ${DURATION}s, h2load -n $H2_REQUESTS, $IDLE_CONNS idle connections"
for round in $(seq "$ROUNDS"); do
  for sc in h1ka h1pipe h2c h2tls idle-h1 idle-h2; do
    want "$sc" $SCENARIOS || continue
    for server in $(servers_for "$sc"); do
      want "$server" $SERVERS || continue
      case $sc in
      idle-*) idle "$sc" "$server" "$round" ;;
      *) load "$sc" "$server" "$round" ;;
      esac
    done
  done
done

[ -s "$results" ] || die "no results (SCENARIOS=$SCENARIOS SERVERS=$SERVERS)"
cp "$results" "$tmp/log/results.txt"

echo
echo "== medians of $ROUNDS rounds (cpu: server CPU time per request, user+sys, and its sys part;"
echo "   range: lowest and highest round; wire/peer: wire's cpu/req or B/conn over the peer's, lower is better)"
awk -v rounds="$ROUNDS" '
function median(key, col,   n, i, j, t, a) {
  n = split(col ? vals[key, col] : tmp[key], a, " ")
  for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
  return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function median_known(key, col,   n, i, a, s) {
  n = split(vals[key, col], a, " "); s = ""
  for (i = 1; i <= n; i++) if (a[i] + 0 >= 0) s = s " " a[i]
  if (s == "") return -1
  tmp[key, "known"] = substr(s, 2)
  return median(key SUBSEP "known", 0)
}
function range(key, col,   n, i, a, lo, hi) {
  n = split(vals[key, col], a, " "); lo = hi = a[1] + 0
  for (i = 2; i <= n; i++) { if (a[i] + 0 < lo) lo = a[i] + 0; if (a[i] + 0 > hi) hi = a[i] + 0 }
  return sprintf("%.2f-%.2f", lo, hi)
}
{
  key = $1 SUBSEP $2
  if (!(key in seen)) { seen[key] = 1; order[$1] = order[$1] " " $2 }
  for (c = 4; c <= NF; c++) vals[key, c] = (vals[key, c] == "" ? "" : vals[key, c] " ") $c
  kind[$1] = (NF == 4) ? "mem" : "load"
}
END {
  split("h1ka h1pipe h2c h2tls idle-h1 idle-h2", scs, " ")
  name["h1ka"] = "h1 keep-alive"; name["h1pipe"] = "h1 pipelined x16"; name["h2c"] = "h2c -m100"
  name["h2tls"] = "h2 TLS -m100"; name["idle-h1"] = "idle memory h1"; name["idle-h2"] = "idle memory h2"
  printf "%-18s %-8s %11s %13s %8s %11s %10s %10s\n", "scenario", "server", "cpu us/req", "(range)", "sys us", "req/s", "p99 ms", "wire/peer"
  for (s = 1; s <= 6; s++) {
    sc = scs[s]; if (!(sc in order)) continue
    n = split(order[sc], svs, " "); first = 1
    w = ((sc, "wire", 4) in vals) ? median(sc SUBSEP "wire", 4) : ""
    for (i = 1; i <= n; i++) {
      sv = svs[i]; key = sc SUBSEP sv; m = median(key, 4)
      ratio = (sv != "wire" && w != "" && m > 0) ? sprintf("%.2f", w / m) : ""
      label = first ? name[sc] : ""; first = 0
      if (kind[sc] == "mem")
        printf "%-18s %-8s %11s %13s %8s %11s %10s %10s\n", label, sv, sprintf("%d B/conn", m), "", "", "", "", ratio
      else {
        p = median_known(key, 6)
        printf "%-18s %-8s %11.2f %13s %8.2f %11.0f %10s %10s\n", label, sv, m, range(key, 4), median(key, 7), median(key, 5), (p < 0 ? "n/a" : sprintf("%.2f", p / 1000)), ratio
      }
      med[sc, sv] = m
    }
  }
  print ""
  print "targets (issue 12):"
  tgt["h1ka"] = "hyper 0.75"; tgt["h1pipe"] = "hyper 0.5"; tgt["h2c"] = "nghttpd 1"; tgt["h2tls"] = "nghttpd 1"
  for (s = 1; s <= 6; s++) {
    sc = scs[s]; if (!(sc in order) || !((sc, "wire") in med)) continue
    if (sc ~ /^idle/) {
      v = med[sc, "wire"]
      printf "  %-18s wire %d B per idle connection, target <= 512 B: %s\n", name[sc], v, (v <= 512 ? "met" : "UNMET")
    } else {
      split(tgt[sc], t, " ")
      if (!((sc, t[1]) in med)) { printf "  %-18s no %s figure\n", name[sc], t[1]; continue }
      r = med[sc, "wire"] / med[sc, t[1]]
      printf "  %-18s cpu/req wire/%s = %.2f, target <= %s: %s\n", name[sc], t[1], r, t[2], (r <= t[2] + 0 ? "met" : "UNMET")
    }
  }
}' "$results"
if [ -s "$tmp/syscalls.txt" ]; then
  echo
  echo "== system calls per request (median of $ROUNDS rounds; those above 0.001)"
  awk '
  function median(s,   n, i, j, t, a) {
    n = split(s, a, " ")
    for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  { k = $1 " " $2; if (!(k in seen)) { seen[k] = 1; keys[++nk] = k }
    if (!((k, $3) in v)) names[k] = names[k] " " $3
    v[k, $3] = ((k, $3) in v ? v[k, $3] " " : "") $4 }
  END {
    for (i = 1; i <= nk; i++) {
      k = keys[i]; n = split(names[k], nm, " "); line = ""
      for (j = 1; j <= n; j++) { m = median(v[k, nm[j]]); if (m >= 0.001) line = line sprintf(" %s %.3f", nm[j], m) }
      split(k, kk, " "); printf "  %-8s %-8s%s\n", kk[1], kk[2], line
    }
  }' "$tmp/syscalls.txt"
fi
if [ -s "$tmp/ciphers.txt" ]; then
  echo "TLS: $(sort -u "$tmp/ciphers.txt" | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }')"
fi
