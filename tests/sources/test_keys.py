"""The key index: duplicates and dangling references found in every table, while only the keys that foreign
keys refer to stay in memory (the largest tables' keys go to a temporary file)."""

from __future__ import annotations

import tracemalloc

from ocds_pipeline.sources.checks import KeyIndex


def _peak(add) -> int:
    tracemalloc.start()
    try:
        add()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_keys_kept_only_to_find_duplicates_cost_no_memory():
    with KeyIndex(referenced={"procedimientos"}) as keys:
        on_disk = _peak(lambda: [keys.add("items", ("P-1", n)) for n in range(50_000)])
        in_memory = _peak(lambda: [keys.add("procedimientos", (f"P-{n}",)) for n in range(50_000)])
        assert not keys.add("items", ("P-1", 49_999)) and not keys.add("procedimientos", ("P-7",))  # duplicates found
        assert keys.add("items", ("P-2", 1))
        assert keys.has("procedimientos", ("P-49999",)) and not keys.has("procedimientos", ("P-50000",))
    assert on_disk < 1_000_000 < in_memory  # the list of results alone is 0.4 MB


def test_without_referenced_tables_every_key_is_in_memory():
    keys = KeyIndex()
    assert keys.add("items", ("P-1", 1)) and not keys.add("items", ("P-1", 1))
    assert keys.has("items", ("P-1", 1))
