"""Every file in fixtures/bad/ produces exactly the reject written in fixtures/bad/expected.csv."""

import csv
import shutil

import pytest

from ocds_pipeline.config import Config
from ocds_pipeline.mapping import map_source
from ocds_pipeline.sources import Accounting, Reject, RejectLog, check_source
from tests.conftest import BAD

with open(BAD / "expected.csv", encoding="utf-8", newline="") as handle:
    EXPECTED = list(csv.DictReader(handle))


def overlay(tmp_path, case_file):
    """The valid base source with one table replaced by the bad case file."""
    source = tmp_path / "source"
    shutil.copytree(BAD / "base", source)
    shutil.copy(BAD / case_file, source / f"{case_file.split('--')[0]}.csv")
    return source


def test_every_bad_file_has_an_expectation():
    files = {p.name for p in BAD.glob("*.csv")} - {"expected.csv"}
    assert files == {row["file"] for row in EXPECTED}


def test_base_is_clean():
    report = check_source(BAD / "base")
    assert report.rejects.count == 0
    assert report.accounting.total.read == report.accounting.total.accepted == 15


@pytest.mark.parametrize("case", EXPECTED, ids=[row["file"] for row in EXPECTED])
def test_bad_file_gives_its_exact_reject(tmp_path, case):
    rejects, accounting = RejectLog(), Accounting()
    config = Config(max_field_size=int(case["max_field_size"])) if case["max_field_size"] else Config()
    releases = list(map_source(overlay(tmp_path, case["file"]), config, rejects=rejects, accounting=accounting))
    expected = Reject(case["table"], int(case["line"]), case["column"], case["value"], case["reason"], case["stage"])
    assert rejects.examples == [expected]
    counts = accounting.tables[case["table"]]
    assert counts.rejected == 1
    assert accounting.balanced()
    assert len({r["ocid"] for r in releases}) == accounting.tables["procedimientos"].accepted
