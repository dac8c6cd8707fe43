#!/usr/bin/env python3
"""The PostgreSQL oracle: runs fixtures against a throwaway cluster and checks that what the
database shows agrees with the fixtures' `# expect:` lines (oracle/README.md).

    python3 oracle/run.py                 # every sidecar spec under fixtures/
    python3 oracle/run.py TX003 TX011     # only specs whose path contains one of these
    python3 oracle/run.py --self-test     # also: inverted expectations must fail
    python3 oracle/run.py --rust          # the Rust specs instead (a Cargo build; not in CI)

Exit status 0 when every case agrees with its fixture, 1 otherwise.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import json
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ORACLE_DIR = Path(__file__).resolve().parent
REPO_ROOT = ORACLE_DIR.parent
sys.path.insert(0, str(ORACLE_DIR))

import go_cases  # noqa: E402
import rust_cases  # noqa: E402
from case_runner import RESULT_MARKER  # noqa: E402
from cluster import Cluster  # noqa: E402

SPEC_SUFFIX = ".run.toml"
OPEN_STATES = {"idle in transaction", "idle in transaction (aborted)"}
ABORTED_STATE = "idle in transaction (aborted)"
DEFAULT_TIMEOUT_SECONDS = 15
# Seconds the parent allows a case process beyond its own timeout before killing it.
PROCESS_GRACE_SECONDS = 20


# ---------------------------------------------------------------- specs and expectations


@dataclass
class Case:
    spec_path: Path
    fixture: Path
    name: str
    function: str
    rule: str
    call: str
    symptoms: list[str]
    schema: str
    stub_modules: list[str]
    support_modules: dict
    env: dict
    checks: dict = field(default_factory=dict)
    intended: dict = field(default_factory=dict)
    raises: str | None = None
    pool_size: int | None = None
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    fault: str | None = None
    contradiction: str | None = None
    inverted: bool = False
    # Go cases: the spec's index among its cases, and its program (built once per spec).
    go_index: int | None = None
    go_build: "go_cases.GoBuild | None" = None
    # Rust cases: the case's index in the generated oracle/rust/src/cases.rs.
    rust_index: int | None = None

    @property
    def is_go(self) -> bool:
        return self.fixture.suffix == ".go"

    @property
    def is_rust(self) -> bool:
        return self.fixture.suffix == ".rs"

    @property
    def language(self) -> str:
        return "go" if self.is_go else "rust" if self.is_rust else "python"

    @property
    def label(self) -> str:
        return f"{self.fixture.relative_to(REPO_ROOT)}::{self.function} [{self.name}]"


SYMPTOMS = {
    "open_after_call": "after the call a backend of the case is idle in transaction (aborted or not)",
    "aborted_after_call": "after the call a backend of the case is idle in transaction (aborted)",
    "open_at_handback": "a pool got a connection back while it was in a transaction",
    "aborted_at_handback": "a pool got a connection back in an aborted transaction",
    "rows_differ": "the tables differ from what the intended unit of work leaves",
    "blocked": "the call did not finish within the case's timeout",
    "error_replaced": "the call raised another exception than the injected fault, with the fault in its chain",
    "raised_in_failed_transaction": "the call failed with 'current transaction is aborted'"
    " (InFailedSqlTransaction) or SQLAlchemy's PendingRollbackError",
    # Go only (oracle/README.md, "Go cases").
    "in_use_after_call": "after the call the *sql.DB still counts a connection in use (db.Stats().InUse > 0)",
    "lost_silently": "the call returned nil, yet a check does not return the intended rows",
}


def load_cases(spec_path: Path) -> list[Case]:
    spec = tomllib.loads(spec_path.read_text())
    fixture = spec_path.with_name(spec_path.name[: -len(SPEC_SUFFIX)])
    if not fixture.is_file():
        raise SystemExit(f"oracle: {spec_path}: the fixture {fixture.name} does not exist")
    cases = []
    rust_indices = rust_cases.case_indices() if fixture.suffix == ".rs" else {}
    for index, raw in enumerate(spec.get("case", [])):
        unknown = set(raw.get("symptoms", [])) - set(SYMPTOMS)
        if unknown or not raw.get("symptoms"):
            raise SystemExit(f"oracle: {spec_path}: case {raw.get('name')!r}: symptoms must be some of {sorted(SYMPTOMS)}")
        cases.append(
            Case(
                spec_path=spec_path,
                fixture=fixture,
                name=raw["name"],
                function=raw["function"],
                rule=raw["rule"],
                call=raw["call"],
                symptoms=raw["symptoms"],
                schema=spec.get("schema", ""),
                stub_modules=spec.get("stub_modules", []),
                support_modules=spec.get("support_modules", {}),
                env=spec.get("env", {}),
                checks=raw.get("checks", {}),
                intended=raw.get("intended", {}),
                raises=raw.get("raises"),
                pool_size=raw.get("pool_size"),
                timeout=raw.get("timeout", DEFAULT_TIMEOUT_SECONDS),
                fault=raw.get("fault"),
                contradiction=raw.get("contradiction"),
                go_index=index if fixture.suffix == ".go" else None,
                rust_index=rust_indices[(spec_path, index)] if fixture.suffix == ".rs" else None,
            )
        )
    return cases


def build_go(cases: list[Case]) -> list[go_cases.GoBuild]:
    """Compiles each Go spec's program once (four at a time) and hands it to its cases."""
    by_spec: dict[Path, list[Case]] = {}
    for case in cases:
        if case.is_go:
            by_spec.setdefault(case.spec_path, []).append(case)

    def build(spec_path: Path) -> go_cases.GoBuild:
        spec = tomllib.loads(spec_path.read_text())
        own = by_spec[spec_path]
        return go_cases.GoBuild(spec_path, spec, own[0].fixture, [c.call for c in own])

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as executor:
        builds = list(executor.map(build, by_spec))
    for spec_path, built in zip(by_spec, builds):
        for case in by_spec[spec_path]:
            case.go_build = built
    return builds


