#!/usr/bin/env bash
# Sequencing benchmark for verity-store (SQLite), side by side with a plain Python
# sequencer on the same SQLite settings (bench/store/peer_sqlite.py).
#   bench/store/run.sh [ENTRIES] [BATCH]      (defaults 1000000 2000)
set -euo pipefail
cd "$(dirname "$0")/../.."
ENTRIES="${1:-1000000}"
BATCH="${2:-2000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
python3 -c 'import cryptography' 2>/dev/null || pip install --quiet cryptography
cargo build --release -q -p verity-store --example bench_append
echo "== verity-store (Rust) =="
out=$("$CARGO_TARGET_DIR/release/examples/bench_append" "$ENTRIES" "$BATCH" --json)
echo "$out" | grep -v '^JSON '
rust_json=$(echo "$out" | sed -n 's/^JSON //p')
echo "== peer: Python sqlite3 + pyca/cryptography sequencer =="
peer_json=$(python3 bench/store/peer_sqlite.py "$ENTRIES" "$BATCH")
echo "$peer_json"
python3 - "$rust_json" "$peer_json" <<'PY'
import json, sys
r, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print()
print(f"{'accepted + durably sequenced, entries/s':<44}{'verity-store':>14}{'python peer':>14}{'ratio':>8}")
print(f"{'(parse, verify Ed25519, hash, insert, sign cp)':<44}{r['accepted_per_s']:>14.0f}{p['accepted_per_s']:>14.0f}{r['accepted_per_s']/p['accepted_per_s']:>8.1f}")
print(f"inclusion proofs/s (verity-store): {r['proofs_per_s']:.0f}  (target >= 20000, ratio {r['proofs_per_s']/20000:.1f})")
print(f"entries/s vs target 10000: ratio {r['accepted_per_s']/10000:.2f}")
PY
