"""A year written again makes anew only what comes from the processes whose compiled release changed (its
spreadsheet rows, its part of the statistics); the others' come from what was kept per process, and the files are
the same bytes as a writing from nothing."""

import csv
import pickle
import shutil
import sqlite3
import zlib
from contextlib import closing
from unittest.mock import patch

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocds_pipeline.publish import processcache
from ocds_pipeline.publish.processcache import ProcessCache
from ocds_pipeline.publish.site import years
from ocds_pipeline.store import Store
from ocds_pipeline.store.ingest import ingest
from ocds_pipeline.publish.yearly import YearSpreadsheets
from tests.publish.test_publication import correct_a_process, files, publish_store, small_store

SHEETS = ("csv/", "xlsx/")
STATISTICS = ("indicators/", "quality/", "oc4ids/", "site/")


def spreadsheets(root, kinds=SHEETS):
    return {path: body for path, body in files(root).items() if path.startswith(kinds)}


def counting(monkeypatch) -> list[str]:
    """Each process a year's spreadsheets encode, by its ocid (the publishes here run in one process)."""
    encoded, encode = [], YearSpreadsheets.encode

    def counted(self, compiled):
        encoded.append(compiled["ocid"])
        return encode(self, compiled)

    monkeypatch.setattr(YearSpreadsheets, "encode", counted)
    return encoded


def test_a_year_written_again_encodes_only_the_processes_that_changed(tmp_path, daily, monkeypatch):
    store_path = small_store(tmp_path, daily)
    root = tmp_path / "pub"
    encoded = counting(monkeypatch)
    publish_store(store_path, root)
    first = len(encoded)
    assert first > 10 and len(set(encoded)) == first  # every process of both years, once
    ocid, _ = correct_a_process(tmp_path, store_path, "2022")
    encoded.clear()
    published = publish_store(store_path, root)
    assert encoded == [ocid]  # 2021 linked as it was, 2022 written again from its kept rows but one
    with (root / "csv/2022/ocds/ocds_procesos.csv").open(encoding="utf-8", newline="") as table:
        twenty_two = len(list(csv.reader(table))) - 1  # a row per process of 2022
    assert (published.rows_encoded, published.rows_kept) == (1, twenty_two - 1)  # what the run reports
    shutil.rmtree(tmp_path / ".pub.versions" / "state" / "sheets")
    publish_store(store_path, tmp_path / "fresh")
    assert len(encoded) == 1 + first
    kept, fresh = spreadsheets(root), spreadsheets(tmp_path / "fresh")
    assert any(path.startswith("csv/2022/") for path in kept) and "xlsx/2022.xlsx" in kept
    assert kept == fresh


def test_damaged_kept_rows_are_encoded_again(tmp_path, daily, monkeypatch):
    store_path = small_store(tmp_path, daily)
    root = tmp_path / "pub"
    publish_store(store_path, root)
    kept = tmp_path / ".pub.versions" / "state" / "sheets" / "2022.sqlite"
    assert kept.is_file()
    kept.write_bytes(b"not a database" * 100)
    correct_a_process(tmp_path, store_path, "2022")
    encoded = counting(monkeypatch)
    publish_store(store_path, root)
    assert len(encoded) > 10  # every process of 2022 again
    publish_store(store_path, tmp_path / "fresh")
    assert spreadsheets(root) == spreadsheets(tmp_path / "fresh")


def test_rows_are_kept_under_the_rules_and_the_year_they_were_made_for(tmp_path):
    path, body = tmp_path / "2024.sqlite", b'{"ocid": "ocds-1"}'
    made = []

    def encode(label):
        return lambda: made.append(label) or ((label, ()),)

    cache = ProcessCache(path, "rules-a", "2024")
    assert cache.get("ocds-1", body, encode("first")) == (("first", ()),)
    cache.close()
    cache = ProcessCache(path, "rules-a", "2024")
    assert cache.get("ocds-1", body, encode("again")) == (("first", ()),)  # kept
    assert cache.get("ocds-2", body, encode("other")) == (("other", ()),)  # another process
    assert (cache.reused, cache.made) == (1, 1)
    cache.abort()  # what was not kept yet is dropped
    cache = ProcessCache(path, "rules-a", "2025")
    assert cache.get("ocds-1", body, encode("year")) == (("year", ()),)  # the same release in another year
    cache.close()
    cache = ProcessCache(path, "rules-b", "2025")
    assert cache.get("ocds-1", body, encode("rules")) == (("rules", ()),)  # other rules: nothing kept
    cache.close()
    assert made == ["first", "other", "year", "rules"]


