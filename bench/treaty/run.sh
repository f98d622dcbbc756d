#!/usr/bin/env bash
# Treaty evaluation benchmark: 1,000,000 declarations against all bundled regimes, and the cost
# of incremental re-evaluation after one new declaration. No peer implementation exists, so the
# figures are absolute; with valgrind present, instruction counts for a 20,000-declaration run
# are printed too (they repeat exactly, unlike wall-clock time on a shared machine).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/targets/verity-treaty}"
N="${1:-1000000}"
cargo build --release -q -p verity-treaty --example bench
BIN="$CARGO_TARGET_DIR/release/examples/bench"
echo "== verity-treaty: $N declarations, all bundled regimes =="
"$BIN" "$N"
if command -v valgrind >/dev/null 2>&1; then
  ir() { local f; f="$(mktemp)"; valgrind --tool=callgrind --callgrind-out-file="$f" "$BIN" "$@" >/dev/null 2>"$f.log" || true; grep -E '^summary:|^totals:' "$f" | head -1 | awk '{print $2}'; rm -f "$f" "$f.log"; }
  echo "== instruction counts (callgrind; independent of machine load) =="
  G="$(ir 20000 --generate-only)"; E="$(ir 20000 --no-incremental --compact-only)"; R="$(ir 20000 --no-incremental)"
  if [ -n "$G" ] && [ -n "$E" ] && [ -n "$R" ]; then
    echo "evaluation, per declaration (20,000 over all regimes, test-data generation subtracted): $(( (E - G) / 20000 )) instructions"
    echo "evaluation + report records, per declaration: $(( (R - G) / 20000 )) instructions"
  fi
  A="$(ir 100000 --incremental-only --adds 0)"; B="$(ir 100000 --incremental-only --adds 1000)"
  if [ -n "$A" ] && [ -n "$B" ]; then
    echo "incremental: one new declaration into an evaluator holding 11,112 New START declarations: $(( (B - A) / 1000 )) instructions"
  fi
fi
