#!/usr/bin/env bash
# Cross-checks our JA3/JA4 computation against two independent implementations on real loopback
# handshakes: for each profile, our blocking client (tls/examples/blocking) connects to
# `openssl s_server` on 127.0.0.1 and prints the fingerprints it computed from its own
# ClientHello; tshark (JA3) and ja4plus (JA4, JA4_r) compute theirs from a capture of the same
# connection. Four checks per profile (our client's echo, JA3, JA4, JA4_r), and for the browser
# profiles that ja4plus's JA4 is the browser's published one (chrome, firefox, safari) and that
# tshark's JA3 is (firefox, safari: fixed extension order; Chrome permutes), 21 in all. Prints
# "N passed, N failed"; exits non-zero on any failure, and when fewer than 21 checks ran, saying
# "expected 21 checks, ran M" (each missing check counts as failed). SKIP_CHECKS=REGEX skips the
# checks whose name matches, and a whole profile (its capture too) when its name matches (used
# by scripts/test-suites-fail.sh to show that the count catches it).
#
# The capture runs on `-i any`: on this machine's kernel, `-i lo` captures nothing (the shared
# fingerprint.sh uses `-i lo`). Needs root (capture), tshark, openssl, $PEERS_DIR/venv ja4plus.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target-tls}
# shellcheck source=/dev/null
. "$root/scripts/setup.sh" >/dev/null
PEERS_DIR=${PEERS_DIR:-${TMPDIR:-/tmp}/http-engine-peers}
ja4plus="$PEERS_DIR/venv/bin/ja4plus"
for tool in tshark openssl "$ja4plus"; do
  command -v "$tool" >/dev/null || { echo "missing $tool"; echo "0 passed, 1 failed"; exit 1; }
done
cargo build -q -p tls --example blocking || { echo "0 passed, 1 failed"; exit 1; }
client="$CARGO_TARGET_DIR/debug/examples/blocking"

work=$(mktemp -d)
server_pid= cap_pid=
cleanup() {
  [ -n "$cap_pid" ] && kill "$cap_pid" 2>/dev/null
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
openssl s_server -accept "127.0.0.1:$port" -cert "$work/cert.pem" -key "$work/key.pem" \
  -alpn h2,http/1.1 -rev -quiet >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

PROFILES="default chrome firefox safari"
# The browsers' published JA4 and JA3 (tls/src/profile.rs cites the captures).
target_ja4() {
  case $1 in
    chrome) echo t13d1516h2_8daaf6152771_d8a2da3f94cd ;;
    firefox) echo t13d1717h2_5b57614c22b0_3cbfd9057e0d ;;
    safari) echo t13d2014h2_a09f3c656075_14788d8d241b ;;
  esac
}
target_ja3() {
  case $1 in
    firefox) echo 6f7889b9fb1a62a9577e685c1fcfa919 ;;
    safari) echo 773906b0efdefa24a7f2b8eb6985bf37 ;;
  esac
}
EXPECTED=0
for p in $PROFILES; do
  EXPECTED=$((EXPECTED + 4))
  [ -n "$(target_ja4 "$p")" ] && EXPECTED=$((EXPECTED + 1))
  [ -n "$(target_ja3 "$p")" ] && EXPECTED=$((EXPECTED + 1))
done
pass=0 fail=0
skip() { [ -n "${SKIP_CHECKS:-}" ] && [[ $1 =~ $SKIP_CHECKS ]]; }
check() { # name ours theirs
  if skip "$1"; then
    echo "skip $1 (SKIP_CHECKS)"
  elif [ -n "$2" ] && [ "$2" = "$3" ]; then
    pass=$((pass + 1)); echo "ok   $1 $2"
  else
    fail=$((fail + 1)); echo "FAIL $1 ours=$2 theirs=$3"
  fi
}
# capture PCAP CMD...: runs CMD while tshark captures the test port into PCAP. Waits for tshark
# to report that capturing started (it can take seconds on a loaded machine).
capture() {
  local pcap=$1; shift
  tshark -i any -f "tcp port $port" -w "$pcap" >/dev/null 2>"$pcap.err" &
  cap_pid=$!
  for _ in $(seq 300); do grep -q 'Capturing on' "$pcap.err" 2>/dev/null && break; sleep 0.1; done
  sleep 0.5
  "$@"
  sleep 1
  kill -INT "$cap_pid" 2>/dev/null; wait "$cap_pid" 2>/dev/null; cap_pid=
}
for profile in $PROFILES; do
  if skip "$profile"; then echo "skip $profile (SKIP_CHECKS)"; continue; fi
  args=()
  [ "$profile" != default ] && args=(--profile "$profile")
  pcap="$work/$profile.pcap"
  their_ja3= their=
  for attempt in 1 2 3; do
    capture "$pcap" timeout 10 "$client" client "127.0.0.1:$port" localhost --insecure "${args[@]}" --send ping >"$work/out" 2>&1
    ours=$(cat "$work/out")
    their_ja3=$(tshark -r "$pcap" -Y 'tls.handshake.type==1' -T fields -e tls.handshake.ja3 2>/dev/null | head -1)
    their=$("$ja4plus" --format json --types ja4 analyze "$pcap" 2>/dev/null | python3 -c '
import json, sys
for l in sys.stdin:
    l = l.strip()
    if l.startswith("{"):
        d = json.loads(l); print(d.get("fingerprint"), d.get("raw")); break')
    [ -n "$their_ja3" ] && [ -n "$their" ] && break
    echo "note: $profile capture $attempt saw no ClientHello, retrying"
  done
  line=$(grep '^ours ' <<<"$ours")
  our_ja3=$(sed -n 's/.* ja3=\([^ ]*\).*/\1/p' <<<"$line")
  our_ja4=$(sed -n 's/.* ja4=\([^ ]*\).*/\1/p' <<<"$line")
  our_ja4r=$(sed -n 's/.* ja4_r=\([^ ]*\).*/\1/p' <<<"$line")
  echoed=$(grep -o 'received: gnip' <<<"$ours")
  check "$profile echo (openssl s_server -rev)" "$echoed" "received: gnip"
  check "$profile ja3 (tshark)" "$our_ja3" "$their_ja3"
  check "$profile ja4 (ja4plus)" "$our_ja4" "${their%% *}"
  check "$profile ja4_r (ja4plus)" "$our_ja4r" "${their#* }"
  if [ -n "$(target_ja4 "$profile")" ]; then
    check "$profile ja4 = published (ja4plus)" "${their%% *}" "$(target_ja4 "$profile")"
  fi
  if [ -n "$(target_ja3 "$profile")" ]; then
    check "$profile ja3 = published (tshark)" "$their_ja3" "$(target_ja3 "$profile")"
  fi
done
ran=$((pass + fail))
missing=0
if [ "$ran" -ne "$EXPECTED" ]; then
  echo "tls-fingerprints: expected $EXPECTED checks, ran $ran"
  missing=$((EXPECTED > ran ? EXPECTED - ran : 1))
fi
echo "$pass passed, $((fail + missing)) failed"
[ "$fail" -eq 0 ] && [ "$missing" -eq 0 ]
