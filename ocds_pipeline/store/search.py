"""The store's search index (tables ``search``, ``search_keys`` and the full text) and the reads the API makes.

The index is written in the same transaction as the compiled releases it describes
(:meth:`Store.save_compiled`), so a reader never sees one without the other. Lists are paged by
ocid (keyset): a page starts after the last ocid of the previous one, so a run that adds or
updates processes meanwhile causes neither duplicates nor gaps among the processes already there.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, func, literal_column, select, text

from ..textsearch import fts5_query, stems, unaccented
from . import tables
from .bulk import insert_rows

if TYPE_CHECKING:
    from . import Store

BATCH = 500
COLUMNS = ("year", "procurement_method", "regime", "province", "procedure_type")  # filters matched by equality
KEYS = ("buyer", "supplier")                                                     # filters matched by any key


def replace(connection: Connection, ocids: list[str], rows: list[dict[str, Any]]) -> None:
    """Remove these processes from the index, then add ``rows``: dicts with ``ocid``, ``updated``, the
    :data:`COLUMNS`, ``text`` (title, description, names) and ``keys`` ((kind, key) pairs of :data:`KEYS`)."""
    s, k = tables.search.c, tables.search_keys.c
    sqlite = connection.dialect.name == "sqlite"
    for start in range(0, len(ocids), BATCH):
        chunk = ocids[start:start + BATCH]
        if sqlite:
            ids = list(connection.execute(select(s.id).where(s.ocid.in_(chunk))).scalars())
            if ids:
                connection.execute(text("DELETE FROM search_text WHERE rowid = :id"), [{"id": i} for i in ids])
        connection.execute(delete(tables.search).where(s.ocid.in_(chunk)))
        connection.execute(delete(tables.search_keys).where(k.ocid.in_(chunk)))
    if not rows:
        return
    insert_rows(connection, tables.search, [
        {"ocid": row["ocid"], "updated": row["updated"], "text": unaccented(row["text"]),
         **{column: row.get(column) for column in COLUMNS}} for row in rows])
    keys = {(row["ocid"], kind, key) for row in rows for kind, key in row["keys"] if key}
    if keys:
        insert_rows(connection, tables.search_keys, [{"ocid": o, "kind": kind, "key": key} for o, kind, key in sorted(keys)])
    if sqlite:
        by_ocid = {row["ocid"]: row["text"] for row in rows}
        wanted = list(by_ocid)
        for start in range(0, len(wanted), BATCH):
            found = connection.execute(select(s.id, s.ocid).where(s.ocid.in_(wanted[start:start + BATCH])))
            connection.execute(text("INSERT INTO search_text (rowid, stems) VALUES (:id, :stems)"),
                               [{"id": i, "stems": " ".join(stems(by_ocid[o]))} for i, o in found])


@dataclass(frozen=True)
class Filters:
    """What a list of compiled releases is limited to; None: not limited. All given filters apply."""

    year: str | None = None
    buyer: str | None = None             # a party id or an identifier (RUC)
    supplier: str | None = None
    procurement_method: str | None = None
    regime: str | None = None
    province: str | None = None
    procedure_type: str | None = None
    q: str | None = None                 # words, all of which the text must contain (Spanish-aware)
    updated_since: str | None = None     # latest release date at or after this (ISO 8601, compared as written)

    def given(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


def compiled_page(store: "Store", filters: Filters, after: str | None, limit: int) -> list[tuple[str, str, str]]:
    """Up to ``limit`` (ocid, compiled release JSON, its date) matching ``filters``, in ocid order, after ``after``."""
    s, c = tables.search.c, tables.compiled.c
    query = select(s.ocid, c.body, c.latest_date).join(tables.compiled, c.ocid == s.ocid)
    order = s.ocid  # the ocid column the page is read in order of: that of the first key filter's index, if any
    for column in COLUMNS:
        value = getattr(filters, column)
        if value is not None:
            query = query.where(s[column] == value)
    for kind in KEYS:
        value = getattr(filters, kind)
        if value is not None:
            keys = tables.search_keys.alias(f"{kind}_keys")
            query = query.join(keys, keys.c.ocid == s.ocid).where(keys.c.kind == kind, keys.c.key == value)
            order = keys.c.ocid if order is s.ocid else order
    if filters.updated_since is not None:
        query = query.where(s.updated >= filters.updated_since)
    if filters.q is not None:
        query = _text_match(query, store.engine.dialect.name, filters.q)
        if query is None:
            return []
    if after is not None:
        query = query.where(order > after)
    with store.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query.order_by(order).limit(limit))]


def _text_match(query, dialect: str, words: str):
    """``query`` limited to processes whose text has every word of ``words``; None when it has no word."""
    s = tables.search.c
    if dialect == "sqlite":
        match = fts5_query(words)
        if match is None:
            return None
        ids = select(literal_column("rowid")).select_from(text("search_text")).where(text("search_text MATCH :match"))
        return query.where(s.id.in_(ids)).params(match=match)
    if not unaccented(words).strip():
        return None
    return query.where(func.to_tsvector("spanish", s.text).op("@@")(func.plainto_tsquery("spanish", unaccented(words))))


def changes(store: "Store", after: int, limit: int) -> list[tuple[int, str, str]]:
    """Up to ``limit`` (sequence number, release JSON, its date) added to the store after ``after``, in the
    order added."""
    r = tables.releases.c
    query = select(r.seq, r.body, r.date).where(r.seq > after).order_by(r.seq).limit(limit)
    with store.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query)]


@dataclass
class StoredProcess:
    """One process as stored: its releases' headers in merge order, and its compiled release when current."""

    ocid: str
    releases: list[tuple[str, str, str]]  # (release id, date, tags JSON)
    compiled: str | None                  # None when it cannot be merged, or is not yet refreshed
    error: str | None
    current: bool                         # the stored compiled release covers every release


