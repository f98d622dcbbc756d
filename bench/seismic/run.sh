#!/usr/bin/env bash
# Seismic waveform benchmark: Verity vs ObsPy in the same run.
#   (a) classic and recursive STA/LTA on 24 h of 100 Hz data (8.64 M samples)
#   (b) miniSEED decoding, one Steim-2 channel-day (8.64 M samples)
#   (c) the whole network-day (bench/seismic/netday): STATIONS (default 50) × 3 components ×
#       24 h at 100 Hz, Steim-2 files with synthetic P and S arrivals from EVENTS (default 6)
#       sources at IASP91 times; decode → band-pass → recursive STA/LTA → trigger → AIC pick
#       (streaming record by record, parallel over channels), then associate → locate
#       (verity-seismic), scored against the true sources. ObsPy runs decode → filter →
#       STA/LTA → trigger → AIC on 3 channels and is extrapolated to the network (ObsPy has no
#       associator; single process, as ObsPy scripts usually run).
# Usage: bash bench/seismic/run.sh   [env: BENCH_DIR, STATIONS, EVENTS, ROUNDS]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
DIR="${BENCH_DIR:-/tmp/verity-seismic-bench}"
STATIONS="${STATIONS:-50}"
EVENTS="${EVENTS:-6}"
ROUNDS="${ROUNDS:-3}"

python3 -c "import obspy" 2>/dev/null || pip install obspy
(cd "$ROOT" && cargo build --release -q -p verity-waveform --example bench_seismic)
(cd "$ROOT/bench/seismic/netday" && cargo build --release -q)
BIN="$CARGO_TARGET_DIR/release/examples/bench_seismic"
NETDAY="$CARGO_TARGET_DIR/release/verity-bench-netday"
mkdir -p "$DIR"
[ -f "$DIR/stalta.f64" ] || "$BIN" gen-stalta "$DIR/stalta.f64" >/dev/null
[ -f "$DIR/day.mseed" ] || "$BIN" gen-day "$DIR/day.mseed" >/dev/null
echo "generating the network-day in $DIR/netday (first run only; a few minutes) ..."
"$NETDAY" gen "$DIR/netday" "$STATIONS" "$EVENTS" >/dev/null
cd /tmp  # run Python outside any package directory
python3 "$ROOT/bench/seismic/compare.py" "$BIN" "$NETDAY" "$DIR" "$ROUNDS"
