"""Delta exports (docs/store.md): a day's export that holds only the changed procedures (a folder of CSV
files, or a database read with --modified-since) publishes what the full export of that day publishes."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from ocds_pipeline.config import Config
from ocds_pipeline.pipeline import run
from ocds_pipeline.schemas import SchemaResolver
from ocds_pipeline.sources import SourceError
from ocds_pipeline.sources.casting import ECUADOR
from ocds_pipeline.store import Store
from tests.conftest import FIXTURES
from tests.store.test_corrections import read as rows, write
from tests.sources.test_readers import load_into_sqlite

CONFIG = Config()
NOW = datetime(2026, 12, 1, 6, 0, tzinfo=ECUADOR)
MODIFIED = "2026-11-30 10:00:00"
CHILDREN = {"items": "codigo_procedimiento", "ofertas": "codigo_procedimiento", "adjudicaciones": "codigo_procedimiento",
            "contratos": "codigo_procedimiento", "documentos": "codigo_procedimiento"}


def day_two(folder: Path) -> set[str]:
    """The fixtures a day later: two procedures retitled, one paid once more, each marked modified. Their codes."""
    shutil.copytree(FIXTURES, folder)
    fields, procedures = rows(folder, "procedimientos")
    _, contracts = rows(folder, "contratos")
    contracted = {c["codigo_procedimiento"]: c["codigo_contrato"] for c in contracts}
    retitled = [p for p in procedures if p["codigo"] not in contracted][:2]
    paid = next(p for p in procedures if p["codigo"] in contracted)
    for procedure in retitled:
        procedure["objeto"] += " (reformado)"
    for procedure in [*retitled, paid]:
        procedure["fecha_ultima_modificacion"] = MODIFIED
    write(folder, "procedimientos", fields, procedures)
    fields, payments = rows(folder, "pagos")
    payments.append({"codigo_contrato": contracted[paid["codigo"]], "numero": "99", "fecha": "2026-11-30",
                     "monto": "1000.00", "concepto": "Planilla"})
    write(folder, "pagos", fields, payments)
    return {p["codigo"] for p in [*retitled, paid]}


def delta(full: Path, codes: set[str], target: Path) -> None:
    """The changed procedures' rows, their suppliers and entities, and only the works projects they name."""
    target.mkdir(parents=True)
    fields, procedures = rows(full, "procedimientos")
    write(target, "procedimientos", fields, [p for p in procedures if p["codigo"] in codes])
    contracts = set()
    for table, column in CHILDREN.items():
        fields, data = rows(full, table)
        kept = [row for row in data if row[column] in codes]
        contracts |= {row["codigo_contrato"] for row in kept if table == "contratos"}
        write(target, table, fields, kept)
    for table in ("pagos", "modificaciones_contrato"):
        fields, data = rows(full, table)
        write(target, table, fields, [row for row in data if row["codigo_contrato"] in contracts])
    for table in ("entidades", "proveedores"):
        shutil.copy(full / f"{table}.csv", target / f"{table}.csv")
    fields, projects = rows(full, "proyectos")
    named = {p["codigo_proyecto"] for p in procedures if p["codigo"] in codes}
    write(target, "proyectos", fields, [p for p in projects if p["codigo_proyecto"] in named])


def daily(tmp_path: Path, name: str, day_one: str | Path, day_two: str | Path, **options) -> tuple[Path, object]:
    """Day one, then day two, into a store of their own; the run --out folder and day two's result."""
    out, store = tmp_path / f"{name}-out", str(tmp_path / f"{name}.sqlite")
    run(day_one, out, CONFIG, SchemaResolver.from_env(), store_url=store, now=NOW)
    return out, run(day_two, out, CONFIG, SchemaResolver.from_env(), store_url=store, now=NOW, **options)


def release_ids(store: str) -> set[tuple[str, str]]:
    opened = Store(store)
    try:
        return {(ocid, release_id) for ocid, release_id, _, _ in opened.release_headers()}
    finally:
        opened.close()


PUBLISHED = ("compiled.jsonl", "releases.jsonl", "projects.json", "projects.csv")


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    """Day one and the full export of day two, into one store: what a delta must publish."""
    base = tmp_path_factory.mktemp("delta")
    codes = day_two(base / "day2")
    out, second = daily(base, "full", FIXTURES, base / "day2")
    return base, codes, out, second


