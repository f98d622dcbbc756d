#!/usr/bin/env bash
# Safeguards benchmark: balance closing of a facility-year with 10^6 batch measurements and
# 10,000 simulated runs of Page's test over 50 balance periods. No peer implementation exists
# (no open-source package closes IAEA-style balances with sigma-MUF); absolute figures are printed
# against the targets of issue 6 (<= 1 s each). If valgrind is installed, instruction counts of a
# 10x smaller run are printed too (they repeat exactly, unlike times on a shared machine).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release -q -p verity-safeguards --example safeguards_bench
BIN="$CARGO_TARGET_DIR/release/examples/safeguards_bench"
echo "== verity-safeguards benchmark ($(nproc) cores) =="
"$BIN" "${1:-1000000}" "${2:-5}"
if command -v valgrind >/dev/null 2>&1; then
  echo
  echo "== instruction counts (valgrind, 100,000 measurements, 1 repetition; includes setup) =="
  valgrind --tool=none "$BIN" 100000 1 >/dev/null 2>&1 || true
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$BIN" 100000 1 2>&1 | grep -E "Collected" || true
fi
