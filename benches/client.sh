#!/usr/bin/env bash
# Client benchmark (issue 13): our client beside reqwest, and `wire bench` beside wrk and
# h2load, all against one nginx on loopback. A benchmark, not a test: it prints medians and
# ratios with the issue's targets marked met or unmet (never asserted), and fails only when the
# server does not start, a client fails or errs, or a run yields no numbers.
#
#   bash benches/client.sh
#   ROUNDS=1 DURATION=2 bash benches/client.sh                    # a quick look
#   SCENARIOS="h1-50 h2tls-50" CLIENTS="ours reqwest" bash benches/client.sh
#
# The server: nginx, one worker pinned to core $SERVER_CORE, answering GET / with a 13-byte
# static body ("Hello, World!") over HTTP/1.1, h2c (prior knowledge) and TLS (ALPN h2; an
# ECDSA P-256 certificate for 127.0.0.1 signed by a CA made for the run, which the clients
# trust: rustls, reqwest's TLS, refuses a self-signed CA certificate such as the peers kit's as
# a server certificate), keep-alive without a request cap. Every client runs alone,
# pinned to core $LOAD_CORE, for DURATION seconds, as a process of its own. Its CPU time is the
# process's user+system time, all threads, from exec to exit (bash's `time`, from the rusage
# of the reaped process: start-up, connects and handshakes included, a few ms against seconds),
# divided by the requests it completed: client CPU per request. req/s is each client's own
# figure.
#
# Scenarios, PROTO-N (N requests in flight; any N works, these are the defaults):
#   h1-1 h1-50        HTTP/1.1 keep-alive, cleartext: N connections, one request at a time each
#   h2c-1 h2c-50      HTTP/2 with prior knowledge: one connection, N streams at a time
#   h2tls-1 h2tls-50  HTTP/2 over TLS (ALPN h2): one connection, N streams at a time
#
# Clients:
#   ours     benches/src/bin/client_load.rs: runtime_mio::client::Client, one blocking worker
#            thread per request in flight (plus the client's event-loop thread)
#   queue    client_load --queue: the same client, one thread keeping the N requests in flight
#            through its completion queue (Client::queue)
#   local    client_load --local: the same through a LocalQueue, whose thread (the only one)
#            runs the client's loop itself
#   reqwest  benches/src/bin/reqwest_load.rs: reqwest 0.13 on a current-thread tokio runtime,
#            one task per request in flight (rustls on ring for TLS)
#   wire     wire bench: h1 -c N; h2 --http2 -c 1 -m N
#   wrk      wrk -t1 -c N (h1 only)
#   h2load   h2 -c 1 -m N; h1 --h1 -c N -m 1
# Each round runs every scenario's clients once, in an order reversed every other round, so
# that neither side of a pair always goes first.
#
# Output: a markdown table per comparison with medians over ROUNDS: req/s and client CPU us per
# request for each client, ratios ours/reqwest, wire/wrk and wire/h2load, and the targets of
# issue 13 beside them: client CPU per request at most 0.5x reqwest's; `wire bench` req/s at
# least wrk's and h2load's. A ratio's range (lowest-highest) is over the rounds' own ratios,
# both sides of a round measured back to back. About 7 minutes with the defaults. For scale,
# issue 13 quotes reqwest at 81k req/s and 12.2 us per request (h1-50), 92k and 10.7 us (h2,
# 50 streams), `wrk -c50` at 149k req/s on one core.
#
# Environment: ROUNDS (3), DURATION (whole seconds per run, 5), SCENARIOS (the six above),
# CLIENTS (subset of: ours queue local reqwest wire wrk h2load), BASE_PORT (28500; three ports from it),
# SERVER_CORE (0), LOAD_CORE (1), KEEP_TMP=1 keeps the work directory (every run's output,
# results.txt: scenario client round req/s cpu-us/req requests), REPORT_ONLY=FILE prints the
# tables of such a results.txt again and runs nothing.
# Needs nginx and h2load (SETUP_PEERS=1 . scripts/setup.sh installs them; this script sources
# it), wrk (Debian's, installed here when missing) and openssl (for the certificates).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

