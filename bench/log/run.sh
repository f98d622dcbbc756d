#!/usr/bin/env bash
# Benchmark of verity-log against its peers, side by side in one run:
#   * Go golang.org/x/mod/sumdb/tlog + crypto/ed25519 (the reference implementation of the
#     stored-hash/tile design; Debian golang-go + golang-golang-x-mod-dev),
#   * Python hashlib + PyNaCl (libsodium) for hashing and Ed25519.
# Usage: bench/log/run.sh [leaves]   (default 1,000,000)
# Prints ops/s per metric and the ratio verity/peer (>1 means verity is faster).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
leaves="${1:-1000000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! command -v go >/dev/null || [ ! -d /usr/share/gocode/src/golang.org/x/mod/sumdb/tlog ]; then
  echo "installing the Go peer (golang-go, golang-golang-x-mod-dev)" >&2
  apt-get install -y golang-go golang-golang-x-mod-dev >/dev/null 2>&1 \
    || { apt-get update >/dev/null && apt-get install -y golang-go golang-golang-x-mod-dev >/dev/null; }
fi
if ! python3 -c 'import nacl' 2>/dev/null; then
  echo "installing the Python peer (pynacl)" >&2
  python3 -m pip install --quiet pynacl
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
cargo build --quiet --release -p verity-log --example log_bench --manifest-path "$root/Cargo.toml"
(cd "$here/go-peer" && GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$work/gocache" \
  go build -o "$work/go-peer" .)

echo "running verity-log ($leaves leaves)..." >&2
"$CARGO_TARGET_DIR/release/examples/log_bench" "$leaves" > "$work/verity.tsv"
echo "running Go x/mod peer..." >&2
"$work/go-peer" "$leaves" > "$work/go.tsv"
echo "running Python peer..." >&2
python3 "$here/peer.py" > "$work/py.tsv"

python3 - "$work" "$leaves" <<'PY'
import sys
work, leaves = sys.argv[1], sys.argv[2]
def load(name):
    return {k: float(v) for k, v in (l.split("\t") for l in open(f"{work}/{name}.tsv") if l.strip())}
v, g, p = load("verity"), load("go"), load("py")
print(f"verity-log benchmark, {leaves} leaves (ops/s; ratio = verity / peer, >1 = verity faster)")
print(f"{'metric':<18}{'verity-log':>14}{'Go x/mod':>14}{'ratio':>8}{'Python':>14}{'ratio':>8}")
for m in ["node_hash", "append", "prove_inclusion", "verify_inclusion", "ed25519_sign", "ed25519_verify"]:
    gs = f"{g[m]:>14,.0f}{v[m]/g[m]:>8.2f}" if m in g else f"{'-':>14}{'-':>8}"
    ps = f"{p[m]:>14,.0f}{v[m]/p[m]:>8.2f}" if m in p else f"{'-':>14}{'-':>8}"
    print(f"{m:<18}{v[m]:>14,.0f}{gs}{ps}")
PY
