"""OCDS 1.0 input is upgraded to 1.1 as it is read, as ocdskit upgrades it; 1.1 input is left alone."""

import copy
import gzip
import json

import orjson
import pytest
from ocdskit.upgrade import upgrade_10_11

from ocds_pipeline.sources.ocds import OcdsReadStats, read_ocds
from ocds_pipeline.sources.upgrade import is_10

BUYER_10 = {"name": "Municipio de Quito", "identifier": {"scheme": "EC-RUC", "id": "1760003410001"},
            "address": {"locality": "Quito"}}
SUPPLIER_10 = {"name": "Constructora Andina", "identifier": {"scheme": "EC-RUC", "id": "1790013502001"}}


def release_10(number: int) -> dict:
    """A 1.0 release: whole organizations in place, a single contract amendment, 1.0 transactions."""
    return {
        "ocid": f"ocds-abc123-{number:04d}", "id": f"{number:04d}-award", "date": "2016-03-01T10:00:00Z",
        "tag": ["award", "contract"], "initiationType": "tender", "language": "es",
        "buyer": copy.deepcopy(BUYER_10),
        "tender": {"id": f"T{number}", "procuringEntity": copy.deepcopy(BUYER_10),
                   "tenderers": [copy.deepcopy(SUPPLIER_10)], "numberOfTenderers": 1},
        "awards": [{"id": "A1", "suppliers": [copy.deepcopy(SUPPLIER_10)], "value": {"amount": 1200, "currency": "USD"}}],
        "contracts": [{"id": "C1", "awardID": "A1",
                       "amendment": {"date": "2016-05-01T00:00:00Z", "rationale": "plazo"},
                       "implementation": {"transactions": [{
                           "id": "P1", "date": "2016-06-01T00:00:00Z", "amount": {"amount": 600, "currency": "USD"},
                           "providerOrganization": {"scheme": "EC-RUC", "id": "1760003410001"},
                           "receiverOrganization": {"scheme": "EC-RUC", "id": "1790013502001"}}]}}],
    }


def release_11(number: int) -> dict:
    """A 1.1 release without parties: organization references only (it must not be touched)."""
    return {"ocid": f"ocds-abc123-{number:04d}", "id": f"{number:04d}-tender", "date": "2020-01-01T00:00:00Z",
            "tag": ["tender"], "initiationType": "tender", "buyer": {"id": "EC-RUC-1760003410001", "name": "Quito"},
            "tender": {"id": f"T{number}", "tenderers": [{"id": "EC-RUC-1790013502001", "name": "Andina"}]}}


def read(path):
    stats = OcdsReadStats()
    return list(read_ocds(path, stats)), stats


def expected_upgrade(releases):
    """The reference: ocdskit's own package upgrade."""
    return json.loads(json.dumps(upgrade_10_11(json.loads(json.dumps({"releases": releases})), reorder=False)))["releases"]


@pytest.mark.parametrize("layout", ["package", "package.gz", "jsonl", "record_package", "bare"])
def test_a_10_publication_reads_as_ocdskit_upgrades_it(tmp_path, layout):
    releases = [release_10(n) for n in range(3)]
    path = tmp_path / f"input.{layout}"
    if layout == "package":  # 1.0 packages have no version field
        path.write_bytes(orjson.dumps({"uri": "http://example.com/p.json", "publishedDate": "2016-07-01T00:00:00Z",
                                       "releases": releases}))
    elif layout == "package.gz":
        path.write_bytes(gzip.compress(orjson.dumps({"releases": releases, "uri": "u"}), mtime=0))
    elif layout == "jsonl":
        path.write_bytes(b"\n".join(orjson.dumps(r) for r in releases) + b"\n")
    elif layout == "record_package":
        path.write_bytes(orjson.dumps({"records": [{"ocid": r["ocid"], "releases": [r]} for r in releases]}))
    else:
        releases = releases[:1]
        path.write_bytes(orjson.dumps(releases[0], option=orjson.OPT_INDENT_2))
    found, stats = read(path)
    assert found == expected_upgrade(releases)
    assert stats.upgraded == len(releases) == stats.releases
    first = found[0]
    assert first["buyer"] == {"id": first["buyer"]["id"], "name": "Municipio de Quito"}
    assert {role for party in first["parties"] for role in party["roles"]} == {
        "buyer", "procuringEntity", "tenderer", "supplier"}
    assert first["contracts"][0]["amendments"][0]["rationale"] == "plazo"
    transaction = first["contracts"][0]["implementation"]["transactions"][0]
    assert transaction["value"] == {"amount": 600, "currency": "USD"} and set(transaction["payer"]) == {"id"}


def test_a_declared_version_decides_and_11_input_is_untouched(tmp_path):
    path = tmp_path / "p.json"
    releases = [release_11(1), release_11(2)]
    path.write_bytes(orjson.dumps({"version": "1.1", "uri": "u", "releases": releases}))
    assert read(path)[0] == releases and read(path)[1].upgraded == 0
    # Declared 1.1: even a release with whole organizations stays as published (it is invalid 1.1, not 1.0).
    path.write_bytes(orjson.dumps({"version": "1.1", "releases": [release_10(3)]}))
    assert read(path)[0] == [release_10(3)]
    # Declared 1.0 (some 1.0 publishers wrote it): upgraded.
    path.write_bytes(orjson.dumps({"version": "1.0", "releases": [release_10(3)]}))
    assert read(path)[0] == expected_upgrade([release_10(3)])


def test_without_a_declared_version_each_release_shape_decides(tmp_path):
    """A 1.1 package may put "version" after its releases; its releases must not be renamed."""
    path = tmp_path / "late-version.json"
    path.write_bytes(orjson.dumps({"uri": "u", "releases": [release_11(1), release_10(2)], "version": "1.1"}))
    found, stats = read(path)
    assert found == [release_11(1), *expected_upgrade([release_10(2)])]
    assert stats.upgraded == 1


@pytest.mark.parametrize("release,expected", [
    ({"ocid": "o", "buyer": {"name": "B", "identifier": {"id": "1"}}}, True),
    ({"ocid": "o", "buyer": {"id": "B-1", "name": "B"}}, False),
    ({"ocid": "o", "buyer": {"name": "B", "identifier": {"id": "1"}}, "parties": []}, False),
    ({"ocid": "o", "awards": [{"suppliers": [{"name": "S", "address": {}}]}]}, True),
    ({"ocid": "o", "tender": {"amendment": {"date": "2016-01-01T00:00:00Z"}}}, True),
    ({"ocid": "o", "awards": [{"amendment": {}}]}, True),
    ({"ocid": "o", "contracts": [{"implementation": {"transactions": [{"id": "1", "providerOrganization": {}}]}}]}, True),
    ({"ocid": "o", "contracts": [{"implementation": {"transactions": [{"id": "1", "value": {}}]}}]}, False),
    ({"ocid": "o", "tender": None, "awards": "none", "contracts": [None]}, False),
])
def test_what_makes_an_undeclared_release_10(release, expected):
    assert is_10(release, None) is expected


def test_the_cli_compiles_10_input_into_valid_11(tmp_path):
    from click.testing import CliRunner

    from ocds_pipeline.cli import main

    path = tmp_path / "old.json"
    path.write_bytes(orjson.dumps({"releases": [release_10(1)]}))
    result = CliRunner().invoke(main, ["compile", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "1 upgraded from OCDS 1.0" in result.stdout
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "out" / "compiled.jsonl")])
    assert result.exit_code == 0, result.output
