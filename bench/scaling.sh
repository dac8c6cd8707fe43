#!/usr/bin/env bash
# Checks that the analysis stays linear in the size of a function: times txlint on one
# function of N, 2N and 4N statements (a begin, N checked statements with a rollback on
# each error path, a commit) and prints the time per 1000 statements for each size.
# usage: bench/scaling.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5000}
cargo build --release --locked -q
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for size in "$n" $((n * 2)) $((n * 4)); do
  python3 - "$size" "$dir/big$size.go" <<'PY'
import sys
size, out = int(sys.argv[1]), sys.argv[2]
lines = ['package big', 'import "database/sql"', 'func Big(db *sql.DB, xs []int) error {',
         '\ttx, err := db.Begin()', '\tif err != nil {', '\t\treturn err', '\t}']
for i in range(size):
    lines.append(f'\tif _, err := tx.Exec("UPDATE t SET v = $1 WHERE id = {i}", xs[{i % 7}]); err != nil {{')
    lines.append('\t\ttx.Rollback()\n\t\treturn err\n\t}')
lines.append('\treturn tx.Commit()\n}')
open(out, 'w').write('\n'.join(lines))
PY
  start=$(date +%s.%N)
  target/release/txlint check --no-cache --max-file-size 1000000000 "$dir/big$size.go" > /dev/null
  end=$(date +%s.%N)
  awk -v s="$size" -v a="$start" -v b="$end" \
    'BEGIN {printf "%6d statements: %.3f s, %.1f ms per 1000 statements\n", s, b-a, (b-a)*1e6/s}'
done
# Python: one function of N, 2N and 4N early returns (`if x == i:` with a statement on a
# cursor and a `return`) inside try/finally, then a commit.
for size in "$n" $((n * 2)) $((n * 4)); do
  python3 - "$size" "$dir/big$size.py" <<'PY'
import sys
size, out = int(sys.argv[1]), sys.argv[2]
lines = ['import psycopg', '', 'def big(conn: psycopg.Connection, x):', '    cur = conn.cursor()',
         '    try:']
for i in range(size):
    lines.append(f'        if x == {i}:')
    lines.append(f'            cur.execute("UPDATE t SET v = %s WHERE id = {i}", (x,))')
    lines.append(f'            return {i}')
lines.append('        conn.commit()\n    finally:\n        cur.close()\n')
open(out, 'w').write('\n'.join(lines))
PY
  start=$(date +%s.%N)
  target/release/txlint check --no-cache --max-file-size 1000000000 "$dir/big$size.py" > /dev/null
  end=$(date +%s.%N)
  awk -v s="$size" -v a="$start" -v b="$end" \
    'BEGIN {printf "%6d Python branches: %.3f s, %.1f ms per 1000 branches\n", s, b-a, (b-a)*1e6/s}'
done
