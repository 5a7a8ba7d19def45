"""Scratch space for a run: a temporary folder (or an SQLite file in one, written without a journal), and the
removal of those that a killed run left behind."""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

LOCK = ".in-use"


class Scratch:
    """A temporary folder, ``path``, locked while it is in use and removed by :meth:`cleanup`.

    Creating one first removes the folders of the same kind (``prefix``) whose lock no process holds: those
    of a run killed before it could clean up. A national run's staging file is gigabytes. A folder without
    a lock file is left alone: it may be one being created.
    """

    def __init__(self, prefix: str, directory: Path | None = None) -> None:
        parent = Path(directory or tempfile.gettempdir())
        _sweep(parent, prefix)
        self.path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
        self._lock = os.open(self.path / LOCK, os.O_CREAT | os.O_WRONLY, 0o600)
        fcntl.flock(self._lock, fcntl.LOCK_EX)  # held by this process and the workers it forks

    def database(self, name: str) -> sqlite3.Connection:
        """A new SQLite file in the folder, written without a journal or syncing: it lives as long as the run."""
        db = sqlite3.connect(self.path / name)
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        return db

    def cleanup(self) -> None:
        if self._lock >= 0:
            shutil.rmtree(self.path, ignore_errors=True)
            os.close(self._lock)
            self._lock = -1

    def __enter__(self) -> "Scratch":
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


def _sweep(parent: Path, prefix: str) -> None:
    for folder in parent.glob(f"{prefix}*"):
        try:
            lock = os.open(folder / LOCK, os.O_WRONLY)
        except OSError:  # no lock file (or not ours to open): left alone
            continue
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # in use
            continue
        else:
            shutil.rmtree(folder, ignore_errors=True)
        finally:
            os.close(lock)
