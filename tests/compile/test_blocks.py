"""One big file compiled by workers that read its blocks gives the files, counts and rejects of one sequential pass."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings, strategies as st

from ocds_pipeline.compile import files as compile_module
from ocds_pipeline.compile.blocks import worked_blocks
from ocds_pipeline.compile.files import compile_files
from ocds_pipeline.compile.stream import NotGroupedError
from ocds_pipeline.config import Config
from ocds_pipeline.indicators.reading import facts_of_files
from ocds_pipeline.pipeline import map_to_files
from ocds_pipeline.publish import ProjectSource
from ocds_pipeline.schemas import SchemaResolver
from ocds_pipeline.sources.ocds import NotOCDSError, OcdsReadStats
from ocds_pipeline.sources.ocds_blocks import plan_blocks
from tests.conftest import FIXTURES, examples

BLOCK = 16 << 10  # small blocks, so that the fixtures' processes straddle cuts
HEAD = {"uri": "https://example.org/p.json", "version": "1.1", "publishedDate": "2025-01-01T00:00:00Z",
        "publisher": {"name": "SERCOP"}, "license": "https://creativecommons.org/licenses/by/4.0/",
        "extensions": ["https://example.org/extension.json"]}


@pytest.fixture(scope="module")
def lines(tmp_path_factory) -> list[bytes]:
    """The fixtures' releases, a line each, grouped by ocid; with a release without a date (rejected when read)
    and a second, different release with another's ocid and id (rejected when its process is compiled)."""
    out = tmp_path_factory.mktemp("mapped")
    map_to_files(FIXTURES, out, Config(), SchemaResolver.from_env())
    lines = (out / "releases.jsonl").read_bytes().splitlines()
    undated = orjson.loads(lines[300])
    del undated["date"]
    twin = orjson.loads(lines[700])
    twin["description"] = "another release with the same id"
    return lines[:301] + [orjson.dumps(undated)] + lines[301:701] + [orjson.dumps(twin)] + lines[701:]


def written(lines: list[bytes], layout: str, path):
    if layout == "lines":
        path.write_bytes(b"\n".join(lines) + b"\n")
    else:  # a release package, its fields before and after the releases
        head = orjson.dumps(HEAD)[:-1]
        path.write_bytes(head + b',"releases":[\n' + b",\n".join(lines) + b'\n],"publicationPolicy":"https://example.org/policy"}\n')
    plan = plan_blocks(path, BLOCK)
    assert plan is not None and len(plan.blocks) > 10 and plan.blocks[0].layout == ("lines" if layout == "lines" else "items")
    return path


def folder(path) -> dict[str, bytes]:
    return {file.name: file.read_bytes() for file in sorted(path.iterdir())}


def located(rejects) -> list[tuple]:
    """Rejects without where they were found (a block's reader counts from the block's start), in one order."""
    return sorted((r.column, r.value, r.reason, r.stage) for r in rejects)


@pytest.mark.parametrize("layout", ["lines", "package"])
@pytest.mark.parametrize("options", [{}, {"compiled_only": True}, {"versioned": True},
                                     {"with_records": False, "projects": ProjectSource()}],
                         ids=["records", "compiled-only", "versioned", "oc4ids"])
def test_workers_reading_blocks_write_the_files_of_one_sequential_pass(lines, layout, options, tmp_path, monkeypatch):
    path = written(lines, layout, tmp_path / ("releases.jsonl" if layout == "lines" else "releases.json"))
    whole = compile_files([path], tmp_path / "whole", Config(), SchemaResolver.from_env(), workers=1, **options)
    with monkeypatch.context() as patch:
        patch.setattr(compile_module, "with_groups", lambda *a, **k: pytest.fail("read sequentially: the blocks were given up"))
        parts = compile_files([path], tmp_path / "blocks", Config(), SchemaResolver.from_env(), workers=2,
                              block_size=BLOCK, **options)
    assert folder(tmp_path / "blocks") == folder(tmp_path / "whole")
    assert parts.publication.processes == whole.publication.processes == 240
    assert parts.publication.releases == whole.publication.releases == len(lines) - 2
    assert parts.publication.files == whole.publication.files and parts.publication.projects == whole.publication.projects
    assert (parts.stats.releases, parts.stats.packages) == (whole.stats.releases, whole.stats.packages) == (
        len(lines) - 1, 0 if layout == "lines" else 1)
    assert parts.stats.declared.as_dict() == whole.stats.declared.as_dict()
    assert parts.stats.metadata == whole.stats.metadata
    assert len(parts.rejects) == len(whole.rejects) == 2
    assert located(parts.rejects) == located(whole.rejects)
    assert not parts.staged and not whole.staged


