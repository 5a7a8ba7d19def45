"""The store's compiled releases: current after every refresh, merged only when a process changed."""

import orjson
import pytest
from sqlalchemy import select

from ocds_pipeline.compile import Merger
from ocds_pipeline.config import Config
from ocds_pipeline.extensions import patched_release_schema
from ocds_pipeline.publish import record_builder
from ocds_pipeline.publish.cache import UNDATED, cached_processes, process_year, refresh_compiled
from ocds_pipeline.schemas import SchemaResolver
from ocds_pipeline.store import Store, StoredRelease, tables


def release(ocid: str, number: int, date: str, **fields) -> dict:
    return {"ocid": ocid, "id": f"{ocid}-{number}", "date": date, "tag": ["tender"], **fields}


@pytest.fixture
def store(tmp_path):
    store = Store(str(tmp_path / "store.sqlite"))
    yield store
    store.close()


@pytest.fixture(scope="module")
def builder():
    return record_builder(Config(), SchemaResolver.from_env())


def add(store: Store, *releases: dict) -> None:
    store.insert(store.start_run("ingest", "test"), [StoredRelease.of(r) for r in releases])


def stored(store: Store) -> dict[str, tuple]:
    c = tables.compiled.c
    with store.engine.connect() as connection:
        rows = connection.execute(select(c.ocid, c.year, c.first_date, c.latest_date, c.releases, c.body, c.error))
        return {ocid: (year, first, latest, count, orjson.loads(body) if body else None, error)
                for ocid, year, first, latest, count, body, error in rows}


@pytest.mark.parametrize("date,year", [
    ("2024-01-05T10:00:00-05:00", "2024"), ("2019-12-31T23:00:00Z", "2019"), ("2024-01-05", "2024"),
    ("", UNDATED), (None, UNDATED), ("05/01/2024", UNDATED), ("2024", UNDATED), ("20240105T00:00:00Z", UNDATED),
])
def test_the_year_of_a_process_is_that_of_its_first_release_date_as_published(date, year):
    assert process_year(date) == year


def test_refresh_merges_only_what_changed_and_says_which_years(store, builder):
    merger = Merger(patched_release_schema(SchemaResolver.from_env()))
    a1 = release("ocds-x-A", 1, "2023-05-01T00:00:00Z", tender={"id": "A", "title": "uno"})
    b1 = release("ocds-x-B", 1, "2024-02-01T00:00:00Z", tender={"id": "B"})
    add(store, a1, b1)
    first = refresh_compiled(store, builder)
    assert (first.processes, first.years, first.errors) == (2, {"2023", "2024"}, {})
    assert stored(store)["ocds-x-A"] == ("2023", a1["date"], a1["date"], 1, merger.compiled([a1]), None)

    again = refresh_compiled(store, builder)
    assert (again.processes, again.years) == (0, set())

    a2 = release("ocds-x-A", 2, "2024-07-01T00:00:00Z", tender={"id": "A", "title": "dos"})
    add(store, a2)
    third = refresh_compiled(store, builder)
    # A changed; it stays in its first release's year, 2023, however late its new release.
    assert (third.processes, third.years) == (1, {"2023"})
    assert stored(store)["ocds-x-A"] == ("2023", a1["date"], a2["date"], 2, merger.compiled([a1, a2]), None)
    assert stored(store)["ocds-x-B"][4] == merger.compiled([b1])


def test_a_process_that_cannot_be_merged_is_kept_with_why(store, builder):
    add(store, release("ocds-x-C", 1, "2024-01-01T00:00:00Z", x="text"),
        release("ocds-x-C", 2, "2024-01-02T00:00:00Z", x={"y": 1}))
    refreshed = refresh_compiled(store, builder)
    assert refreshed.errors == {"ocds-x-C": "/x: an earlier release had a value that is not an object here"}
    assert stored(store)["ocds-x-C"][4:] == (None, refreshed.errors["ocds-x-C"])


