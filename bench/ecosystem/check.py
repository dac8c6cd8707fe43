#!/usr/bin/env python3
"""The ecosystem check: txlint over real projects, compared with what each finding really is.

Runs the release binary over every tree of ../shared/ecosystem/trees/<lang>/<name> (each tree
as its own project root) and over every bug case of ../shared/ecosystem/bugs, then compares:
  - the findings on trees/ with bench/ecosystem/verdicts.tsv (one row per finding);
  - the findings on bugs/*/buggy with bugs/expected.tsv (places that must be found).
Prints, per language, true / false / untriaged findings outside tests and in tests, precision,
findings per 10k lines and known bugs found; lists every untriaged finding, every lost true
finding and every lost known bug. Exits 1 on any of those or on a crash of txlint.

usage: bench/ecosystem/check.py [--corpus DIR] [--binary PATH] [--update] [--lang go,python,rust]
  --update   rewrite verdicts.tsv: drop rows whose finding is gone (never a TP: a lost TP
             stays and fails the check until it is found again or dropped by hand), add new
             findings as `untriaged` for someone to read and judge.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VERDICTS = os.path.join(HERE, "verdicts.tsv")
# Known bugs txlint does not find yet, each with why: listed so that the check fails when one
# that was found is lost, and tells when one of these starts being found (then remove it).
NOT_YET_FOUND = os.path.join(HERE, "bugs-not-yet-found.tsv")
COLUMNS = ["lang", "name", "path", "line", "rule", "scope", "verdict", "note"]
TRUE = {"TP", "TP-harmless"}
KNOWN = TRUE | {"FP", "intended-in-test", "untriaged"}
EXTENSIONS = {"go": (".go",), "python": (".py", ".pyi"), "rust": (".rs",)}

# Test code by path, as SPEC.md defines it ("Real code decides"). Rust `#[cfg(test)]` modules
# inside src/ files are src by path; txlint itself says whether a finding is in test code.
TEST_PATH = {
    "go": re.compile(r"(^|/)[^/]*_test\.go$"),
    "python": re.compile(r"(^|/)(test_[^/]*\.py|[^/]*_test\.py|conftest\.py)$|(^|/)tests?/"),
    "rust": re.compile(r"(^|/)(tests|benches|examples)/"),
}


def scope_of(lang, path):
    return "test" if TEST_PATH[lang].search(path) else "src"


def run_txlint(binary, cwd, paths):
    """Findings as (path, line, rule) of one run, or raises on a crash."""
    proc = subprocess.run(
        [binary, "check", "--no-cache", "--quiet", "--format", "json", "--", *paths],
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"txlint exited {proc.returncode} in {cwd}: {proc.stderr.strip()[-2000:]}")
    try:
        doc = json.loads(proc.stdout)
    except json.JSONDecodeError as error:
        raise RuntimeError(f"txlint wrote no JSON in {cwd}: {error}") from None
    crashes = [n for n in doc.get("notifications", []) if "bug" in n.get("message", "").lower()]
    if crashes:
        raise RuntimeError(f"txlint reported an internal error in {cwd}: {crashes[0]}")
    return [
        (f["path"], f["range"]["start"]["line"], f["code"], f.get("message", ""))
        for f in doc["findings"]
    ]


def count_lines(tree, lang):
    lines = 0
    for directory, _, files in os.walk(tree):
        for name in files:
            if name.endswith(EXTENSIONS[lang]):
                with open(os.path.join(directory, name), "rb") as handle:
                    lines += handle.read().count(b"\n")
    return lines


def read_tsv(path):
    with open(path, encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        rows = []
        for number, line in enumerate(handle, start=2):
            if not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            fields += [""] * (len(header) - len(fields))
            row = dict(zip(header, fields))
            row["_line"] = number
            rows.append(row)
    return rows


def write_verdicts(rows):
    rows = sorted(rows, key=lambda r: (r["lang"], r["name"], r["path"], int(r["line"]), r["rule"]))
    with open(VERDICTS, "w", encoding="utf-8") as handle:
        handle.write("\t".join(COLUMNS) + "\n")
        for row in rows:
            handle.write("\t".join(str(row.get(c, "")) for c in COLUMNS) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "ecosystem"))
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "txlint"))
    parser.add_argument("--update", action="store_true")
    parser.add_argument("--lang", default="go,python,rust")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    langs = args.lang.split(",")
    corpus = os.path.abspath(args.corpus)
    started = time.monotonic()

    trees = [
        (lang, name, os.path.join(corpus, "trees", lang, name))
        for lang in langs
        for name in sorted(os.listdir(os.path.join(corpus, "trees", lang)))
        if os.path.isdir(os.path.join(corpus, "trees", lang, name))
    ]
    cases = sorted(
        c for c in os.listdir(os.path.join(corpus, "bugs"))
        if os.path.isdir(os.path.join(corpus, "bugs", c))
    )
    failures = []

    def tree_job(item):
        lang, name, path = item
        return item, run_txlint(args.binary, path, ["."]), count_lines(path, lang)

    def bug_job(case):
        directory = os.path.join(corpus, "bugs", case)
        present = [d for d in ("buggy", "fixed") if os.path.isdir(os.path.join(directory, d))]
        return case, run_txlint(args.binary, directory, present)

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        tree_results = list(pool.map(lambda t: _guard(tree_job, t, failures), trees))
        bug_results = list(pool.map(lambda c: _guard(bug_job, c, failures), cases))

    # Findings on trees/, matched to verdicts as multisets of (lang, name, path, line, rule).
    found = collections.Counter()
    messages = {}
    lines_per_lang = collections.Counter()
    for result in tree_results:
        if result is None:
            continue
        (lang, name, _), findings, lines = result
        lines_per_lang[lang] += lines
        for path, line, rule, message in findings:
            key = (lang, name, path, str(line), rule)
            found[key] += 1
            messages.setdefault(key, message)

    rows = [r for r in read_tsv(VERDICTS) if r["lang"] in langs] if os.path.exists(VERDICTS) else []
    kept_other = [r for r in read_tsv(VERDICTS) if r["lang"] not in langs] if os.path.exists(VERDICTS) else []
    for row in rows:
        if row["verdict"] not in KNOWN:
            failures.append(f"verdicts.tsv:{row['_line']}: unknown verdict {row['verdict']!r}")
    remaining = collections.Counter(found)
    matched, gone = [], []
    for row in rows:
        key = (row["lang"], row["name"], row["path"], row["line"], row["rule"])
        if remaining[key] > 0:
            remaining[key] -= 1
            matched.append(row)
        else:
            gone.append(row)
    new = []
    for key, count in sorted(remaining.items()):
        for _ in range(count):
            lang, name, path, line, rule = key
            new.append(dict(lang=lang, name=name, path=path, line=line, rule=rule,
                            scope=scope_of(lang, path), verdict="untriaged", note=""))

    lost_true = [r for r in gone if r["verdict"] in TRUE]
    untriaged = [r for r in matched if r["verdict"] == "untriaged"] + new

    # Known bugs: each expected place must be found (any rule when the rule column is `any`).
    bug_findings = {case: findings for case, findings in filter(None, bug_results)}
    expected = read_tsv(os.path.join(corpus, "bugs", "expected.tsv"))
    bugs_found = collections.Counter()
    bugs_total = collections.Counter()
    lost_bugs = []
    case_dirs = {c.split("-")[0]: c for c in cases}
    for bug in expected:
        if bug["lang"] not in langs:
            continue
        bugs_total[bug["lang"]] += 1
        case = case_dirs.get(bug["case"])
        tolerance = int(bug["tolerance"] or 0)
        hit = any(
            path == bug["path"]
            and abs(line - int(bug["line"])) <= tolerance
            and (bug["rule"] == "any" or rule == bug["rule"])
            for path, line, rule, _ in bug_findings.get(case, [])
        )
        if hit:
            bugs_found[bug["lang"]] += 1
        else:
            lost_bugs.append(bug)
    not_yet = {(r["case"], r["path"], r["line"]) for r in read_tsv(NOT_YET_FOUND)}
    still_missing = [b for b in lost_bugs if (b["case"], b["path"], b["line"]) in not_yet]
    lost_bugs = [b for b in lost_bugs if (b["case"], b["path"], b["line"]) not in not_yet]
    missing_keys = {(b["case"], b["path"], b["line"]) for b in still_missing}
    now_found = [
        b for b in expected
        if b["lang"] in langs and (b["case"], b["path"], b["line"]) in not_yet
        and (b["case"], b["path"], b["line"]) not in missing_keys
    ]
    in_fixed = collections.Counter()
    for case, findings in bug_findings.items():
        for path, _, _, _ in findings:
            if path.startswith("fixed/"):
                in_fixed[case] += 1

    # The table.
    print(f"{'lang':<7} {'scope':<5} {'true':>5} {'false':>5} {'in-test':>7} {'untriaged':>9} {'precision':>9} {'per 10k lines':>13}")
    rows_now = matched + new
    for lang in langs:
        for scope in ("src", "test"):
            subset = [r for r in rows_now if r["lang"] == lang and r["scope"] == scope]
            tally = collections.Counter(
                "true" if r["verdict"] in TRUE else r["verdict"] for r in subset
            )
            judged = tally["true"] + tally["FP"]
            precision = f"{tally['true'] / judged:.2f}" if judged else "-"
            density = len(subset) * 10000 / lines_per_lang[lang] if lines_per_lang[lang] else 0
            print(f"{lang:<7} {scope:<5} {tally['true']:>5} {tally['FP']:>5} {tally['intended-in-test']:>7} "
                  f"{tally['untriaged']:>9} {precision:>9} {density:>13.2f}")
        print(f"{lang:<7} bugs  {bugs_found[lang]}/{bugs_total[lang]} known bugs found; "
              f"{lines_per_lang[lang]} lines in trees/")
    if in_fixed:
        print("findings in bugs/*/fixed (read them: a place the fix repaired is a false positive): "
              + ", ".join(f"{c} {n}" for c, n in sorted(in_fixed.items())))

    fixed_fps = [r for r in gone if r["verdict"] not in TRUE]
    if fixed_fps:
        print(f"\n{len(fixed_fps)} judged findings are gone (not true ones; --update drops them):")
        for r in fixed_fps:
            print(f"  gone      {r['lang']} {r['name']} {r['path']}:{r['line']} {r['rule']} [{r['verdict']}] {r['note']}")
    if untriaged:
        print(f"\n{len(untriaged)} untriaged findings (read the code, then give each a verdict in verdicts.tsv):")
        for r in untriaged:
            key = (r["lang"], r["name"], r["path"], r["line"], r["rule"])
            print(f"  untriaged {r['lang']} {r['name']} {r['path']}:{r['line']} {r['rule']} ({r['scope']}) {messages.get(key, '')}")
    if lost_true:
        print(f"\n{len(lost_true)} true findings lost:")
        for r in lost_true:
            print(f"  lost TP   {r['lang']} {r['name']} {r['path']}:{r['line']} {r['rule']} {r['note']}")
    if lost_bugs:
        print(f"\n{len(lost_bugs)} known bugs not found:")
        for b in lost_bugs:
            print(f"  lost bug  {b['case']} {b['path']}:{b['line']} {b['rule']} (±{b['tolerance']}) {b.get('what is wrong (our reading of the upstream fix)', '')}")
    if still_missing:
        print(f"\n{len(still_missing)} known bugs not found yet (bugs-not-yet-found.tsv says why):")
        for b in still_missing:
            print(f"  not yet   {b['case']} {b['path']}:{b['line']} {b['rule']}")
    if now_found:
        print(f"\n{len(now_found)} known bugs now found: remove them from bugs-not-yet-found.tsv:")
        for b in now_found:
            print(f"  now found {b['case']} {b['path']}:{b['line']} {b['rule']}")
    for failure in failures:
        print(f"\nerror: {failure}")

    if args.update:
        write_verdicts(kept_other + matched + new + lost_true)
        print(f"\nverdicts.tsv updated: {len(new)} added as untriaged, {len(fixed_fps)} dropped")
    print(f"\necosystem check took {time.monotonic() - started:.1f} s")
    if failures or untriaged or lost_true or lost_bugs or now_found:
        print("ecosystem check FAILED")
        return 1
    print("ecosystem check passed")
    return 0


def _guard(job, item, failures):
    try:
        return job(item)
    except Exception as error:  # a crash of txlint on one tree is reported, the rest still run
        failures.append(str(error))
        return None


if __name__ == "__main__":
    sys.exit(main())
