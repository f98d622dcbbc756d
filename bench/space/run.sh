#!/usr/bin/env bash
# Space benchmark: verity-space vs python-sgp4 (SatrecArray, numpy) in the same run.
#   1. SGP4 propagation throughput (satellite-epochs/s) on the same element sets.
#   2. All-vs-all screening of a 30,000-object synthetic catalogue over 7 days at 10 km,
#      checked against brute force on a random sample (1 day).
# Usage: bash bench/space/run.sh            (from the repository root)
#        N_PROP=2000 T_PROP=1000 N_SCREEN=30000 DAYS=7 SAMPLE=300 SCREEN_STEPS="40 60" bash bench/space/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
N_PROP="${N_PROP:-2000}"
T_PROP="${T_PROP:-1000}"
N_SCREEN="${N_SCREEN:-30000}"
DAYS="${DAYS:-7}"
SAMPLE="${SAMPLE:-300}"

python3 -c "import sgp4, numpy" 2>/dev/null || pip install --quiet sgp4 numpy
cargo build --quiet --release -p verity-space --example space_bench
BIN="$CARGO_TARGET_DIR/release/examples/space_bench"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

"$BIN" catalog "$N_PROP" 42 > "$TMP/catalog.tle"

PY=$(python3 - "$TMP/catalog.tle" "$T_PROP" <<'PYEOF'
import sys, time, json
import numpy as np
from sgp4.api import Satrec, SatrecArray
lines = open(sys.argv[1]).read().splitlines()
sats = [Satrec.twoline2rv(lines[i], lines[i + 1]) for i in range(0, len(lines), 2)]
arr = SatrecArray(sats)
n_t = int(sys.argv[2])
jd0 = sats[0].jdsatepoch
fr0 = sats[0].jdsatepochF
minutes = np.arange(n_t) * 10.0
jd = np.full(n_t, jd0)
fr = fr0 + minutes / 1440.0
best = float("inf")
for _ in range(3):
    t = time.perf_counter()
    e, r, v = arr.sgp4(jd, fr)
    best = min(best, time.perf_counter() - t)
rate = len(sats) * n_t / best
print(json.dumps({"objects": len(sats), "times": n_t, "seconds": best, "sat_epochs_per_s": rate, "checksum": float(np.nansum(r[:, :, 0]))}))
PYEOF
)
R1=$("$BIN" propagate "$N_PROP" "$T_PROP" 1)
R2=$("$BIN" propagate "$N_PROP" "$T_PROP" 2)
rate() { python3 -c "import json,sys; print(json.loads(sys.argv[1])['sat_epochs_per_s'])" "$1"; }
PYR=$(rate "$PY"); R1R=$(rate "$R1"); R2R=$(rate "$R2")
echo "== SGP4 propagation, $N_PROP objects x $T_PROP epochs (same TLEs) =="
printf "%-40s %16s %8s\n" "implementation" "sat-epochs/s" "ratio"
printf "%-40s %16.0f %8s\n" "python-sgp4 SatrecArray (C++, 1 thread)" "$PYR" "1.00"
printf "%-40s %16.0f %8.2f\n" "verity-space (1 thread)" "$R1R" "$(python3 -c "print($R1R/$PYR)")"
printf "%-40s %16.0f %8.2f\n" "verity-space (2 threads, rayon)" "$R2R" "$(python3 -c "print($R2R/$PYR)")"

echo
echo "== All-vs-all screening: $N_SCREEN objects, $DAYS days, 10 km (synthetic catalogue, seed 2025) =="
echo "   (CPU = user + sys; the machine may be shared, so the load average is printed with each run)"
# SCREEN_STEPS: grid steps to measure (s); 40 is the library/CLI default, 60 is faster on large
# catalogues. Each run is checked against brute force on a SAMPLE-object subset (1 day).
for STEP in ${SCREEN_STEPS:-40 60}; do
    echo "-- step ${STEP} s; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
    SCREEN_STEP_S="$STEP" /usr/bin/time -f "wall %e s, CPU %U + %S s, max RSS %M KB" \
        "$BIN" screen "$N_SCREEN" "$DAYS" 10 2025 "$SAMPLE"
    echo "   load after: $(cut -d' ' -f1-3 /proc/loadavg)"
done
