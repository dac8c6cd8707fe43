#!/usr/bin/env bash
# Side-by-side speed table for one tree: rg (the baseline), txlint cold -j 1, cold -j 2,
# warm (cache filled), semgrep with one toy rule and ruff with a small rule set, run in
# alternating rounds so that every tool sees the same page cache and the same machine load.
# Each row: median seconds, median of the per-round ratios to that round's rg, peak RSS
# (KiB, /usr/bin/time -f %M, one extra run), and the goals of issue 13 beside them.
#
# usage: bench/compare.sh TREE [PAIRS]      (PAIRS: rounds, default 3)
#   needs rg (apt-get install ripgrep) and GNU time at /usr/bin/time;
#   semgrep and ruff are optional: found on PATH or through the SEMGREP / RUFF variables
#   (e.g. python3 -m venv /tmp/benchenv && /tmp/benchenv/bin/pip install semgrep ruff).
#   SEMGREP=off skips semgrep (its row says so).
#   SEMGREP_MAX (seconds, default 180): when semgrep's first run takes longer, it is run
#   only that once (its row says so). semgrep's peak RSS is taken from its first timed run
#   (run under GNU time, negligible beside its seconds) rather than from an extra run.
#   semgrep's version check is turned off (SEMGREP_ENABLE_VERSION_CHECK=0): it is a network
#   call that took 95 s per run on a machine without a route to semgrep.dev.
#   TXLINT: a txlint binary to use instead of building target/release/txlint.
set -euo pipefail
usage="usage: bench/compare.sh TREE [PAIRS]"
tree=${1:?$usage}
pairs=${2:-3}
[ -d "$tree" ] || { echo "$tree: not a directory" >&2; exit 2; }
[[ $pairs =~ ^[1-9][0-9]*$ ]] || { echo "$usage (PAIRS: a positive integer)" >&2; exit 2; }
tree=$(cd "$tree" && pwd)
cd "$(dirname "$0")/.."
if [ -n "${TXLINT:-}" ]; then
  bin=$TXLINT
else
  cargo build --release --offline -q
  bin=$PWD/target/release/txlint
fi
commit=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
command -v rg >/dev/null || { echo "rg not found (apt-get install ripgrep)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time not found (apt-get install time)" >&2; exit 2; }
semgrep=${SEMGREP:-$(command -v semgrep || true)}
ruff=${RUFF:-$(command -v ruff || true)}
semgrep_max=${SEMGREP_MAX:-180}
export SEMGREP_ENABLE_VERSION_CHECK=${SEMGREP_ENABLE_VERSION_CHECK:-0}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# What the tree holds (rg --files: the files rg itself searches, .gitignore respected).
count() { { rg --files -g "$1" "$tree" || true; } | wc -l; }
go_files=$(count '*.go') py_files=$(count '*.py') rs_files=$(count '*.rs')
all_files=$( { rg --files "$tree" || true; } | wc -l)
mib=$(du -sm "$tree" | cut -f1)

# The toy semgrep rule: one rule per language present, in one file.
rule=$tmp/rule.yml
{
  echo "rules:"
  emit_rule() {
    printf '  - id: toy-commit-%s\n    languages: [%s]\n    severity: INFO\n' "$1" "$1"
    printf '    message: commit call\n    pattern: %s\n' "$2"
  }
  if [ "$go_files" -gt 0 ]; then emit_rule go "'\$TX.Commit()'"; fi
  if [ "$py_files" -gt 0 ]; then emit_rule python "'\$C.commit()'"; fi
  if [ "$rs_files" -gt 0 ]; then emit_rule rust "'\$T.commit()'"; fi
} >"$rule"
langs=$((go_files + py_files + rs_files)) # semgrep runs only when its rule has a language

