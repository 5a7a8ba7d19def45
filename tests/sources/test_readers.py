import shutil
import sqlite3
from pathlib import Path

import pytest

from ocds_pipeline.generate import generate
from ocds_pipeline.sources import (Accounting, CsvFolderReader, RejectLog, SourceError, SqlReader,
                                   check_source, iter_rows)
from ocds_pipeline.sources.readers import detect_encoding
from tests.conftest import BAD, FIXTURES


def typed_rows(reader):
    rejects, accounting = RejectLog(), Accounting()
    rows = [(table, row) for table, _, row in iter_rows(reader, rejects, accounting)]
    return rows, rejects, accounting


def test_excel_dialect_reads_the_same_as_iso(tmp_path):
    """Windows-1252, ';', decimal commas and dd/mm/yyyy give exactly the same typed rows."""
    generate(tmp_path / "iso", 120, seed=3, mix="uniform")
    generate(tmp_path / "excel", 120, seed=3, mix="uniform", dialect="excel-es")
    assert detect_encoding(tmp_path / "excel" / "procedimientos.csv") == "cp1252"
    iso, iso_rejects, _ = typed_rows(CsvFolderReader(tmp_path / "iso"))
    excel, excel_rejects, _ = typed_rows(CsvFolderReader(tmp_path / "excel"))
    assert iso_rejects.count == excel_rejects.count == 0
    # excel-es writes minutes only; the generator never uses seconds, so rows must match exactly.
    assert excel == iso


def test_utf8_bom_and_semicolons(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(BAD / "base", source)
    text = (source / "procedimientos.csv").read_text(encoding="utf-8")
    (source / "procedimientos.csv").write_text(text.replace(",", ";"), encoding="utf-8-sig")
    report = check_source(source)
    assert report.rejects.count == 0
    assert report.notes["procedimientos"][0] == "encoding utf-8-sig, delimiter ';'"


def test_wrong_explicit_encoding_is_a_clear_error(tmp_path):
    generate(tmp_path, 30, seed=1, dialect="excel-es")
    with pytest.raises(SourceError, match=r"not valid utf-8 .*pass the right --encoding"):
        check_source(tmp_path, encoding="utf-8")


def test_missing_required_column_is_a_clear_error(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(BAD / "base", source)
    lines = (source / "entidades.csv").read_text(encoding="utf-8").splitlines()
    (source / "entidades.csv").write_text("\n".join(l.rsplit(",", 1)[0] for l in lines) + "\n", encoding="utf-8")
    with pytest.raises(SourceError, match="required column 'canton' is missing"):
        check_source(source)


def test_missing_required_table_and_optional_table(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(BAD / "base", source)
    (source / "documentos.csv").unlink()
    report = check_source(source)
    assert report.missing_tables == ["documentos"]
    (source / "proveedores.csv").unlink()
    with pytest.raises(SourceError, match="required table 'proveedores' is missing"):
        check_source(source)


def test_multiline_fields_keep_their_starting_line(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(BAD / "base", source)
    path = source / "procedimientos.csv"
    header, first, second = path.read_text(encoding="utf-8").splitlines()
    first = first.replace("Licitación", '"Licitación\r\n"')
    second = second.replace("Desierto", "Archivado")
    path.write_text("\n".join([header, first, second]) + "\n", encoding="utf-8")
    report = check_source(source)
    # The bad procedure is reported at its own line (4, after a 2-line record), and its item
    # is rejected in cascade because it refers to a procedure that was not accepted.
    assert [(r.table, r.line, r.column) for r in report.rejects.examples] == [
        ("procedimientos", 4, "estado"), ("items", 3, "codigo_procedimiento")]


def load_into_sqlite(folder: Path, db: Path) -> None:
    """Load CSV tables as TEXT columns, as a naive export to SQLite would."""
    import csv

    with sqlite3.connect(db) as connection:
        for path in sorted(folder.glob("*.csv")):
            with open(path, encoding="utf-8", newline="") as handle:
                rows = list(csv.reader(handle))
            columns = ", ".join(f'"{c}" TEXT' for c in rows[0])
            connection.execute(f'CREATE TABLE "{path.stem}" ({columns})')
            marks = ", ".join("?" for _ in rows[0])
            connection.executemany(f'INSERT INTO "{path.stem}" VALUES ({marks})', [[v or None for v in r] for r in rows[1:]])


def test_sql_source_gives_the_same_rows_as_csv(tmp_path):
    db = tmp_path / "soce.db"
    load_into_sqlite(FIXTURES, db)
    from_csv, _, csv_accounting = typed_rows(CsvFolderReader(FIXTURES))
    from_sql, sql_rejects, sql_accounting = typed_rows(SqlReader(f"sqlite:///{db}"))
    assert sql_rejects.count == 0
    assert from_sql == from_csv
    assert sql_accounting.as_dict() == csv_accounting.as_dict()


def test_sql_source_with_native_types(tmp_path):
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'typed.db'}")
    load_into_sqlite(BAD / "base", tmp_path / "typed.db")
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE pagos"))
        connection.execute(sa.text("CREATE TABLE pagos (codigo_contrato TEXT, numero INTEGER, fecha DATE, monto NUMERIC, concepto TEXT)"))
        connection.execute(sa.text("INSERT INTO pagos VALUES ('CTR-2024-0001', 1, '2024-05-10', 345000.5, 'Anticipo')"))
    rows, rejects, _ = typed_rows(SqlReader(f"sqlite:///{tmp_path / 'typed.db'}"))
    payment = [row for table, row in rows if table == "pagos"]
    assert rejects.count == 0
    assert str(payment[0]["monto"]) == "345000.5" and payment[0]["numero"] == 1


def test_bad_database_url_is_a_clear_error():
    with pytest.raises(SourceError, match="cannot open database"):
        SqlReader("nosuchdialect://x")
