#!/usr/bin/env bash
# Runs every test of the workspace: unit, integration, property and doc tests (`cargo test`), then
# the conformance and interop suites that need real peers (Autobahn, nghttp2, curl, Python h2 ...).
# Installs what is missing first (see scripts/setup.sh: Debian's cmake and libclang for BoringSSL,
# the peers of ../shared/peers/install.sh). Ends with one line `total: N passed, N failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
export SETUP_PEERS=1
export SETUP_BROWSERS=1
. scripts/setup.sh

log=$(mktemp -d)/test.log
passed=0
failed=0
status=0

# Adds the counts of a finished step's log: cargo's `test result:` lines and the plain
# `N passed, N failed` lines that the suites print.
count() {
  local p f
  read -r p f < <(awk '
    /^test result:/ { for (i = 1; i < NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
    /^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed/ { sub(/^[A-Za-z-]+: /, ""); p += $1; f += $3 }
    END { print p + 0, f + 0 }' "$1")
  passed=$((passed + p))
  failed=$((failed + f))
}

# step NAME COMMAND...: runs one step, shows its output, counts its results.
step() {
  local name=$1
  shift
  echo "== $name: $*"
  if "$@" 2>&1 | tee "$log"; then :; else
    echo "== $name FAILED"
    status=1
  fi
  count "$log"
}

step "cargo test" cargo test --workspace --no-fail-fast

# Conformance and interop suites with real peers (each prints `N passed, N failed` and exits
# non-zero on a failure). Add a crate's suite here.
step "sse interop" bash proto-sse/interop.sh
# Roles server, client and wire (`wire serve`'s /ws), all at once.
step "autobahn" bash proto-ws/autobahn.sh
step "ws interop" bash proto-ws/interop.sh
step "tls fingerprints" bash tls/fingerprint-check.sh
step "h2 interop" bash proto-h2/interop.sh
# curl's ClientHello to `wire serve --tls`, captured on loopback: our /fingerprint's JA3 against
# tshark's, JA4 and JA4_r against ja4plus's (ignored by plain `cargo test`: it needs tshark and
# the capture rights this script's peers install gives).
step "server fingerprints" cargo test -p runtime-mio --test fingerprint -- --ignored
# Headless chromium and firefox-esr load a page from `wire serve --tls` over HTTP/2 that echoes
# messages through /ws and reads /sse; every message must arrive (ignored by plain `cargo test`:
# it needs the browsers, which SETUP_BROWSERS=1 installs).
step "browsers" cargo test -p runtime-mio --test browser -- --ignored
# The same browsers against the profiles that model them (tls::profile::CHROMIUM, FIREFOX_ESR):
# JA4, JA4_r, the Akamai string and the header order and values, from wire serve's
# /fingerprint and /echo, against our client's under the profile; the differences must be
# exactly the documented ones (ignored by plain `cargo test`, like the step above).
step "browser profiles" cargo test -p runtime-mio --test browser_profiles -- --ignored
# The same browsers' WebSocket opening requests (wire serve's /ws/request, HTTP/2 and HTTP/1.1)
# against our client's under the profile, field by field and in order.
step "browser websockets" cargo test -p runtime-mio --test browser_ws -- --ignored
# h2probe.py's 56 h2spec-style cases against `wire serve` over TCP, h2c and TLS (the table's
# h2spec cases run live in `cargo test`: runtime-mio/tests/h2spec_live.rs; Autobahn's wire role
# in the autobahn step).
step "wire h2probe" bash runtime-mio/h2probe.sh
# suites:end

# The suites above must fail when rigged (a selection with no case, our side killed, checks
# skipped, a peer that runs fewer cases): each rigged run is one counted check.
step "suites fail when rigged" bash scripts/test-suites-fail.sh

echo "total: $passed passed, $failed failed"
[ "$status" = 0 ] && [ "$failed" = 0 ]
