#!/usr/bin/env bash
# Seismic waveform benchmark: Verity (crates/verity-waveform) vs ObsPy in the same run.
#   (a) classic and recursive STA/LTA on 24 h of 100 Hz data (8.64 M samples)
#   (b) miniSEED decoding, one Steim-2 channel-day (8.64 M samples)
#   (c) network-day: STATIONS (default 50) × 3 components × 24 h at 100 Hz, Steim-2 files,
#       decode → band-pass → recursive STA/LTA → trigger → AIC pick, streaming record by
#       record, parallel over channels (rayon). ObsPy runs the same chain on 3 channels and
#       is extrapolated to the network (single process, as ObsPy scripts usually run).
# Usage: bash bench/seismic/run.sh   [env: BENCH_DIR, STATIONS, ROUNDS]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
DIR="${BENCH_DIR:-/tmp/verity-seismic-bench}"
STATIONS="${STATIONS:-50}"
ROUNDS="${ROUNDS:-3}"

python3 -c "import obspy" 2>/dev/null || pip install obspy
(cd "$ROOT" && cargo build --release -q -p verity-waveform --example bench_seismic)
BIN="$CARGO_TARGET_DIR/release/examples/bench_seismic"
mkdir -p "$DIR"
[ -f "$DIR/stalta.f64" ] || "$BIN" gen-stalta "$DIR/stalta.f64" >/dev/null
[ -f "$DIR/day.mseed" ] || "$BIN" gen-day "$DIR/day.mseed" >/dev/null
echo "generating network-day files in $DIR/network (first run only) ..."
"$BIN" gen-network "$DIR/network" "$STATIONS" >/dev/null
cd /tmp  # run Python outside any package directory
python3 "$ROOT/bench/seismic/compare.py" "$BIN" "$DIR" "$ROUNDS"
