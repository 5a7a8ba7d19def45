"""Records compiled from the fixtures and from 10,000 generated procedures equal ocdsmerge's."""

import json
from collections import defaultdict

import ocdsmerge
import pytest

from ocds_pipeline.config import Config
from ocds_pipeline.extensions import patched_release_schema
from ocds_pipeline.generate import generate
from ocds_pipeline.packaging import iter_jsonl
from ocds_pipeline.compile.files import compile_files
from ocds_pipeline.pipeline import ingest, map_to_files
from ocds_pipeline.publish import publish_from_store
from ocds_pipeline.schemas import SchemaResolver
from ocds_pipeline.store import Store
from tests.conftest import FIXTURES


def compile_with_both(source, tmp_path, versioned):
    """Map ``source``, then publish records: with versioned releases by ``compile`` (no store), else
    from a store (the daily path, whose compiled releases the store keeps)."""
    resolver, config = SchemaResolver.from_env(), Config()
    map_to_files(source, tmp_path / "map", config, resolver)
    if versioned:
        compile_files([tmp_path / "map" / "releases.jsonl"], tmp_path / "pub", config, resolver, versioned=True)
    else:
        store = Store(str(tmp_path / "store.sqlite"))
        ingest([tmp_path / "map" / "releases.jsonl"], store)
        publish_from_store(store, tmp_path / "pub", config, resolver)
        store.close()
    by_ocid = defaultdict(list)
    for release in iter_jsonl(tmp_path / "map" / "releases.jsonl"):
        by_ocid[release["ocid"]].append(release)
    reference = ocdsmerge.Merger(patched_release_schema(resolver, base_uri=config.base_uri))
    records = json.loads((tmp_path / "pub" / "records.json").read_text(encoding="utf-8"))["records"]
    return by_ocid, reference, records


@pytest.mark.parametrize("versioned", [True, False])
def test_fixtures_compiled_and_versioned_equal_ocdsmerge(tmp_path, versioned):
    by_ocid, reference, records = compile_with_both(FIXTURES, tmp_path, versioned=versioned)
    assert len(records) == len(by_ocid) == 240
    for record in records:
        releases = by_ocid[record["ocid"]]
        assert record["compiledRelease"] == reference.create_compiled_release(releases)
        if versioned:
            assert record["versionedRelease"] == reference.create_versioned_release(releases)
        else:
            assert "versionedRelease" not in record
        assert [link["url"].rsplit("#", 1)[1] for link in record["releases"]] == [r["id"] for r in releases]


@pytest.mark.slow(seconds=85)
def test_ten_thousand_generated_procedures_compile_like_ocdsmerge(tmp_path):
    generate(tmp_path / "src", 10_000, seed=13)
    by_ocid, reference, records = compile_with_both(tmp_path / "src", tmp_path, versioned=False)
    assert len(records) == len(by_ocid) == 10_000
    compiled_lines = list(iter_jsonl(tmp_path / "pub" / "compiled.jsonl"))
    for record, line in zip(records, compiled_lines):
        expected = reference.create_compiled_release(by_ocid[record["ocid"]])
        assert record["compiledRelease"] == expected
        assert line == expected
    # Every mapped release is linked from its record.
    assert sum(len(v) for v in by_ocid.values()) == sum(len(r["releases"]) for r in records)


def test_workers_and_process_order_do_not_change_the_files(tmp_path):
    from itertools import zip_longest

    resolver, config = SchemaResolver.from_env(), Config()
    map_to_files(FIXTURES, tmp_path / "map", config, resolver)
    by_ocid = defaultdict(list)
    for line in (tmp_path / "map" / "releases.jsonl").read_bytes().splitlines(keepends=True):
        by_ocid[json.loads(line)["ocid"]].append(line)
    # Interleave processes (first release of each, then second of each…): not grouped by ocid, while
    # each process keeps its own order (which decides between releases with equal dates).
    interleaved = [line for row in zip_longest(*reversed(list(by_ocid.values()))) for line in row if line]
    (tmp_path / "shuffled.jsonl").write_bytes(b"".join(interleaved))
    results = {}
    for name, source, workers in (("one", "map/releases.jsonl", 1), ("two", "map/releases.jsonl", 2),
                                  ("shuffled", "shuffled.jsonl", 2)):
        results[name] = compile_files([tmp_path / source], tmp_path / name, config, resolver, workers=workers,
                                      with_releases=False)
        assert results[name].publication.processes == 240
    assert not results["one"].staged and not results["two"].staged and results["shuffled"].staged
    for name in ("records.json", "compiled.jsonl"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes() == \
               (tmp_path / "shuffled" / name).read_bytes(), name
