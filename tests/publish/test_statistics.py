"""The publication's statistics taken a year at a time (ocds_pipeline.publish.statistics)."""

import gc
import pickle
import weakref
from dataclasses import replace

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from ocds_pipeline.indicators.facts import combine
from ocds_pipeline.publish.statistics import Combined, ranking_rows, year_statistics
from tests.indicators.test_indicators import process


def compiled(ocid, when):
    return process(ocid, method="open", n=2, year=when, bids=[("T1", "valid"), (f"T-{ocid}", "valid")])


def year(ocids, when):
    """One year's statistics, as a publication's worker takes them from the store's compiled index."""
    rows = ((ocid, f"{when}-06-01", orjson.dumps(compiled(ocid, when)), None) for ocid in ocids)
    return year_statistics(rows, lambda document: document)


def one_pass(releases):
    """The facts and suppliers of one pass over every release, in ocid order."""
    whole = year_statistics(((r["ocid"], "", orjson.dumps(r), None) for r in releases), lambda document: document)
    return whole.facts, whole.suppliers


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
    whole, _ = one_pass(compiled(ocid, when) for ocid, when in in_ocid_order)
    assert tables.processes.equals(whole.processes) and tables.parties.equals(whole.parties)
    assert len(alive) == 3

def supplied(ocid, when, supplier, name, ruc):
    """A process awarded to ``supplier``, which it names ``name`` with RUC ``ruc``."""
    release = compiled(ocid, when)
    release["awards"][0]["suppliers"] = [{"id": supplier, "name": name}]
    release["parties"] = [{"id": supplier, "name": name, "roles": ["supplier"],
                           "identifier": {"scheme": "EC-RUC", "id": ruc}}]
    return release


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["2023", "2024", "2025"]), st.sampled_from(["S1", "S2"]),
                          st.sampled_from(["Uno", "Otro"]), st.sampled_from(["1790000000001", "0990000000001"])),
                min_size=1, max_size=12))
def test_a_supplier_is_named_as_at_its_lowest_ocid_whichever_year_part_saw_it(processes):
    """The ranking names a supplier (and gives its RUC) as the first process in ocid order names it, whether the
    suppliers come from one pass or from years passed separately (in workers, sent pickled) and merged."""
    releases = [(f"ocds-a-{number:02d}", when, supplied(f"ocds-a-{number:02d}", when, *rest))
                for number, (when, *rest) in enumerate(processes)]
    whole, suppliers = one_pass(release for _, _, release in releases)
    combined = Combined()
    for when in ("2025", "2023", "2024"):
        rows = [(ocid, f"{when}-06-01", orjson.dumps(release), None) for ocid, year_, release in releases if year_ == when]
        combined.add(when, pickle.loads(pickle.dumps(replace(year_statistics(rows, lambda d: d), facts=None))))
    expected = list(ranking_rows(whole, suppliers))
    assert list(ranking_rows(whole, combined.suppliers)) == expected
    first = {}
    for _, _, release in releases:
        party = release["parties"][0]
        first.setdefault(party["id"], (party["name"], party["identifier"]["id"]))
    assert {row["id"]: (row["supplier"], row["ruc"]) for row in expected} == first