BENCH_NAME=client.sh
# shellcheck source=benches/lib.sh
. benches/lib.sh

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
ALL_SCENARIOS="h1-1 h1-50 h2c-1 h2c-50 h2tls-1 h2tls-50"
SCENARIOS=${SCENARIOS:-$ALL_SCENARIOS}
ALL_CLIENTS="ours queue local reqwest wire wrk h2load"
CLIENTS=${CLIENTS:-$ALL_CLIENTS}
BASE_PORT=${BASE_PORT:-28500}
SERVER_CORE=${SERVER_CORE:-0}
LOAD_CORE=${LOAD_CORE:-1}
BODY_LEN=13

# report RESULTS: the markdown tables from a results file (scenario client round req/s cpu n).
report() {
  awk -v rounds="$ROUNDS" -v scenarios="$SCENARIOS" "$AWK_MEDIAN"'
function get(sc, c, col) { return ((sc, c) in rps) ? median(col == "rps" ? rps[sc, c] : cpu[sc, c]) : "" }
function num(v, fmt) { return v == "" ? "-" : sprintf(fmt, v) }
function ratio(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "" : a / b }
# the lowest and highest of the per-round ratios a/b of column col (rounds run both a and b)
function spread(sc, a, b, col,   r, q, lo, hi) {
  lo = ""
  for (r = 1; r <= rounds; r++) {
    if (!((sc, a, r) in raw) || !((sc, b, r) in raw)) continue
    q = ratio(col == "rps" ? rawrps[sc, a, r] : raw[sc, a, r], col == "rps" ? rawrps[sc, b, r] : raw[sc, b, r])
    if (q == "") continue
    if (lo == "" || q < lo) lo = q
    if (hi == "" || q > hi) hi = q
  }
  return lo == "" ? "" : sprintf(" (%.2f-%.2f)", lo, hi)
}
{
  rps[$1, $2] = (($1, $2) in rps ? rps[$1, $2] " " : "") $4
  cpu[$1, $2] = (($1, $2) in cpu ? cpu[$1, $2] " " : "") $5
  raw[$1, $2, $3] = $5; rawrps[$1, $2, $3] = $4
  if ($2 == "ours" || $2 == "queue" || $2 == "local" || $2 == "reqwest") lib = 1; else tool = 1
}
END {
  n = split(scenarios, scs, " ")
  if (lib) {
    print ""
    print "Client library: ours (runtime_mio::client, one blocking thread per request in flight), queue (the same, one"
    print "thread through its completion queue), local (the same through a LocalQueue: that thread runs the loop; cookies and"
    print "decoding off in both, as reqwest is built) vs reqwest 0.13 (current-thread tokio, one task per request in flight)"
    print ""
    print "| scenario | client | req/s | reqwest req/s | req/s vs reqwest | CPU us/req | reqwest CPU us/req | CPU vs reqwest | target CPU <= 0.5x reqwest |"
    print "|---|---|---:|---:|---:|---:|---:|---:|---|"
    for (i = 1; i <= n; i++) {
      sc = scs[i]
      for (m = 1; m <= 3; m++) {
        c = (m == 1) ? "ours" : (m == 2) ? "queue" : "local"
        if (!((sc, c) in rps)) continue
        or = get(sc, c, "rps"); rr = get(sc, "reqwest", "rps")
        oc = get(sc, c, "cpu"); rc = get(sc, "reqwest", "cpu")
        q = ratio(oc, rc)
        t = (q == "") ? "-" : (q <= 0.5 ? "met" : "unmet")
        printf "| %s | %s | %s | %s | %s | %s | %s | %s%s | %s |\n", sc, c, num(or, "%.0f"), num(rr, "%.0f"),
          num(ratio(or, rr), "%.2f"), num(oc, "%.2f"), num(rc, "%.2f"), num(q, "%.2f"),
          spread(sc, c, "reqwest", "cpu"), t
      }
    }
  }
  if (tool) {
    print ""
    print "Load tool: wire bench (the client with its default configuration) vs wrk (h1 only) and h2load"
    print ""
    print "| scenario | wire req/s | wrk req/s | h2load req/s | req/s wire/wrk | req/s wire/h2load | wire CPU us/req | wrk CPU us/req | h2load CPU us/req | target req/s >= wrk, h2load |"
    print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    for (i = 1; i <= n; i++) {
      sc = scs[i]
      if (!((sc, "wire") in rps) && !((sc, "wrk") in rps) && !((sc, "h2load") in rps)) continue
      wr = get(sc, "wire", "rps"); kr = get(sc, "wrk", "rps"); hr = get(sc, "h2load", "rps")
      a = ratio(wr, kr); b = ratio(wr, hr); t = ""
      if (a != "") t = "wrk " (a >= 1 ? "met" : "unmet")
      if (b != "") t = t (t == "" ? "" : ", ") "h2load " (b >= 1 ? "met" : "unmet")
      if (t == "") t = "-"
      printf "| %s | %s | %s | %s | %s%s | %s%s | %s | %s | %s | %s |\n", sc, num(wr, "%.0f"), num(kr, "%.0f"),
        num(hr, "%.0f"), num(a, "%.2f"), spread(sc, "wire", "wrk", "rps"), num(b, "%.2f"),
        spread(sc, "wire", "h2load", "rps"), num(get(sc, "wire", "cpu"), "%.2f"),
        num(get(sc, "wrk", "cpu"), "%.2f"), num(get(sc, "h2load", "cpu"), "%.2f"), t
    }
  }
}' "$1"
}

