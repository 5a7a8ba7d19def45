"""Fuzzing: any input gives output or rejects (or one clear refusal), never a crash or a hang.

Each property runs a bounded number of examples in `make test`; `make fuzz` runs the same
properties much longer (FUZZ_EXAMPLES, default 20,000 each). A crash found there becomes a case
in fixtures/bad/ or an example here (``@example``), so that `make test` keeps it.

- the CSV reader: one table of the valid base source replaced by arbitrary bytes;
- the SQL reader: one table's cells replaced by arbitrary text, numbers or NULL;
- the mapping engine and merge: reached through both, on whatever rows were accepted;
- OCDS ingest: arbitrary JSON (and arbitrary bytes) read as an OCDS file, then compiled.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import orjson
import pytest
import sqlalchemy
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ocds_pipeline.config import Config
from ocds_pipeline.mapping import map_source
from ocds_pipeline.compile.files import compile_files
from ocds_pipeline.schemas import SchemaResolver
from ocds_pipeline.sources import Accounting, RejectLog, SourceError
from ocds_pipeline.sources.ocds import NotOCDSError, read_ocds
from tests.conftest import BAD, examples

FUZZ = int(os.environ.get("FUZZ_EXAMPLES", "0"))
QUICK = settings(max_examples=FUZZ or examples(40), deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
TABLES = sorted(p.stem for p in (BAD / "base").glob("*.csv"))

csv_bytes = st.one_of(
    st.binary(max_size=600),
    st.lists(st.lists(st.text(max_size=12), max_size=16).map(",".join), max_size=8).map("\n".join)
    .map(lambda text: text.encode("utf-8")),
)


def balanced_or_refused(source, config: Config = Config()) -> None:
    """Map ``source``: either a clear SourceError, or every row read is accepted or rejected."""
    rejects, accounting = RejectLog(), Accounting()
    try:
        releases = list(map_source(source, config, rejects=rejects, accounting=accounting))
    except SourceError:
        return
    assert accounting.balanced()
    assert all(release["ocid"].startswith(config.ocid_prefix) for release in releases)
    orjson.dumps(releases)  # every release can be written


def overlay(folder: Path, table: str, body: bytes) -> Path:
    source = folder / "source"
    shutil.copytree(BAD / "base", source)
    (source / f"{table}.csv").write_bytes(body)
    return source


@QUICK
@given(table=st.sampled_from(TABLES), body=csv_bytes, header=st.booleans())
@example(table="procedimientos", body=b"\x00\r\r\n", header=True)
def test_any_csv_table_is_read_or_refused(table, body, header):
    if header:  # keep the real header, so that the rows are read, not only refused
        body = (BAD / "base" / f"{table}.csv").read_bytes().split(b"\n")[0] + b"\n" + body
    with tempfile.TemporaryDirectory() as folder:
        balanced_or_refused(overlay(Path(folder), table, body))


cell = st.one_of(st.none(), st.text(max_size=20), st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=True),
                 st.sampled_from(["", " ", "2024-02-30", "1.234,56", "1,234.56", "0201-01-01", "S", "N/D"]))


@QUICK
@given(table=st.sampled_from(TABLES), data=st.data())
def test_any_sql_cells_are_read_or_refused(table, data):
    from tests.sources.test_bad_fixtures import load_database

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/source.sqlite"
        load_database(BAD / "base", url)
        engine = sqlalchemy.create_engine(url)
        with engine.begin() as connection:
            columns = [c["name"] for c in sqlalchemy.inspect(connection).get_columns(table)]
            rows = data.draw(st.lists(st.fixed_dictionaries({c: cell for c in columns}), max_size=4))
            target = sqlalchemy.table(table, *(sqlalchemy.column(c) for c in columns))
            connection.execute(target.delete())
            if rows:
                connection.execute(target.insert(), rows)
        engine.dispose()
        balanced_or_refused(url)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)
def dumps(value) -> bytes:
    """JSON as any publisher may write it: integers beyond 64 bits included (orjson refuses to write those)."""
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


release_like = st.fixed_dictionaries(
    {"ocid": st.one_of(st.text(max_size=12), st.integers()), "id": st.one_of(st.text(max_size=8), st.integers()),
     "date": st.sampled_from(["2024-03-01T09:00:00-05:00", "", "mañana", "2024-13-45"])},
    optional={"tag": json_values, "tender": json_values, "awards": json_values, "parties": json_values})


@QUICK
@given(body=st.one_of(
    st.lists(release_like, max_size=4).map(lambda releases: dumps({"releases": releases})),
    st.lists(release_like, max_size=4).map(lambda rs: b"\n".join(dumps(r) for r in rs)),
    json_values.map(dumps),
    st.binary(max_size=300)))
@example(body=b'{"releases": [{"ocid": "x", "id": 1, "date": "2024-03-01T09:00:00-05:00", "tag": 18446744073709551616}]}')
def test_any_json_is_read_compiled_or_refused(body):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input.json"
        path.write_bytes(body)
        rejects: list = []
        try:
            releases = list(read_ocds(path, rejects=rejects))
        except NotOCDSError:
            return
        assert all(isinstance(release, dict) for release in releases)
        result = compile_files([path], Path(folder) / "out", Config(), SchemaResolver.from_env())
        assert result.publication.processes <= len(releases)


@pytest.mark.parametrize("table", TABLES)
def test_a_table_of_only_a_header_and_binary_noise_is_read_or_refused(tmp_path, table):
    """A fixed seed of the CSV property, per table, so that every table is covered in every run."""
    header = (BAD / "base" / f"{table}.csv").read_bytes().split(b"\n")[0]
    balanced_or_refused(overlay(tmp_path, table, header + b"\n\xff\xfe\x00,\"\n\"\r\n,,,\n"))
