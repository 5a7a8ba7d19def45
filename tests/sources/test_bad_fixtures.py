"""The bad-input corpus: every case in fixtures/bad/ gives exactly the outcome in fixtures/bad/expected.csv.

A case is the valid source in fixtures/bad/base/ with one table replaced by the case file
(``<table>--<what>.csv``) or removed (``<table>--<what>.absent``). Its outcome is one of:

- ``reject``: exactly the listed rejects (one row each, cascades included), nothing else;
- ``accepted``: no reject, and the typed value at ``line``/``column`` is ``value`` (with ``\\n``,
  ``\\t`` and ``\\xHH`` escapes), and the table's notes include ``reason`` when given;
- ``error``: the source is refused with exactly ``reason`` (``{table}`` stands for the file or the
  SQL table), no traceback.

Every table must balance (read = accepted + rejected); the case's table reads ``read`` rows, and
every other table reads what it reads in the base and loses only the rejects listed. Cases marked
in ``sql`` run again from SQLite and PostgreSQL databases loaded with the same rows (a row's number
there is its CSV line minus one). docs/reliability.md lists the corpus (tests/test_docgen.py).
"""

from __future__ import annotations

import csv
import re
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
import sqlalchemy

from ocds_pipeline.config import Config
from ocds_pipeline.mapping import map_source
from ocds_pipeline.sources import Accounting, Reject, RejectLog, SourceError, iter_rows, open_reader
from tests.conftest import BAD

with open(BAD / "expected.csv", encoding="utf-8", newline="") as handle:
    EXPECTED = list(csv.DictReader(handle))
CASES: dict[str, list[dict[str, str]]] = defaultdict(list)
for _row in EXPECTED:
    CASES[_row["file"]].append(_row)
SQL_CASES = [(name, backend) for name, rows in CASES.items() for backend in rows[0]["sql"].split()]
BIG = re.compile(rb'<(\d+) MB of "(.)">')  # a 10 MB field is written as a marker, not committed


def unescape(text: str) -> str:
    return re.sub(r"\\(n|t|x[0-9a-f]{2})", lambda m: {"n": "\n", "t": "\t"}.get(m[1]) or chr(int(m[1][1:], 16)), text)


def overlay(tmp_path: Path, case_file: str) -> Path:
    """The valid base source with one table replaced (or removed) by the case file."""
    source = tmp_path / "source"
    shutil.copytree(BAD / "base", source)
    table = source / f"{case_file.split('--')[0]}.csv"
    if case_file.endswith(".absent"):
        table.unlink()
    else:
        body = (BAD / case_file).read_bytes()
        table.write_bytes(BIG.sub(lambda m: m[2] * (int(m[1]) << 20), body))
    return source


def load_database(folder: Path, url: str) -> str:
    """Every CSV table of ``folder`` as a table of TEXT columns (empty cells are NULL), as SQL exports hold them."""
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as connection:
        for path in sorted(folder.glob("*.csv")):
            with open(path, encoding="utf-8", newline="") as handle:
                header, *rows = list(csv.reader(handle))
            table = sqlalchemy.Table(path.stem, sqlalchemy.MetaData(),
                                     *(sqlalchemy.Column(name, sqlalchemy.Text) for name in header))
            table.create(connection)
            if rows:
                connection.execute(table.insert(), [{n: (v or None) for n, v in zip(header, row)} for row in rows])
    engine.dispose()
    return url


def run(location: str | Path, rows: list[dict[str, str]]):
    first = rows[0]
    config = Config(max_field_size=int(first["max_field_size"])) if first["max_field_size"] else Config()
    rejects, accounting = RejectLog(), Accounting()
    list(map_source(location, config, rejects=rejects, accounting=accounting))
    return rejects.examples, accounting


def typed_rows(location: str | Path, table: str) -> tuple[dict[int, dict], list[str]]:
    notes: dict[str, list[str]] = {}
    found = {line: row for name, line, row in iter_rows(open_reader(location), RejectLog(), Accounting(), notes=notes)
             if name == table}
    return found, notes.get(table, [])


@pytest.fixture(scope="module")
def base_counts():
    _, accounting = run(BAD / "base", [{"max_field_size": ""}])
    return {name: (counts.read, counts.accepted) for name, counts in accounting.tables.items()}


def check(location: str | Path, where: str, rows: list[dict[str, str]], base_counts, shift: int = 0) -> None:
    """Run one case from ``location`` and compare with its expected rows (lines shifted by ``shift``)."""
    first = rows[0]
    table = first["table"]
    if first["outcome"] == "error":
        with pytest.raises(SourceError) as raised:
            run(location, rows)
        assert str(raised.value) == first["reason"].format(table=where)
        return
    found, accounting = run(location, rows)
    expected = [Reject(r["table"], int(r["line"]) - shift, r["column"], unescape(r["value"]), r["reason"], r["stage"])
                for r in rows if r["outcome"] == "reject"]
    assert found == expected
    assert accounting.balanced()
    lost = defaultdict(int)
    for reject in expected:
        lost[reject.table] += 1
    for name, counts in accounting.tables.items():
        assert counts.rejected == lost[name], name
        if name == table:
            assert counts.read == int(first["read"])
        else:  # nothing else lost, nothing invented
            assert (counts.read, counts.accepted) == (base_counts[name][0], base_counts[name][1] - lost[name]), name
    if first["outcome"] == "accepted":
        values, notes = typed_rows(location, table)
        if first["column"]:
            value = values[int(first["line"]) - shift][first["column"]]
            assert ("" if value is None else str(value)) == unescape(first["value"])
        if first["reason"]:
            assert first["reason"] in notes


def test_every_case_file_has_an_expectation():
    files = {p.name for p in BAD.iterdir() if p.is_file()} - {"expected.csv"}
    assert files == set(CASES)
    assert len(CASES) >= 60


def test_base_is_clean(base_counts):
    rejects, accounting = run(BAD / "base", [{"max_field_size": ""}])
    assert rejects == []
    assert accounting.total.read == accounting.total.accepted == 15


@pytest.mark.parametrize("name", list(CASES))
def test_csv_case(tmp_path, name, base_counts):
    source = overlay(tmp_path, name)
    check(source, f"{source}/{name.split('--')[0]}.csv", CASES[name], base_counts)


@pytest.mark.parametrize(("name", "backend"), SQL_CASES, ids=[f"{n}-{b}" for n, b in SQL_CASES])
def test_sql_case(tmp_path, request, name, backend, base_counts):
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'source.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_cluster").new_database()
    load_database(overlay(tmp_path, name), url)
    check(url, f"table {name.split('--')[0]}", CASES[name], base_counts, shift=1)
