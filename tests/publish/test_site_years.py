"""The site's years (site/years.py) and organisations (site/entities.py): the organisations of a year's processes
merge into those of every process, whatever the split; red flags are written beside each page shard and counted
on the buyers' pages."""

import pickle

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from ocds_pipeline.publish.site import shards
from ocds_pipeline.publish.site.entities import Entities, counted_for
from ocds_pipeline.publish.site.years import flag_files, write_year

BUYERS = ["EC-RUC-B1", "EC-RUC-B2", "EC-RUC-B3"]
SUPPLIERS = ["EC-RUC-S1", "EC-RUC-S2", "EC-RUC-S3", "EC-RUC-S4"]
NAMES = st.sampled_from([None, "Alfa", "Beta", "Gama"])


@st.composite
def processes(draw):
    """Processes in ocid order: (compiled release, facts row, suppliers with their share of the award)."""
    count = draw(st.integers(1, 12))
    found = []
    for number in range(count):
        buyer = draw(st.sampled_from(BUYERS))
        suppliers = draw(st.lists(st.sampled_from(SUPPLIERS), max_size=3, unique=True))
        parties = [{"id": org, "name": draw(NAMES), "identifier": {"id": org[-2:] + draw(st.sampled_from("xy"))}}
                   for org in [buyer, *suppliers]]
        value = draw(st.integers(0, 40)) / 4  # quarters: sums are exact in any order
        compiled = {"ocid": f"ocds-x-{number:03d}", "buyer": {"id": buyer, "name": draw(NAMES)}, "parties": parties}
        fact = {"year": draw(st.sampled_from([2020, 2021])), "buyer": buyer, "cancelled": draw(st.booleans()),
                "awarded": True, "award_value": value, "competitive": draw(st.booleans()),
                "single_bidder": draw(st.sampled_from([0.0, 1.0])), "special_regime": draw(st.sampled_from([0.0, 1.0])),
                "procedure_type": draw(st.sampled_from(["Subasta", "Ínfima cuantía"]))}
        found.append((compiled, fact, [(org, value / 2) for org in suppliers]))
    return found


def add(entities, compiled, fact, suppliers):
    """One process, as a year's pages add it: what it gives, kept (pickled, as per process) and taken."""
    entities.take(pickle.loads(pickle.dumps(Entities.observe(compiled, fact, suppliers))))


@given(processes(), st.data())
def test_the_organisations_of_any_split_merge_into_those_of_one_pass(every, data):
    whole = Entities()
    for process in every:
        add(whole, *process)
    # Each process goes to one of three sets (a year's, say), each read in ocid order; the sets merge in any order.
    sets = data.draw(st.lists(st.integers(0, 2), min_size=len(every), max_size=len(every)))
    parts = [Entities() for _ in range(3)]
    for process, part in zip(every, sets):
        add(parts[part], *process)
    merged = Entities()
    for number in data.draw(st.permutations(range(3))):
        merged.merge(parts[number])
    assert list(merged.pages()) == list(whole.pages())


def test_an_organisation_is_named_by_the_first_process_that_names_it_whatever_the_order():
    def process(ocid, name):
        compiled = {"ocid": ocid, "buyer": {"id": "EC-1", "name": name},
                    "parties": [{"id": "EC-1", "name": name, "identifier": {"id": ocid[-1]}}]}
        return compiled, {"year": 2021, "buyer": "EC-1"}, []

    backwards = Entities()
    for ocid, name in (("ocds-x-3", "Tercero"), ("ocds-x-2", "Segundo"), ("ocds-x-1", None)):
        add(backwards, *process(ocid, name))
    (_, page), = backwards.pages()
    assert (page["name"], page["identifier"]) == ("Segundo", "2")  # ocds-x-1 names it not
    unnamed = Entities()
    for ocid in ("ocds-x-5", "ocds-x-4"):
        add(unnamed, *process(ocid, None))
    (_, page), = unnamed.pages()
    assert (page["name"], page["identifier"]) == ("EC-1", "4")  # no name: its id, and the first process's identifier


