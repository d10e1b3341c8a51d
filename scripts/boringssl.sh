#!/usr/bin/env bash
# Builds BoringSSL (the source vendored in the `boring-sys2` crate, with that crate's patch applied)
# once, optimized, into a cache folder and exports BORING_BSSL_PATH so that every cargo profile
# (dev, test, release, bench, the fuzz workspace) links that one build instead of rebuilding
# BoringSSL for each (the build itself: about 70 s on 2 cores, 5.3 MB of static libraries; the
# stock `boring-sys` 5.4 build this replaced took about 245 s). Needs cmake, a C/C++ compiler,
# libclang (bindgen) and git (boring-sys2 applies its patch with `git apply`); no Go, no clang
# compiler. Sourced by scripts/setup.sh.
#
#   BORING_CACHE   where the build goes (default: ~/.cache/http-engine/boringssl2-<boring-sys2
#                  version>, outside the work tree so that a fresh clone on the same machine, as in
#                  CI, reuses it; a machine without it builds it here first)
#
# boring-sys2 has no install option: its build script leaves the patched headers in
# OUT_DIR/boringssl/src/include and the libraries in OUT_DIR/build. With BORING_BSSL_PATH=P it links
# P/build/lib{ssl,crypto}.a and generates bindings from P/include (and skips its patch, which
# the headers copied here already carry), so the cache takes that layout.
_bssl_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
_bssl_version=$(awk '/^name = "boring-sys2"/ { getline; gsub(/[^0-9A-Za-z.-]/, ""); sub(/^version/, ""); print; exit }' "$_bssl_root/Cargo.lock" 2>/dev/null)
_bssl_cache=${BORING_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/http-engine/boringssl2-${_bssl_version:-unknown}}
if [ ! -f "$_bssl_cache/build/libssl.a" ] || [ ! -f "$_bssl_cache/build/libcrypto.a" ] \
  || [ ! -f "$_bssl_cache/include/openssl/x509v3.h" ]; then
  echo "setup: building BoringSSL once into $_bssl_cache (a few minutes)"
  rm -rf "$_bssl_cache" && mkdir -p "$_bssl_cache/build"
  (
    cd "$_bssl_root" || exit 1
    unset BORING_BSSL_PATH BORING_BSSL_INCLUDE_PATH BORING_BSSL_SOURCE_PATH BORING_BSSL_ASSUME_PATCHED
    _tdir="$_bssl_root/target/boringssl-build"
    cargo build -q --release -p boring-sys2 --target-dir "$_tdir" || exit 1
    # The newest build of the crate (an older one may linger from another version or flags); the
    # vendored source has the Bazel layout (headers in src/include).
    _out=
    for d in $(ls -dt "$_tdir"/release/build/boring-sys2-*/out 2>/dev/null); do
      if [ -f "$d/build/libssl.a" ] && [ -f "$d/boringssl/src/include/openssl/ssl.h" ]; then
        _out=$d && break
      fi
    done
    [ -n "$_out" ] || { echo "setup: no boring-sys2 build output under $_tdir" >&2; exit 1; }
    cp "$_out/build/libssl.a" "$_out/build/libcrypto.a" "$_bssl_cache/build/" || exit 1
    cp -r "$_out/boringssl/src/include" "$_bssl_cache/include" || exit 1
  ) || { rm -rf "$_bssl_cache"; echo "setup: BoringSSL build failed" >&2; return 1 2>/dev/null || exit 1; }
fi
export BORING_BSSL_PATH=$_bssl_cache
