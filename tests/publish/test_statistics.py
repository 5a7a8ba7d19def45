"""The publication's statistics taken a year at a time (ocds_pipeline.publish.statistics)."""

import gc
import weakref

import orjson

from ocds_pipeline.publish.statistics import Combined, fact_tables, year_statistics
from tests.indicators.test_indicators import process


def compiled(ocid, when):
    return process(ocid, method="open", n=2, year=when, bids=[("T1", "valid"), (f"T-{ocid}", "valid")])


def year(ocids, when):
    """One year's statistics, as a publication's worker takes them from the store's compiled index."""
    rows = ((ocid, f"{when}-06-01", orjson.dumps(compiled(ocid, when)), None) for ocid in ocids)
    return year_statistics(rows, lambda document: document)


def test_the_years_combine_to_the_whole_and_are_let_go_once_combined():
    """At a national scale each year's facts together weigh as much as the combined table: the
    summaries that follow must not hold both."""
    parts = {"2023": year(["ocds-a-1", "ocds-a-3"], "2023"), "2024": year(["ocds-a-2", "ocds-a-4"], "2024")}
    alive = [weakref.ref(part.facts.processes) for part in parts.values()]
    combined = Combined()
    for name, part in parts.items():
        combined.add(name, part)
    del parts, part
    tables = combined.tables()
    in_ocid_order = [("ocds-a-1", "2023"), ("ocds-a-2", "2024"), ("ocds-a-3", "2023"), ("ocds-a-4", "2024")]
    whole, _ = fact_tables(compiled(ocid, when) for ocid, when in in_ocid_order)
    assert tables.processes.equals(whole.processes) and tables.parties.equals(whole.parties)
    gc.collect()
    assert [ref() is None for ref in alive] == [True, True]  # no year's table is held any more
