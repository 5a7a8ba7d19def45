"""Daily runs do not map again a process whose source rows did not change (docs/store.md): what its
mapping reads is kept in the store as a digest, and only a change to it maps the process again."""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from sqlalchemy import delete, text

from ocds_pipeline.config import Config
from ocds_pipeline.extensions import patched_release_schema
from ocds_pipeline.mapping import MappingStats, make_ocid, map_processes
from ocds_pipeline import resources
from ocds_pipeline.mapping import fingerprint
from ocds_pipeline.pipeline import Reconciler
from ocds_pipeline.schemas import SchemaResolver
from ocds_pipeline.sources import Accounting, RejectLog
from ocds_pipeline.sources.casting import ECUADOR
from ocds_pipeline.store import Store, tables
from ocds_pipeline.store.incremental import mapping_digest
from tests.conftest import FIXTURES
from tests.store.test_corrections import read, write
from tests.store.test_corrections_properties import BASE, apply_edit, edits, write_export

CONFIG = Config()
SCHEMA = patched_release_schema(SchemaResolver.from_env())
NOW = datetime(2026, 12, 1, 6, 0, tzinfo=ECUADOR)


def day(store: Store, folder: Path) -> tuple[set[str], MappingStats, Reconciler]:
    """What `run` does to the store for one export: the processes it mapped, its counts, what it added."""
    stats = MappingStats()
    reconciler = Reconciler(store, store.start_run("map", str(folder)), SCHEMA, NOW)
    mapped = list(map_processes(folder, CONFIG, rejects=RejectLog(), accounting=Accounting(), stats=stats,
                                reconciled=store.reconciled))
    reconciler.add(mapped)
    return {process.ocid for process in mapped}, stats, reconciler


def ocid(code: str) -> str:
    return make_ocid(CONFIG.ocid_prefix, code)


@pytest.fixture
def day_one(tmp_path) -> tuple[Store, MappingStats]:
    store = Store(str(tmp_path / "store.sqlite"))
    mapped, stats, _ = day(store, FIXTURES)
    assert len(mapped) == stats.processes == 240 and stats.unchanged == 0
    yield store, stats
    store.close()


def test_the_same_export_maps_nothing_and_counts_the_same(day_one):
    store, first = day_one
    mapped, stats, reconciler = day(store, FIXTURES)
    assert mapped == set() and reconciler.added == 0
    assert stats.unchanged == stats.processes == 240
    # The counts come from each process's stored outline: the summary reads the same.
    assert (stats.releases, stats.tags, stats.unused) == (first.releases, first.tags, first.unused)


def test_rows_that_only_moved_in_their_files_map_nothing(day_one, tmp_path):
    store, _ = day_one
    folder = tmp_path / "moved"
    shutil.copytree(FIXTURES, folder)
    for table in ("procedimientos", "entidades", "proveedores"):
        fields, rows = read(folder, table)
        write(folder, table, fields, rows[::-1])
    for table, key in (("ofertas", "codigo_procedimiento"), ("pagos", "codigo_contrato")):
        fields, rows = read(folder, table)  # other processes' rows around each process's own, kept in their order
        write(folder, table, fields, sorted(rows, key=lambda row: row[key], reverse=True))
    fields, procedures = read(folder, "procedimientos")
    new = dict(procedures[-1], codigo="SIE-NUEVO-2026-001")  # and a new procedure at the top of its file
    write(folder, "procedimientos", fields, [new, *procedures])
    mapped, stats, _ = day(store, folder)
    assert mapped == {ocid("SIE-NUEVO-2026-001")}
    assert stats.unchanged == 240 and stats.processes == 241


def test_a_lookup_row_maps_again_only_the_processes_that_read_it(day_one, tmp_path):
    store, _ = day_one
    folder = tmp_path / "renamed"
    shutil.copytree(FIXTURES, folder)
    _, bids = read(folder, "ofertas")
    _, awards = read(folder, "adjudicaciones")
    fields, suppliers = read(folder, "proveedores")
    named = {row["ruc_proveedor"]: set() for row in bids + awards}
    for row in bids + awards:
        named[row["ruc_proveedor"]].add(row["codigo_procedimiento"])
    supplier = next(row for row in suppliers if 1 < len(named.get(row["ruc"], ())) < 10)
    supplier["nombre"] += " S.A."
    write(folder, "proveedores", fields, suppliers)
    fields, entities = read(folder, "entidades")
    _, procedures = read(folder, "procedimientos")
    entity = next(row for row in entities if 0 < sum(p["ruc_entidad"] == row["ruc"] for p in procedures) < 10)
    entity["nombre"] = entity["nombre"].upper() + " (EP)"
    write(folder, "entidades", fields, entities)

    fields, projects = read(folder, "proyectos")
    project = next(row for row in projects if any(p["codigo_proyecto"] == row["codigo_proyecto"] for p in procedures))
    project["nombre"] += " - segunda fase"
    write(folder, "proyectos", fields, projects)

    expected = (named[supplier["ruc"]] | {p["codigo"] for p in procedures if p["ruc_entidad"] == entity["ruc"]}
                | {p["codigo"] for p in procedures if p["codigo_proyecto"] == project["codigo_proyecto"]})
    mapped, stats, reconciler = day(store, folder)
    assert mapped == {ocid(code) for code in expected}
    assert stats.unchanged == 240 - len(expected)
    assert reconciler.corrections == len(expected)  # each of them publishes the new name
    assert day(store, folder)[0] == set()  # and is known by its new source from then on


