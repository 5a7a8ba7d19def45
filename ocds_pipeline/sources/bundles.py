"""Group accepted source rows into one bundle per procedure, with flat memory.

Rows are staged in a temporary SQLite file (pickled, keyed by procedure or contract code), then
read back ordered by procedure code with one sorted cursor per child table, merge-joined. Only
the small lookup tables (entidades, proyectos) and a bounded cache of suppliers stay in memory.
Bundles can be read by ranges of procedure codes (:meth:`Staging.ranges`), in forked workers too:
each process reads the file over a connection of its own.

Each row's source line is kept beside its pickle, not in it, so that the pickles say only what the
source says: a bundle's digest (:attr:`Bundle.digest`) and a lookup row's (:meth:`Staging.digest`)
stay the same when rows before it in the file moved. Daily runs skip unchanged processes by them.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ..scratch import Scratch

Row = dict[str, Any]
# A staged row: the code it is read back by, its contract's code (children of procedures), its pickle.
Staged = tuple[str, str | None, bytes]
# Procedure codes from the first (included) to the second (excluded); None: no limit on that side.
CodeRange = tuple[str | None, str | None]

# Child table -> column holding the procedure code (contracts also keep their own code as k2).
BY_PROCEDURE = {
    "items": "codigo_procedimiento",
    "ofertas": "codigo_procedimiento",
    "adjudicaciones": "codigo_procedimiento",
    "contratos": "codigo_procedimiento",
    "documentos": "codigo_procedimiento",
}
BY_CONTRACT = {"modificaciones_contrato": "codigo_contrato", "pagos": "codigo_contrato"}
LOOKUPS = {"entidades": "ruc", "proveedores": "ruc", "proyectos": "codigo_proyecto"}


@dataclass
class Bundle:
    """Everything the source says about one procedure."""

    procedure: Row
    entity: Row
    project: Row | None = None
    items: list[Row] = field(default_factory=list)
    bids: list[Row] = field(default_factory=list)
    awards: list[Row] = field(default_factory=list)
    contracts: list[Row] = field(default_factory=list)
    amendments: dict[str, list[Row]] = field(default_factory=dict)
    payments: dict[str, list[Row]] = field(default_factory=dict)
    documents: list[Row] = field(default_factory=list)
    digest: bytes = b""  # of the procedure's own rows and its children's, as staged (lines left out)

    def supplier_rucs(self) -> list[str]:
        """The suppliers the procedure names (bidders and awardees), each once, in order of appearance."""
        return list(dict.fromkeys(row["ruc_proveedor"] for row in [*self.bids, *self.awards]))

    def rows(self) -> Iterator[tuple[str, Row]]:
        """Every source row of the procedure, with its table (for accounting and rejects)."""
        yield "procedimientos", self.procedure
        for table, rows in (("items", self.items), ("ofertas", self.bids), ("adjudicaciones", self.awards),
                            ("contratos", self.contracts), ("documentos", self.documents)):
            for row in rows:
                yield table, row
        for rows in self.amendments.values():
            for row in rows:
                yield "modificaciones_contrato", row
        for rows in self.payments.values():
            for row in rows:
                yield "pagos", row


def staged(table: str, row: Row) -> Staged:
    """How a row of ``table`` is staged: the code it is read back by (its procedure's, or for the children
    of contracts their contract's, or a lookup row's own key), its contract's code, and its pickle. Made
    where the row is typed: in a worker, when there are several."""
    body = pickle.dumps(row, protocol=pickle.HIGHEST_PROTOCOL)
    if table == "procedimientos":
        return row["codigo"], None, body
    if table in BY_PROCEDURE:
        return row[BY_PROCEDURE[table]], row.get("codigo_contrato"), body
    if table in BY_CONTRACT:
        return row[BY_CONTRACT[table]], None, body
    return row[LOOKUPS[table]], None, body


class Staging:
    """A temporary on-disk store of accepted rows, read back as :class:`Bundle` objects."""

    def __init__(self, directory: Path | None = None, supplier_cache: int = 50_000) -> None:
        self._scratch = Scratch("ocds-staging-", directory)
        self._path = self._scratch.path / "staging.sqlite"
        self._db, self._pid = self._scratch.database("staging.sqlite"), os.getpid()
        for table in [*BY_PROCEDURE, *BY_CONTRACT, *LOOKUPS, "procedimientos"]:
            self.db.execute(f'CREATE TABLE "{table}" (k TEXT, k2 TEXT, seq INTEGER PRIMARY KEY, line INTEGER, body BLOB)')
        self.entities: dict[str, Row] = {}
        self.projects: dict[str, Row] = {}
        self._lookup_digests: dict[tuple[str, str], bytes] = {}  # entidades and proyectos rows
        self._pending: dict[str, list[tuple]] = {}
        self._supplier_cache: OrderedDict[str, Row | None] = OrderedDict()
        self._supplier_cache_size = supplier_cache
        self.counts: dict[str, int] = {}

    @property
    def db(self) -> sqlite3.Connection:
        """The staging file's connection for this process: a forked worker opens its own."""
        if self._pid != os.getpid():
            self._db, self._pid = sqlite3.connect(self._path), os.getpid()
        return self._db

    def add(self, table: str, line: int, staged: Staged) -> None:
        """Stage one accepted row of ``table`` as :func:`staged` encoded it; ``line`` is its source line."""
        key, key2, body = staged
        self.counts[table] = self.counts.get(table, 0) + 1
        if table in ("entidades", "proyectos"):
            (self.entities if table == "entidades" else self.projects)[key] = _row(line, body)
            self._lookup_digests[table, key] = _digest(body)
            return
        batch = self._pending.setdefault(table, [])
        batch.append((key, key2, line, body))
        if len(batch) >= 5000:
            self._flush(table)

    def _flush(self, table: str) -> None:
        batch = self._pending.pop(table, [])
        if batch:
            self.db.executemany(f'INSERT INTO "{table}" (k, k2, line, body) VALUES (?, ?, ?, ?)', batch)

    def finish(self) -> None:
        """Write pending rows and index them for the ordered reads."""
        for table in list(self._pending):
            self._flush(table)
        for table in [*BY_PROCEDURE, *BY_CONTRACT, *LOOKUPS, "procedimientos"]:
            self.db.execute(f'CREATE INDEX "{table}_k" ON "{table}" (k, seq)')
        self.db.execute('CREATE INDEX "contratos_k2" ON "contratos" (k2)')
        self.db.commit()

    def _supplier(self, ruc: str) -> tuple[Row, bytes] | None:
        """A proveedores row by RUC and its digest, through a bounded LRU cache."""
        cache = self._supplier_cache
        if ruc in cache:
            cache.move_to_end(ruc)
            return cache[ruc]
        found = self.db.execute('SELECT line, body FROM "proveedores" WHERE k = ? ORDER BY seq LIMIT 1', (ruc,)).fetchone()
        cache[ruc] = entry = (_row(*found), _digest(found[1])) if found else None
        if len(cache) > self._supplier_cache_size:
            cache.popitem(last=False)
        return entry

    def supplier(self, ruc: str) -> Row | None:
        """A proveedores row by RUC."""
        entry = self._supplier(ruc)
        return entry[0] if entry else None

    def digest(self, table: str, key: str | None) -> bytes:
        """The digest of a lookup row (entidades, proyectos, proveedores) as staged; empty when there is none."""
        if table == "proveedores":
            entry = self._supplier(key)
            return entry[1] if entry else b""
        return self._lookup_digests.get((table, key), b"")

    def ranges(self, size: int) -> list[CodeRange]:
        """The staged procedure codes cut in consecutive ranges of ``size`` procedures, in code order."""
        starts = [code for (code,) in self.db.execute(
            'SELECT k FROM (SELECT k, row_number() OVER (ORDER BY k, seq) - 1 AS n FROM "procedimientos") WHERE n % ? = 0',
            (size,))]
        return list(zip([None, *starts[1:]], [*starts[1:], None])) if starts else []

    def bundles(self, codes: CodeRange = (None, None)) -> Iterator[Bundle]:
        """Yield one bundle per staged procedure, ordered by procedure code; ``codes`` limits them to
        those from its first code (included) to its second (excluded), None meaning no limit."""
        children = {t: _Groups(self._read(f'SELECT k, line, body FROM "{t}" {{where}} ORDER BY k, seq', "k", codes))
                    for t in BY_PROCEDURE}
        by_contract = {
            t: _Groups(self._read(
                f'SELECT c.k, x.line, x.body FROM "{t}" x JOIN "contratos" c ON c.k2 = x.k {{where}} ORDER BY c.k, x.k, x.seq',
                "c.k", codes))
            for t in BY_CONTRACT
        }
        for (code, line, body) in self._read('SELECT k, line, body FROM "procedimientos" {where} ORDER BY k, seq', "k", codes):
            procedure = _row(line, body)
            digest = hashlib.blake2b(body, digest_size=16)
            bundle = Bundle(
                procedure=procedure,
                entity=self.entities[procedure["ruc_entidad"]],
                project=self.projects.get(procedure.get("codigo_proyecto")),
                items=children["items"].take(code, digest),
                bids=children["ofertas"].take(code, digest),
                awards=children["adjudicaciones"].take(code, digest),
                contracts=children["contratos"].take(code, digest),
                documents=children["documentos"].take(code, digest),
            )
            for table, target in (("modificaciones_contrato", bundle.amendments), ("pagos", bundle.payments)):
                for row in by_contract[table].take(code, digest):
                    target.setdefault(row["codigo_contrato"], []).append(row)
            bundle.digest = digest.digest()
            yield bundle

    def _read(self, sql: str, column: str, codes: CodeRange) -> sqlite3.Cursor:
        """Run ``sql``, its ``{where}`` limiting ``column`` (a procedure code) to ``codes``."""
        low, high = codes
        limits = [*([f"{column} >= :low"] if low is not None else []), *([f"{column} < :high"] if high is not None else [])]
        return self.db.execute(sql.format(where=f"WHERE {' AND '.join(limits)}" if limits else ""), {"low": low, "high": high})

    def close(self) -> None:
        self._db.close()
        self._scratch.cleanup()

    def __enter__(self) -> "Staging":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Groups:
    """Consumes a cursor ordered by key: ``take(key)`` returns that key's rows (keys ascending)."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self.cursor = cursor
        self.head = cursor.fetchone()

    def take(self, key: str, digest: "hashlib._Hash") -> list[Row]:
        """That key's rows; their pickles, each with its length, then their count, go into ``digest``."""
        rows = []
        while self.head is not None and self.head[0] < key:
            # Foreign keys were checked, so every staged child has a procedure; skip defensively.
            self.head = self.cursor.fetchone()
        while self.head is not None and self.head[0] == key:
            _, line, body = self.head
            digest.update(len(body).to_bytes(4, "big"))
            digest.update(body)
            rows.append(_row(line, body))
            self.head = self.cursor.fetchone()
        digest.update(len(rows).to_bytes(4, "big"))
        return rows


def _row(line: int, body: bytes) -> Row:
    row = pickle.loads(body)
    row["_line"] = line
    return row


def _digest(body: bytes) -> bytes:
    return hashlib.blake2b(body, digest_size=16).digest()
