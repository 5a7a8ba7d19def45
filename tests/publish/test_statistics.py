"""The publication's statistics taken a year at a time (ocds_pipeline.publish.statistics)."""

import gc
import weakref

import orjson

from ocds_pipeline.indicators.facts import combine
from ocds_pipeline.publish.statistics import fact_tables, year_statistics
from tests.indicators.test_indicators import process


def compiled(ocid, when):
    return process(ocid, method="open", n=2, year=when, bids=[("T1", "valid"), (f"T-{ocid}", "valid")])


def year(ocids, when):
    """One year's statistics, as a publication's worker takes them from the store's compiled index."""
    rows = ((ocid, f"{when}-06-01", orjson.dumps(compiled(ocid, when)), None) for ocid in ocids)
    return year_statistics(rows, lambda document: document)


def test_the_years_are_combined_one_at_a_time_into_the_whole():
    """At a national scale each year's facts weigh some 50 MB and the combined table some 300 MB: combining
    years read back one by one (as a publication reads its kept years) holds one year's facts at a time."""
    years = {"2023": ["ocds-a-1", "ocds-a-3"], "2024": ["ocds-a-2", "ocds-a-4"], "2025": ["ocds-a-0"]}
    alive = []

    def read_back():
        for when, ocids in years.items():
            gc.collect()
            assert [ref() for ref in alive if ref() is not None] == []  # no earlier year's table is held
            part = year(ocids, when).facts
            alive.append(weakref.ref(part.processes))
            yield part
            del part

    tables = combine(read_back())
    in_ocid_order = [("ocds-a-0", "2025"), ("ocds-a-1", "2023"), ("ocds-a-2", "2024"), ("ocds-a-3", "2023"),
                     ("ocds-a-4", "2024")]
    whole, _ = fact_tables(compiled(ocid, when) for ocid, when in in_ocid_order)
    assert tables.processes.equals(whole.processes) and tables.parties.equals(whole.parties)
    assert len(alive) == 3