if [ -n "${REPORT_ONLY:-}" ]; then
  [ -s "$REPORT_ONLY" ] || die "REPORT_ONLY=$REPORT_ONLY: no such results file"
  # shellcheck disable=SC2034
  ROUNDS=$(awk '$3 > r { r = $3 } END { print r + 0 }' "$REPORT_ONLY")
  SCENARIOS=$(awk '!seen[$1]++ { printf "%s%s", (n++ ? " " : ""), $1 }' "$REPORT_ONLY")
  report "$REPORT_ONLY"
  exit 0
fi

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS=$ROUNDS: a positive whole number"
# wrk takes whole seconds only.
[[ $DURATION =~ ^[1-9][0-9]*$ ]] || die "DURATION=$DURATION: a positive whole number of seconds"
for sc in $SCENARIOS; do
  [[ $sc =~ ^(h1|h2c|h2tls)-[1-9][0-9]*$ ]] || die "scenario $sc: PROTO-N with PROTO h1, h2c or h2tls"
done
for c in $CLIENTS; do
  # shellcheck disable=SC2086
  want "$c" $ALL_CLIENTS || die "client $c: one of $ALL_CLIENTS"
done

export SETUP_PEERS=${SETUP_PEERS:-1}
# shellcheck source=/dev/null
. scripts/setup.sh
# shellcheck disable=SC2086
if want wrk $CLIENTS; then _setup_apt wrk; fi

tools="nginx taskset openssl"
# shellcheck disable=SC2086
want wrk $CLIENTS && tools="$tools wrk"
# shellcheck disable=SC2086
want h2load $CLIENTS && tools="$tools h2load"
for t in $tools; do
  command -v "$t" >/dev/null || die "$t not found (SETUP_PEERS=1 . scripts/setup.sh installs the peers)"
done
[ "$(nproc)" -ge 2 ] || die "needs two cores (server on core $SERVER_CORE, clients on core $LOAD_CORE)"

echo "== building wire, client_load and reqwest_load (release)"
cargo build --release -q -p runtime-mio --bin wire -p benches --bin client_load --bin reqwest_load
target=${CARGO_TARGET_DIR:-$root/target}/release
WIRE=$target/wire
OURS=$target/client_load
REQWEST=$target/reqwest_load

