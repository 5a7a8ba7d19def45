"""Indicators beyond one machine: the fact tables as Parquet partitioned by year, summarised on a Dask
cluster by the same :func:`.summary.summarise` that the pandas engine runs (docs/scaling.md).

The only value that crosses years, a supplier's or tenderer's first year, is computed once over the
whole table when the facts are written. Each year is then independent: with ``year`` among the
groupings, every year is summarised by its own task, anywhere on the cluster; without it, one task
summarises the whole table (a group mixes years, and medians do not add up).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import pandas as pd

from .facts import Facts, combine

PROCESSES, PARTIES = "processes", "parties"


def write_facts(tables: Facts, folder: Path) -> list[str]:
    """Write both fact tables under ``folder`` as Parquet, one partition per year (``year=2024``, and
    ``year=none`` for processes without a date); return the years written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    processes = tables.processes
    parties = tables.parties.join(processes[["year"]], on="process")
    parties["first_year"] = parties.groupby(["role", "org"], observed=True)["year"].transform("min")
    parties = parties.drop(columns=["year"])
    years = processes["year"].astype("Int64").astype(str).replace("<NA>", "none")
    written = []
    for year in sorted(years.unique()):
        rows = (years == year).to_numpy()
        part = processes[rows].reset_index()  # "index": the row in the whole table
        positions = pd.Series(range(len(part)), index=part["index"])
        chosen = parties[parties["process"].isin(part["index"])].copy()
        chosen["process"] = positions[chosen["process"]].to_numpy()
        for name, frame in ((PROCESSES, part.drop(columns=["index"])), (PARTIES, chosen)):
            target = folder / name / f"year={year}"
            target.mkdir(parents=True, exist_ok=True)
            pq.write_table(pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False), target / "part-0.parquet")
        written.append(year)
    return written


def read_facts(folder: Path, years: Iterable[str] | None = None) -> Facts:
    """The fact tables of some years (all by default) from :func:`write_facts`' folder, in ocid order."""
    chosen = sorted(years) if years is not None else facts_years(folder)
    return combine([Facts(pd.read_parquet(folder / PROCESSES / f"year={year}" / "part-0.parquet"),
                          pd.read_parquet(folder / PARTIES / f"year={year}" / "part-0.parquet")) for year in chosen])


def facts_years(folder: Path) -> list[str]:
    return sorted(path.name.split("=", 1)[1] for path in (folder / PROCESSES).glob("year=*"))


def _summarise_years(folder: str, years: list[str], by: list[str]) -> pd.DataFrame:
    from .summary import summarise

    return summarise(read_facts(Path(folder), years), by)


def summarise_on_dask(folder: Path, by: Iterable[str] = (), scheduler: str | None = None) -> pd.DataFrame:
    """The indicator table of :func:`.summary.summarise`, computed by tasks on a Dask cluster (``scheduler``:
    its address; None: a local cluster of this machine's cores). Workers read ``folder`` themselves, so
    on a real cluster it must be on storage they share."""
    from dask.distributed import Client, LocalCluster

    by = list(by)
    years = facts_years(folder)
    tasks = [[year] for year in years] if "year" in by else [years]
    cluster = None if scheduler else LocalCluster(processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None)
    client = Client(scheduler or cluster)
    try:
        futures = client.map(_summarise_years, [str(folder)] * len(tasks), tasks, [by] * len(tasks), pure=False)
        parts = client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return pd.concat(parts, ignore_index=True)