def test_a_year_read_again_makes_only_the_changed_processes_statistics_anew(tmp_path, daily):
    store_path = small_store(tmp_path, daily)
    root = tmp_path / "pub"
    first = publish_store(store_path, root)
    assert first.statistics_kept == 0 and first.statistics_made > 10  # every process of both years
    correct_a_process(tmp_path, store_path, "2022", procurementMethod="direct", numberOfTenderers=1)
    published = publish_store(store_path, root)
    with (root / "csv/2022/ocds/ocds_procesos.csv").open(encoding="utf-8", newline="") as table:
        twenty_two = len(list(csv.reader(table))) - 1
    assert (published.statistics_made, published.statistics_kept) == (1, twenty_two - 1)  # 2021's statistics kept whole
    shutil.rmtree(tmp_path / ".pub.versions" / "state")
    fresh = publish_store(store_path, tmp_path / "fresh")
    assert fresh.statistics_made == first.statistics_made and fresh.statistics_kept == 0
    kept, made = spreadsheets(root, STATISTICS), spreadsheets(tmp_path / "fresh", STATISTICS)
    assert "indicators/indicators.csv" in kept and "quality/quality.json" in kept
    assert kept == made


def test_a_year_whose_pages_are_written_again_makes_only_the_changed_processes_pages_anew(tmp_path, daily,
                                                                                          monkeypatch):
    store_path = small_store(tmp_path, daily)
    root = tmp_path / "pub"
    paged, page = [], years.process_page

    def counted(compiled, *args, **kwargs):
        paged.append(compiled["ocid"])
        return page(compiled, *args, **kwargs)

    monkeypatch.setattr(years, "process_page", counted)
    publish_store(store_path, root)
    assert len(paged) > 10 and len(set(paged)) == len(paged)  # every process of both years, once
    ocid, _ = correct_a_process(tmp_path, store_path, "2022", procurementMethod="direct")
    paged.clear()
    publish_store(store_path, root)
    assert paged == [ocid]  # 2021's pages linked, 2022's written again from the kept pages but one
    shutil.rmtree(tmp_path / ".pub.versions" / "state")
    publish_store(store_path, tmp_path / "fresh")
    kept, made = spreadsheets(root, ("site/",)), spreadsheets(tmp_path / "fresh", ("site/",))
    assert any(path.startswith("site/data/p/2022-") for path in kept)
    assert kept == made


def test_a_process_whose_history_changed_has_its_page_made_again(tmp_path, daily):
    """A release that leaves the compiled release as it was (the same content, dated as the latest) still adds a
    line to the process's history: its page is made again."""
    store_path = small_store(tmp_path, daily)
    root = tmp_path / "pub"
    publish_store(store_path, root)
    store = Store(str(store_path))
    ocid = next(o for o, y, *_ in store.compiled_index() if y == "2022")
    latest = orjson.loads(store.bodies([ocid])[ocid][-1])
    store.close()
    resent = tmp_path / "resent.json"
    resent.write_bytes(orjson.dumps({"uri": "https://example.org/r.json", "version": "1.1",
                                     "publisher": {"name": "Servicio Nacional de Contratación Pública (SERCOP)"},
                                     "publishedDate": "2026-02-01T00:00:00-05:00",
                                     "releases": [{**latest, "id": latest["id"] + "-resent"}]}))
    store = Store(str(store_path))
    ingest([resent], store)
    store.close()
    publish_store(store_path, root)
    publish_store(store_path, tmp_path / "fresh")
    kept, made = spreadsheets(root, ("site/",)), spreadsheets(tmp_path / "fresh", ("site/",))
    assert any(latest["id"] + "-resent" in body.decode("utf-8") for body in kept.values())
    assert kept == made


def test_kept_parts_are_compressed_against_a_dictionary_of_their_file(tmp_path):
    """Parts of one year repeat the same names (fields, paths, codes): each is compressed against the file's first
    part, kept once in the file, not alone."""
    path = tmp_path / "2024.sqlite"
    parts = {f"ocds-{n}": {"ocid": f"ocds-{n}", "tender": {"status": "complete", "procurementMethod": "open",
                                                           "items": [{"classification": {"scheme": "CPC", "id": str(n)}}]},
                           "paths": [("tender", "items", "classification", "id"), ("awards", "suppliers", "name")],
                           "value": n * 1.5} for n in range(200)}
    cache = ProcessCache(path, "rules", "2024")
    for ocid, part in parts.items():
        cache.get(ocid, ocid.encode(), lambda: part)
    cache.close()
    with closing(sqlite3.connect(path)) as db:
        stored = sum(len(data) for data, in db.execute("SELECT data FROM rows"))
    alone = sum(len(zlib.compress(pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL), 1)) for part in parts.values())
    assert stored < 0.6 * alone
    cache = ProcessCache(path, "rules", "2024")
    assert all(cache.get(ocid, ocid.encode(), lambda: None) == part for ocid, part in parts.items())
    assert (cache.reused, cache.made) == (200, 0)
    cache.close()
    cache = ProcessCache(path, "other rules", "2024")  # emptied: a dictionary of its own parts
    assert cache.get("ocds-1", b"ocds-1", lambda: "made") == "made"
    cache.close()
    cache = ProcessCache(path, "other rules", "2024")
    assert cache.get("ocds-1", b"ocds-1", lambda: "again") == "made"
    cache.close()