tmp=$(mktemp -d "${TMPDIR:-/tmp}/clientbench.XXXXXX")
MPID='' SPID=''
cleanup() {
  if [ -n "$MPID" ]; then
    # nginx's fast shutdown; a worker outlives a killed master (and keeps the ports): both go.
    local _
    kill -TERM "$MPID" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$MPID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$MPID" "$SPID" 2>/dev/null || true
    wait "$MPID" 2>/dev/null || true
  fi
  if [ "${KEEP_TMP:-0}" = 1 ]; then echo "work directory kept: $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
mkdir -p "$tmp/out" "$tmp/certs"

# A CA for the run and a server certificate it signs (CA:FALSE, SAN 127.0.0.1 and localhost).
CA=$tmp/certs/ca.pem CERT=$tmp/certs/cert.pem KEY=$tmp/certs/key.pem
{
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=client bench CA" -keyout "$tmp/certs/ca.key" -out "$CA"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
    -keyout "$KEY" -out "$tmp/certs/cert.csr"
  printf '%s\n' 'basicConstraints=critical,CA:FALSE' 'keyUsage=critical,digitalSignature' \
    'extendedKeyUsage=serverAuth' 'subjectAltName=DNS:localhost,IP:127.0.0.1' >"$tmp/certs/ext.cnf"
  openssl x509 -req -in "$tmp/certs/cert.csr" -CA "$CA" -CAkey "$tmp/certs/ca.key" -CAcreateserial \
    -days 2 -extfile "$tmp/certs/ext.cnf" -out "$CERT"
} >"$tmp/certs/openssl.log" 2>&1 || { cat "$tmp/certs/openssl.log" >&2; die "openssl could not make the certificates"; }
results=$tmp/results.txt
: >"$results"

P_H1=$BASE_PORT P_H2C=$((BASE_PORT + 1)) P_TLS=$((BASE_PORT + 2))
for p in $P_H1 $P_H2C $P_TLS; do
  if port_taken "$p"; then die "port $p is taken (a server left over? ss -ltnp | grep :$p)"; fi
done
nginx_conf "$tmp/nginx" "$P_H1" "$P_H2C" "$P_TLS" "$CERT" "$KEY" 4096 1024
taskset -c "$SERVER_CORE" nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/logs/error.log" \
  >"$tmp/nginx.log" 2>&1 &
MPID=$!
for p in $P_H1 $P_H2C $P_TLS; do wait_port "$p" "$MPID" "$tmp/nginx.log"; done
SPID=$(nginx_worker "$MPID")
[ -n "$SPID" ] || die "nginx started no worker (log: $tmp/nginx.log)"
taskset -cp "$SPID" | grep -q ": $SERVER_CORE\$" || die "nginx's worker (pid $SPID) is not pinned to core $SERVER_CORE"

url_for() { # scenario
  case ${1%-*} in
  h1) echo "http://127.0.0.1:$P_H1/" ;;
  h2c) echo "http://127.0.0.1:$P_H2C/" ;;
  h2tls) echo "https://127.0.0.1:$P_TLS/" ;;
  esac
}

