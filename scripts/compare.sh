#!/usr/bin/env bash
# The comparison report of every engine crate against its public peer, measured in one process
# (`compare --quick`; without --quick the full criterion runs). Medians and ratios: the machine
# is shared, read the ratios, not one absolute time.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
cargo run -q --release -p benches --bin compare -- --quick "$@"