def test_a_csv_delta_export_publishes_what_the_full_export_does(full, tmp_path):
    base, codes, expected, _ = full
    delta(base / "day2", codes, tmp_path / "delta")
    out, second = daily(tmp_path, "delta", FIXTURES, tmp_path / "delta")
    assert second.summary.mapping.processes == len(codes) == 3
    assert second.summary.accounting.table("procedimientos").read == 3
    for name in PUBLISHED:  # projects the delta does not name are kept from the store
        assert (out / name).read_bytes() == (expected / name).read_bytes(), name
    assert release_ids(str(tmp_path / "delta.sqlite")) == release_ids(str(base / "full.sqlite"))


def test_a_database_read_since_a_date_publishes_what_the_full_export_does(full, tmp_path):
    base, codes, expected, full_second = full
    load_into_sqlite(FIXTURES, tmp_path / "soce.db")
    url = f"sqlite:///{tmp_path / 'soce.db'}"
    out, store = tmp_path / "db-out", str(tmp_path / "db.sqlite")
    run(url, out, CONFIG, SchemaResolver.from_env(), store_url=store, now=NOW)
    with sqlite3.connect(tmp_path / "soce.db") as connection:  # SERCOP's database a day later
        for table in ("procedimientos", "pagos"):
            connection.execute(f'DELETE FROM "{table}"')
            fields, data = rows(base / "day2", table)
            connection.executemany(f'INSERT INTO "{table}" VALUES ({", ".join("?" for _ in fields)})',
                                   [[row[f] or None for f in fields] for row in data])
    second = run(url, out, CONFIG, SchemaResolver.from_env(), store_url=store, now=NOW,
                 modified_since=MODIFIED[:10] + " 00:00:00")
    mapping = second.summary.mapping
    assert (mapping.processes, mapping.unchanged) == (3, 0)
    read = {table: counts["read"] for table, counts in second.summary.accounting.as_dict().items()}
    assert read["procedimientos"] == 3 and read["pagos"] == sum(
        1 for row in rows(base / "day2", "pagos")[1] if row["codigo_contrato"] in {
            c["codigo_contrato"] for c in rows(FIXTURES, "contratos")[1] if c["codigo_procedimiento"] in codes})
    assert read["proveedores"] == len(rows(FIXTURES, "proveedores")[1])  # lookups whole
    for name in PUBLISHED:
        assert (out / name).read_bytes() == (expected / name).read_bytes(), name
    assert (second.added, second.updates) == (full_second.added, full_second.updates)


def test_modified_since_is_refused_for_a_folder_of_csv_files(tmp_path):
    with pytest.raises(SourceError, match="--modified-since selects a delta in a database source"):
        run(FIXTURES, tmp_path / "out", CONFIG, SchemaResolver.from_env(), store_url=str(tmp_path / "s.sqlite"),
            modified_since="2026-11-30 00:00:00")


def test_the_command_line_takes_a_date_and_refuses_a_csv_folder(tmp_path):
    from click.testing import CliRunner

    from ocds_pipeline.cli import main

    result = CliRunner().invoke(main, ["run", str(FIXTURES), "--out", str(tmp_path / "out"), "--store",
                                       str(tmp_path / "s.sqlite"), "--modified-since", "2026-11-30"])
    assert result.exit_code == 2 and "--modified-since selects a delta in a database source" in result.output
    result = CliRunner().invoke(main, ["check", str(FIXTURES), "--modified-since", "30/11/2026"])
    assert result.exit_code == 2 and "'30/11/2026' does not match the formats" in result.output


def test_an_empty_delta_adds_nothing_and_keeps_what_the_store_has(tmp_path):
    from click.testing import CliRunner

    from ocds_pipeline.cli import main

    load_into_sqlite(FIXTURES, tmp_path / "soce.db")
    args = [f"sqlite:///{tmp_path / 'soce.db'}", "--out", str(tmp_path / "out"), "--store", str(tmp_path / "s.sqlite")]
    assert CliRunner().invoke(main, ["run", *args]).exit_code == 0
    before = (tmp_path / "out" / "compiled.jsonl").read_bytes()
    result = CliRunner().invoke(main, ["--quiet", "run", *args, "--modified-since", "2099-01-01"])
    assert result.exit_code == 0, result.output
    assert "added 0 releases" in result.output and "\n0 processes, 0 releases" in result.output
    assert (tmp_path / "out" / "compiled.jsonl").read_bytes() == before
