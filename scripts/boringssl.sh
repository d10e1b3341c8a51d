#!/usr/bin/env bash
# Builds BoringSSL (the source vendored in the `boring-sys` crate) once, optimized, into a cache
# folder and exports BORING_BSSL_PATH so that every cargo profile (dev, test, release, bench, the
# fuzz workspace) links that one build instead of rebuilding BoringSSL for each: a cold
# `cargo test` goes from about 100 s to about 30 s on 2 cores. Sourced by scripts/setup.sh.
#
#   BORING_CACHE   where the build goes (default: ~/.cache/http-engine/boringssl-<boring-sys
#                  version>, outside the work tree so that a fresh clone on the same machine, as in
#                  CI, reuses it; a machine without it builds it here first)
_bssl_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
_bssl_version=$(awk '/^name = "boring-sys"/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$_bssl_root/Cargo.lock" 2>/dev/null)
_bssl_cache=${BORING_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/http-engine/boringssl-${_bssl_version:-unknown}}
if [ ! -f "$_bssl_cache/lib/libssl.a" ] || [ ! -f "$_bssl_cache/include/openssl/x509v3.h" ]; then
  echo "setup: building BoringSSL once into $_bssl_cache (a few minutes)"
  rm -rf "$_bssl_cache" && mkdir -p "$_bssl_cache"
  (
    cd "$_bssl_root"
    unset BORING_BSSL_PATH BORING_BSSL_INCLUDE_PATH
    BORING_BSSL_INSTALL_DIR="$_bssl_cache" cargo build -q --release -p boring-sys \
      --target-dir "$_bssl_root/target/boringssl-build"
  ) || { rm -rf "$_bssl_cache"; echo "setup: BoringSSL build failed" >&2; return 1 2>/dev/null || exit 1; }
fi
export BORING_BSSL_PATH=$_bssl_cache