@pytest.mark.parametrize("disorder", ["one release moved to the end", "one process's releases apart"])
def test_a_file_not_grouped_by_ocid_is_read_again_through_a_grouping(lines, disorder, tmp_path):
    """Across blocks (each block grouped, one ocid in the first and the last) or inside one."""
    moved = lines[1:] + lines[:1] if disorder == "one release moved to the end" else lines[:500] + lines[520:521] + lines[500:520] + lines[521:]
    assert [orjson.loads(line)["ocid"] for line in moved] != sorted(orjson.loads(line)["ocid"] for line in moved)
    path = written(moved, "lines", tmp_path / "moved.jsonl")
    written(sorted(lines, key=lambda line: orjson.loads(line)["ocid"]), "lines", tmp_path / "sorted.jsonl")
    found = compile_files([path], tmp_path / "blocks", Config(), SchemaResolver.from_env(), workers=2, block_size=BLOCK)
    expected = compile_files([tmp_path / "sorted.jsonl"], tmp_path / "whole", Config(), SchemaResolver.from_env(), workers=1)
    assert found.staged and found.stats.releases == expected.stats.releases == len(lines) - 1  # counted once
    assert len(found.rejects) == 2
    assert (tmp_path / "blocks" / "compiled.jsonl").read_bytes() == (tmp_path / "whole" / "compiled.jsonl").read_bytes()


def _ids(groups, rejects):
    return [(ocid, [release["id"] for release in releases]) for ocid, releases in groups]


@settings(max_examples=examples(25), deadline=None)
@given(sizes=st.lists(st.integers(1, 6), min_size=1, max_size=60), block=st.integers(300, 3_000),
       pad=st.integers(0, 400))
def test_each_process_is_worked_on_once_in_file_order_whatever_the_cuts(sizes, block, pad, tmp_path_factory):
    """However the blocks cut the file (a process over several blocks, a block inside one process), ``work``
    sees every process once, whole, in file order."""
    groups = [(f"ocds-x-{number:03}", [f"{number}-{release}" for release in range(size)]) for number, size in enumerate(sizes)]
    path = tmp_path_factory.mktemp("cuts") / "releases.jsonl"
    path.write_bytes(b"".join(orjson.dumps({"ocid": ocid, "id": rid, "date": "2025-01-01T00:00:00Z", "x": "." * pad}) + b"\n"
                              for ocid, ids in groups for rid in ids))
    plan = plan_blocks(path, block)
    if plan is None:  # smaller than two blocks: read sequentially, not by blocks
        assert path.stat().st_size < 2 * block
        return
    stats = OcdsReadStats()
    worked = [group for part in worked_blocks(plan, _ids, 2, stats) for group in part]
    assert worked == groups
    assert stats.releases == sum(sizes)


def test_a_worker_that_finds_an_ocid_again_inside_its_block_says_so(tmp_path):
    path = tmp_path / "releases.jsonl"
    ocids = ["a", "b", "a"] * 200
    path.write_bytes(b"".join(orjson.dumps({"ocid": ocid, "id": str(n), "date": "2025-01-01T00:00:00Z"}) + b"\n"
                              for n, ocid in enumerate(ocids)))
    plan = plan_blocks(path, 4_000)
    with pytest.raises(NotGroupedError):
        list(worked_blocks(plan, _ids, 2))


def test_a_line_that_is_not_json_is_reported_at_its_line_in_the_file(lines, tmp_path):
    """A worker's reader counts lines from its block's start; the file is then read again from the start, so
    that the error names the line in the file, as a sequential pass does. Nothing is written."""
    broken = lines[:900] + [b'{"ocid": "ocds-5wno2w-broken", "id": '] + lines[900:]
    path = written(broken, "lines", tmp_path / "broken.jsonl")
    with pytest.raises(NotOCDSError, match=r"broken.jsonl: line 901 is not valid JSON"):
        compile_files([path], tmp_path / "out", Config(), SchemaResolver.from_env(), workers=2, block_size=BLOCK)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    with pytest.raises(NotOCDSError, match=r"broken.jsonl: line 901 is not valid JSON"):
        facts_of_files([path], workers=2, block_size=BLOCK)
