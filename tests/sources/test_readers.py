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


def test_wrong_explicit_encoding_rejects_the_lines_it_cannot_read(tmp_path):
    generate(tmp_path, 30, seed=1, dialect="excel-es")
    report = check_source(tmp_path, encoding="utf-8")
    assert report.accounting.balanced() and report.rejects.count > 0
    first = report.rejects.examples[0]
    assert first.reason.startswith("not valid UTF-8: byte 0x") and "pass --encoding" in first.reason


def copy_of_fixtures(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(FIXTURES, source)
    return source


def csv_lines(path):
    return path.read_bytes().split(b"\r\n")


def test_an_unbalanced_quote_rejects_its_line_alone(tmp_path):
    """The issue's case: one stray quote in pagos.csv used to swallow the next 470 lines into one cell."""
    source = copy_of_fixtures(tmp_path)
    lines = csv_lines(source / "pagos.csv")
    lines[5] = lines[5].replace(b",", b',"', 1)  # line 6 opens a quote in its second cell and never closes it
    (source / "pagos.csv").write_bytes(b"\r\n".join(lines))
    report = check_source(source)
    assert [(r.table, r.line, r.column) for r in report.rejects.examples] == [("pagos", 6, "")]
    assert report.rejects.examples[0].reason == "a quote opened on line 6 is never closed (the file ends first): an unbalanced quote?"
    pagos = report.accounting.tables["pagos"]
    assert (pagos.read, pagos.accepted, pagos.rejected) == (475, 474, 1)


def test_a_quote_closed_on_a_later_line_in_a_one_line_column(tmp_path):
    source = copy_of_fixtures(tmp_path)
    lines = csv_lines(source / "pagos.csv")
    opened, closed = [i for i, line in enumerate(lines) if line.endswith(b",Planilla")][:4:3]
    lines[opened] = lines[opened].replace(b",Planilla", b',"Planilla')
    lines[closed] = lines[closed] + b'"'
    (source / "pagos.csv").write_bytes(b"\r\n".join(lines))
    report = check_source(source)
    assert [(r.line, r.column, r.value, r.reason) for r in report.rejects.examples] == [
        (opened + 1, "", lines[opened].decode(), f"a quoted field runs past the end of the line (to line {closed + 1}) "
                                                 "in a column that may not hold line breaks: an unbalanced quote?"),
        # Read on its own, the line with the closing quote has a stray quote in its last value.
        (closed + 1, "concepto", 'Planilla"', "not an allowed value (allowed: Anticipo, Liquidación, Pago único, Planilla)")]
    assert report.accounting.tables["pagos"].accepted == 473


def test_line_breaks_are_kept_where_the_schema_allows_them(tmp_path):
    source = copy_of_fixtures(tmp_path)
    path = source / "procedimientos.csv"
    text = path.read_text(encoding="utf-8").replace(",Transporte de personal para", ',"Transporte\r\nde personal para', 1)
    text = text.replace("Cantón Quito,", 'Cantón Quito",', 1)
    path.write_text(text, encoding="utf-8", newline="")
    rows, rejects, _ = typed_rows(CsvFolderReader(source))
    assert rejects.count == 0
    titles = [row["objeto"] for table, row in rows if table == "procedimientos" and "\n" in row["objeto"]]
    assert titles == ["Transporte\r\nde personal para GAD Municipal del Cantón Quito"]


def test_an_invalid_byte_rejects_its_line_and_nothing_else(tmp_path):
    """The issue's case: one bad byte used to switch a whole UTF-8 file to Windows-1252 (mojibake)."""
    source = copy_of_fixtures(tmp_path)
    path = source / "documentos.csv"
    lines = csv_lines(path)
    offset = sum(len(line) + 2 for line in lines[:9])
    lines[9] = lines[9] + b"\xe9"
    path.write_bytes(b"\r\n".join(lines))
    rows, rejects, accounting = typed_rows(CsvFolderReader(source))
    assert [(r.table, r.line) for r in rejects.examples] == [("documentos", 10)]
    assert rejects.examples[0].reason.startswith(f"not valid UTF-8: byte 0xE9 at byte offset {offset + len(lines[9]) - 1:,} ")
    documents = [row for table, row in rows if table == "documentos"]
    assert len(documents) == accounting.tables["documentos"].read - 1
    assert not [d for d in documents if "Ã" in d["titulo"]]
    assert any("Resolución" in d["titulo"] for d in documents)


def test_a_line_longer_than_max_field_size_is_rejected_alone(tmp_path):
    source = copy_of_fixtures(tmp_path)
    path = source / "items.csv"
    lines = csv_lines(path)
    lines[3] = lines[3].replace(b"Diesel", b"Diesel " + b"x" * 5000).replace(b"Di\xc3\xa9sel", b"Diesel " + b"x" * 5000)
    path.write_bytes(b"\r\n".join(lines))
    rows, rejects, accounting = typed_rows(CsvFolderReader(source, max_field_size=4096))
    assert [(r.table, r.line, r.value) for r in rejects.examples] == [("items", 4, "")]
    assert rejects.examples[0].reason.startswith("the line is 5,0") and "more than max_field_size (4,096)" in rejects.examples[0].reason
    assert accounting.tables["items"].accepted == accounting.tables["items"].read - 1


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


def test_sql_values_longer_than_max_field_size_reject_their_row(tmp_path):
    db = tmp_path / "soce.db"
    load_into_sqlite(BAD / "base", db)
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE documentos SET titulo = ? WHERE numero = 1", ("Acta " * 2000,))
    rows, rejects, _ = typed_rows(SqlReader(f"sqlite:///{db}", max_field_size=4096))
    assert [(r.table, r.line, r.column) for r in rejects.examples] == [("documentos", 1, "titulo")]
    assert rejects.examples[0].reason == "the value is 10,000 bytes long, more than max_field_size (4,096)"


def test_bad_database_url_is_a_clear_error():
    with pytest.raises(SourceError, match="cannot open database"):
        SqlReader("nosuchdialect://x")


def test_a_decimal_below_one_is_never_read_as_thousands(tmp_path):
    """The issue's case: 0,125 in a comma-delimited export was published as 125."""
    from ocds_pipeline.config import Config
    from ocds_pipeline.mapping import map_source

    source = tmp_path / "src"
    shutil.copytree(BAD / "base", source)
    path = source / "items.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",40,Unidad,", ',"0,125",Unidad,'), encoding="utf-8")
    releases = list(map_source(source, Config(), rejects=RejectLog(), accounting=Accounting()))
    quantities = {item["description"]: item["quantity"] for r in releases for item in r.get("tender", {}).get("items", [])}
    assert quantities["Computador de escritorio"] == 0.125
