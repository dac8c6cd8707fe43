#!/usr/bin/env bash
# Benchmark: txlint over a generated Go corpus, with --jobs 1 and --jobs 2.
# Reports wall time, files/s and MB/s (best of RUNS runs) and peak memory.
# usage: bench/run.sh [FILES] [RUNS] [PLAIN]
#   PLAIN: fraction of files without database code (default 0: every file has
#   transaction code; 0.8 resembles a service monorepo, where most files have none).
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-4000}
runs=${2:-3}
plain=${3:-0}
corpus=bench/corpus
rm -rf "$corpus"
python3 bench/gen_go_corpus.py "$corpus" --files "$files" --plain "$plain"
cargo build --release --locked -q
bin=target/release/txlint
bytes=$(find "$corpus" -name '*.go' -printf '%s\n' | awk '{s+=$1} END {print s}')
count=$(find "$corpus" -name '*.go' | wc -l)
echo "corpus: $count files, $(awk -v b="$bytes" 'BEGIN {printf "%.1f", b/1048576}') MiB"
for jobs in 1 2; do
  best=""
  for _ in $(seq "$runs"); do
    start=$(date +%s.%N)
    "$bin" check --no-cache --jobs "$jobs" --format json --exit-zero "$corpus" > /tmp/txlint-bench.json
    end=$(date +%s.%N)
    t=$(awk -v a="$start" -v b="$end" 'BEGIN {print b-a}')
    if [ -z "$best" ] || awk -v t="$t" -v b="$best" 'BEGIN {exit !(t<b)}'; then best=$t; fi
  done
  findings=$(python3 -c "import json;print(json.load(open('/tmp/txlint-bench.json'))['summary']['findings'])")
  mem=$( { /usr/bin/time -f '%M' "$bin" check --no-cache --jobs "$jobs" --format json --exit-zero "$corpus" > /dev/null; } 2>&1 | tail -1 || echo "?")
  awk -v t="$best" -v n="$count" -v b="$bytes" -v j="$jobs" -v f="$findings" -v m="$mem" \
    'BEGIN {printf "--jobs %d: %.3f s, %.0f files/s, %.1f MB/s, %d findings, peak RSS %s KiB\n", j, t, n/t, b/t/1e6, f, m}'
done