# The commands, one array per row (run and peak_rss reach them through a nameref).
# shellcheck disable=SC2034,SC2054
{
cmd_rg=(rg -l -e Commit -e Rollback -e rollback -e commit "$tree")
cmd_cold1=("$bin" check --no-cache -j 1 --exit-zero --format json "$tree")
cmd_cold2=("$bin" check --no-cache -j 2 --exit-zero --format json "$tree")
cmd_warm=("$bin" check --cache-dir "$tmp/cache" -j 2 --exit-zero --format json "$tree")
cmd_semgrep=("$semgrep" --config "$rule" --metrics=off --quiet --json "$tree")
cmd_ruff=("$ruff" check --no-cache --select E,F --exit-zero "$tree")
}
run() { local -n c="cmd_$1"; "${c[@]}"; }

rows=(rg cold1 cold2 warm)
declare -A label=([rg]="rg -l (baseline)" [cold1]="txlint cold -j 1" [cold2]="txlint cold -j 2"
  [warm]="txlint warm -j 2" [semgrep]="semgrep (1 toy rule)" [ruff]="ruff --select E,F")
declare -A missing=()
if [ "$semgrep" = off ]; then missing[semgrep]="skipped (SEMGREP=off)" semgrep=""
elif [ -z "$semgrep" ]; then missing[semgrep]="not installed"
elif [ "$langs" -eq 0 ]; then missing[semgrep]="no Go, Python or Rust files"
else rows+=(semgrep); fi
if [ -z "$ruff" ]; then missing[ruff]="not installed"
elif [ "$py_files" -eq 0 ]; then missing[ruff]="no Python files"
else rows+=(ruff); fi

# One timed run: prints the wall seconds; a tool's failure is remembered (rg exits 1 when
# nothing matches, which is not one).
seconds() {
  local row=$1 s e rc=0
  s=$(date +%s.%N)
  run "$row" >/dev/null 2>"$tmp/$row.err" || rc=$?
  e=$(date +%s.%N)
  if [ "$rc" -ne 0 ] && ! { [ "$row" = rg ] && [ "$rc" -eq 1 ]; }; then
    echo "$row exited $rc: $(head -c 300 "$tmp/$row.err")" >&2
    echo "$rc" >"$tmp/$row.failed"
  fi
  awk -v a="$s" -v b="$e" 'BEGIN {printf "%.4f\n", b-a}'
}
peak_rss() { # KiB, one extra run under GNU time
  local -n c="cmd_$1"
  /usr/bin/time -o "$tmp/$1.rss" -f '%M' "${c[@]}" >/dev/null 2>&1 || true
  tail -1 "$tmp/$1.rss"
}
median() { sort -g | awk '{v[NR]=$1} END {if (NR == 0) print "nan"; else print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.4f\n", a/b}'; }

# Warm-up: fill txlint's cache and the page cache.
run warm >/dev/null 2>&1 || true
run rg >/dev/null 2>&1 || true

declare -A times=() ratios=() sg_ratios=()
semgrep_once="" sg_rss=""
for round in $(seq "$pairs"); do
  declare -A t=()
  for row in "${rows[@]}"; do
    if [ "$row" = semgrep ] && [ -n "$semgrep_once" ]; then continue; fi
    if [ "$row" = semgrep ] && [ "$round" -eq 1 ]; then
      # the first semgrep run also gives its peak RSS, in case it is the only one
      s=$(date +%s.%N)
      /usr/bin/time -o "$tmp/semgrep.rss1" -f '%M' "${cmd_semgrep[@]}" >/dev/null 2>"$tmp/semgrep.err" ||
        { echo "semgrep failed: $(head -c 300 "$tmp/semgrep.err")" >&2; echo 1 >"$tmp/semgrep.failed"; }
      e=$(date +%s.%N)
      t[$row]=$(awk -v a="$s" -v b="$e" 'BEGIN {printf "%.4f\n", b-a}')
      sg_rss=$(tail -1 "$tmp/semgrep.rss1")
      if awk -v t="${t[$row]}" -v m="$semgrep_max" 'BEGIN {exit !(t > m)}'; then semgrep_once=1; fi
    else
      t[$row]=$(seconds "$row")
    fi
    times[$row]+="${t[$row]} "
    ratios[$row]+="$(ratio "${t[$row]}" "${t[rg]}") "
  done
  if [ -n "${t[semgrep]:-}" ]; then sg_ratios[cold2]+="$(ratio "${t[semgrep]}" "${t[cold2]}") "; fi
  if [ -n "${t[semgrep]:-}" ]; then sg_ratios[warm]+="$(ratio "${t[semgrep]}" "${t[warm]}") "; fi
  unset t
  echo "round $round/$pairs done" >&2
