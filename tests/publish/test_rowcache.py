"""A year's spreadsheets written again encode only the processes whose compiled release changed; the others come
from the rows kept per process, the same bytes as a writing from nothing."""

import csv
import shutil

from ocds_pipeline.publish.rowcache import RowCache
from ocds_pipeline.publish.yearly import YearSpreadsheets
from tests.publish.test_publication import correct_a_process, files, publish_store, small_store

SHEETS = ("csv/", "xlsx/")


def spreadsheets(root):
    return {path: body for path, body in files(root).items() if path.startswith(SHEETS)}


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

    cache = RowCache(path, "rules-a", "2024")
    assert cache.rows("ocds-1", body, encode("first")) == (("first", ()),)
    cache.close()
    cache = RowCache(path, "rules-a", "2024")
    assert cache.rows("ocds-1", body, encode("again")) == (("first", ()),)  # kept
    assert cache.rows("ocds-2", body, encode("other")) == (("other", ()),)  # another process
    assert (cache.reused, cache.encoded) == (1, 1)
    cache.abort()  # what was not kept yet is dropped
    cache = RowCache(path, "rules-a", "2025")
    assert cache.rows("ocds-1", body, encode("year")) == (("year", ()),)  # the same release in another year
    cache.close()
    cache = RowCache(path, "rules-b", "2025")
    assert cache.rows("ocds-1", body, encode("rules")) == (("rules", ()),)  # other rules: nothing kept
    cache.close()
    assert made == ["first", "other", "year", "rules"]