def test_an_earlier_release_moves_a_process_to_its_year(store, builder):
    """Only another publisher's data can add a release dated before a process's first one."""
    add(store, release("ocds-x-D", 2, "2024-03-01T00:00:00Z"))
    refresh_compiled(store, builder)
    add(store, release("ocds-x-D", 1, "2022-03-01T00:00:00Z"))
    assert refresh_compiled(store, builder).years == {"2024", "2022"}  # both years' files change
    assert stored(store)["ocds-x-D"][0] == "2022"


def test_an_interrupted_refresh_is_finished_by_the_next(store, builder, monkeypatch):
    import ocds_pipeline.publish.cache as cache

    add(store, *[release(f"ocds-x-{n:03d}", 1, f"20{10 + n % 10}-01-01T00:00:00Z") for n in range(12)])
    monkeypatch.setattr(cache, "BATCH", 5)
    calls = []
    real = store.save_compiled

    def save_then_fail(rows, through=None, search=None):
        calls.append(len(rows))
        if len(calls) == 2:
            raise KeyboardInterrupt  # stopped after one batch was saved
        real(rows, through, search)

    monkeypatch.setattr(store, "save_compiled", save_then_fail)
    with pytest.raises(KeyboardInterrupt):
        refresh_compiled(store, builder)
    assert len(stored(store)) == 5 and store.compiled_through() == 0
    monkeypatch.setattr(store, "save_compiled", real)
    finished = refresh_compiled(store, builder)
    assert finished.processes == 12 and len(stored(store)) == 12 and store.compiled_through() == store.max_seq()
    with store.engine.connect() as connection:  # the search index follows the compiled releases, batch by batch
        indexed = set(connection.execute(select(tables.search.c.ocid)).scalars())
    assert indexed == {ocid for ocid, row in stored(store).items() if row[4] is not None}


def test_cached_processes_are_what_merging_gives(store, builder):
    from ocds_pipeline.publish.records import compile_groups

    add(store, release("ocds-x-E", 1, "2024-01-01T00:00:00Z", tag=["planning"], planning={"project": {"id": "P-1"}}),
        release("ocds-x-E", 2, "2024-02-01T00:00:00Z", tender={"id": "E"}),
        release("ocds-x-F", 1, "2023-01-01T00:00:00Z", x="text"), release("ocds-x-F", 2, "2023-01-02T00:00:00Z", x={}))
    refresh_compiled(store, builder)
    merged = list(compile_groups(store.releases_by_ocid(), builder))
    cached = list(cached_processes(store, builder.releases_uri))
    assert [vars(p) for p in cached] == [vars(p) for p in merged]
    assert cached[0].project_input is not None and cached[1].project_input is None
    assert [p.ocid for p in cached_processes(store, builder.releases_uri, year="2023")] == ["ocds-x-F"]


def test_a_refresh_holds_no_read_open_while_it_writes(store, builder, monkeypatch):
    """SQLite's write-ahead log can only start over when no reader holds an older snapshot: a refresh that
    kept its list of changed processes open while writing grew the log without bound (12 GB at 1,000,000
    processes, beside a 10 GB store). Each batch's write must find the log free to be checkpointed whole."""
    import sqlite3

    from ocds_pipeline.publish import cache

    add(store, *(release(f"ocds-x-{n:05d}", 1, "2024-01-01T00:00:00Z") for n in range(2500)))  # > one fetch of 2,000
    monkeypatch.setattr(cache, "BATCH", 400)
    saving = store.save_compiled
    checkpoints = []

    def save_compiled(*args, **kwargs):
        with sqlite3.connect(store.engine.url.database, timeout=0) as other:
            checkpoints.append(other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0])  # 1: blocked
        return saving(*args, **kwargs)

    monkeypatch.setattr(store, "save_compiled", save_compiled)
    refreshed = refresh_compiled(store, builder)
    assert refreshed.processes == 2500
    assert len(checkpoints) == 7 and checkpoints == [0] * 7
