#!/usr/bin/env bash
# Builds every cargo-fuzz target in fuzz/ and runs each for SECONDS (default 15) seconds
# (`cargo fuzz run -s none`, which works on the stable toolchain), the corpora seeded by
# fuzz/seed.py. Needs cargo-fuzz:
# `SETUP_FUZZ=1 . scripts/setup.sh` installs it.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}
cd fuzz
targets=$(cargo fuzz list)
[ -n "$targets" ] || { echo "fuzz: no targets"; exit 0; }
cargo fuzz build -s none -O
# Seeds from the public corpora (llhttp's messages, hpack-test-case's blocks): a short run
# starts from real messages, not from nothing.
python3 seed.py ../../shared/corpora corpus
log=$(mktemp)
failed=
for t in $targets; do
  mkdir -p "corpus/$t"
  echo "fuzz: $t for ${secs}s"
  if ! cargo fuzz run -s none -O "$t" "corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=2048 \
      > "$log" 2>&1; then
    tail -60 "$log"
    echo "fuzz: $t FAILED (the crashing input is in fuzz/artifacts/$t/)"
    failed="$failed $t"
  else
    tail -1 "$log"
  fi
done
[ -z "$failed" ] || { echo "fuzz: failed:$failed"; exit 1; }
