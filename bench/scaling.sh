#!/usr/bin/env bash
# Checks that the analysis stays linear in the size of a function: times txlint on one
# function of N, 2N and 4N statements (a begin, N checked statements with a rollback on
# each error path, a commit) and prints the time per 1000 statements for each size; then
# the same for the other shapes below (Python early returns, Python statements whose SQL
# is held in a local, Rust code on one long line).
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
# Python: N, 2N and 4N statements on a long-lived connection, their SQL held in a local
# (each statement's text is looked up and read once, not at every step of the analyses).
for size in "$n" $((n * 2)) $((n * 4)); do
  python3 - "$size" "$dir/local_sql$size.py" <<'PY'
import sys
size, out = int(sys.argv[1]), sys.argv[2]
lines = ['import psycopg2', '', 'class Store:', '    def __init__(self, dsn):',
         '        self.conn = psycopg2.connect(dsn)', '', '    def bump(self, key):',
         '        sql = "UPDATE counters SET n = n + 1 WHERE key = %s"',
         '        cur = self.conn.cursor()']
lines += ['        cur.execute(sql, (key,))'] * size
lines.append('        self.conn.commit()\n')
open(out, 'w').write('\n'.join(lines))
PY
  start=$(date +%s.%N)
  target/release/txlint check --no-cache --max-file-size 1000000000 "$dir/local_sql$size.py" > /dev/null
  end=$(date +%s.%N)
  awk -v s="$size" -v a="$start" -v b="$end" \
    'BEGIN {printf "%6d Python statements with SQL in a local: %.3f s, %.1f ms per 1000 statements\n", s, b-a, (b-a)*1e6/s}'
done
# Python: N, 2N and 4N raw BEGIN ... COMMIT pairs on an autocommit connection of a class the
# module keeps (past a cap the raw begins of one function are not analysed one by one, and
# the exception paths are left to the statements' own analyses).
for size in "$n" $((n * 2)) $((n * 4)); do
  python3 - "$size" "$dir/raw_begin$size.py" <<'PY'
import sys
size, out = int(sys.argv[1]), sys.argv[2]
lines = ['import psycopg2', '', 'class Ledger:', '    def __init__(self, dsn):',
         '        self.conn = psycopg2.connect(dsn)', '        self.conn.autocommit = True', '',
         '    def post(self, rows):', '        cur = self.conn.cursor()']
for i in range(size):
    lines += ['        cur.execute("BEGIN")',
              f'        cur.execute("UPDATE t SET v = v + 1 WHERE id = {i}")',
              '        cur.execute("COMMIT")']
lines.append('')
lines.append('ledger = Ledger("dbname=ledger")\n')
open(out, 'w').write('\n'.join(lines))
PY
  start=$(date +%s.%N)
  target/release/txlint check --no-cache --max-file-size 1000000000 "$dir/raw_begin$size.py" > /dev/null
  end=$(date +%s.%N)
  awk -v s="$size" -v a="$start" -v b="$end" \
    'BEGIN {printf "%6d Python raw BEGIN/COMMIT pairs: %.3f s, %.1f ms per 1000 pairs\n", s, b-a, (b-a)*1e6/s}'
done
# Rust, all on one line: one function of N, 2N and 4N statements (4N is about 1.4 MB);
# then a line of N/2, N and 2N functions (2N is about 1.2 MB), whole and with one broken
# function in the middle (the file does not parse and is recovered item by item).
# Output is not timed apart: these shapes have no finding.
for size in "$n" $((n * 2)) $((n * 4)); do
  python3 - "$size" "$dir/line$size.rs" <<'PY'
import sys
size, out = int(sys.argv[1]), sys.argv[2]
body = ''.join(f'sqlx::query("UPDATE t SET v = $1 WHERE id = {i}").bind(a).execute(&mut *tx).await?; '
               for i in range(size))
open(out, 'w').write('use sqlx::PgPool;\npub async fn big(pool: &PgPool, a: i64) -> Result<(), sqlx::Error> '
                     f'{{ let mut tx = pool.begin().await?; {body}tx.commit().await?; Ok(()) }}\n')
PY
  start=$(date +%s.%N)
  target/release/txlint check --no-cache --max-file-size 1000000000 "$dir/line$size.rs" > /dev/null
  end=$(date +%s.%N)
  awk -v s="$size" -v a="$start" -v b="$end" \
    'BEGIN {printf "%6d Rust statements on one line: %.3f s, %.1f ms per 1000 statements\n", s, b-a, (b-a)*1e6/s}'
done
for size in $((n / 2)) "$n" $((n * 2)); do
  for broken in 0 1; do
    python3 - "$size" "$broken" "$dir/fns$size-$broken.rs" <<'PY'
import sys
size, broken, out = int(sys.argv[1]), sys.argv[2] == '1', sys.argv[3]
fns = [f'pub async fn f{i}(pool: &PgPool) -> Result<(), sqlx::Error> '
       f'{{ let mut tx = pool.begin().await?; tx.commit().await?; Ok(()) }} ' for i in range(size)]
if broken:
    fns[size // 2] = 'pub async fn broken(pool: &PgPool) { let x = ; } '
open(out, 'w').write('use sqlx::PgPool; ' + ''.join(fns) + '\n')
PY
    bytes=$(wc -c < "$dir/fns$size-$broken.rs")
    start=$(date +%s.%N)
    # No finding (each finding's snippet would print the whole line); exit code 1 for the
    # syntax error of the broken variant.
    rc=0
    target/release/txlint check --no-cache --max-file-size 1000000000 "$dir/fns$size-$broken.rs" > /dev/null || rc=$?
    [ "$rc" -le 1 ] || { echo "txlint failed with exit code $rc" >&2; exit 1; }
    end=$(date +%s.%N)
    awk -v s="$size" -v k="$bytes" -v x="$broken" -v a="$start" -v b="$end" \
      'BEGIN {printf "%6d Rust functions on one line (%.2f MB%s): %.3f s, %.1f ms per MB\n", s, k/1e6, x ? ", one broken" : "", b-a, (b-a)*1e3/(k/1e6)}'
  done
done
