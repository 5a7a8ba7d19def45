"""A throwaway PostgreSQL cluster for the store tests: initdb + pg_ctl in a temporary folder.

`make test` installs the server programs when missing (scripts/ensure-postgresql); these tests
never skip for lack of PostgreSQL: they fail and say how to install it.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError("PostgreSQL server programs not found: run `make test` (it installs them) "
                           "or `apt-get install postgresql`")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """A running cluster reachable only through a Unix socket in its own folder."""

    def __init__(self) -> None:
        self.bindir = _bindir()
        self.base = Path(tempfile.mkdtemp(prefix="ocds-pg-"))
        self.port = _free_port()
        self._names = itertools.count(1)
        self._as = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            os.chmod(self.base, 0o755)
            shutil.chown(self.base, "postgres", "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]
        data = self.base / "data"
        self._run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync")
        options = f"-k {self.base} -c listen_addresses='' -p {self.port} -c fsync=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(data), "-o", options, "-l", str(self.base / "log"), "-w", "start")

    def _run(self, program: str, *args: str) -> None:
        subprocess.run([*self._as, str(self.bindir / program), *args], check=True, capture_output=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.base}&port={self.port}"

    def new_database(self, template: str | None = None) -> str:
        """A new database: empty, or a copy of ``template`` (the URL of a database nobody is connected to)."""
        import psycopg

        name = f"ocds_test_{next(self._names)}"
        from sqlalchemy.engine import make_url

        copy = f' TEMPLATE "{make_url(template).database}"' if template else ""
        with psycopg.connect(host=str(self.base), port=self.port, user="postgres", dbname="postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"{copy}')
        return self.url(name)

    def restart(self) -> None:
        """Stop the server (fast: open sessions are ended) and start it again with the same options."""
        self._run("pg_ctl", "-D", str(self.base / "data"), "-l", str(self.base / "log"), "-m", "fast", "-w", "restart")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.base / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)
