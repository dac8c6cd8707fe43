#!/usr/bin/env python3
"""Generates a corpus of Go packages with realistic transaction code for benchmarks.

Each file is a repository/service layer in one of several styles (database/sql, sqlx,
pgx v5, GORM) with begin/commit/rollback, loops, switches, closures and some defects,
so the front-end and the rules do real work. Deterministic for a given seed.

usage: gen_go_corpus.py OUT_DIR [--files N] [--seed S]
"""
import argparse
import os
import random

HEADERS = {
    "sql": 'import (\n\t"context"\n\t"database/sql"\n\t"errors"\n\t"fmt"\n)\n',
    "sqlx": 'import (\n\t"context"\n\t"errors"\n\t"fmt"\n\n\t"github.com/jmoiron/sqlx"\n)\n',
    "pgx": 'import (\n\t"context"\n\t"errors"\n\t"fmt"\n\n\t"github.com/jackc/pgx/v5"\n\t"github.com/jackc/pgx/v5/pgxpool"\n)\n',
    "gorm": 'import (\n\t"context"\n\t"errors"\n\t"fmt"\n\n\t"gorm.io/gorm"\n)\n',
}
STORE = {
    "sql": "*sql.DB", "sqlx": "*sqlx.DB", "pgx": "*pgxpool.Pool", "gorm": "*gorm.DB",
}
ENTITIES = ["User", "Order", "Invoice", "Payment", "Shipment", "Account", "Job", "Ticket"]


def sql_method(entity, i, rnd, style):
    begin = {"sql": "s.db.BeginTx(ctx, nil)", "sqlx": "s.db.BeginTxx(ctx, nil)", "pgx": "s.db.Begin(ctx)"}[style]
    ctx = "ctx" if style == "pgx" else ""
    exec_ = "Exec(ctx," if style == "pgx" else "ExecContext(ctx,"
    commit_forms = [f"return tx.Commit({ctx})", f"if err := tx.Commit({ctx}); err != nil {{\n\t\treturn fmt.Errorf(\"commit: %w\", err)\n\t}}\n\treturn nil"]
    if rnd.random() < 0.1:
        commit_forms = [f"tx.Commit({ctx})\n\treturn nil"]  # TX001
    body = [f"func (s *{entity}Store) Update{entity}{i}(ctx context.Context, ids []int64, status string) error {{"]
    if rnd.random() < 0.05:
        body.append(f"\ttx, _ := {begin}")  # TX008
    else:
        body.append(f"\ttx, err := {begin}\n\tif err != nil {{\n\t\treturn fmt.Errorf(\"begin: %w\", err)\n\t}}")
    body.append(f"\tdefer tx.Rollback({ctx})")
    body.append("\tfor n, id := range ids {")
    body.append("\t\tswitch {\n\t\tcase id <= 0:\n\t\t\tcontinue\n\t\tcase n > 1000:\n\t\t\treturn errors.New(\"too many\")\n\t\t}")
    body.append(f"\t\tif _, err := tx.{exec_} \"UPDATE {entity.lower()}s SET status = $1 WHERE id = $2\", status, id); err != nil {{")
    body.append("\t\t\treturn fmt.Errorf(\"update %d: %w\", id, err)\n\t\t}\n\t}")
    body.append("\t" + rnd.choice(commit_forms))
    body.append("}\n")
    return "\n".join(body)


