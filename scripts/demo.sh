#!/usr/bin/env bash
# The main job, until the client lands (then it becomes `wire demo`): the comparison report of
# every engine crate against its public peer, measured in one process (`compare --quick`).
# Installs Debian's cmake and libclang first when they are missing (BoringSSL's build needs them).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
cargo run -q --release -p benches --bin compare -- --quick "$@"