def test_the_mapping_fingerprint_follows_what_mapping_depends_on(monkeypatch, tmp_path):
    base = fingerprint.mapping_fingerprint(CONFIG.ocid_prefix)
    assert fingerprint.mapping_fingerprint(CONFIG.ocid_prefix) == base
    assert fingerprint.mapping_fingerprint("ocds-otro01") != base
    monkeypatch.setattr(fingerprint, "__version__", "9.9.9")
    assert fingerprint.mapping_fingerprint(CONFIG.ocid_prefix) != base
    monkeypatch.undo()
    # The mapping files and the code that applies them are in it, by content: in a copy of the
    # checkout, one more byte in any of them changes it.
    checkout = tmp_path / "checkout"
    for part in ("mappings/sercop", *fingerprint.CODE):
        source, target = resources.ROOT / part, checkout / part
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source, target) if source.is_dir() else shutil.copyfile(source, target)
    monkeypatch.setattr(resources, "ROOT", checkout)
    copied = fingerprint.mapping_fingerprint(CONFIG.ocid_prefix)
    for edited in ("mappings/sercop/awards.yaml", "mappings/sercop/codelists/procedure_types.csv",
                   "ocds_pipeline/mapping/lifecycle.py", "ocds_pipeline/procedure_types.py"):
        path = checkout / edited
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert fingerprint.mapping_fingerprint(CONFIG.ocid_prefix) != copied, edited
        path.write_bytes(original)
    assert fingerprint.mapping_fingerprint(CONFIG.ocid_prefix) == copied


def test_a_store_from_before_source_digests_maps_each_process_once_more(store_url):
    store = Store(store_url)
    day(store, FIXTURES)
    with store.engine.begin() as connection:  # the store as version 5 left it
        for column in ("source", "outline"):
            connection.execute(text(f"ALTER TABLE processes DROP COLUMN {column}"))
        connection.execute(delete(tables.schema_version).where(tables.schema_version.c.version == 6))
    store.close()
    store = Store(store_url)  # migration 6 adds the columns, empty
    mapped, stats, reconciler = day(store, FIXTURES)
    assert len(mapped) == 240 and stats.unchanged == 0 and reconciler.added == 0
    mapped, stats, _ = day(store, FIXTURES)
    assert mapped == set() and stats.unchanged == 240
    store.close()



# Edits of the lookup rows a process reads, besides its own rows: the digest must follow those too.
lookup_edits = st.tuples(st.just("change"), st.sampled_from([("proveedores", "nombre"), ("entidades", "nombre"),
                                                             ("proyectos", "nombre")]), st.integers(0, 50), st.integers(0, 1000))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(lookup_edits, edits), min_size=1, max_size=3))
def test_a_process_not_mapped_again_would_map_to_the_releases_it_was_reconciled_with(edited):
    """The invariant behind the skip: whatever was edited, every process a run does not map again maps,
    from scratch, to the release ids it was last reconciled with."""
    export = {table: [dict(row) for row in rows] for table, rows in BASE.items()}
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        write_export(work / "day0", export)
        store = Store(str(work / "store.sqlite"))
        day(store, work / "day0")
        for edit in edited:
            apply_edit(export, edit)
        write_export(work / "day1", export)
        options = {"rejects": RejectLog(), "accounting": Accounting()}
        mapped = {p.ocid for p in map_processes(work / "day1", CONFIG, reconciled=store.reconciled, **options)}
        scratch = {p.ocid: mapping_digest(p.releases) for p in map_processes(work / "day1", CONFIG, **options)}
        skipped = scratch.keys() - mapped
        assert {ocid: scratch[ocid] for ocid in skipped} == store.mappings(skipped)
        store.close()