def gorm_method(entity, i, rnd):
    lines = [f"func (s *{entity}Store) Archive{entity}{i}(ctx context.Context, id int64) error {{"]
    if rnd.random() < 0.5:
        lines.append("\treturn s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {")
        lines.append(f"\t\tif err := tx.Model(&{entity}{{}}).Where(\"id = ?\", id).Update(\"archived\", true).Error; err != nil {{")
        lines.append("\t\t\treturn err\n\t\t}")
        lines.append(f"\t\treturn tx.Create(&AuditLog{{Entity: \"{entity}\", EntityID: id}}).Error\n\t}})\n}}\n")
        return "\n".join(lines)
    lines.append("\ttx := s.db.WithContext(ctx).Begin()\n\tif tx.Error != nil {\n\t\treturn tx.Error\n\t}")
    lines.append(f"\tif err := tx.Delete(&{entity}{{}}, id).Error; err != nil {{\n\t\ttx.Rollback()\n\t\treturn err\n\t}}")
    if rnd.random() < 0.1:
        lines.append("\ttx.Commit()\n\treturn nil\n}\n")  # TX001
    else:
        lines.append("\treturn tx.Commit().Error\n}\n")
    return "\n".join(lines)


def helper(entity, i):
    return (
        f"func validate{entity}{i}(values map[string]string) (int, error) {{\n"
        "\tcount := 0\n\tfor k, v := range values {\n\t\tif v == \"\" {\n"
        "\t\t\treturn 0, fmt.Errorf(\"empty %s\", k)\n\t\t}\n\t\tcount++\n\t}\n"
        "\tgo func() {\n\t\t_ = count\n\t}()\n\treturn count, nil\n}\n"
    )


def generate(path, index, rnd):
    style = rnd.choice(list(HEADERS))
    entity = rnd.choice(ENTITIES)
    parts = [f"// Code for benchmarks. File {index}.\npackage repo{index % 97}\n", HEADERS[style]]
    parts.append(f"type {entity}Store struct {{\n\tdb {STORE[style]}\n}}\n")
    if style == "gorm":
        parts.append(f"type {entity} struct {{\n\tID int64\n\tArchived bool\n}}\n\ntype AuditLog struct {{\n\tEntity string\n\tEntityID int64\n}}\n")
    for i in range(rnd.randint(4, 10)):
        parts.append(gorm_method(entity, i, rnd) if style == "gorm" else sql_method(entity, i, rnd, style))
        parts.append(helper(entity, i))
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(parts))


def plain(path, index, rnd):
    """A file without database code: HTTP handlers and helpers, as most of a monorepo is."""
    name = rnd.choice(ENTITIES)
    parts = [f"package handlers{index % 53}\n", 'import (\n\t"encoding/json"\n\t"net/http"\n\t"strconv"\n)\n']
    parts.append(f"type {name}View struct {{\n\tID int64 `json:\"id\"`\n\tLabel string `json:\"label\"`\n}}\n")
    for i in range(rnd.randint(4, 10)):
        parts.append(
            f"func Get{name}{i}(w http.ResponseWriter, r *http.Request) {{\n"
            "\tid, err := strconv.ParseInt(r.URL.Query().Get(\"id\"), 10, 64)\n"
            "\tif err != nil {\n\t\thttp.Error(w, err.Error(), http.StatusBadRequest)\n\t\treturn\n\t}\n"
            f"\tviews := make([]{name}View, 0, 8)\n"
            "\tfor n := int64(0); n < id%8; n++ {\n"
            f"\t\tviews = append(views, {name}View{{ID: n, Label: strconv.FormatInt(n, 10)}})\n\t}}\n"
            "\tswitch {\n\tcase len(views) == 0:\n\t\tw.WriteHeader(http.StatusNoContent)\n\tdefault:\n"
            "\t\t_ = json.NewEncoder(w).Encode(views)\n\t}\n}\n"
        )
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(parts))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--files", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--plain", type=float, default=0.0,
                        help="fraction of files without database code (a monorepo mix)")
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    for index in range(args.files):
        directory = os.path.join(args.out, f"svc{index % 40}", f"repo{index % 97}")
        os.makedirs(directory, exist_ok=True)
        if rnd.random() < args.plain:
            plain(os.path.join(directory, f"handler_{index}.go"), index, rnd)
        else:
            generate(os.path.join(directory, f"store_{index}.go"), index, rnd)


if __name__ == "__main__":
    main()
