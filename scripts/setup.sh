#!/usr/bin/env bash
# Installs what the workspace's builds and tests need on a fresh Debian machine, and only what is
# missing. Source it (`. scripts/setup.sh`) so that the variables it exports stay set.
#
#   Debian packages : cmake, libclang1-14, libclang-common-14-dev (BoringSSL's build and bindgen),
#                     git (boring-sys2's build script applies its BoringSSL patch with `git apply`)
#                     gzip, brotli, zstd (the client decoding tests compress with them)
#   test peers      : ../shared/peers/install.sh (curl, nghttp2, nginx, Python h2/websockets/
#                     hypercorn, node ws, the Autobahn testsuite) into $PEERS_DIR (the client
#                     against them: runtime-mio/tests/client_peers.rs), and Debian's tinyproxy,
#                     microsocks and socat (runtime-mio/tests/client_proxy.rs), when SETUP_PEERS=1
#   cargo-fuzz      : `cargo install cargo-fuzz --locked`, when SETUP_FUZZ=1
#   browsers        : Debian's chromium, firefox-esr and libnss3-tools (certutil), when
#                     SETUP_BROWSERS=1 (runtime-mio/tests/browser.rs)
#
# Exports PEERS_DIR (and BORING_BSSL_PATH once scripts/boringssl.sh exists).
_setup_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

_setup_apt() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "setup: installing Debian packages: ${missing[*]}"
  local sudo=
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq -o DPkg::Lock::Timeout=120
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq -o DPkg::Lock::Timeout=120 \
    --no-install-recommends "${missing[@]}" >/dev/null
}

_setup_apt cmake libclang1-14 libclang-common-14-dev git
# runtime-mio/tests/client_decode.rs: bodies compressed by independent tools
_setup_apt gzip brotli zstd

export PEERS_DIR=${PEERS_DIR:-${TMPDIR:-/tmp}/http-engine-peers}
if [ "${SETUP_PEERS:-0}" = 1 ]; then
  _setup_kit="$_setup_root/../shared/peers/install.sh"
  if [ ! -f "$_setup_kit" ]; then
    echo "setup: $_setup_kit not found: the peers kit must sit in ../shared beside the project" >&2
    return 1 2>/dev/null || exit 1
  fi
  echo "setup: installing test peers into $PEERS_DIR (../shared/peers/install.sh)"
  bash "$_setup_kit" > "${TMPDIR:-/tmp}/http-engine-peers-install.log" 2>&1 || {
    tail -30 "${TMPDIR:-/tmp}/http-engine-peers-install.log" >&2
    return 1 2>/dev/null || exit 1
  }
  # The client's proxy tests: an HTTP CONNECT proxy, a TLS front making it an HTTPS proxy
  # (socat OPENSSL-LISTEN) and a SOCKS5 server.
  _setup_apt tinyproxy microsocks socat
fi

if [ "${SETUP_BROWSERS:-0}" = 1 ]; then
  _setup_apt chromium firefox-esr libnss3-tools
fi

if [ "${SETUP_FUZZ:-0}" = 1 ] && ! cargo fuzz --version >/dev/null 2>&1; then
  echo "setup: installing cargo-fuzz (cargo install cargo-fuzz --locked)"
  cargo install -q cargo-fuzz --locked
fi

if [ -f "$_setup_root/scripts/boringssl.sh" ]; then
  # shellcheck source=/dev/null
  . "$_setup_root/scripts/boringssl.sh"
fi
