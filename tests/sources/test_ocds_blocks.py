"""Big OCDS files cut into blocks that parse on their own: same releases as the sequential reader."""

import gzip
import json

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ocds_pipeline.sources import ocds_blocks
from ocds_pipeline.sources.ocds import OcdsReadStats, read_ocds
from ocds_pipeline.sources.ocds_blocks import Block, BlockSplitError, plan_blocks, read_block

EXTENSION = "https://example.org/ext/extension.json"
LATE = "https://example.org/late/extension.json"


def release(number, **extra):
    return {"ocid": f"ocds-x-{number}", "id": str(number), "date": "2024-01-01T00:00:00Z", "tag": ["tender"],
            "tender": {"id": f"t{number}", "title": "obra } , { \"ocid\": no es un corte", "items": [{"id": "1"}, {"id": "2"}]},
            **extra}


def package(releases, **fields):
    return {"uri": "u", "version": "1.1", "publisher": {"name": "p"}, "extensions": [EXTENSION], "releases": releases, **fields}


def by_blocks(path, size):
    """(releases, stats) read block by block, or None when the file does not split."""
    plan = plan_blocks(path, size)
    if plan is None:
        return None
    stats = OcdsReadStats()
    stats.declared.add_extensions(plan.head.get("extensions", []))
    releases = [r for block in plan.blocks for r in read_block(block, stats, [])]
    return releases, stats, plan


def test_json_lines_blocks_cover_the_file_and_give_the_same_releases(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text("".join(json.dumps(release(n)) + "\n" for n in range(300)))
    releases, _, plan = by_blocks(path, 4096)
    assert len(plan.blocks) > 10
    assert plan.blocks[0].start == 0 and plan.blocks[-1].end == path.stat().st_size
    assert all(a.end == b.start for a, b in zip(plan.blocks, plan.blocks[1:]))
    assert releases == list(read_ocds(path))


@pytest.mark.parametrize("indent", [None, 2])
def test_package_blocks_give_the_same_releases_and_late_extensions(tmp_path, indent):
    path = tmp_path / "p.json"
    # A field after the releases, with brackets of its own: the last block finds where the array ends.
    path.write_text(json.dumps({**package([release(n) for n in range(300)]), "notes": [[1], {"a": [2]}]}, indent=indent))
    releases, stats, plan = by_blocks(path, 4096)
    assert len(plan.blocks) > 10 and plan.blocks[-1].last and plan.head["extensions"] == [EXTENSION]
    assert releases == list(read_ocds(path))
    assert stats.releases == 300


def test_extensions_declared_after_the_releases_are_found_by_the_last_block(tmp_path):
    body = package([release(n) for n in range(200)])
    del body["extensions"]
    body["extensions"] = [LATE]  # now after "releases"
    path = tmp_path / "p.json"
    path.write_text(json.dumps(body))
    releases, stats, plan = by_blocks(path, 4096)
    assert "extensions" not in plan.head and stats.extensions == {LATE}
    assert len(releases) == 200


@pytest.mark.parametrize("name,body", [
    ("records.json", {"uri": "u", "records": [{"ocid": f"ocds-x-{n}", "releases": [release(n)]} for n in range(200)]}),
    ("id-first.json", package([{"id": str(n), **release(n)} for n in range(200)])),
    ("array-of-packages.json", [package([release(n) for n in range(200)])]),
])
def test_layouts_that_do_not_split_are_read_sequentially(tmp_path, name, body):
    path = tmp_path / name
    path.write_text(json.dumps(body))
    assert plan_blocks(path, 4096) is None


def test_small_and_compressed_files_are_read_sequentially(tmp_path):
    small = tmp_path / "small.jsonl"
    small.write_text(json.dumps(release(1)) + "\n")
    assert plan_blocks(small, 4096) is None
    compressed = tmp_path / "p.json.gz"
    compressed.write_bytes(gzip.compress(json.dumps(package([release(n) for n in range(300)])).encode()))
    assert plan_blocks(compressed, 4096) is None


def test_a_false_cut_inside_a_release_is_repaired_within_a_block(tmp_path, monkeypatch):
    """A nested object that starts with "ocid" looks like a cut; the piece grows past it."""
    monkeypatch.setattr(ocds_blocks, "PIECE_SIZE", 1)  # try every cut
    nested = release(1, links=[{"a": 1}, {"ocid": "ocds-x-9", "b": 2}])
    data = json.dumps(package([release(0), nested, release(2)] * 20), separators=(",", ":")).encode()
    path = tmp_path / "p.json"
    path.write_bytes(data)
    start = data.index(b'{"ocid":"ocds-x-0"')
    end = data.rindex(b'},{"ocid":"ocds-x-2"') + 1  # a true cut: the last release is left out
    block = Block(str(path), 0, start, end, "items", "releases", b'"ocid"')
    assert list(read_block(block, OcdsReadStats(), [])) == list(read_ocds(path))[:-1]


def test_a_block_that_ends_at_a_false_cut_raises(tmp_path):
    nested = release(1, links=[{"a": 1}, {"ocid": "ocds-x-9"}])
    data = json.dumps(package([release(0), nested, release(2)]), separators=(",", ":")).encode()
    path = tmp_path / "p.json"
    path.write_bytes(data)
    start = data.index(b'{"ocid":"ocds-x-0"')
    false_end = data.index(b'},{"ocid":"ocds-x-9"') + 1
    block = Block(str(path), 0, start, false_end, "items", "releases", b'"ocid"')
    with pytest.raises(BlockSplitError):
        list(read_block(block, OcdsReadStats(), []))


nested_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(alphabet='ab{}[],:" \\\n', max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["ocid", "id", "x", "}"]), inner, max_size=3),
    max_leaves=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extras=st.lists(nested_values, min_size=20, max_size=60), indent=st.sampled_from([None, 1]),
       size=st.integers(256, 2048), lines=st.booleans())