class Unavailable(Exception):
    """The store did not answer a lookup (connection lost, time limit): the API answers 503."""


class Lookups:
    """One process at a time, on one database connection kept open: the API's hot path (a record lookup is
    two indexed reads; going through SQLAlchemy's statement machinery for each doubled their cost).
    Not thread-safe: one instance per thread (the API uses it from its event loop only)."""

    def __init__(self, store: "Store") -> None:
        self.store = store
        self.connection: Any = None
        mark = "?" if store.engine.dialect.paramstyle == "qmark" else "%s"
        # One round trip: the release headers in merge order, then the compiled release's row.
        self.sql = (f"SELECT 0 AS part, date, seq, release_id, tags, CAST(NULL AS TEXT), CAST(NULL AS TEXT), "
                    f"CAST(NULL AS INTEGER) FROM releases WHERE ocid = {mark} UNION ALL "
                    f"SELECT 1, CAST(NULL AS TEXT), CAST(NULL AS BIGINT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), "
                    f"body, error, releases FROM compiled WHERE ocid = {mark} ORDER BY 1, 2, 3")

    def process(self, ocid: str) -> StoredProcess | None:
        """One process's release headers and compiled release (None when the store has no release of it)."""
        if self.connection is None:
            self.connection = self.store.engine.raw_connection()
        self.store.arm_deadline(self.connection.dbapi_connection)
        cursor = self.connection.cursor()
        try:
            cursor.execute(self.sql, (ocid, ocid))
            rows = cursor.fetchall()
            cursor.close()
            self.connection.rollback()  # ends the read (PostgreSQL would keep a transaction open)
        except self.store.engine.dialect.dbapi.Error as error:
            self.connection.invalidate()
            self.connection = None
            raise Unavailable(str(error)) from None
        releases = [(row[3], row[1], row[4]) for row in rows if row[0] == 0]
        if not releases:
            return None
        compiled = rows[-1][5:] if rows[-1][0] == 1 else None
        current = compiled is not None and compiled[2] == len(releases)
        return StoredProcess(ocid, releases, compiled[0] if current else None, compiled[1] if current else None, current)