def selects(cache: ProcessCache) -> list[str]:
    """Each query that reads kept parts, as the cache's connection runs it."""
    run: list[str] = []
    cache._db.set_trace_callback(lambda statement: run.append(statement) if "FROM rows" in statement else None)
    return run


def test_a_pass_in_ocid_order_reads_the_kept_parts_on_not_one_by_one(tmp_path):
    """A year's pass asks in ocid order (a run per OCDS file of the year): the kept parts are read ahead in that
    order, a query per many processes, which took a tenth of the time of a lookup per process at 1,000,000."""
    path, ocids = tmp_path / "2024.sqlite", [f"ocds-{n:05}" for n in range(3_000)]
    cache = ProcessCache(path, "rules", "2024")
    for ocid in ocids:
        cache.get(ocid, ocid.encode(), lambda: ocid.upper())
    cache.close()
    cache = ProcessCache(path, "rules", "2024")
    run = selects(cache)
    quarters = [ocids[n::4] for n in range(4)]  # interleaved runs, as a year's files' processes are
    assert [cache.get(ocid, ocid.encode(), lambda: "made") for quarter in quarters for ocid in quarter] \
        == [ocid.upper() for quarter in quarters for ocid in quarter]
    assert (cache.reused, cache.made) == (3_000, 0)
    assert len(run) <= 4 * 3_000 // 200  # a lookup per process was 3,000
    cache.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kept=st.dictionaries(st.integers(0, 60), st.booleans(), max_size=40),
       asked=st.lists(st.integers(0, 60), max_size=80))
def test_any_order_of_asking_gives_what_was_kept_or_makes_it(tmp_path_factory, kept, asked):
    """Whatever the order (backwards, repeated, unknown ocids), a part is the one kept under its digest, or made."""
    path = tmp_path_factory.mktemp("cache") / "2024.sqlite"
    body = lambda number, changed: f"{number}{'+' if changed else ''}".encode()  # noqa: E731
    cache = ProcessCache(path, "rules", "2024")
    for number in sorted(kept):
        cache.get(f"ocds-{number}", body(number, False), lambda: ("kept", number))
    cache.close()
    cache = ProcessCache(path, "rules", "2024")
    with patch.multiple(processcache, _AHEAD=4, _BATCH=3):  # reading ahead and writing often, between the asks
        for number in asked:
            changed = kept.get(number, False)  # True: its compiled release changed since
            expected = ("kept", number) if number in kept and not changed else ("made", number)
            assert cache.get(f"ocds-{number}", body(number, changed), lambda: ("made", number)) == expected
    assert cache.reused + cache.made == len(asked)
    cache.close()


def test_each_pass_keeps_its_parts_in_the_order_it_asked_and_only_those(tmp_path):
    """A pass writes its year's file anew in the order it asked (the next pass's order: read on, not sought), and
    keeps only the processes it asked for (one that left the year is not kept for ever); a pass that fails leaves
    the file as it was."""
    path, ocids = tmp_path / "2024.sqlite", [f"ocds-{n:04}" for n in range(1_000)]
    runs = [ocids[n::4] for n in range(4)]  # as a year's four files ask

    def one_pass(changed: set[str], asked: list[list[str]], label: str) -> ProcessCache:
        cache = ProcessCache(path, "rules", "2024")
        for run in asked:
            for ocid in run:
                cache.get(ocid, f"{ocid}{label if ocid in changed else ''}".encode(), lambda: (ocid, label))
        return cache

    one_pass(set(), runs, "first").close()
    size = path.stat().st_size
    for day in range(5):  # a tenth changed each day
        one_pass(set(ocids[day::10]), runs, f"day {day}").close()
    one_pass(set(), runs, "").close()  # as on the first day
    with closing(sqlite3.connect(path)) as db:
        assert [ocid for ocid, in db.execute("SELECT ocid FROM rows ORDER BY rowid")] == [o for run in runs for o in run]
        assert db.execute("PRAGMA freelist_count").fetchone() == (0,)
    assert path.stat().st_size < 1.1 * size
    with pytest.raises(KeyboardInterrupt), one_pass({"ocds-0000"}, [runs[0]], "interrupted"):
        raise KeyboardInterrupt  # stopped before it ended: what it made of ocds-0000 is not kept
    left = one_pass(set(), [runs[0]], "")  # ocds-0001 left the year
    assert (left.reused, left.made) == (250, 0)
    left.close()
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("SELECT count(*) FROM rows").fetchone() == (250,)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2024.sqlite"]
