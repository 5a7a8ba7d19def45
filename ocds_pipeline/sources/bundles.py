"""Group accepted source rows into one bundle per procedure, with flat memory.

Rows are staged in a temporary SQLite file (pickled, keyed by procedure or contract code), then
read back ordered by procedure code with one sorted cursor per child table, merge-joined. Only
the small lookup tables (entidades, proyectos) and a bounded cache of suppliers stay in memory.
"""

from __future__ import annotations

import pickle
import sqlite3
import tempfile
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

Row = dict[str, Any]

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


class Staging:
    """A temporary on-disk store of accepted rows, read back as :class:`Bundle` objects."""

    def __init__(self, directory: Path | None = None, supplier_cache: int = 50_000) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="ocds-staging-", dir=directory)
        self.db = sqlite3.connect(Path(self._tmp.name) / "staging.sqlite")
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        for table in [*BY_PROCEDURE, *BY_CONTRACT, *LOOKUPS, "procedimientos"]:
            self.db.execute(f'CREATE TABLE "{table}" (k TEXT, k2 TEXT, seq INTEGER PRIMARY KEY, body BLOB)')
        self.entities: dict[str, Row] = {}
        self.projects: dict[str, Row] = {}
        self._pending: dict[str, list[tuple]] = {}
        self._supplier_cache: OrderedDict[str, Row | None] = OrderedDict()
        self._supplier_cache_size = supplier_cache
        self.counts: dict[str, int] = {}

    def add(self, table: str, line: int, row: Row) -> None:
        """Stage one accepted row of ``table``, remembering its source line as ``row["_line"]``."""
        row["_line"] = line
        self.counts[table] = self.counts.get(table, 0) + 1
        if table == "entidades":
            self.entities[row["ruc"]] = row
            return
        if table == "proyectos":
            self.projects[row["codigo_proyecto"]] = row
            return
        if table == "procedimientos":
            key, key2 = row["codigo"], None
        elif table in BY_PROCEDURE:
            key, key2 = row[BY_PROCEDURE[table]], row.get("codigo_contrato")
        elif table in BY_CONTRACT:
            key, key2 = row[BY_CONTRACT[table]], None
        else:
            key, key2 = row[LOOKUPS[table]], None
        batch = self._pending.setdefault(table, [])
        batch.append((key, key2, pickle.dumps(row, protocol=pickle.HIGHEST_PROTOCOL)))
        if len(batch) >= 5000:
            self._flush(table)

    def _flush(self, table: str) -> None:
        batch = self._pending.pop(table, [])
        if batch:
            self.db.executemany(f'INSERT INTO "{table}" (k, k2, body) VALUES (?, ?, ?)', batch)

    def finish(self) -> None:
        """Write pending rows and index them for the ordered reads."""
        for table in list(self._pending):
            self._flush(table)
        for table in [*BY_PROCEDURE, *BY_CONTRACT, *LOOKUPS, "procedimientos"]:
            self.db.execute(f'CREATE INDEX "{table}_k" ON "{table}" (k, seq)')
        self.db.execute('CREATE INDEX "contratos_k2" ON "contratos" (k2)')
        self.db.commit()

    def supplier(self, ruc: str) -> Row | None:
        """A proveedores row by RUC, through a bounded LRU cache."""
        cache = self._supplier_cache
        if ruc in cache:
            cache.move_to_end(ruc)
            return cache[ruc]
        found = self.db.execute('SELECT body FROM "proveedores" WHERE k = ? ORDER BY seq LIMIT 1', (ruc,)).fetchone()
        row = pickle.loads(found[0]) if found else None
        cache[ruc] = row
        if len(cache) > self._supplier_cache_size:
            cache.popitem(last=False)
        return row

    def suppliers(self) -> Iterator[Row]:
        for (body,) in self.db.execute('SELECT body FROM "proveedores" ORDER BY seq'):
            yield pickle.loads(body)

    def _grouped(self, sql: str) -> "_Groups":
        return _Groups(self.db.execute(sql))

    def bundles(self) -> Iterator[Bundle]:
        """Yield one bundle per staged procedure, ordered by procedure code."""
        children = {t: self._grouped(f'SELECT k, body FROM "{t}" ORDER BY k, seq') for t in BY_PROCEDURE}
        by_contract = {
            t: self._grouped(
                f'SELECT c.k, x.body FROM "{t}" x JOIN "contratos" c ON c.k2 = x.k ORDER BY c.k, x.seq'
            )
            for t in BY_CONTRACT
        }
        for (code, body) in self.db.execute('SELECT k, body FROM "procedimientos" ORDER BY k, seq'):
            procedure = pickle.loads(body)
            bundle = Bundle(
                procedure=procedure,
                entity=self.entities[procedure["ruc_entidad"]],
                project=self.projects.get(procedure.get("codigo_proyecto")),
                items=children["items"].take(code),
                bids=children["ofertas"].take(code),
                awards=children["adjudicaciones"].take(code),
                contracts=children["contratos"].take(code),
                documents=children["documentos"].take(code),
            )
            for table, target in (("modificaciones_contrato", bundle.amendments), ("pagos", bundle.payments)):
                for row in by_contract[table].take(code):
                    target.setdefault(row["codigo_contrato"], []).append(row)
            yield bundle

    def close(self) -> None:
        self.db.close()
        self._tmp.cleanup()

    def __enter__(self) -> "Staging":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Groups:
    """Consumes a cursor ordered by key: ``take(key)`` returns that key's rows (keys ascending)."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self.cursor = cursor
        self.head = cursor.fetchone()

    def take(self, key: str) -> list[Row]:
        rows = []
        while self.head is not None and self.head[0] < key:
            # Foreign keys were checked, so every staged child has a procedure; skip defensively.
            self.head = self.cursor.fetchone()
        while self.head is not None and self.head[0] == key:
            rows.append(pickle.loads(self.head[1]))
            self.head = self.cursor.fetchone()
        return rows
