"""A throwaway PostgreSQL cluster: a temporary directory, a Unix socket only, no TCP port,
removed when the run ends."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile

# Every case gets these defaults from the server: a leaked lock fails the next statement
# that waits on it instead of hanging the run, and nothing runs away.
SERVER_SETTINGS = {
    "listen_addresses": "''",
    "lock_timeout": "3s",
    "statement_timeout": "20s",
    "fsync": "off",
    "max_connections": "200",
}


def _postgres_bindir() -> str:
    """The newest installed server's bin directory (Debian layout), else wherever PATH has initdb."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0,
    )
    if candidates:
        return os.path.dirname(candidates[-1])
    initdb = shutil.which("initdb")
    if initdb:
        return os.path.dirname(os.path.realpath(initdb))
    raise SystemExit("oracle: no PostgreSQL server found (initdb is neither in /usr/lib/postgresql nor on PATH)")


class Cluster:
    def __init__(self) -> None:
        self.bindir = _postgres_bindir()
        self.root = tempfile.mkdtemp(prefix="txlint-oracle-")
        self.data = os.path.join(self.root, "data")
        self.socket_dir = self.root
        self.log = os.path.join(self.root, "server.log")
        self.user = "postgres"
        self._owner = None

    def _as_owner(self, argv: list[str]) -> list[str]:
        # The server refuses to run as root: run its tools as the owner of the directory.
        if self._owner is None:
            return argv
        return ["runuser", "-u", self._owner, "--"] + argv

    def start(self) -> None:
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
            self._owner = "postgres"
            shutil.chown(self.root, user="postgres")
            os.chmod(self.root, 0o755)
        subprocess.run(
            self._as_owner(
                [os.path.join(self.bindir, "initdb"), "-D", self.data, "-U", self.user,
                 "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        options = " ".join(f"-c {key}={value}" for key, value in SERVER_SETTINGS.items())
        subprocess.run(
            self._as_owner(
                [os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-l", self.log, "-w",
                 "-o", f"-k {self.socket_dir} {options}", "start"]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def conninfo(self, dbname: str = "postgres", application_name: str = "txlint-oracle") -> str:
        return f"host={self.socket_dir} dbname={dbname} user={self.user} application_name={application_name}"

    def stop(self) -> None:
        subprocess.run(
            self._as_owner([os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "stop"]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(self.root, ignore_errors=True)
