"""The store's tables (SQLAlchemy Core), identical on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (BigInteger, Column, ForeignKey, Index, Integer, MetaData, String, Table, Text,
                        UniqueConstraint, text)

metadata = MetaData()

# Bookkeeping of applied migrations (see migrations.py).
schema_version = Table(
    "schema_version", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("description", Text, nullable=False),
    Column("applied_at", String(40), nullable=False),
)

runs = Table(
    "runs", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),          # map | ingest
    Column("source", Text, nullable=False),
    Column("started_at", String(40), nullable=False),
    Column("finished_at", String(40)),
    Column("status", String(20), nullable=False),        # running | finished | failed | interrupted
    Column("counts", Text),                               # JSON
)

# Every release ever published. Rows are immutable: only INSERT, never UPDATE or DELETE.
releases = Table(
    "releases", metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("ocid", Text, nullable=False),
    Column("release_id", Text, nullable=False),
    Column("date", String(40), nullable=False),
    Column("tags", Text, nullable=False),                 # JSON array
    Column("kind", String(40)),                           # lifecycle kind for releases this project mapped
    Column("content_hash", String(32), nullable=False),
    Column("body", Text, nullable=False),                 # the release as compact JSON
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    UniqueConstraint("ocid", "release_id", name="releases_ocid_release_id"),
    Index("releases_ocid_date_seq", "ocid", "date", "seq"),
    Index("releases_run_seq", "run_id", "seq"),           # what each run added: the changes files, the runs' totals
)

# What each process's releases were last reconciled with: a digest of the ids of the releases
# its last mapping gave, so that an unchanged process is recognised with one lookup; and a digest
# of the source rows that mapping read, with how many releases of which tags it gave, so that a
# daily run need not map again a process whose source did not change.
processes = Table(
    "processes", metadata,
    Column("ocid", Text, primary_key=True),
    Column("mapping", String(32), nullable=False),
    Column("source", String(32)),
    Column("outline", Text),                              # JSON: {"releases": n, "tags": {tag: n}}
)

# Each process's compiled release, kept current by Store.refresh_compiled so that publishing reads
# it instead of merging every process again. ``year`` is the year of the process's first release
# date ("undated" when it has none usable): the year that places it in the per-year files.
compiled = Table(
    "compiled", metadata,
    Column("ocid", Text, primary_key=True),
    Column("year", String(10), nullable=False),
    Column("first_date", String(40), nullable=False),
    Column("latest_date", String(40), nullable=False),
    Column("releases", Integer, nullable=False),
    Column("release_bytes", BigInteger, nullable=False),  # UTF-8 bytes of its releases, for sizing files
    Column("body", Text),                                 # the compiled release; null when it cannot be merged
    Column("error", Text),                                # why it cannot be merged
    Index("compiled_year_ocid", "year", "ocid"),
    # The processes that cannot be merged (few): a partial index, so that listing them does not read every process.
    Index("compiled_errors", "ocid", sqlite_where=text("error IS NOT NULL"), postgresql_where=text("error IS NOT NULL")),
    # What the years' and months' totals sum, so that they are read from the index alone, not from every row.
    Index("compiled_year_totals", "year", "first_date", "latest_date", "releases", "release_bytes"),
)

# The works-project table of the last daily run that had one (code -> row and responsible entity),
# so that OC4IDS projects published from the store carry what the source said about them.
projects = Table(
    "projects", metadata,
    Column("code", Text, primary_key=True),
    Column("row", Text, nullable=False),                  # JSON
    Column("entity", Text),                               # JSON: the entity responsible, when known
)

# Small facts about the store's own bookkeeping: "compiled_through" is the last release (seq)
# whose process's compiled release is current.
meta = Table(
    "meta", metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)

rejects = Table(
    "rejects", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("stage", String(20), nullable=False),
    Column("table_name", Text, nullable=False),
    Column("line", BigInteger, nullable=False),
    Column("column_name", Text, nullable=False),
    Column("value", Text, nullable=False),
    Column("reason", Text, nullable=False),
)

# The search index of the API (docs/api.md): one row per compiled process with the values its
# filters match, kept current with ``compiled`` (same transaction). ``year`` is the year the
# indicators count the process in; ``updated`` its latest release date; ``text`` its title,
# description, buyer and supplier names, unaccented, for full-text search (SQLite: the FTS5 table
# ``search_text`` holds their stems under the same rowid; PostgreSQL: a GIN index on
# to_tsvector('spanish', text)).
search = Table(
    "search", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("ocid", Text, nullable=False, unique=True),
    Column("year", String(10)),
    Column("updated", String(40), nullable=False),
    Column("procurement_method", Text),
    Column("regime", Text),
    Column("province", Text),
    Column("procedure_type", Text),
    Column("text", Text, nullable=False),
    Index("search_year_ocid", "year", "ocid"),
    Index("search_method_ocid", "procurement_method", "ocid"),
    Index("search_regime_ocid", "regime", "ocid"),
    Index("search_province_ocid", "province", "ocid"),
    Index("search_type_ocid", "procedure_type", "ocid"),
    Index("search_updated_ocid", "updated", "ocid"),
)

# The organisations a process's buyer and supplier filters match: their party ids and identifiers (RUC).
search_keys = Table(
    "search_keys", metadata,
    Column("ocid", Text, nullable=False),
    Column("kind", String(10), nullable=False),           # buyer | supplier
    Column("key", Text, nullable=False),
    Index("search_keys_kind_key_ocid", "kind", "key", "ocid"),
    Index("search_keys_ocid", "ocid"),
)
