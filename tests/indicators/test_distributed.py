"""The Dask engine: the fact tables written as Parquet partitioned by year, summarised on a
dask.distributed LocalCluster of 2 worker processes, give exactly the pandas engine's table."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from ocds_pipeline.indicators.distributed import facts_years, read_facts, summarise_on_dask, write_facts
from ocds_pipeline.indicators.facts import facts
from ocds_pipeline.indicators.summary import summarise

GROUPINGS = [[], ["year"], ["year", "regime"], ["year", "buyer"], ["province", "procedure_type"]]


def same(pandas_table, other, by):
    """Equal tables, whatever the order of their rows (the Dask engine gives them year by year)."""
    def norm(table):
        return table.astype({g: object for g in by}).sort_values(by + ["indicator"], kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(norm(pandas_table), norm(other), check_dtype=False, check_categorical=False)


@pytest.fixture(scope="module")
def fixture_facts(tmp_path_factory):
    from tests.api.conftest import fill_store  # the fixtures, run into a store: compiled.jsonl

    folder = tmp_path_factory.mktemp("facts")
    fill_store(f"sqlite:///{folder / 'store.sqlite'}", folder)
    compiled = folder / "run" / "compiled.jsonl"
    tables = facts(json.loads(line) for line in compiled.read_text().splitlines())
    write_facts(tables, folder / "facts")
    return tables, folder / "facts", compiled


def test_the_parquet_facts_read_back_to_the_same_indicators(fixture_facts):
    tables, folder, _ = fixture_facts
    assert facts_years(folder) == sorted({str(int(y)) for y in tables.processes["year"].dropna()})
    back = read_facts(folder)
    assert list(back.processes["ocid"]) == list(tables.processes["ocid"])
    for by in GROUPINGS:
        same(summarise(tables, by), summarise(back, by), by)


@pytest.mark.slow
def test_dask_on_a_local_cluster_gives_exactly_the_pandas_numbers(fixture_facts):
    from dask.distributed import LocalCluster

    tables, folder, _ = fixture_facts
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        for by in GROUPINGS:
            same(summarise(tables, by), summarise_on_dask(folder, by, scheduler=cluster.scheduler_address), by)


@pytest.mark.slow
def test_the_command_line_engines_agree(fixture_facts, tmp_path):
    _, _, compiled = fixture_facts
    cli = [sys.executable, "-m", "ocds_pipeline.cli", "indicators"]
    pandas_json = subprocess.run(cli + [str(compiled), "--by", "year,regime", "--format", "json", "--facts-out",
                                        str(tmp_path / "f")], check=True, capture_output=True, text=True).stdout
    dask_json = subprocess.run(cli + [str(tmp_path / "f"), "--engine", "dask", "--by", "year,regime", "--format", "json"],
                               check=True, capture_output=True, text=True).stdout
    same(pd.DataFrame(json.loads(pandas_json)), pd.DataFrame(json.loads(dask_json)), ["year", "regime"])
    refused = subprocess.run(cli + [str(compiled), "--engine", "dask"], capture_output=True, text=True)
    assert refused.returncode == 2
    assert refused.stderr == "error: --engine dask reads one folder of Parquet facts: write it first with --facts-out\n"
    folder = subprocess.run(cli + [str(tmp_path / "f")], capture_output=True, text=True)
    assert folder.returncode == 2
    assert folder.stderr == "error: PATHS are OCDS files; a folder of Parquet facts is read with --engine dask\n"
