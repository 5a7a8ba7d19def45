"""Existing OCDS data in every shape a publisher uses, read as a stream of releases."""

import gzip
import json
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from ocds_pipeline.sources.ocds import NotOCDSError, OcdsReadStats, read_ocds
from tests.conftest import shared_samples

R1 = {"ocid": "ocds-x-1", "id": "1", "date": "2024-01-01T00:00:00Z", "tag": ["tender"], "tender": {"id": "t"}}
R2 = {"ocid": "ocds-x-2", "id": "1", "date": "2024-01-02T00:00:00Z", "tag": ["award"]}
PACKAGE = {"uri": "u", "version": "1.1", "publishedDate": "2024-01-03T00:00:00Z", "publisher": {"name": "p"},
           "extensions": ["https://example.org/ext/extension.json"], "releases": [R1, R2]}
RECORDS = {"uri": "u", "version": "1.1", "publishedDate": "d", "publisher": {"name": "p"}, "records": [
    {"ocid": "ocds-x-1", "releases": [R1], "compiledRelease": {**R1, "tag": ["compiled"]}},
    {"ocid": "ocds-x-2", "releases": [{"url": "u#1", "date": R2["date"], "tag": ["award"]}],
     "compiledRelease": {**R2, "id": "ocds-x-2-2024-01-02T00:00:00Z", "tag": ["compiled"]}},
]}


def write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def ids(path):
    return [(r["ocid"], r["id"]) for r in read_ocds(path)]


@pytest.mark.parametrize("name,body", [
    ("package.json", json.dumps(PACKAGE)),
    ("array-of-packages.json", json.dumps([{**PACKAGE, "releases": [R1]}, {**PACKAGE, "releases": [R2]}])),
    ("releases.jsonl", json.dumps(R1) + "\n" + json.dumps(R2) + "\n"),
    ("concatenated.json", json.dumps(R1) + json.dumps(R2)),
    ("array-of-releases.json", json.dumps([R1, R2])),
    ("packages.jsonl", json.dumps({**PACKAGE, "releases": [R1]}) + "\n" + json.dumps({**PACKAGE, "releases": [R2]})),
])
def test_shapes(tmp_path, name, body):
    assert ids(write(tmp_path / name, body)) == [("ocds-x-1", "1"), ("ocds-x-2", "1")]


def test_record_package_embedded_and_compiled(tmp_path):
    stats = OcdsReadStats()
    releases = list(read_ocds(write(tmp_path / "records.json", json.dumps(RECORDS)), stats))
    # Record 1 embeds its release; record 2 only links it, so its compiled release is kept.
    assert [(r["ocid"], r["id"]) for r in releases] == [("ocds-x-1", "1"), ("ocds-x-2", "ocds-x-2-2024-01-02T00:00:00Z")]
    assert (stats.records, stats.linked_releases, stats.packages) == (2, 1, 1)


def test_compressed_and_zipped(tmp_path):
    gz = tmp_path / "package.json.gz"
    gz.write_bytes(gzip.compress(json.dumps(PACKAGE).encode()))
    assert len(ids(gz)) == 2
    archive = tmp_path / "bulk.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("2024/enero.json", json.dumps([{**PACKAGE, "releases": [R1]}]))
        zipped.writestr("2024/febrero.json", json.dumps([{**PACKAGE, "releases": [R2]}]))
    assert ids(archive) == [("ocds-x-1", "1"), ("ocds-x-2", "1")]