done

declare -A rss=()
for row in "${rows[@]}"; do
  if [ "$row" = semgrep ]; then rss[$row]=$sg_rss; continue; fi
  rss[$row]=$(peak_rss "$row")
done
med() { tr ' ' '\n' <<<"$1" | grep . | median; }
verdict() { awk -v v="$1" -v g="$2" -v op="$3" 'BEGIN {ok = (op == "le") ? v <= g : v >= g; print ok ? "met" : "NOT met"}'; }

findings=$(run cold2 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["findings"])' 2>/dev/null || echo "?")
echo "tree: $tree ($all_files files searched by rg: $go_files Go, $py_files Python, $rs_files Rust; $mib MiB on disk; txlint findings: $findings)"
echo "txlint $commit (HEAD at start), $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC'); medians of $pairs alternating rounds"
[ -n "$semgrep" ] && echo "semgrep $("$semgrep" --version 2>/dev/null | tail -1) (default --jobs), rule: $(grep -c 'id:' "$rule") pattern(s)"
[ -n "$ruff" ] && "$ruff" --version
echo
echo "| tool | median s | ×rg (median of per-round ratios) | peak RSS KiB | goal (issue 13) |"
echo "|---|---|---|---|---|"
declare -A goal=([rg]="baseline" [cold1]="–" [cold2]="≤ 5× rg on infrastructure-like trees, ≤ 12× on the ecosystem trees"
  [warm]="≤ 1.2× rg" [semgrep]="semgrep/txlint ≥ 30× (below)" [ruff]="– (reference)")
for row in rg cold1 cold2 warm semgrep ruff; do
  if [ -n "${missing[$row]:-}" ]; then
    printf '| %s | %s | | | %s |\n' "${label[$row]}" "${missing[$row]}" "${goal[$row]}"
    continue
  fi
  note=""
  [ "$row" = semgrep ] && [ -n "$semgrep_once" ] && note=" (1 run: first run > ${semgrep_max} s)"
  [ -e "$tmp/$row.failed" ] && note+=" (a run FAILED, exit $(cat "$tmp/$row.failed"))"
  m=$(med "${times[$row]}") r=$(med "${ratios[$row]}")
  if [ "$row" = rg ]; then rcell="1×"; else rcell=$(printf '%.1f×' "$r"); fi
  printf '| %s%s | %.3f | %s | %s | %s |\n' "${label[$row]}" "$note" "$m" "$rcell" "${rss[$row]}" "${goal[$row]}"
done
echo
c2=$(med "${ratios[cold2]}") w=$(med "${ratios[warm]}")
printf -- '- cold -j 2 = %.1f× rg: ≤ 5× %s, ≤ 12× %s\n' "$c2" "$(verdict "$c2" 5 le)" "$(verdict "$c2" 12 le)"
printf -- '- warm = %.2f× rg: ≤ 1.2× %s\n' "$w" "$(verdict "$w" 1.2 le)"
if [ -n "${sg_ratios[cold2]:-}" ]; then
  sc=$(med "${sg_ratios[cold2]}") sw=$(med "${sg_ratios[warm]}")
  printf -- '- semgrep / txlint cold -j 2 = %.1f×: ≥ 30× %s (semgrep / txlint warm = %.1f×)\n' "$sc" "$(verdict "$sc" 30 ge)" "$sw"
else
  echo "- semgrep / txlint: not measured (${missing[semgrep]:-})"
fi
kib=${rss[cold2]}
printf -- '- peak RSS, cold -j 2 = %s KiB (%.0f MiB): ≤ 100 MiB %s (the goal is stated for 16k files with findings)\n' \
  "$kib" "$(awk -v k="$kib" 'BEGIN {print k/1024}')" "$(verdict "$kib" 102400 le)"
