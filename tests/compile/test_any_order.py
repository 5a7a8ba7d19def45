"""Every process is counted once, however the input is ordered: indicators, quality, red flags and
OC4IDS give the same results on a file of releases and on any shuffle of its lines."""

from __future__ import annotations

import random

import orjson
import pytest
from hypothesis import given, settings, strategies as st

from ocds_pipeline.compile.stream import with_compiled
from ocds_pipeline.config import Config
from ocds_pipeline.indicators import compute
from ocds_pipeline.indicators.redflags import red_flags
from ocds_pipeline.compile.files import compile_files
from ocds_pipeline.pipeline import map_to_files
from ocds_pipeline.publish import ProjectSource
from ocds_pipeline.schemas import SchemaResolver
from ocds_pipeline.sources.ocds import OcdsReadStats
from ocds_pipeline.validate.quality.files import check_quality_file
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def lines(tmp_path_factory):
    """The fixtures' releases.jsonl: 1,460 releases of 240 processes, grouped by ocid."""
    out = tmp_path_factory.mktemp("ordered")
    map_to_files(FIXTURES, out, Config(), SchemaResolver.from_env())
    return (out / "releases.jsonl").read_bytes().splitlines(keepends=True)


def results(path, tmp_path) -> dict:
    """What each command that reads OCDS reports about one file."""
    out = tmp_path / "oc4ids"
    compile_files([path], out, Config(), SchemaResolver.from_env(), with_releases=False, with_records=False,
                  projects=ProjectSource())
    return {
        "indicators": compute(path, by=["year", "regime"]).to_json(orient="records"),
        "quality": check_quality_file(path, workers=1).as_dict(),
        "redflags": with_compiled([path], red_flags),
        "projects.json": (out / "projects.json").read_bytes(),
        "projects.csv": (out / "projects.csv").read_bytes(),
    }


def test_the_issue_case_the_last_line_first(lines, tmp_path):
    """Moving the last line of releases.jsonl to the front doubled PROC (464 instead of 232)."""
    ordered, moved = tmp_path / "ordered.jsonl", tmp_path / "moved.jsonl"
    ordered.write_bytes(b"".join(lines))
    moved.write_bytes(b"".join(lines[-1:] + lines[:-1]))
    indicators = compute(moved).set_index("indicator")
    assert indicators.loc["PROC", "value"] == compute(ordered).set_index("indicator").loc["PROC", "value"] == 232
    assert indicators.loc["AWARD-V", "value"] == compute(ordered).set_index("indicator").loc["AWARD-V", "value"]
    assert check_quality_file(moved, workers=2).processes == 240
    rejects, stats = [("an earlier reject", 1)], OcdsReadStats()
    assert with_compiled([moved], lambda releases: sum(1 for _ in releases), stats=stats, rejects=rejects) == 240
    assert rejects == [("an earlier reject", 1)]  # the caller's list is never cleared
    assert stats.releases == 1460  # counted by the pass that counted, once


def test_every_command_agrees_on_grouped_and_shuffled_input(lines, tmp_path):
    ordered, shuffled = tmp_path / "ordered.jsonl", tmp_path / "shuffled.jsonl"
    ordered.write_bytes(b"".join(lines))
    mixed = list(lines)
    random.Random(3).shuffle(mixed)
    shuffled.write_bytes(b"".join(mixed))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert results(shuffled, tmp_path / "b") == results(ordered, tmp_path / "a")


@pytest.fixture(scope="module")
def sample(lines):
    """The releases of 40 processes, among them every works-project process (for OC4IDS)."""
    ocids = list(dict.fromkeys(orjson.loads(line)["ocid"] for line in lines))
    projects = {orjson.loads(line)["ocid"] for line in lines if b'"project"' in line}
    keep = set(ocids[:30]) | set(sorted(projects)[:10])
    return [line for line in lines if orjson.loads(line)["ocid"] in keep]


@settings(max_examples=8, deadline=None)
@given(order=st.randoms(use_true_random=False), grouped=st.booleans())
def test_any_shuffle_of_the_lines_gives_identical_results(sample, tmp_path_factory, order, grouped):
    """A shuffle of lines, or of whole processes (which stays grouped and streams), changes nothing."""
    base = tmp_path_factory.mktemp("shuffle")
    (base / "ordered.jsonl").write_bytes(b"".join(sample))
    if grouped:
        processes: dict[str, list[bytes]] = {}
        for line in sample:
            processes.setdefault(orjson.loads(line)["ocid"], []).append(line)
        blocks = list(processes.values())
        order.shuffle(blocks)
        mixed = [line for block in blocks for line in block]
    else:
        mixed = list(sample)
        order.shuffle(mixed)
    (base / "shuffled.jsonl").write_bytes(b"".join(mixed))
    (base / "a").mkdir()
    (base / "b").mkdir()
    assert results(base / "shuffled.jsonl", base / "b") == results(base / "ordered.jsonl", base / "a")
