"""One writer at a time: a command that writes the store holds its lock, and a second one is refused.

Two daily runs started at once (cron twice, a retry while the first still runs) would otherwise
interleave their batches and publications. On SQLite the lock is an ``flock`` on ``<store>.lock``
beside the database file; on PostgreSQL it is a session advisory lock on a connection held for the
command. Both are released by the operating system or the server when the process ends, however
it ends, so a killed run never leaves a stale lock behind: its forked workers close their copies of the
lock's file or connection (:func:`.parallel.parent_only`), so the lock does not wait for them.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Callable, ContextManager, Iterator

from sqlalchemy import Engine, text

from ..parallel import parent_only

# The advisory lock's two keys: "OCDS" and "pipe" in ASCII, so that it reads in pg_locks.
_KEYS = {"classid": 0x4F434453, "objid": 0x70697065}
_MIGRATION_KEYS = {"classid": 0x4F434453, "objid": 0x6D696772}  # "OCDS", "migr"


class StoreBusy(Exception):
    """Another ocds-pipeline command is writing the store."""


def _holder(command: str) -> str:
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"ocds-pipeline {command}, pid {os.getpid()}, since {started}"


def _busy(store: str, holder: str) -> StoreBusy:
    return StoreBusy(f"the store {store} is being written by another command ({holder or 'holder unknown'}): "
                     "wait for it to finish and run again; two writers at once would interleave their changes")


@contextmanager
def file_lock(path: Path, command: str, busy: Callable[[str], Exception]) -> Iterator[None]:
    """Hold ``path`` exclusively (an ``flock``), noting who holds it in the file; when another process
    holds it, raise ``busy(holder)``."""
    handle: IO[str] = open(path, "a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise busy(handle.read().strip()) from None
        handle.seek(0)
        handle.truncate()
        handle.write(_holder(command) + "\n")
        handle.flush()
        with parent_only(handle.fileno()):
            yield
    finally:
        handle.close()  # closing releases the lock


def sqlite_lock(database: Path, command: str) -> ContextManager[None]:
    """Hold ``<database>.lock`` exclusively, or raise :class:`StoreBusy` saying who holds it."""
    return file_lock(database.with_name(database.name + ".lock"), command, lambda holder: _busy(str(database), holder))


@contextmanager
def postgresql_lock(engine: Engine, shown: str, command: str) -> Iterator[None]:
    """Hold the store's advisory lock on a connection of its own, or raise :class:`StoreBusy`."""
    with engine.connect() as connection:
        connection.execute(text("SELECT set_config('application_name', :name, false)"), {"name": _holder(command)[:63]})
        taken = connection.execute(text("SELECT pg_try_advisory_lock(:classid, :objid)"), _KEYS).scalar()
        connection.commit()
        if not taken:
            holder = connection.execute(text(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :classid AND l.objid = :objid"), _KEYS).scalar()
            raise _busy(shown, holder or "")
        try:
            with parent_only(connection.connection.dbapi_connection.fileno()):
                yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:classid, :objid)"), _KEYS)
            connection.commit()


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Serialise schema migrations: two commands opening a new store at once would both create its tables.

    Held only while migrating, and waited for (a migration takes a moment): an ``flock`` on
    ``<store>.migration.lock`` (never on the database file: closing any handle on it would drop SQLite's
    own locks), or a second advisory lock on PostgreSQL. Neither waits for a writer's lock.
    """
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:":
            yield
            return
        with open(Path(database).with_name(Path(database).name + ".migration.lock"), "a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:classid, :objid)"), _MIGRATION_KEYS)
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:classid, :objid)"), _MIGRATION_KEYS)
            connection.commit()
