"""The facts of one big file read in blocks by workers are exactly those of one sequential pass."""

import random

import pandas as pd
import pytest

from ocds_pipeline.indicators import reading
from ocds_pipeline.indicators.reading import facts_of_files
from ocds_pipeline.sources.ocds import OcdsReadStats
from ocds_pipeline.sources.ocds_blocks import plan_blocks, read_block

BLOCK = 16 << 10  # small blocks, so that the fixtures' processes straddle cuts


def assert_same(found, expected):
    pd.testing.assert_frame_equal(found.processes, expected.processes, check_exact=True)
    pd.testing.assert_frame_equal(found.parties, expected.parties, check_exact=True)


def straddling(path):
    """The ocids whose releases are cut between two blocks."""
    plan = plan_blocks(path, BLOCK)
    assert plan is not None and len(plan.blocks) > 3
    ocids = [[r["ocid"] for r in read_block(block, OcdsReadStats(), [])] for block in plan.blocks]
    return {before[-1] for before, after in zip(ocids, ocids[1:]) if before and after and before[-1] == after[0]}


def package(published, tmp_path):
    """The fixtures' releases as one release package, a release per line (cut between releases, not lines)."""
    lines = (published / "releases.jsonl").read_bytes().splitlines()
    path = tmp_path / "package.json"
    path.write_bytes(b'{"uri":"https://example.org/p.json","version":"1.1","releases":[\n' + b",\n".join(lines) + b"\n]}\n")
    assert plan_blocks(path, BLOCK).blocks[0].layout == "items"
    return path


@pytest.mark.parametrize("name", ["releases.jsonl", "package.json", "compiled.jsonl"])
def test_blocks_read_by_two_workers_give_the_facts_of_one_pass(published, name, tmp_path, monkeypatch):
    path = package(published, tmp_path) if name == "package.json" else published / name
    if name != "compiled.jsonl":
        assert straddling(path), "no process is cut between two blocks: the test would not merge across a cut"

    def sequential(*args, **kwargs):
        raise AssertionError("read sequentially: the blocks were given up")

    told = {1: [], 2: []}
    whole = facts_of_files([path], workers=1, progress=lambda what, count: told[1].append((what, count)))
    with monkeypatch.context() as patch:
        patch.setattr(reading, "with_compiled", sequential)
        blocks = facts_of_files([path], workers=2, block_size=BLOCK, progress=lambda what, count: told[2].append((what, count)))
    assert len(blocks.processes) == len(whole.processes) > 200
    assert_same(blocks, whole)
    for reports in told.values():  # how many processes were read so far, growing, the last one all of them
        assert reports[-1] == ("processes", len(whole.processes))
        assert [count for _, count in reports] == sorted(count for _, count in reports)
    assert len(told[2]) > 3  # one report per block


@pytest.mark.parametrize("disorder", ["shuffled", "one release moved to the end"])
def test_a_file_not_grouped_by_ocid_is_read_again_sequentially(published, tmp_path, monkeypatch, disorder):
    """Within a block (shuffled lines) or across blocks (each block grouped, one ocid in the first and the last)."""
    lines = (published / "releases.jsonl").read_bytes().splitlines(keepends=True)
    if disorder == "shuffled":
        random.Random(7).shuffle(lines)
    else:
        lines.append(lines.pop(0))
    path = tmp_path / "disordered.jsonl"
    path.write_bytes(b"".join(lines))
    calls = []
    monkeypatch.setattr(reading, "with_compiled", lambda *a, **k: calls.append(1) or with_compiled(*a, **k))
    found = facts_of_files([path], workers=2, block_size=BLOCK)
    assert calls == [1]  # the blocks found an ocid twice, and the file was read again
    assert_same(found, facts_of_files([published / "compiled.jsonl"], workers=1))


with_compiled = reading.with_compiled
