"""Explicit, ordered schema migrations (a documented equivalent of Alembic, see docs/store.md).

Each migration has a number, a description and a function run inside one transaction; the
``schema_version`` table records what was applied. Opening a store applies what is pending; a
store newer than this code is refused.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import Connection, Engine, delete, inspect, insert, select, text

from . import tables
from .lock import migration_lock


class StoreVersionError(RuntimeError):
    """The store was written by a newer ocds_pipeline than this one."""


def _initial(connection: Connection) -> None:
    tables.metadata.create_all(connection, tables=[tables.runs, tables.releases, tables.rejects])


def _processes(connection: Connection) -> None:
    tables.processes.create(connection)


def _compiled(connection: Connection) -> None:
    tables.metadata.create_all(connection, tables=[tables.compiled, tables.meta])


def _projects(connection: Connection) -> None:
    tables.projects.create(connection)


def _search(connection: Connection) -> None:
    """The API's search index; compiled releases are marked stale so the next refresh indexes every process."""
    tables.metadata.create_all(connection, tables=[tables.search, tables.search_keys])
    if connection.dialect.name == "sqlite":
        connection.execute(text("CREATE VIRTUAL TABLE search_text USING fts5(stems, tokenize='unicode61 remove_diacritics 2')"))
    else:
        connection.execute(text("CREATE INDEX search_text_spanish ON search USING gin (to_tsvector('spanish', text))"))
    connection.execute(delete(tables.meta).where(tables.meta.c.key == "compiled_through"))


def _sources(connection: Connection) -> None:
    """Processes reconciled before have no source digest: the next run maps them once more and records it.
    (A new store's migration 2 created the table with today's columns already.)"""
    present = {column["name"] for column in inspect(connection).get_columns("processes")}
    for column, kind in (("source", "VARCHAR(32)"), ("outline", "TEXT")):
        if column not in present:
            connection.execute(text(f"ALTER TABLE processes ADD COLUMN {column} {kind}"))


def _indexes(*names: str) -> Callable[[Connection], None]:
    """A migration that adds indexes of the tables (those a new store's first migrations made already are kept)."""
    def migrate(connection: Connection) -> None:
        for table in tables.metadata.sorted_tables:
            for index in table.indexes:
                if index.name in names:
                    index.create(connection, checkfirst=True)
    return migrate


MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "runs, releases (immutable, unique per ocid and release id) and rejects", _initial),
    (2, "processes: the digest of each process's last mapping, for daily reconciliation", _processes),
    (3, "compiled: each process's compiled release and year, kept current for publishing; meta", _compiled),
    (4, "projects: the works-project rows of the last run, for OC4IDS published from the store", _projects),
    (5, "search, search_keys (+ full text): the API's filters and text search over compiled releases", _search),
    (6, "processes.source, processes.outline: skip mapping processes whose source rows did not change", _sources),
    (7, "releases (run_id, seq), compiled (ocid) where error: a publish's per-run and merge-error reads",
     _indexes("releases_run_seq", "compiled_errors")),
    (8, "compiled (year, first_date, latest_date, releases, release_bytes): the years' and months' totals",
     _indexes("compiled_year_totals")),
]


def upgrade(engine: Engine) -> list[int]:
    """Apply pending migrations; return the versions applied now. Two processes opening a new store at once
    migrate one after the other (:func:`.lock.migration_lock`)."""
    with migration_lock(engine):
        return _upgrade(engine)


def _upgrade(engine: Engine) -> list[int]:
    applied_now = []
    with engine.begin() as connection:
        if not inspect(connection).has_table("schema_version"):
            tables.schema_version.create(connection)
        done = set(connection.execute(select(tables.schema_version.c.version)).scalars())
    latest = MIGRATIONS[-1][0]
    if done and max(done) > latest:
        raise StoreVersionError(f"the store is at schema version {max(done)}, this ocds_pipeline knows up to {latest}: upgrade ocds_pipeline")
    for version, description, migrate in MIGRATIONS:
        if version in done:
            continue
        with engine.begin() as connection:
            migrate(connection)
            connection.execute(insert(tables.schema_version).values(
                version=version, description=description, applied_at=datetime.now(timezone.utc).isoformat(timespec="seconds")))
        applied_now.append(version)
    return applied_now
