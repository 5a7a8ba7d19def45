"""Mapping in forked workers: ranges of procedures mapped elsewhere give exactly what one process gives —
the same processes in the same order, the same rejects and counts — and a store's digests are looked up
from the workers on either database."""

from __future__ import annotations

import os
import shutil
from dataclasses import asdict
from pathlib import Path

import pytest

from ocds_pipeline import mapping
from ocds_pipeline.config import Config
from ocds_pipeline.mapping import MappingStats, make_ocid, map_processes
from ocds_pipeline.pipeline import Reconciler
from ocds_pipeline.sources import Accounting, RejectLog
from ocds_pipeline.store import Store
from tests.conftest import BAD, FIXTURES
from tests.store.test_corrections import read, write
from tests.store.test_unchanged import NOW, SCHEMA

CONFIG = Config()


@pytest.fixture
def worker_pids(monkeypatch, tmp_path) -> Path:
    """A file where the process that maps each range writes its pid: proof that workers did the work."""
    log = tmp_path / "pids"
    inner = mapping._RangeMapper.__call__

    def logged(self, codes):
        with open(log, "a") as handle:
            handle.write(f"{os.getpid()}\n")
        return inner(self, codes)

    monkeypatch.setattr(mapping._RangeMapper, "__call__", logged)
    return log


def mapped(source: Path, workers: int, **options) -> tuple[list[dict], list[dict], dict, MappingStats]:
    rejects, accounting, stats = RejectLog(), Accounting(), MappingStats()
    processes = [asdict(p) for p in map_processes(source, CONFIG, rejects=rejects, accounting=accounting, stats=stats,
                                                  workers=workers, **options)]
    return processes, [asdict(r) for r in rejects.examples], accounting.as_dict(), stats


def with_unknown_type(tmp_path: Path) -> Path:
    """The bad-input base, one of whose procedures has a type the mapping does not know (rejected with its rows)."""
    source = tmp_path / "unknown-type"
    shutil.copytree(BAD / "base", source)
    path = source / "procedimientos.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",Licitación,", ",Licitación Internacional,"), encoding="utf-8")
    return source


@pytest.mark.parametrize("chunk", [1, 7, 1000])
def test_workers_map_what_one_process_maps(tmp_path, worker_pids, chunk):
    for source in (FIXTURES, with_unknown_type(tmp_path)):
        worker_pids.unlink(missing_ok=True)
        one = mapped(source, 1, chunk=chunk)
        ranges = worker_pids.read_text().split()  # one line per range, all by this process
        assert set(ranges) == {str(os.getpid())}
        worker_pids.unlink()
        two = mapped(source, 2, chunk=chunk)
        assert two[:3] == one[:3]  # processes (ocid, releases, dates, outlines) in order; rejects; accounting
        assert asdict(two[3]) == asdict(one[3])  # releases and tags counted, lookup rows unused, projects
        pids = worker_pids.read_text().split()
        assert len(pids) == len(ranges)
        if len(ranges) > 1:
            assert str(os.getpid()) not in pids
        else:
            assert set(pids) == {str(os.getpid())}  # one range: no worker to start
    assert any(reject["stage"] == "mapping" for reject in one[1])


def test_workers_ask_the_store_for_known_sources(store_url, tmp_path, worker_pids):
    """Day one maps every process; the next export, one procedure corrected, maps that one alone: the
    workers asked the store, over connections of their own, which sources it already has."""
    store = Store(store_url)

    def day(folder: Path) -> tuple[set[str], MappingStats]:
        reconciler, stats = Reconciler(store, store.start_run("map", str(folder)), SCHEMA, NOW), MappingStats()
        processes = list(map_processes(folder, CONFIG, rejects=RejectLog(), accounting=Accounting(), stats=stats, chunk=20,
                                       reconciled=lambda sources: store.in_this_process().reconciled(sources), workers=2))
        reconciler.add(processes)  # by the parent, over its own connections
        return {process.ocid for process in processes}, stats

    try:
        assert len(day(FIXTURES)[0]) == 240
        folder = tmp_path / "corrected"
        shutil.copytree(FIXTURES, folder)
        fields, procedures = read(folder, "procedimientos")
        procedures[3]["objeto"] += " (corregido)"
        write(folder, "procedimientos", fields, procedures)
        worker_pids.unlink(missing_ok=True)
        ocids, stats = day(folder)
        assert ocids == {make_ocid(CONFIG.ocid_prefix, procedures[3]["codigo"])}
        assert (stats.processes, stats.unchanged) == (240, 239)
        assert str(os.getpid()) not in set(worker_pids.read_text().split())
        assert store.count()["processes"] == 240
    finally:
        store.close()
