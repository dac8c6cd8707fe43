"""Runs one case of a sidecar spec in its own process and prints what the database showed.

Usage (run.py does this): python3 case_runner.py '<json job>'

Every driver's connect is redirected to the case's database before the fixture is imported,
so the fixture runs as written whatever DSN, URL or pool it names. The job's result is one
JSON line after RESULT_MARKER on stdout.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import datetime
import decimal
import gc
import importlib.util
import json
import os
import sys
import textwrap
import threading
import time
import traceback
import types

RESULT_MARKER = "ORACLE-RESULT "

# Seconds to let the server notice connections the fixture dropped (CPython closes them when
# the function returns): until then their backends still show their last state.
SETTLE_SECONDS = 0.3

job: dict = {}
observer = None  # a psycopg connection in autocommit mode, with its own application_name
handbacks: list[dict] = []
KEPT: list = []


# ---------------------------------------------------------------- observation


def observer_connection():
    global observer
    if observer is None:
        observer = _original_psycopg_connect(
            f"host={job['socket_dir']} dbname={job['dbname']} user={job['user']} "
            f"application_name={job['application_name']}-observer",
            autocommit=True,
        )
    return observer


def backend_states() -> list[dict]:
    rows = observer_connection().execute(
        "SELECT pid, state, backend_xid IS NOT NULL FROM pg_stat_activity"
        " WHERE application_name = %s ORDER BY pid",
        (job["application_name"],),
    ).fetchall()
    return [{"pid": pid, "state": state, "wrote": wrote} for pid, state, wrote in rows]


def record_handback(pool_kind: str, pid: int | None) -> None:
    """Called by the hooks just before a pool takes a connection back (and cleans it up)."""
    if pid is None:
        return
    row = observer_connection().execute(
        "SELECT state, backend_xid IS NOT NULL FROM pg_stat_activity WHERE pid = %s", (pid,)
    ).fetchone()
    if row is not None:
        handbacks.append({"pool": pool_kind, "pid": pid, "state": row[0], "wrote": row[1]})


# ---------------------------------------------------------------- redirection

# Keyword arguments of the drivers' connect functions that name the server or the session;
# everything else (autocommit, row factories, pool sizes, ...) is the fixture's and is kept.
PSYCOPG_SERVER_KWARGS = {
    "host", "hostaddr", "port", "dbname", "user", "password", "passfile", "application_name",
    "sslmode", "options", "service", "database",
}
ASYNCPG_SERVER_KWARGS = {
    "dsn", "host", "port", "user", "password", "passfile", "database", "ssl", "direct_tls",
}

_original_psycopg_connect = None


def case_conninfo() -> str:
    return (
        f"host={job['socket_dir']} dbname={job['dbname']} user={job['user']} "
        f"application_name={job['application_name']}"
    )


def redirect_psycopg() -> None:
    global _original_psycopg_connect
    try:
        import psycopg
    except ImportError:
        return
    original = psycopg.Connection.connect.__func__
    original_async = psycopg.AsyncConnection.connect.__func__

    def connect(cls, conninfo: str = "", **kwargs):
        kept = {k: v for k, v in kwargs.items() if k not in PSYCOPG_SERVER_KWARGS}
        return original(cls, case_conninfo(), **kept)

    async def connect_async(cls, conninfo: str = "", **kwargs):
        kept = {k: v for k, v in kwargs.items() if k not in PSYCOPG_SERVER_KWARGS}
        return await original_async(cls, case_conninfo(), **kept)

    _original_psycopg_connect = lambda conninfo, **kw: original(psycopg.Connection, conninfo, **kw)  # noqa: E731
    psycopg.Connection.connect = classmethod(connect)
    psycopg.AsyncConnection.connect = classmethod(connect_async)
    psycopg.connect = psycopg.Connection.connect

    try:
        import psycopg_pool
    except ImportError:
        return
    for pool_class in (psycopg_pool.ConnectionPool,):
        original_putconn = pool_class.putconn

        def putconn(self, conn, _original=original_putconn):
            record_handback("psycopg_pool", conn.info.backend_pid if not conn.closed else None)
            return _original(self, conn)

        pool_class.putconn = putconn
    original_async_putconn = psycopg_pool.AsyncConnectionPool.putconn

    async def async_putconn(self, conn):
        record_handback("psycopg_pool async", conn.info.backend_pid if not conn.closed else None)
        return await original_async_putconn(self, conn)

    psycopg_pool.AsyncConnectionPool.putconn = async_putconn

    if job.get("pool_size"):
        for pool_class in (psycopg_pool.ConnectionPool, psycopg_pool.AsyncConnectionPool):
            original_init = pool_class.__init__

            def sized_init(self, *args, _original=original_init, **kwargs):
                kwargs["min_size"] = kwargs["max_size"] = job["pool_size"]
                kwargs.setdefault("timeout", job["timeout"])
                _original(self, *args, **kwargs)

            pool_class.__init__ = sized_init


def redirect_psycopg2() -> None:
    try:
        import psycopg2
        import psycopg2.pool
    except ImportError:
        return
    original = psycopg2.connect

    def connect(dsn=None, connection_factory=None, cursor_factory=None, **kwargs):
        return original(case_conninfo(), connection_factory=connection_factory, cursor_factory=cursor_factory)

    psycopg2.connect = connect
    original_putconn = psycopg2.pool.AbstractConnectionPool._putconn

    def _putconn(self, conn, key=None, close=False):
        record_handback("psycopg2.pool", None if conn.closed else conn.get_backend_pid())
        return original_putconn(self, conn, key, close)

    psycopg2.pool.AbstractConnectionPool._putconn = _putconn
    # SimpleConnectionPool binds the original _putconn as its putconn at class creation.
    psycopg2.pool.SimpleConnectionPool.putconn = _putconn


def redirect_asyncpg() -> None:
    try:
        import asyncpg
        import asyncpg.connection
        import asyncpg.pool
    except ImportError:
        return
    original = asyncpg.connection.connect

    async def connect(dsn=None, **kwargs):
        for key in ASYNCPG_SERVER_KWARGS:
            kwargs.pop(key, None)
        settings = dict(kwargs.pop("server_settings", None) or {})
        settings["application_name"] = job["application_name"]
        return await original(
            host=job["socket_dir"], database=job["dbname"], user=job["user"], server_settings=settings, **kwargs
        )

    # The pool connects through asyncpg.connection.connect; the package re-exports it.
    asyncpg.connection.connect = connect
    asyncpg.connect = connect

    original_create_pool = asyncpg.create_pool

    def create_pool(dsn=None, **kwargs):
        if job.get("pool_size"):
            kwargs["min_size"] = min(kwargs.get("min_size", 1), job["pool_size"])
            kwargs["max_size"] = job["pool_size"]
        return original_create_pool(dsn, **kwargs)

    asyncpg.create_pool = create_pool
    original_release = asyncpg.pool.Pool.release

    async def release(self, connection, *, timeout=None):
        with contextlib.suppress(Exception):
            record_handback("asyncpg.Pool", connection.get_server_pid())
        return await original_release(self, connection, timeout=timeout)

    asyncpg.pool.Pool.release = release


def resize_sqlalchemy_pools() -> None:
    """For a case with pool_size: every engine gets that many connections and no overflow, so
    a statement that needs a second connection waits (and times out) instead of taking one."""
    if not job.get("pool_size"):
        return
    try:
        import sqlalchemy
        import sqlalchemy.ext.asyncio
    except ImportError:
        return
    size = job["pool_size"]

    def sized(original):
        def create(url, **kwargs):
            kwargs.update(pool_size=size, max_overflow=0, pool_timeout=job["timeout"])
            return original(url, **kwargs)

        return create

    sqlalchemy.create_engine = sized(sqlalchemy.create_engine)
    sqlalchemy.ext.asyncio.create_async_engine = sized(sqlalchemy.ext.asyncio.create_async_engine)


# ---------------------------------------------------------------- stubs


class PassThroughStub:
    """Stands in for a module the machine does not have (Flask, PyMySQL, a project's models):
    any attribute or call gives another stub, except that called with one function it returns
    that function, so decorators such as ``@app.get(...)`` leave the fixture's functions as
    they are."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return PassThroughStub(f"{self._name}.{attribute}")

    def __call__(self, *args, **kwargs):
        if len(args) == 1 and not kwargs and isinstance(args[0], (types.FunctionType, type)):
            return args[0]
        return PassThroughStub(f"{self._name}()")

    def __mro_entries__(self, bases):
        return (object,)

    def __repr__(self) -> str:
        return f"<stub {self._name}>"


def install_support_modules(sources: dict[str, str]) -> None:
    """The fixture's imaginary project modules (``catalogue.models``), written in the spec:
    small real stand-ins where a stub is not enough (ORM models the fixture maps)."""
    for name, source in sources.items():
        install_stub_modules([name.rpartition(".")[0]] if "." in name else [])
        module = types.ModuleType(name)
        sys.modules[name] = module  # before running it: SQLAlchemy resolves annotations through it
        exec(compile(source, f"{job['spec']}:{name}", "exec"), module.__dict__)
        if "." in name:
            parent, _, child = name.rpartition(".")
            setattr(sys.modules[parent], child, module)


def install_stub_modules(names: list[str]) -> None:
    for name in names:
        parts = name.split(".")
        for depth in range(1, len(parts) + 1):
            module_name = ".".join(parts[:depth])
            if module_name in sys.modules:
                continue
            module = types.ModuleType(module_name)
            module.__path__ = []  # a package, so that submodules import
            module.__getattr__ = lambda attribute, _m=module_name: PassThroughStub(f"{_m}.{attribute}")
            sys.modules[module_name] = module
            if depth > 1:
                setattr(sys.modules[".".join(parts[: depth - 1])], parts[depth - 1], module)


# ---------------------------------------------------------------- resources for the call


RESOURCE_NAMES = {
    "dsn", "url", "psycopg_conn", "psycopg2_conn", "asyncpg_conn", "sqlalchemy_conn",
    "sqlalchemy_engine", "sqlalchemy_session", "asyncpg_pool", "Decimal", "datetime", "asyncio", "keep",
}


class Resources(dict):
    """Names a case's code may use, created on first use and pointed at the case database."""

    def __init__(self, module, loop) -> None:
        super().__init__()
        self.module = module
        self.loop = loop

    def __missing__(self, name: str):
        if hasattr(self.module, name):
            return getattr(self.module, name)
        factories = {
            "dsn": lambda: case_conninfo(),
            "url": lambda: f"postgresql+psycopg://{job['user']}@/{job['dbname']}?host={job['socket_dir']}",
            "psycopg_conn": lambda: __import__("psycopg").connect(""),
            "psycopg2_conn": lambda: __import__("psycopg2").connect(""),
            "asyncpg_conn": lambda: self.loop.run_until_complete(__import__("asyncpg").connect()),
            "sqlalchemy_conn": lambda: self["sqlalchemy_engine"].connect(),
            "sqlalchemy_engine": lambda: __import__("sqlalchemy").create_engine(self["url"]),
            "sqlalchemy_session": lambda: __import__("sqlalchemy.orm").orm.Session(self["sqlalchemy_engine"]),
            "asyncpg_pool": lambda: self.loop.run_until_complete(__import__("asyncpg").create_pool()),
            "Decimal": lambda: decimal.Decimal,
            "datetime": lambda: datetime,
            "asyncio": lambda: asyncio,
            # keep(obj) holds an object the fixture keeps for the life of the process (a
            # repository with its self.conn) until the observation, as the application would.
            "keep": lambda: KEPT.append,
        }
        if name in factories:
            value = factories[name]()
            self[name] = value
            return value
        raise KeyError(name)


def import_fixture(path: str):
    module_name = "fixture_" + os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def run_case() -> dict:
    result: dict = {"exception": None, "blocked": False, "states": [], "handbacks": handbacks, "rows": {}}
    for key, value in job.get("env", {}).items():
        os.environ[key] = value
    install_stub_modules(job.get("stub_modules", []))
    install_support_modules(job.get("support_modules", {}))
    redirect_psycopg()
    redirect_psycopg2()
    redirect_asyncpg()
    resize_sqlalchemy_pools()

    loop = asyncio.new_event_loop()
    module_box: dict = {}
    outcome: dict = {}

    def drive() -> None:
        # The fixture is imported and called in a worker thread, so that a call blocked on a
        # pool (TX007) is seen as blocked after the timeout instead of hanging the process.
        asyncio.set_event_loop(loop)
        try:
            module = import_fixture(job["fixture"])
            module_box["module"] = module
            namespace = Resources(module, loop)
            # The harness is the fixture's caller: what it handed in (a connection, a pool)
            # stays referenced until the observation, as a caller's would.
            module_box["namespace"] = namespace
            source = "async def __oracle_case():\n" + textwrap.indent(job["call"], "    ")
            code_globals = {"__builtins__": __builtins__}
            exec(compile(source, f"{job['spec']}::{job['case']}", "exec"), code_globals, namespace)
            case_function = namespace["__oracle_case"]
            # Resources are made before the case runs: an asyncpg connection or pool needs the
            # event loop, which is busy once the case's coroutine runs.
            for node in ast.walk(ast.parse(job["call"])):
                if isinstance(node, ast.Name) and node.id in RESOURCE_NAMES and not hasattr(module, node.id):
                    namespace[node.id]
            # The case's code sees the resources and the module's names as its globals.
            scope = types.FunctionType(case_function.__code__, _GlobalsView(namespace), "__oracle_case")
            loop.run_until_complete(scope())
        except BaseException as error:  # noqa: BLE001 - the fixture's own exception is an observation
            outcome["exception"] = {
                "type": type(error).__name__,
                "module": type(error).__module__,
                "message": str(error).strip().splitlines()[0] if str(error).strip() else "",
                "chain": [type(e).__name__ for e in _exception_chain(error)],
                "traceback": traceback.format_exc(limit=6),
            }

    worker = threading.Thread(target=drive, daemon=True)
    worker.start()
    worker.join(job["timeout"])
    if worker.is_alive():
        result["blocked"] = True
    result["exception"] = outcome.get("exception")
    gc.collect()
    time.sleep(SETTLE_SECONDS)
    result["states"] = backend_states()
    for name, query in job.get("checks", {}).items():
        rows = observer_connection().execute(query).fetchall()
        result["rows"][name] = json.loads(json.dumps([list(r) for r in rows], default=str))
    return result


class _GlobalsView(dict):
    """A globals mapping for the case's code: builtins first, then resources and module names."""

    def __init__(self, namespace: Resources) -> None:
        super().__init__(__builtins__=__builtins__)
        self._namespace = namespace

    def __missing__(self, name):
        return self._namespace[name]


def _exception_chain(error: BaseException):
    seen = []
    while error is not None and error not in seen:
        seen.append(error)
        error = error.__cause__ or error.__context__
    return seen


def main() -> None:
    job.update(json.loads(sys.argv[1]))
    try:
        result = run_case()
    except BaseException:  # noqa: BLE001 - a harness error is reported, not raised
        result = {"harness_error": traceback.format_exc()}
    sys.stdout.write(RESULT_MARKER + json.dumps(result, default=str) + "\n")
    sys.stdout.flush()
    # Pools' threads and blocked calls must not keep the process alive.
    os._exit(0)


if __name__ == "__main__":
    main()