def function_lines(fixture: Path, qualified_name: str) -> tuple[int, int]:
    """First and last line of `func` or `Class.method` in the fixture."""
    tree = ast.parse(fixture.read_text())
    scope: list[ast.stmt] = tree.body
    node = None
    for part in qualified_name.split("."):
        node = next(
            (n for n in scope if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n.name == part),
            None,
        )
        if node is None:
            raise SystemExit(f"oracle: {fixture}: no function {qualified_name}")
        scope = node.body
    return node.lineno, node.end_lineno


def fixture_expects(case: Case) -> bool:
    """Whether the fixture carries `# expect: RULE` inside the case's function."""
    if case.is_go:
        return go_cases.fixture_expects(case.fixture, case.function, case.rule)
    if case.is_rust:
        return rust_cases.fixture_expects(case.fixture, case.function, case.rule)
    first, last = function_lines(case.fixture, case.function)
    lines = case.fixture.read_text().splitlines()
    for number in range(first, last + 1):
        text = lines[number - 1].strip()
        if text.startswith("# expect:"):
            codes = [c.strip() for c in text[len("# expect:"):].split(",")]
            if case.rule in codes:
                return True
    return False


# ---------------------------------------------------------------- running


def prepare_database(cluster: Cluster, dbname: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(cluster.conninfo(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{dbname}"')
    if schema.strip():
        with psycopg.connect(cluster.conninfo(dbname), autocommit=True) as conn:
            conn.execute(schema)


def clean_up(cluster: Cluster, dbname: str, application_name: str) -> None:
    """Ends whatever the case left behind, so that one leak cannot hang the next case."""
    import psycopg

    with psycopg.connect(cluster.conninfo(), autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE %s",
            (application_name + "%",),
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def run_one(cluster: Cluster, case: Case, number: int) -> dict:
    dbname = f"case_{number}"
    application_name = f"oracle-case-{number}"
    prepare_database(cluster, dbname, case.schema)
    if case.is_rust:
        try:
            return rust_cases.run_case(
                case.rust_index, socket_dir=cluster.socket_dir, dbname=dbname, user=cluster.user,
                application_name=application_name, pool_size=case.pool_size, timeout=case.timeout,
                observe=lambda: observe(cluster, dbname, application_name, case.checks),
            )
        finally:
            clean_up(cluster, dbname, application_name)
    if case.is_go:
        try:
            return go_cases.run_case(
                case.go_build, case.go_index, socket_dir=cluster.socket_dir, dbname=dbname, user=cluster.user,
                application_name=application_name, pool_size=case.pool_size, timeout=case.timeout,
                checks=case.checks, observe=lambda: observe(cluster, dbname, application_name, case.checks),
            )
        finally:
            clean_up(cluster, dbname, application_name)
    job = {
        "spec": str(case.spec_path.relative_to(REPO_ROOT)),
        "case": case.name,
        "fixture": str(case.fixture),
        "call": case.call,
        "checks": case.checks,
        "stub_modules": case.stub_modules,
        "support_modules": case.support_modules,
        "env": case.env,
        "pool_size": case.pool_size,
        "timeout": case.timeout,
        "socket_dir": cluster.socket_dir,
        "dbname": dbname,
        "user": cluster.user,
        "application_name": application_name,
    }
    try:
        completed = subprocess.run(
            [sys.executable, str(ORACLE_DIR / "case_runner.py"), json.dumps(job)],
            capture_output=True,
            text=True,
            timeout=case.timeout + PROCESS_GRACE_SECONDS,
            cwd=str(case.fixture.parent),
        )
        output = completed.stdout
        marker_lines = [line for line in output.splitlines() if line.startswith(RESULT_MARKER)]
        if not marker_lines:
            result = {"harness_error": f"the case process printed no result:\n{completed.stderr[-2000:]}"}
        else:
            result = json.loads(marker_lines[-1][len(RESULT_MARKER):])
    except subprocess.TimeoutExpired:
        result = {"harness_error": "the case process did not end"}
    finally:
        clean_up(cluster, dbname, application_name)
    return result


def observe(cluster: Cluster, dbname: str, application_name: str, checks: dict) -> tuple[list[dict], dict]:
    """The case's backends in pg_stat_activity and the checks' rows, seen from another session."""
    import psycopg

    with psycopg.connect(cluster.conninfo(dbname, application_name + "-observer"), autocommit=True) as conn:
        states = [
            {"pid": pid, "state": state, "wrote": wrote}
            for pid, state, wrote in conn.execute(
                "SELECT pid, state, backend_xid IS NOT NULL FROM pg_stat_activity WHERE application_name = %s ORDER BY pid",
                (application_name,),
            ).fetchall()
        ]
        rows = {
            name: json.loads(json.dumps([list(r) for r in conn.execute(query).fetchall()], default=str))
            for name, query in checks.items()
        }
    return states, rows


def observed_symptoms(case: Case, result: dict) -> list[str]:
    """The case's symptoms the database showed, each with what showed it."""
    seen = []
    states = result.get("states", [])
    handbacks = result.get("handbacks", [])
    for symptom in case.symptoms:
        if symptom == "open_after_call":
            hits = [s for s in states if s["state"] in OPEN_STATES]
        elif symptom == "aborted_after_call":
            hits = [s for s in states if s["state"] == ABORTED_STATE]
        elif symptom == "open_at_handback":
            hits = [h for h in handbacks if h["state"] in OPEN_STATES]
        elif symptom == "aborted_at_handback":
            hits = [h for h in handbacks if h["state"] == ABORTED_STATE]
        elif symptom == "rows_differ":
            hits = [
                f"{name}: intended {case.intended.get(name)!r}, found {rows!r}"
                for name, rows in result.get("rows", {}).items()
                if rows != case.intended.get(name)
            ]
        elif symptom == "blocked":
            hits = ["timeout"] if result.get("blocked") else []
        elif symptom == "raised_in_failed_transaction":
            exception = result.get("exception") or {}
            hits = [exception["message"]] if {"InFailedSqlTransaction", "PendingRollbackError"} & set(exception.get("chain", [])) or (
                "current transaction is aborted" in exception.get("message", "")
            ) else []
        elif symptom == "in_use_after_call":
            hits = [f"InUse={result['in_use']} of {result['open']} open"] if result.get("in_use") else []
        elif symptom == "lost_silently":
            hits = [
                f"returned nil; {name}: intended {case.intended.get(name)!r}, found {rows!r}"
                for name, rows in result.get("rows", {}).items()
                if rows != case.intended.get(name) and not result.get("exception") and not result.get("blocked")
            ]
        elif symptom == "error_replaced":
            exception = result.get("exception") or {}
            chain = exception.get("chain", [])
            hits = [f"{chain[0]} instead of {case.fault}"] if chain and case.fault in chain[1:] and chain[0] != case.fault else []
        if hits:
            seen.append(f"{symptom}: {hits}")
    return seen


def judge(case: Case, result: dict) -> tuple[bool, str]:
    """(agrees, report line) for one case."""
    if "harness_error" in result:
        return False, f"HARNESS ERROR  {case.label}\n{result['harness_error']}"
    if result.get("blocked") and "blocked" not in case.symptoms:
        return False, f"NOT DRIVEN     {case.label}: the call did not finish within {case.timeout} s"
    expected = fixture_expects(case) != case.inverted
    exception = result.get("exception")
    raised = exception["type"] if exception else "none"
    if case.raises is not None and raised != case.raises:
        detail = exception["traceback"] if exception else ""
        return False, (
            f"NOT DRIVEN     {case.label}: the spec says the call raises {case.raises}, it raised {raised}"
            f" (the case did not take the path it is about)\n{detail}"
        )
    if any(s.endswith("_at_handback") for s in case.symptoms) and not result.get("handbacks"):
        return False, f"NOT DRIVEN     {case.label}: no connection went back to a pool, so the hand-back was never observed"
    seen = observed_symptoms(case, result)
    kind = "positive" if expected else "negative"
    summary = f"states={[s['state'] for s in result.get('states', [])]} handbacks={[h['state'] for h in result.get('handbacks', [])]} raised={raised}"
    agrees = bool(seen) == expected
    if case.contradiction and not case.inverted:
        # A contradiction recorded in oracle/README.md: reported on every run, and a failure
        # once the database stops showing it (then the record and the fixture need a look).
        if agrees:
            return False, (f"CONTRADICTION GONE  {case.rule} {kind}  {case.label}: the database now agrees with the"
                           f" fixture; update oracle/README.md (recorded: {case.contradiction})")
        return True, f"KNOWN CONTRADICTION  {case.rule} {kind}  {case.label}: {case.contradiction}\n    {summary}"
    if agrees:
        # A negative shows what was looked at, so that a vacuous one (no backend left to see)
        # stands out in the report.
        shown = "; ".join(seen) if seen else "no symptom: " + ", ".join(case.symptoms) + "; " + summary
        return True, f"proven   {case.rule} {kind}  {case.label}  ({shown})"
    if expected:
        why = f"the fixture expects {case.rule} but the database showed none of {case.symptoms}"
    else:
        why = f"the fixture expects no {case.rule} but the database showed {seen}"
    return False, f"CONTRADICTION  {case.rule} {kind}  {case.label}: {why}\n    {summary} rows={result.get('rows')}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("filters", nargs="*", help="run only specs whose path contains one of these")
    parser.add_argument("--self-test", action="store_true",
                        help="also rerun one positive and one negative case with the expectation inverted; both must fail")
    parser.add_argument("--rust", action="store_true",
                        help="run the Rust specs (fixtures/rust/**/*.rs.run.toml) instead of the Python and Go ones;"
                        " builds oracle/rust with cargo (not part of CI: oracle/README.md, \"Rust cases\")")
    parser.add_argument("--jobs", type=int, default=4)
    args = parser.parse_args()

    spec_paths = sorted((REPO_ROOT / "fixtures").rglob("*" + SPEC_SUFFIX))
    spec_paths = [p for p in spec_paths if p.name.endswith(rust_cases.SPEC_SUFFIX) == args.rust]
    if args.filters:
        spec_paths = [p for p in spec_paths if any(f in str(p) for f in args.filters)]
    if not go_cases.go_available():
        skipped = [p for p in spec_paths if p.name.endswith(".go" + SPEC_SUFFIX)]
        if skipped:
            print(f"oracle: `go` is not installed: {len(skipped)} Go specs skipped (oracle/README.md)")
        spec_paths = [p for p in spec_paths if p not in skipped]
    cases = [case for path in spec_paths for case in load_cases(path)]
    if not cases:
        print("oracle: no cases found", file=sys.stderr)
        return 1

    started = time.monotonic()
    if args.rust:
        ok, output, took = rust_cases.build()
        print(f"oracle: cargo build of oracle/rust: {took:.1f} s")
        if not ok:
            print(f"oracle: the Rust oracle did not build:\n{output}", file=sys.stderr)
            return 1
    builds = build_go(cases)
    cluster = Cluster()
    cluster.start()
    failures = 0
    contradictions = 0
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as executor:
            results = list(executor.map(lambda item: run_one(cluster, item[1], item[0]), enumerate(cases)))
        proven: dict[tuple[str, str], int] = {}
        for case, result in zip(cases, results):
            agrees, line = judge(case, result)
            print(line)
            if not agrees:
                failures += 1
            elif case.contradiction:
                contradictions += 1
            else:
                kind = "positive" if fixture_expects(case) else "negative"
                proven[(case.rule, kind)] = proven.get((case.rule, kind), 0) + 1
        if args.self_test:
            failures += self_test(cluster, cases, results)
    finally:
        cluster.stop()
        for built in builds:
            built.remove()
    rules = sorted({rule for rule, _ in proven})
    print("\nproven cases per rule (positive/negative): " + ", ".join(
        f"{rule} {proven.get((rule, 'positive'), 0)}/{proven.get((rule, 'negative'), 0)}" for rule in rules))
    print(f"{len(cases)} cases, {failures} failed, {contradictions} known contradictions"
          f" (oracle/README.md), {time.monotonic() - started:.1f} s")
    if failures:
        print("oracle: FAILED (a case above names the fixture and the function)", file=sys.stderr)
        return 1
    return 0


def self_test(cluster: Cluster, cases: list[Case], results: list[dict]) -> int:
    """Inverts the expectation of the first positive and the first negative case that passed:
    the oracle must then report both as contradictions. Returns the number of self-test failures."""
    failures = 0
    for number, (language, want_positive) in enumerate(
            (lang, positive) for lang in ("python", "go", "rust") for positive in (True, False)):
        chosen = next(
            (c for c, r in zip(cases, results)
             if c.language == language and not c.contradiction and judge(c, r)[0] and fixture_expects(c) == want_positive), None
        )
        if chosen is None:
            continue
        chosen.inverted = True
        agrees, line = judge(chosen, run_one(cluster, chosen, 10_000 + number))
        chosen.inverted = False
        if agrees:
            print(f"SELF-TEST FAILED: an inverted expectation was not caught: {chosen.label}")
            failures += 1
        else:
            print(f"self-test: inverting {chosen.label} is caught:\n    {line.splitlines()[0]}")
    return failures


if __name__ == "__main__":
    sys.exit(main())
