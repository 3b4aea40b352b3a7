#!/usr/bin/env bash
# Times the README's main command (the embedded conformance run) after the build: N runs of the built binary,
# wall-clock, printing min / median / max. A benchmark, not a test: it prints figures and asserts nothing.
#   scripts/bench-embedded-run.sh [RUNS] [--release]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-10}"
PROFILE=debug
if [ "${2:-}" = "--release" ]; then PROFILE=release; fi
if [ "$PROFILE" = release ]; then cargo build -q --release -p clr-harness-cli; else cargo build -q -p clr-harness-cli; fi
BIN="${CARGO_TARGET_DIR:-target}/$PROFILE/clr-harness"
OUT="$(mktemp -d)"
times=()
for i in $(seq 1 "$RUNS"); do
  start=$(date +%s.%N)
  CI=true "$BIN" run --report-dir "$OUT/r$i" --color never > /dev/null 2>&1 || { echo "run $i failed (exit $?)"; exit 1; }
  end=$(date +%s.%N)
  times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')")
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
min=$(echo "$sorted" | head -1); max=$(echo "$sorted" | tail -1)
median=$(echo "$sorted" | sed -n "$(( (RUNS + 1) / 2 ))p")
printf 'embedded run (%s build, %s runs, %s cores): min %.2f s · median %.2f s · max %.2f s (budget 5 s)\n' \
  "$PROFILE" "$RUNS" "$(nproc)" "$min" "$median" "$max"
rm -rf "$OUT"
