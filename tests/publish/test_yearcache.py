"""The publication's per-year state: an entry is given back only under the key and signature it was
made with; damaged entries and other years' are not trusted; the key follows the code by content."""

import pickle
import shutil

import pytest

from ocds_pipeline import resources
from ocds_pipeline.publish.yearcache import STATISTICS_CODE, YearCache, state_key


def test_an_entry_comes_back_only_under_its_key_and_signature(tmp_path):
    cache = YearCache(tmp_path / "state", "key-1")
    assert cache.get("2024", [1, 2]) is None
    cache.put("2024", [1, 2], {"facts": [1.5, None]})
    assert cache.get("2024", [1, 2]) == {"facts": [1.5, None]}
    assert cache.get("2024", [1, 3]) is None  # the year changed
    assert YearCache(tmp_path / "state", "key-2").get("2024", [1, 2]) is None  # other rules or code
    assert cache.get("2023", [1, 2]) is None
    assert cache.has("2024", [1, 2]) and not cache.has("2024", [1, 3]) and not cache.has("2023", [1, 2])


@pytest.mark.parametrize("damage", [b"", b"not a pickle", b"\x80\x05K\x01.", b"\x80\x05\x95"])
def test_a_damaged_entry_is_not_trusted(tmp_path, damage):
    cache = YearCache(tmp_path, "key")
    cache.put("2024", [1], "value")
    (tmp_path / "2024.pickle").write_bytes(damage)
    assert cache.get("2024", [1]) is None and not cache.has("2024", [1])


def test_an_entry_whose_value_is_damaged_behind_its_key_is_not_trusted(tmp_path):
    """:meth:`has` reads the key alone; the value may still have gone bad, and :meth:`get` says so."""
    cache = YearCache(tmp_path, "key")
    cache.put("2024", [1], list(range(1000)))
    path = tmp_path / "2024.pickle"
    path.write_bytes(path.read_bytes()[:-100])
    assert cache.has("2024", [1]) and cache.get("2024", [1]) is None


def test_an_entry_holds_values_read_one_after_the_other(tmp_path):
    """A year's statistics come before its facts: reading the first does not need the second to be whole."""
    cache = YearCache(tmp_path, "key")
    cache.put("2024", [1], {"quality": 1}, list(range(1000)))
    assert cache.get("2024", [1]) == {"quality": 1} and cache.get("2024", [1], 1) == list(range(1000))
    path = tmp_path / "2024.pickle"
    path.write_bytes(path.read_bytes()[:-100])
    assert cache.get("2024", [1]) == {"quality": 1} and cache.get("2024", [1], 1) is None
    assert cache.get("2024", [1], 2) is None  # no such value


def test_a_value_is_read_without_reading_those_before_it(tmp_path):
    """A year's red flags' tallies lie after its facts: they are reached by the facts' length, not by reading
    them (here the facts' bytes are garbage of the same length, and the tallies still come back)."""
    cache = YearCache(tmp_path, "key")
    cache.put("2024", [1], {"quality": 1}, list(range(1000)), {"flags": 2})
    path = tmp_path / "2024.pickle"
    data = bytearray(path.read_bytes())
    facts = pickle.dumps(list(range(1000)), protocol=pickle.HIGHEST_PROTOCOL)
    start = bytes(data).index(facts)
    data[start:start + len(facts)] = b"x" * len(facts)
    path.write_bytes(bytes(data))
    assert cache.get("2024", [1], 2) == {"flags": 2} and cache.get("2024", [1], 1) is None
    assert cache.get("2024", [1]) == {"quality": 1}


def test_keep_deletes_the_years_no_process_is_in(tmp_path):
    cache = YearCache(tmp_path, "key")
    for year in ("2023", "2024", "undated"):
        cache.put(year, [1], year)
    cache.keep(["2024", "undated"])
    assert sorted(path.name for path in tmp_path.iterdir()) == ["2024.pickle", "undated.pickle"]
    YearCache(tmp_path / "never-written", "key").keep([])  # no folder yet: nothing to do


def test_a_year_is_never_a_path(tmp_path):
    with pytest.raises(ValueError, match="not a year"):
        YearCache(tmp_path, "key").put("../2024", [1], "value")


def test_the_statistics_key_follows_their_code_by_content(tmp_path, monkeypatch):
    checkout = tmp_path / "checkout"
    for part in STATISTICS_CODE:
        source, target = resources.ROOT / part, checkout / part
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source, target) if source.is_dir() else shutil.copyfile(source, target)
    monkeypatch.setattr(resources, "ROOT", checkout)
    base = state_key("fingerprint", STATISTICS_CODE)
    assert state_key("other fingerprint", STATISTICS_CODE) != base
    for edited in ("ocds_pipeline/indicators/facts.py", "ocds_pipeline/validate/quality/dataset.py",
                   "ocds_pipeline/publish/statistics.py", "schemas/indicators/registry.yaml",
                   "mappings/sercop/codelists/procedure_types.csv"):
        path = checkout / edited
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert state_key("fingerprint", STATISTICS_CODE) != base, edited
        path.write_bytes(original)
    assert state_key("fingerprint", STATISTICS_CODE) == base
