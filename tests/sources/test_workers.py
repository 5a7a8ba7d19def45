"""Rows typed in forked workers: every case of the bad-input corpus gives what one process gives — the same
rows accepted (typed alike), the same rejects in the same order, the same counts, notes and errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ocds_pipeline import sources
from ocds_pipeline.sources import Accounting, RejectLog, SourceError, iter_rows, open_reader
from ocds_pipeline.sources.checks import RowChecker
from tests.sources.test_bad_fixtures import CASES, overlay


@pytest.fixture
def typing_pids(monkeypatch, tmp_path) -> Path:
    """A file where each process that types a row writes its pid."""
    log = tmp_path / "pids"
    inner = RowChecker.typed

    def logged(self, raw, line):
        with open(log, "a") as handle:
            handle.write(f"{os.getpid()}\n")
        return inner(self, raw, line)

    monkeypatch.setattr(RowChecker, "typed", logged)
    return log


def read(location: Path, workers: int) -> tuple:
    rejects, accounting, notes = RejectLog(), Accounting(), {}
    try:
        rows = list(iter_rows(open_reader(location), rejects, accounting, notes=notes, workers=workers))
    except SourceError as error:
        return "error", str(error)
    return rows, rejects.examples, accounting.as_dict(), notes


def test_every_bad_case_reads_the_same_in_workers(tmp_path, typing_pids, monkeypatch):
    monkeypatch.setattr(sources, "BATCH", 3)  # several batches per table, some tables in one
    errors = 0
    for number, name in enumerate(CASES):
        source = overlay(tmp_path / str(number), name)
        one = read(source, 1)
        typing_pids.unlink(missing_ok=True)
        two = read(source, 2)
        assert two == one, name
        errors += one[0] == "error"
        if one[0] != "error":
            pids = set(typing_pids.read_text().split())
            assert pids and str(os.getpid()) not in pids, name
    assert 0 < errors < len(CASES)  # both kinds of outcome were compared
