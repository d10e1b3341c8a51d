#!/usr/bin/env bash
# The main job: `wire demo`. It starts `wire serve --tls` in-process on loopback and runs the
# client through HTTP/1.1, HTTP/2 multiplexing, a streamed download cancelled half-way, a
# WebSocket over HTTP/2, an SSE stream with a reconnect and the Chrome browser profile (the
# server reports the JA4 and HTTP/2 fingerprint it saw), one checked line per step; it exits
# non-zero when a check fails. Installs Debian's cmake and libclang first when they are
# missing (BoringSSL's build needs them).
#
# The engines' comparison report against their public peers (`compare --quick`) is
# `bash scripts/compare.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
cargo run -q --release -p runtime-mio --bin wire -- demo "$@"
