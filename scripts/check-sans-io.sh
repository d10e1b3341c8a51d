#!/usr/bin/env bash
# The I/O-free rule (STYLE.md item 1): no proto-* crate may pull in mio, libc or boring, and no
# proto-* source may name std::net or read a clock. Prints what breaks the rule; exits 1 if any.
set -uo pipefail
cd "$(dirname "$0")/.."
bad=0
for crate in proto-*/; do
  crate=${crate%/}
  tree=$(cargo tree -q -p "$crate" -e normal --prefix none 2>&1) || { echo "$tree"; bad=1; continue; }
  hits=$(printf '%s\n' "$tree" | grep -E '^(mio|libc|boring|boring-sys|boring2|boring-sys2|tokio|socket2) ' | sort -u)
  if [ -n "$hits" ]; then
    echo "sans-io: $crate depends on an I/O crate: $hits"
    bad=1
  fi
done
# Doc comments are skipped: a doc test is a caller's program (it may own a clock, as the runtime
# does), compiled apart from the crate.
src=$(grep -rnE 'std::net|Instant::now|SystemTime::now' proto-*/src | grep -vE '^[^:]+:[0-9]+:\s*//[/!]' || true)
if [ -n "$src" ]; then
  echo "sans-io: a proto-* source names std::net or reads the clock:"
  echo "$src"
  bad=1
fi
[ $bad = 0 ] && echo "sans-io: proto-* crates are free of I/O and clocks"
exit $bad