# clients_for SCENARIO ROUND: the clients that run it, in this round's order.
clients_for() {
  local c list=()
  for c in $ALL_CLIENTS; do
    # shellcheck disable=SC2086
    want "$c" $CLIENTS || continue
    [ "$c" = wrk ] && [ "${1%-*}" != h1 ] && continue
    list+=("$c")
  done
  if [ $(($2 % 2)) = 0 ]; then
    local i
    for ((i = ${#list[@]} - 1; i >= 0; i--)); do echo "${list[i]}"; done
  else
    printf '%s\n' "${list[@]}"
  fi
}

# field OUT PATTERN N: field N of the first line of OUT matching the awk PATTERN.
field() { awk -v n="$3" "$2 { print \$n; exit }" "$1"; }
# kv OUT KEY: the value of the `KEY value` line of OUT (client_load's and reqwest_load's report).
kv() { awk -v k="$2" '$1 == k { print $2; exit }' "$1"; }

# run CLIENT SCENARIO ROUND: one measured run; appends to $results.
run() {
  local client=$1 sc=$2 round=$3
  local proto=${sc%-*} n=${sc##*-} url out=$tmp/out/$2-$1-$3.txt
  url=$(url_for "$sc")
  local -a cmd tlsargs=()
  local p=h2
  [ "$proto" = h1 ] && p=h1
  [ "$proto" = h2tls ] && tlsargs=(--cacert "$CA")
  case $client in
  ours) cmd=("$OURS" --url "$url" --proto "$p" --inflight "$n" --duration "$DURATION" "${tlsargs[@]}") ;;
  queue) cmd=("$OURS" --url "$url" --proto "$p" --inflight "$n" --duration "$DURATION" "${tlsargs[@]}" --queue) ;;
  local) cmd=("$OURS" --url "$url" --proto "$p" --inflight "$n" --duration "$DURATION" "${tlsargs[@]}" --local) ;;
  reqwest) cmd=("$REQWEST" --url "$url" --proto "$p" --inflight "$n" --duration "$DURATION" "${tlsargs[@]}") ;;
  wire)
    if [ "$p" = h1 ]; then
      cmd=("$WIRE" bench "$url" -c "$n" --duration "$DURATION")
    else
      cmd=("$WIRE" bench "$url" --http2 -c 1 -m "$n" --duration "$DURATION" "${tlsargs[@]}")
    fi
    ;;
  wrk) cmd=(wrk -t1 -c "$n" -d "${DURATION}s" "$url") ;;
  h2load)
    if [ "$p" = h1 ]; then
      cmd=(h2load --h1 -c "$n" -m 1 -D "$DURATION" "$url")
    else
      cmd=(h2load -c 1 -m "$n" -D "$DURATION" "$url")
    fi
    ;;
  esac
  local TIMEFORMAT='%3U %3S'
  if ! { time taskset -c "$LOAD_CORE" "${cmd[@]}" >"$out" 2>&1; } 2>"$tmp/time.txt"; then
    cat "$out" >&2
    die "$client failed on $sc: ${cmd[*]}"
  fi
  local ut st reqs rps bad=0 bytes=''
  read -r ut st <"$tmp/time.txt"
  case $client in
  ours | queue | local | reqwest)
    reqs=$(kv "$out" requests)
    rps=$(kv "$out" rps)
    bad=$(kv "$out" errors)
    bytes=$(kv "$out" bytes)
    ;;
  wire)
    # requests: T total, D done, S succeeded, F failed, E errored
    reqs=$(field "$out" '/^requests:/' 6)
    rps=$(field "$out" '/^finished in/' 4)
    bad=$(awk '/^requests:/ { print $8 + $10; exit }' "$out")
    bytes=$(field "$out" '/^traffic:/' 2)
    ;;
  wrk)
    reqs=$(field "$out" '/ requests in /' 1)
    rps=$(field "$out" '/^Requests\/sec:/' 2)
    if grep -q -e 'Non-2xx' -e 'Socket errors' "$out"; then bad=1; fi
    ;;
  h2load)
    # requests: T total, S started, D done, U succeeded, F failed, E errored, O timeout
    reqs=$(field "$out" '/^status codes:/' 3)
    rps=$(field "$out" '/^finished in/' 4)
    bad=$(awk '/^requests:/ { print $10 + $12 + $14; exit }' "$out")
    ;;
  esac
  if ! [[ $reqs =~ ^[0-9]+$ && $reqs -gt 0 && $rps =~ ^[0-9.]+$ ]]; then
    cat "$out" >&2
    die "$client on $sc produced no numbers"
  fi
  if [ "${bad:-0}" != 0 ]; then
    cat "$out" >&2
    die "$client on $sc: failed or errored requests"
  fi
  if [ -n "$bytes" ] && [ "$bytes" != $((reqs * BODY_LEN)) ]; then
    cat "$out" >&2
    die "$client on $sc read $bytes body bytes for $reqs requests of $BODY_LEN"
  fi
  local cpu
  cpu=$(awk -v u="$ut" -v s="$st" -v n="$reqs" 'BEGIN { printf "%.3f", (u + s) * 1e6 / n }')
  echo "$sc $client $round $rps $cpu $reqs" >>"$results"
  printf '  %-9s %-8s round %s: %10.0f req/s  %8s us/req client cpu  (%s requests, cpu %ss user %ss sys)\n' \
    "$sc" "$client" "$round" "$rps" "$cpu" "$reqs" "$ut" "$st"
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
LOAD_BEFORE=$(loadavg)
echo "== client benchmark: $ROUNDS round(s) of ${DURATION}s runs; nginx (worker pid $SPID) on core" \
  "$SERVER_CORE, clients on core $LOAD_CORE; load average $LOAD_BEFORE"
for round in $(seq "$ROUNDS"); do
  for sc in $SCENARIOS; do
    for client in $(clients_for "$sc" "$round"); do
      run "$client" "$sc" "$round"
    done
  done
done
[ -s "$results" ] || die "no results"
LOAD_AFTER=$(loadavg)
cp "$results" "$tmp/out/results.txt"

echo
echo "== medians of $ROUNDS round(s), ${DURATION}s per run (client CPU: user+system time of the client" \
  "process per completed request); $(nproc) cores, load average $LOAD_BEFORE before, $LOAD_AFTER after" \
  "(other work on the machine shows up in both)"
report "$results"