def test_blocks_read_what_the_sequential_reader_reads(tmp_path, extras, indent, size, lines):
    """Any content, any block size: reading by blocks gives the sequential reader's releases, or refuses."""
    releases = [release(n, extra=extra) for n, extra in enumerate(extras)]
    path = tmp_path / ("r.jsonl" if lines else "p.json")
    if lines:
        path.write_text("".join(json.dumps(r) + "\n" for r in releases))
    else:
        path.write_text(json.dumps(package(releases), indent=indent))
    try:
        found = by_blocks(path, size)
    except BlockSplitError:
        # Refusing is right only for a package (lines always cut between releases), and the caller
        # then reads the file sequentially: validation by blocks gives the sequential report.
        event("a false cut at a block's end: read sequentially")
        assert not lines
        from ocds_pipeline.schemas import SchemaResolver
        from ocds_pipeline.validate.files import validate_file

        resolver = SchemaResolver.from_env()
        assert (validate_file(path, resolver, workers=2, block_size=size).as_dict()
                == validate_file(path, resolver, workers=1).as_dict())
        return
    assert found is not None  # these files are big enough and release-first: they split
    assert found[0] == list(read_ocds(path))


def test_package_fields_kept_stay_bounded_across_blocks(tmp_path, monkeypatch):
    """A JSON Lines file of packages read in blocks keeps the fields of the first packages only."""
    from ocds_pipeline.sources import ocds

    monkeypatch.setattr(ocds, "METADATA_KEPT", 10)
    path = tmp_path / "packages.jsonl"
    path.write_text("".join(json.dumps(package([release(n)])) + "\n" for n in range(200)))
    plan = plan_blocks(path, 4096)
    total = OcdsReadStats()
    for block in plan.blocks:
        stats = OcdsReadStats()
        list(read_block(block, stats, []))
        total.add(stats)
    assert len(plan.blocks) > 5 and total.packages == 200
    assert len(total.metadata) == 10 and total.unchecked_packages == 190
