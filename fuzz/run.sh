#!/usr/bin/env bash
# Runs every cargo-fuzz target of the workspace (crates/*/fuzz) for SECONDS each with libFuzzer,
# seeded from the crate's testdata, and prints executions, coverage and any crash per target.
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). Not part of CI (CI
# runs the no-panic property tests that sit beside each parser in `cargo test`).
# Usage: bash fuzz/run.sh [SECONDS] [CRATE-FILTER]     e.g. bash fuzz/run.sh 60 waveform
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SECONDS_EACH="${1:-60}"
FILTER="${2:-}"
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$ROOT/target/fuzz}"
WORK="${FUZZ_WORK:-$ROOT/target/fuzz-work}"
mkdir -p "$WORK"
status=0
printf '%-22s %-26s %12s %8s %s\n' crate target execs cov result
for dir in "$ROOT"/crates/*/fuzz; do
  crate="$(basename "$(dirname "$dir")")"
  [[ -n "$FILTER" && "$crate" != *"$FILTER"* ]] && continue
  for t in "$dir"/fuzz_targets/*.rs; do
    target="$(basename "$t" .rs)"
    corpus="$WORK/corpus/$crate/$target"
    mkdir -p "$corpus" "$WORK/artifacts/$crate/$target"
    seeds="$(dirname "$dir")/testdata"
    # Seeds: every test file under 1 MB (`-size -1M` would mean "empty": find rounds up to
    # whole units), under a name made from its path so that equal basenames do not collide.
    if [[ -d "$seeds" ]]; then
      while IFS= read -r -d '' f; do
        cp -n "$f" "$corpus/seed-$(tr '/' '_' <<<"${f#"$seeds"/}")"
      done < <(find "$seeds" -type f -size -1000k -print0)
    fi
    log="$WORK/$crate-$target.log"
    (cd "$(dirname "$dir")" && cargo +nightly fuzz run "$target" "$corpus" \
        -- -max_total_time="$SECONDS_EACH" -rss_limit_mb=4096 -max_len=65536 \
        -artifact_prefix="$WORK/artifacts/$crate/$target/" >"$log" 2>&1)
    rc=$?
    line="$(grep -E '^#[0-9]+' "$log" | tail -1)"
    execs="$(sed -E 's/^#([0-9]+).*/\1/' <<<"$line")"
    cov="$(grep -oE 'cov: [0-9]+' <<<"$line" | tail -1 | cut -d' ' -f2)"
    if [[ $rc -eq 0 ]]; then result=ok; else result="FAILED (see $log)"; status=1; fi
    printf '%-22s %-26s %12s %8s %s\n' "$crate" "$target" "${execs:-?}" "${cov:-?}" "$result"
  done
done
exit $status
