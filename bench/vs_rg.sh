#!/usr/bin/env bash
# Speed against grep: txlint cold (--no-cache, -j 2) and warm (cache filled) against
# `rg -l` for the transaction words over the same tree, in alternating runs so that both
# see the same page cache and the same machine load. Prints the median of the per-pair
# ratios (txlint time / rg time) and txlint's peak memory.
# usage: bench/vs_rg.sh TREE [PAIRS]     (needs rg: apt-get install ripgrep)
set -euo pipefail
tree=${1:?usage: bench/vs_rg.sh TREE [PAIRS]}
pairs=${2:-5}
cd "$(dirname "$0")/.."
cargo build --release --locked -q
bin=$PWD/target/release/txlint
command -v rg >/dev/null || { echo "rg not found (apt-get install ripgrep)" >&2; exit 2; }
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT

seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); awk -v a="$s" -v b="$e" 'BEGIN {print b-a}'; }
rg_run() { rg -l -e Commit -e Rollback -e rollback -e commit "$tree"; }
cold() { "$bin" check --no-cache -j 2 --exit-zero --format json "$tree"; }
warm() { "$bin" check --cache-dir "$cache" -j 2 --exit-zero --format json "$tree"; }

warm >/dev/null 2>&1 || true # fill the cache and the page cache
rg_run >/dev/null
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
cold_ratios=() warm_ratios=() rg_times=()
for _ in $(seq "$pairs"); do
  r=$(seconds rg_run); c=$(seconds cold); w=$(seconds warm)
  rg_times+=("$r")
  cold_ratios+=("$(awk -v c="$c" -v r="$r" 'BEGIN {print c/r}')")
  warm_ratios+=("$(awk -v c="$w" -v r="$r" 'BEGIN {print c/r}')")
done
mem=$( { /usr/bin/time -f '%M' "$bin" check --no-cache -j 2 --exit-zero --format json "$tree" >/dev/null; } 2>&1 | tail -1)
printf '%s: rg %.3f s; txlint cold/rg %.1fx, warm/rg %.1fx (medians of %d pairs); peak RSS %s KiB\n' \
  "$tree" "$(printf '%s\n' "${rg_times[@]}" | median)" \
  "$(printf '%s\n' "${cold_ratios[@]}" | median)" "$(printf '%s\n' "${warm_ratios[@]}" | median)" "$pairs" "$mem"