def test_zip_members_with_unsafe_paths_are_refused(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("../../etc/evil.json", json.dumps(R1))
    with pytest.raises(NotOCDSError, match="unsafe path"):
        list(read_ocds(archive))
    assert not (tmp_path.parent.parent / "etc" / "evil.json").exists()


def test_sercop_samples(tmp_path):
    stats = OcdsReadStats()
    releases = [r for path in sorted(shared_samples().glob("sercop-api-record_*.json")) for r in read_ocds(path, stats)]
    assert len(releases) == 4 and stats.packages == 4
    assert all(r["ocid"].startswith("ocds-5wno2w-") for r in releases)
    assert any("bid_extension" in e for e in stats.extensions)


@pytest.mark.parametrize("body,message", [
    ('{"hello": 1}', "line 1 is not OCDS: .* keys: hello"),
    ("[1, 2]", "line 1 is an array of numbers, not of OCDS objects"),
    ("42", "line 1 is a number, not an OCDS package"),
    ('{"ocid": "x",\n "id": 1, "date": [}', "not valid JSON"),
    ("[\n  1,\n  2\n]", "top-level value 1 is an array of numbers"),
    ('{"releases": [', "not valid JSON"),
])
def test_not_ocds_is_a_clear_error(tmp_path, body, message):
    with pytest.raises(NotOCDSError, match=message):
        list(read_ocds(write(tmp_path / "bad.json", body)))


def test_malformed_releases_are_rejected_not_lost(tmp_path):
    rejects = []
    body = json.dumps({**PACKAGE, "releases": [R1, {"ocid": "ocds-x-3", "id": "1"}, "text"]})
    releases = list(read_ocds(write(tmp_path / "p.json", body), rejects=rejects))
    assert [r["ocid"] for r in releases] == ["ocds-x-1"]
    assert [(r.column, r.reason) for r in rejects] == [
        ("date", "release '1' of 'ocds-x-3' has no date string"), ("", "a release must be a JSON object")]


def test_a_huge_line_is_streamed(tmp_path):
    from ocds_pipeline.sources import ocds

    small = json.dumps(R1) + "\n"
    huge = json.dumps({**PACKAGE, "releases": [{**R2, "id": str(i), "x": "y" * 1000} for i in range(5000)]}) + "\n"
    path = write(tmp_path / "mixed.jsonl", small + huge + small)
    assert len(huge) > ocds.LINE_LIMIT
    assert len(ids(path)) == 5002


def test_memory_follows_one_release_not_the_file(tmp_path):
    def peak_for(count):
        big = {**PACKAGE, "releases": [{**R1, "id": str(i), "tender": {"id": "t", "description": "x" * 2000}}
                                        for i in range(count)]}
        path = write(tmp_path / f"big-{count}.json", json.dumps(big))
        tracemalloc.start()
        assert sum(1 for _ in read_ocds(path)) == count
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return path.stat().st_size, peak

    small_size, small_peak = peak_for(5_000)
    large_size, large_peak = peak_for(20_000)
    assert large_size > 4 * small_size > 40_000_000
    assert large_peak < 1.5 * small_peak  # a 4x larger file needs no more memory
    assert large_peak < large_size / 3


def test_big_packages_are_read_with_ijson_items_and_extensions_found_anywhere(tmp_path):
    from ocds_pipeline.sources import ocds

    releases = [{**R1, "id": str(i), "tender": {"id": "t", "description": "x" * 1000}} for i in range(5000)]
    # SERCOP's API bodies put "extensions" after "releases".
    package = {"uri": "u", "version": "1.1", "releases": releases, "publisher": {"name": "p"},
               "extensions": ["https://example.org/a/extension.json"]}
    single = write(tmp_path / "single.json", json.dumps(package))
    array = write(tmp_path / "array.json", json.dumps([package, {**package, "extensions": ["https://example.org/b/extension.json"]}]))
    assert single.stat().st_size > ocds.LINE_LIMIT
    assert ocds._package_shape(single.read_bytes()[:1000]) == ("releases.item", "releases")
    assert ocds._package_shape(array.read_bytes()[:1000]) == ("item.releases.item", "releases")
    stats = OcdsReadStats()
    first = next(iter(read_ocds(single, stats)))
    assert stats.extensions == {"https://example.org/a/extension.json"}  # known before the first release
    assert first["id"] == "0" and len(ids(single)) == 5000
    stats = OcdsReadStats()
    assert len(list(read_ocds(array, stats))) == 10000
    assert stats.packages == 2 and len(stats.extensions) == 2
