"""Validating a file in parallel blocks gives exactly the sequential report; duplicates across blocks."""

import copy
import json

import pytest

from ocds_pipeline.schemas import SchemaResolver
from ocds_pipeline.sources.ocds_blocks import BlockSplitError, plan_blocks
from ocds_pipeline.validate import files
from ocds_pipeline.validate.files import validate_file
from tests.validate.test_report import PACKAGE, RELEASE

BLOCK = 4096


def releases_with_problems(count=400):
    """Releases with a problem every few: bad date, open-codelist note, duplicate ids, duplicate releases."""
    releases = []
    for number in range(count):
        release = copy.deepcopy(RELEASE)
        release["ocid"], release["id"] = f"ocds-5wno2w-P-{number}", f"tender-{number}"
        if number % 7 == 0:
            release["date"] = "ayer"
        if number % 11 == 0:
            release["bids"]["statistics"] = [{"id": "s", "measure": "pujas", "value": 3}]
        if number % 13 == 0:
            release["tender"]["items"][1]["id"] = "1"
        releases.append(release)
    # The same (ocid, id) far apart: once with other content (a finding), once identical (none).
    releases.append({**releases[3], "tag": ["tenderUpdate"]})
    releases.append(json.loads(json.dumps(releases[5], sort_keys=True)))  # same content, other key order
    return releases


def write(path, releases, layout):
    if layout == "lines":
        path.write_text("".join(json.dumps(r) + "\n" for r in releases))
    else:
        path.write_text(json.dumps({**PACKAGE, "releases": releases}))
    return path


@pytest.mark.parametrize("layout", ["lines", "package"])
def test_blocks_in_parallel_give_the_sequential_report(tmp_path, layout):
    path = write(tmp_path / ("r.jsonl" if layout == "lines" else "p.json"), releases_with_problems(), layout)
    assert len(plan_blocks(path, BLOCK).blocks) > 20
    sequential = validate_file(path, SchemaResolver.from_env(), workers=1)
    parallel = validate_file(path, SchemaResolver.from_env(), workers=2, block_size=BLOCK)
    assert parallel.as_dict() == sequential.as_dict()
    counts = {g.check: g.count for g in sequential.groups.values()}
    assert counts == {"schema.format": 58, "unique.id": 31, "release.duplicate": 1}
    (duplicate,) = [g for g in sequential.groups.values() if g.check == "release.duplicate"]
    assert [(e.ocid, e.release_id) for e in duplicate.examples] == [("ocds-5wno2w-P-3", "tender-3")]
    # The package's notes are values outside open codelists of the bid extension; JSON Lines declare
    # no extension, so bids is an additional field in each of their 402 releases.
    assert {g.check: g.count for g in sequential.notes.values()} == (
        {"codelist.open": 37} if layout == "package" else {"additional.field": 402})


def test_each_repeat_is_compared_with_the_first_release_of_its_ocid_and_id(tmp_path):
    first = copy.deepcopy(RELEASE)
    other = {**first, "tag": ["tenderUpdate"]}
    path = write(tmp_path / "r.jsonl", [first, other, first, other], "lines")
    report = validate_file(path, SchemaResolver.from_env(), workers=1)
    assert [(g.check, g.count) for g in report.groups.values()] == [("release.duplicate", 2)]


def test_a_block_that_does_not_parse_falls_back_to_the_sequential_reader(tmp_path, monkeypatch):
    path = write(tmp_path / "p.json", releases_with_problems(), "package")
    expected = validate_file(path, SchemaResolver.from_env(), workers=1).as_dict()

    def refuse(*args, **kwargs):
        raise BlockSplitError("a cut inside a release")

    monkeypatch.setattr(files, "read_block", refuse)  # forked workers inherit the patch
    assert validate_file(path, SchemaResolver.from_env(), workers=2, block_size=BLOCK).as_dict() == expected


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_is_reported_every_so_many_releases(tmp_path, monkeypatch, workers):
    monkeypatch.setattr(files, "PROGRESS_EVERY", 100)
    path = write(tmp_path / "r.jsonl", releases_with_problems(), "lines")
    seen = []
    validate_file(path, SchemaResolver.from_env(), workers=workers, block_size=BLOCK, progress=lambda name, n: seen.append(n))
    # Sequentially at each hundred; in blocks, at the first block that crosses each hundred.
    assert len(seen) == 4 and seen == sorted(seen) and all(n // 100 == k + 1 for k, n in enumerate(seen))


@pytest.mark.parametrize("layout", ["compact", "pretty", "blocks"])
def test_the_package_fields_are_checked_wherever_they_are(tmp_path, layout):
    """Missing publishedDate, a bad uri and a bad license, before and after the releases, in every reading path."""
    package = {key: value for key, value in PACKAGE.items() if key != "publishedDate"}
    package.pop("uri")
    body = {**package, "releases": releases_with_problems(60 if layout != "blocks" else 400), "uri": 5, "license": "not a uri"}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(body, indent=2 if layout == "pretty" else None))
    report = validate_file(path, SchemaResolver.from_env(), workers=2 if layout == "blocks" else 1, block_size=BLOCK)
    package_findings = sorted((g.check, g.path, g.examples[0].value) for g in report.groups.values() if g.check.startswith("package."))
    assert [(check, where) for check, where, _ in package_findings] == [
        ("package.format", "license"), ("package.required", ""), ("package.type", "uri")]
    assert [value for _, where, value in package_findings if where] == ["not a uri", "5"]
    (required,) = [g for g in report.groups.values() if g.check == "package.required"]
    assert required.examples[0].message == '"publishedDate" is a required property'


def test_the_fields_of_packages_beyond_those_kept_are_a_warning(tmp_path, monkeypatch):
    from ocds_pipeline.sources import ocds

    monkeypatch.setattr(ocds, "METADATA_KEPT", 3)
    monkeypatch.setattr(files, "METADATA_KEPT", 3)
    path = tmp_path / "packages.jsonl"
    path.write_text("".join(json.dumps({**PACKAGE, "releases": [release]}) + "\n" for release in releases_with_problems(10)))
    report = validate_file(path, SchemaResolver.from_env(), workers=1)
    assert report.warnings == ["the fields of 9 packages were not checked against the package schema (only the first 3 "
                               "are kept; arrays of big packages are not read for them)"]