def test_red_flags_are_written_beside_each_page_shard_and_counted_on_the_buyers_pages(monkeypatch):
    monkeypatch.setattr(shards, "SHARD", 2)
    monkeypatch.setattr("ocds_pipeline.publish.site.years.SHARD", 2)
    written = {}
    releases = [{"ocid": f"ocds-x-{n}", "date": "2021-03-01T00:00:00Z", "buyer": {"id": "EC-B", "name": "Compradora"},
                 "tender": {"id": str(n), "title": f"Proceso {n}", "datePublished": "2021-03-01T00:00:00Z"},
                 "parties": [{"id": "EC-B", "name": "Compradora", "roles": ["buyer"]}]} for n in range(5)]
    import orjson

    pages = write_year(written.__setitem__, "2021", [(r["ocid"], orjson.dumps(r)) for r in releases], [])
    assert [key for key in written if key.startswith("p/")] == ["p/2021-0", "p/2021-1", "p/2021-2"]
    assert pages.shards == [["ocds-x-0", "ocds-x-1"], ["ocds-x-2", "ocds-x-3"], ["ocds-x-4", "ocds-x-4"]]
    assert "flags" not in written["p/2021-0"]["ocds-x-0"]  # they depend on every process: apart
    flagged = {"ocds-x-1": {"R024": 1.0, "R018": 0.5}, "ocds-x-4": {"R003": 1.0}, "ocds-y-9": {"R003": 1.0}}
    entities = Entities()
    entities.merge(pages.entities)
    flag_files(written.__setitem__, pages, flagged, pa.array(list(flagged)), entities)
    assert [written[f"pf/2021-{n}"] for n in range(3)] == [{"ocds-x-1": ["R018", "R024"]}, {}, {"ocds-x-4": ["R003"]}]
    (_, buyer), = entities.pages()
    assert buyer["flagged"] == 2 and buyer["bought"]["2021"][6] == 2
    assert counted_for({"year": 2021, "buyer": "EC-B", "cancelled": True}) is None  # a cancelled process counts not


@given(st.lists(st.tuples(st.sampled_from(BUYERS[:2]), st.sampled_from([f"EC-RUC-S{n:02d}" for n in range(14)]),
                          st.integers(0, 8).map(lambda quarters: quarters / 4)), min_size=50, max_size=120),
       st.lists(st.integers(0, 3), min_size=120, max_size=120))
def test_each_organisation_shows_its_ten_largest_counterparts_by_value_then_id(awards, sets):
    """A buyer's suppliers and a supplier's buyers: the ten with the largest awarded value summed over every
    process (ties by id), whichever set of processes each award came in and however the sets merge."""
    every = [Entities() for _ in range(4)]
    for number, (buyer, supplier, value) in enumerate(awards):
        compiled = {"ocid": f"ocds-x-{number:03d}", "buyer": {"id": buyer}, "parties": []}
        fact = {"year": 2021, "buyer": buyer, "awarded": True, "award_value": value}
        add(every[sets[number]], compiled, fact, [(supplier, value)])
    every[0].merge(every[1])
    every[2].merge(every[3])
    every[0].merge(every[2])
    merged = every[0]
    sums: dict[tuple[str, str], float] = {}
    for buyer, supplier, value in awards:
        sums[buyer, supplier] = sums.get((buyer, supplier), 0.0) + value

    def top(pairs):
        return [[org, org, value] for org, value in sorted(pairs, key=lambda pair: (-pair[1], pair[0]))[:10]]

    pages = dict(merged.pages())
    assert set(pages) == {org for pair in sums for org in pair}
    for org, page in pages.items():
        assert page["suppliers"] == top([(s, v) for (b, s), v in sums.items() if b == org])
        assert page["buyers"] == top([(b, v) for (b, s), v in sums.items() if s == org])
