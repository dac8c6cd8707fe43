"""Runs one case of a compiled case program (Go or Rust) and observes the database while
the program still holds its connections.

The program prints one line `MARKER {json}` once the fixture's call has returned, panicked or
timed out (`returned`, `errored`, `panicked`, `blocked`, plus its own fields), then waits on
its standard input so that its connections stay open until the harness has looked.
"""

from __future__ import annotations

import json
import subprocess
import time

# Time for the server to settle the backend's state after the call returns.
SETTLE_SECONDS = 0.3


def run(argv: list[str], *, marker: str, language: str, timeout: float, observe,
        exit_is_observation: bool = False) -> tuple[dict, dict | None]:
    """Runs the program; returns (observation, the program's result or None).

    `observe()` gives (states, rows). With `exit_is_observation`, a program that ends by
    itself without a result (the fixture called `log.Fatal` or `os.Exit`) is observed after
    its exit instead of being a harness error.
    """
    process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + timeout + 20
        line = ""
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line or line.startswith(marker):
                break
        if not line.startswith(marker):
            if exit_is_observation and line == "" and process.wait(timeout=10) not in (0, 2):
                stderr = process.stderr.read()
                time.sleep(SETTLE_SECONDS)
                states, rows = observe()
                message = (stderr.strip().splitlines() or [""])[-1]
                exception = {"type": "exit", "message": message, "chain": ["exit"], "traceback": stderr[-2000:]}
                return {"exception": exception, "blocked": False, "states": states,
                        "handbacks": [], "rows": rows}, None
            process.kill()
            _, stderr = process.communicate(timeout=10)
            return {"harness_error": f"the {language} case printed no result (exit {process.returncode}):\n{line}{stderr[-2000:]}"}, None
        result = json.loads(line[len(marker):])
        time.sleep(SETTLE_SECONDS)
        states, rows = observe()
    finally:
        if process.poll() is None:
            try:
                process.stdin.close()
                process.wait(timeout=5)
            except Exception:  # noqa: BLE001 - a blocked program is killed
                process.kill()
                process.wait()
    if result["panicked"]:
        exception = {"type": "panic", "message": result["panicked"], "chain": ["panic"], "traceback": result["panicked"]}
    elif result["errored"]:
        exception = {"type": "error", "message": result["returned"], "chain": ["error"], "traceback": result["returned"]}
    else:
        exception = None
    return {"exception": exception, "blocked": result["blocked"], "states": states,
            "handbacks": [], "rows": rows}, result
