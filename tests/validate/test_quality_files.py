"""Data quality of a file: compiled releases in parallel blocks give exactly the sequential report."""

import orjson
import pytest

from ocds_pipeline.compile.stream import with_compiled
from ocds_pipeline.config import Config
from ocds_pipeline.pipeline import map_to_files
from ocds_pipeline.schemas import SchemaResolver
from ocds_pipeline.sources.ocds_blocks import plan_blocks
from ocds_pipeline.validate.quality.files import check_quality_file
from tests.conftest import FIXTURES

BLOCK = 20_000


@pytest.fixture(scope="module")
def mapped(tmp_path_factory):
    out = tmp_path_factory.mktemp("quality")
    map_to_files(FIXTURES, out, Config(), SchemaResolver.from_env())
    with open(out / "compiled.jsonl", "wb") as handle:
        with_compiled([out / "releases.jsonl"], lambda releases: handle.writelines(orjson.dumps(r) + b"\n" for r in releases))
    return out


def test_compiled_releases_in_blocks_give_the_sequential_report(mapped):
    path = mapped / "compiled.jsonl"
    assert len(plan_blocks(path, BLOCK).blocks) > 5
    sequential = check_quality_file(path, workers=1).as_dict()
    assert check_quality_file(path, workers=2, block_size=BLOCK).as_dict() == sequential
    assert sequential["processes"] == 240


def test_releases_are_compiled_first_rather_than_checked_in_blocks(mapped):
    expected = check_quality_file(mapped / "compiled.jsonl", workers=1).as_dict()
    assert check_quality_file(mapped / "releases.jsonl", workers=2, block_size=BLOCK).as_dict() == expected


def test_a_file_of_compiled_releases_out_of_order_is_checked_once_per_process(mapped, tmp_path):
    lines = (mapped / "compiled.jsonl").read_bytes().splitlines(keepends=True)
    shuffled = tmp_path / "compiled.jsonl"
    shuffled.write_bytes(b"".join(lines[len(lines) // 2:] + lines[:len(lines) // 2] + lines[:3]))  # 3 processes twice
    report = check_quality_file(shuffled, workers=2, block_size=BLOCK).as_dict()
    assert report == check_quality_file(mapped / "compiled.jsonl", workers=1).as_dict()  # duplicates merge into themselves
