"""Property: after any sequence of daily exports, every process compiles as a fresh store fed the last
export alone compiles it (docs/store.md), whatever was changed, cleared, deleted, added or backdated."""

from __future__ import annotations

import csv
import tempfile
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import orjson
from hypothesis import given, settings, strategies as st

from ocds_pipeline.compile import Merger
from ocds_pipeline.config import Config
from ocds_pipeline.extensions import patched_release_schema
from ocds_pipeline.mapping import map_processes
from ocds_pipeline.pipeline import Reconciler
from ocds_pipeline.schemas import SchemaResolver
from ocds_pipeline.sources import Accounting, RejectLog
from ocds_pipeline.sources.casting import ECUADOR
from ocds_pipeline.store import Store
from tests.conftest import FIXTURES
from tests.store.agreement import assert_agrees

TABLES = ["entidades", "proveedores", "proyectos", "procedimientos", "items", "ofertas", "adjudicaciones",
          "contratos", "modificaciones_contrato", "pagos", "documentos"]
SCHEMA = patched_release_schema(SchemaResolver.from_env())
MERGER = Merger(SCHEMA)
START = datetime(2026, 12, 1, 6, 0, tzinfo=ECUADOR)


def _read(table: str) -> tuple[list[str], list[dict[str, str]]]:
    with open(FIXTURES / f"{table}.csv", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


def _base() -> tuple[dict[str, list[str]], dict[str, list[dict[str, str]]]]:
    """Six fixture procedures between them holding amendments, payments, bids, lots, items and documents."""
    fields, rows = {}, {}
    for table in TABLES:
        fields[table], rows[table] = _read(table)
    contract_of = {c["codigo_contrato"]: c["codigo_procedimiento"] for c in rows["contratos"]}
    amended = {contract_of[a["codigo_contrato"]] for a in rows["modificaciones_contrato"]}
    paid = {contract_of[p["codigo_contrato"]] for p in rows["pagos"]}
    bid = {o["codigo_procedimiento"] for o in rows["ofertas"]}
    lots = {a["codigo_procedimiento"] for a in rows["adjudicaciones"] if a["lote"] != "1"}
    cancelled = {p["codigo"] for p in rows["procedimientos"] if p["estado"] in ("Cancelado", "Desierto")}
    chosen = sorted(amended & paid)[:2] + sorted((bid & paid) - amended)[:2] + sorted(lots)[:1] + sorted(cancelled)[:1]
    keep = {"procedimientos": "codigo", "items": "codigo_procedimiento", "ofertas": "codigo_procedimiento",
            "adjudicaciones": "codigo_procedimiento", "contratos": "codigo_procedimiento", "documentos": "codigo_procedimiento"}
    for table, column in keep.items():
        rows[table] = [r for r in rows[table] if r[column] in chosen]
    contracts = {c["codigo_contrato"] for c in rows["contratos"]}
    for table in ("modificaciones_contrato", "pagos"):
        rows[table] = [r for r in rows[table] if r["codigo_contrato"] in contracts]
    # Only the lookup rows they read, so that an edit of one reaches a process (and must be published).
    suppliers = {r["ruc_proveedor"] for r in rows["ofertas"] + rows["adjudicaciones"]}
    rows["proveedores"] = [r for r in rows["proveedores"] if r["ruc"] in suppliers]
    rows["entidades"] = [r for r in rows["entidades"] if r["ruc"] in {p["ruc_entidad"] for p in rows["procedimientos"]}]
    return fields, rows


FIELDS, BASE = _base()

# What an edit may touch: (table, column) pairs, by kind of edit.
CHANGES = [("procedimientos", "objeto"), ("procedimientos", "descripcion"), ("procedimientos", "presupuesto_referencial"),
           ("adjudicaciones", "monto"), ("contratos", "monto"), ("contratos", "plazo_dias"), ("pagos", "monto"),
           ("items", "descripcion"), ("items", "cantidad"), ("modificaciones_contrato", "justificacion"),
           ("documentos", "titulo"), ("proveedores", "nombre"), ("adjudicaciones", "estado"), ("entidades", "nombre")]
CLEARS = [("procedimientos", "descripcion"), ("procedimientos", "presupuesto_referencial"), ("items", "unidad"),
          ("adjudicaciones", "estado"), ("contratos", "plazo_dias"), ("modificaciones_contrato", "justificacion"),
          ("procedimientos", "codigo_proyecto")]
DELETES = ["adjudicaciones", "contratos", "pagos", "modificaciones_contrato", "items", "ofertas", "documentos"]
ADDS = ["pagos", "modificaciones_contrato", "documentos", "items"]
BACKDATES = [("adjudicaciones", "fecha_adjudicacion"), ("pagos", "fecha"), ("contratos", "fecha_suscripcion"),
             ("procedimientos", "fecha_publicacion"), ("modificaciones_contrato", "fecha")]


def _new_value(table: str, column: str, number: int, rows: list[dict[str, str]]) -> str:
    if column in ("monto", "presupuesto_referencial", "cantidad"):
        return str(Decimal(1000 + number * 37) / 4)
    if column == "plazo_dias":
        return str(30 + number)
    if column == "estado":
        return ["Adjudicado", "", "Anulado"][number % 3]
    return f"Texto corregido {number}"


def _earlier(text: str, days: int) -> str:
    fmt = "%Y-%m-%d %H:%M:%S" if " " in text else "%Y-%m-%d"
    return (datetime.strptime(text, fmt) - timedelta(days=days)).strftime(fmt)


def _next_number(rows: list[dict[str, str]], key: str, value: str) -> str:
    return str(max([int(r["numero"]) for r in rows if r[key] == value] or [0]) + 1)


def apply_edit(export: dict[str, list[dict[str, str]]], edit: tuple) -> None:
    """Apply one edit in place; indexes wrap around, and an edit of an empty table does nothing."""
    kind, what, index, number = edit
    if kind in ("change", "clear", "backdate"):
        table, column = what
        rows = export[table]
        if not rows:
            return
        row = rows[index % len(rows)]
        if kind == "change":
            row[column] = _new_value(table, column, number, rows)
        elif kind == "clear":
            row[column] = ""
        elif row[column]:
            row[column] = _earlier(row[column], 1 + number % 40)
        return
    rows = export[what]
    if kind == "delete":
        if rows:
            rows.pop(index % len(rows))
        return
    parent = {"pagos": "codigo_contrato", "modificaciones_contrato": "codigo_contrato",
              "documentos": "codigo_procedimiento", "items": "codigo_procedimiento"}[what]
    source = rows or (export["contratos"] if parent == "codigo_contrato" else export["procedimientos"])
    if not source:
        return
    template = dict(rows[index % len(rows)]) if rows else None
    owner = source[index % len(source)][parent]
    if template is None:
        return
    template[parent] = owner
    template["numero"] = _next_number(rows, parent, owner)
    if what in ("pagos", "modificaciones_contrato"):
        template["fecha"] = (START.date() - timedelta(days=number % 90)).isoformat()
    rows.append(template)


edits = st.one_of(
    st.tuples(st.just("change"), st.sampled_from(CHANGES), st.integers(0, 50), st.integers(0, 1000)),
    st.tuples(st.just("clear"), st.sampled_from(CLEARS), st.integers(0, 50), st.integers(0, 1000)),
    st.tuples(st.just("delete"), st.sampled_from(DELETES), st.integers(0, 50), st.integers(0, 1000)),
    st.tuples(st.just("add"), st.sampled_from(ADDS), st.integers(0, 50), st.integers(0, 1000)),
    st.tuples(st.just("backdate"), st.sampled_from(BACKDATES), st.integers(0, 50), st.integers(0, 1000)),
)


def write_export(folder: Path, export: dict[str, list[dict[str, str]]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in export.items():
        with open(folder / f"{table}.csv", "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=FIELDS[table], lineterminator="\r\n")
            writer.writeheader()
            writer.writerows(rows)


def feed(store: Store, folder: Path, now: datetime) -> Reconciler:
    """What `run` does to the store for one export (without publishing files): processes whose source it
    reconciled before are not mapped again."""
    reconciler = Reconciler(store, store.start_run("map", str(folder)), SCHEMA, now)
    reconciler.add(list(map_processes(folder, Config(), rejects=RejectLog(), accounting=Accounting(),
                                      reconciled=store.reconciled)))
    return reconciler


def compiled(store: Store) -> dict[str, dict]:
    return {ocid: MERGER.compiled([orjson.loads(b) for b in bodies]) for ocid, bodies in store.releases_by_ocid()}


@settings(max_examples=40)
@given(st.lists(st.lists(edits, min_size=0, max_size=4), min_size=1, max_size=3))
def test_daily_runs_agree_with_a_fresh_store_fed_the_last_export(days):
    export = {table: [dict(row) for row in rows] for table, rows in BASE.items()}
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        store = Store(str(work / "store.sqlite"))
        write_export(work / "day0", export)
        feed(store, work / "day0", START)
        for number, day in enumerate(days, start=1):
            for edit in day:
                apply_edit(export, edit)
            write_export(work / f"day{number}", export)
            reconciler = feed(store, work / f"day{number}", START + timedelta(days=number))
            assert not reconciler.errors
        again = feed(store, work / f"day{len(days)}", START + timedelta(days=len(days) + 1))
        assert again.added == 0  # reconciled: the same export adds nothing
        fresh = Store(str(work / "fresh.sqlite"))
        feed(fresh, work / f"day{len(days)}", START)
        ours, theirs = compiled(store), compiled(fresh)
        for ocid, release in theirs.items():
            assert_agrees(ours[ocid], release)
        store.close()
        fresh.close()
