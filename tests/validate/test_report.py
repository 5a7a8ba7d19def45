"""`ocds-pipeline validate`: one defect per document, and the exact finding it must produce."""

import copy
import json

import pytest
from click.testing import CliRunner

from ocds_pipeline.cli import main
from ocds_pipeline.schemas import SchemaResolver
from ocds_pipeline.validate.files import validate_file
from tests.conftest import shared_samples

RELEASE = {"ocid": "ocds-5wno2w-SIE-X-1", "id": "tender-1", "date": "2024-03-01T09:00:00-05:00", "tag": ["tender"],
           "initiationType": "tender",
           "tender": {"id": "SIE-X-1", "status": "active", "value": {"amount": 10, "currency": "USD"},
                      "items": [{"id": "1", "quantity": 1}, {"id": "2", "quantity": 2}]},
           "bids": {"details": [{"id": "b1", "value": {"amount": 9, "currency": "USD"}}]}}
PACKAGE = {"uri": "https://example.org/p.json", "version": "1.1", "publishedDate": "2024-03-02T00:00:00Z",
           "publisher": {"name": "SERCOP"},
           "extensions": ["https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json"]}


def set_path(document, path, value):
    *parents, last = path.split("/")
    for part in parents:
        document = document[int(part)] if part.isdigit() else document[part]
    if value is DELETE:
        del document[int(last) if last.isdigit() else last]
    else:
        document[int(last) if last.isdigit() else last] = value


DELETE = object()
# name: (path to break, new value, expected check, expected path)
CASES = {
    "missing id": ("id", DELETE, "release.missing", "id"),  # the reader refuses it before the schema sees it
    "wrong type": ("tender/value/amount", "diez", "schema.type", "tender/value/amount"),
    "closed codelist": ("tender/status", "open", "schema.enum", "tender/status"),
    "bad tag": ("tag/0", "tenderish", "schema.enum", "tag/0"),
    "bad date": ("date", "01/03/2024", "schema.format", "date"),
    "bad currency": ("tender/value/currency", "usd", "schema.enum", "tender/value/currency"),
    "extension field wrong": ("bids/details/0/value/amount", "nueve", "schema.type", "bids/details/0/value/amount"),
    "empty string id": ("tender/id", "", "schema.minLength", "tender/id"),
    "hash in release id": ("id", "tender#1", "release.id", "id"),
    "bad ocid": ("ocid", "OCDS-SIE-X-1", "release.ocid", "ocid"),
    "duplicate item ids": ("tender/items/1/id", "1", "unique.id", "tender/items/1/id"),
    "tag not an array": ("tag", "tender", "schema.type", "tag"),
    "initiationType": ("initiationType", "auction", "schema.enum", "initiationType"),
    "title not a string": ("tender/title", 5, "schema.type", "tender/title"),
    "quantity as text": ("tender/items/0/quantity", "uno", "schema.type", "tender/items/0/quantity"),
    "item id as object": ("tender/items/0/id", {"a": 1}, "schema.type", "tender/items/0/id"),
    "tender period date": ("tender/tenderPeriod", {"startDate": "mañana"}, "schema.format", "tender/tenderPeriod/startDate"),
    "procurementMethod": ("tender/procurementMethod", "abierto", "schema.enum", "tender/procurementMethod"),
    "mainProcurementCategory": ("tender/mainProcurementCategory", "bienes", "schema.enum", "tender/mainProcurementCategory"),
    "submissionMethod not an array": ("tender/submissionMethod", "written", "schema.type", "tender/submissionMethod"),
    "numberOfTenderers as text": ("tender/numberOfTenderers", "tres", "schema.type", "tender/numberOfTenderers"),
    "numberOfTenderers fraction": ("tender/numberOfTenderers", 1.5, "schema.type", "tender/numberOfTenderers"),
    "hasEnquiries as text": ("tender/hasEnquiries", "si", "schema.type", "tender/hasEnquiries"),
    "buyer not an object": ("buyer", "GAD Quito", "schema.type", "buyer"),
    "parties not an array": ("parties", {"id": "p"}, "schema.type", "parties"),
    "party roles as text": ("parties", [{"id": "p", "roles": "buyer"}], "schema.type", "parties/0/roles"),
    "party address as text": ("parties", [{"id": "p", "address": "Quito"}], "schema.type", "parties/0/address"),
    "contract without awardID": ("contracts", [{"id": "c"}], "schema.required", "contracts/0"),
    "contract status": ("contracts", [{"id": "c", "awardID": "a", "status": "firmado"}], "schema.enum", "contracts/0/status"),
    "award status": ("awards", [{"id": "a", "status": "ganado"}], "schema.enum", "awards/0/status"),
    "award date": ("awards", [{"id": "a", "date": "2024"}], "schema.format", "awards/0/date"),
    "language not a string": ("language", 5, "schema.type", "language"),
    "budget amount as text": ("planning", {"budget": {"amount": {"amount": "x", "currency": "USD"}}}, "schema.type",
                              "planning/budget/amount/amount"),
    "transaction amount as text": ("contracts", [{"id": "c", "awardID": "a", "implementation": {"transactions": [
        {"id": "t", "value": {"amount": "x", "currency": "USD"}}]}}], "schema.type",
        "contracts/0/implementation/transactions/0/value/amount"),
    "amendment date": ("contracts", [{"id": "c", "awardID": "a", "amendments": [{"id": "1", "date": "ayer"}]}],
                       "schema.format", "contracts/0/amendments/0/date"),
    "missing date": ("date", DELETE, "release.missing", "date"),
    "missing ocid": ("ocid", DELETE, "release.missing", "ocid"),
    "duplicate award ids": ("awards", [{"id": "a", "title": "x"}, {"id": "a", "title": "y"}], "unique.id", "awards/1/id"),
    "duplicate party ids": ("parties", [{"id": "p", "name": "x"}, {"id": "p", "name": "y"}], "unique.id", "parties/1/id"),
    "bid statistic without measure": ("bids/statistics", [{"id": "s", "value": 1}], "schema.required", "bids/statistics/0"),
    "bid tenderers not an array": ("bids/details/0/tenderers", {"id": "x"}, "schema.type", "bids/details/0/tenderers"),
    "bid date": ("bids/details/0/date", "ayer", "schema.format", "bids/details/0/date"),
    "amount as an array": ("tender/value/amount", [1], "schema.type", "tender/value/amount"),
    "minValue currency": ("tender/minValue", {"amount": 1, "currency": "XX1"}, "schema.enum", "tender/minValue/currency"),
    "award period date": ("tender/awardPeriod", {"endDate": "x"}, "schema.format", "tender/awardPeriod/endDate"),
    "milestone status": ("tender/milestones", [{"id": "m", "status": "hecho"}], "schema.enum", "tender/milestones/0/status"),
    "tenderers not an array": ("tender/tenderers", {"id": "x"}, "schema.type", "tender/tenderers"),
    "relationship not an array": ("relatedProcesses", [{"id": "r", "relationship": "framework"}], "schema.type",
                                  "relatedProcesses/0/relationship"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_defect_gives_its_finding(tmp_path, name):
    path_to_break, value, check, where = CASES[name]
    release = copy.deepcopy(RELEASE)
    set_path(release, path_to_break, value)
    document = tmp_path / "p.json"
    document.write_text(json.dumps({**PACKAGE, "releases": [release]}))
    report = validate_file(document, SchemaResolver.from_env())
    findings = [e for g in report.groups.values() for e in g.examples]
    assert [(f.check, f.path) for f in findings] == [(check, where)], findings
    assert findings[0].message and report.errors == 1


def test_valid_package_and_the_declared_extension_is_applied(tmp_path):
    document = tmp_path / "p.json"
    document.write_text(json.dumps({**PACKAGE, "releases": [RELEASE]}))
    report = validate_file(document, SchemaResolver.from_env())
    assert report.errors == 0 and report.extensions == ["ocds_bid_extension"] and report.warnings == []


def test_duplicate_release_with_other_content(tmp_path):
    other = {**RELEASE, "tag": ["tenderUpdate"]}
    document = tmp_path / "r.jsonl"
    document.write_text(json.dumps(RELEASE) + "\n" + json.dumps(other) + "\n")
    report = validate_file(document, SchemaResolver.from_env())
    assert [(g.check, g.count) for g in report.groups.values()] == [("release.duplicate", 1)]


def test_errors_are_grouped_with_counts_and_examples(tmp_path):
    releases = []
    for number in range(8):
        release = copy.deepcopy(RELEASE)
        release["id"] = f"tender-{number}"
        release["tender"]["items"][0]["quantity"] = "mucho"
        releases.append(release)
    document = tmp_path / "p.json"
    document.write_text(json.dumps({**PACKAGE, "releases": releases}))
    report = validate_file(document, SchemaResolver.from_env())
    (group,) = report.groups.values()
    assert (group.check, group.path, group.count, len(group.examples)) == ("schema.type", "tender/items/[]/quantity", 8, 5)
    assert "| ocds-5wno2w-SIE-X-1 | tender-0 | `tender/items/0/quantity` | `mucho` |" in report.markdown()


def test_sercop_samples_validate_with_warnings_for_extensions_not_available_offline():
    paths = sorted(shared_samples().glob("sercop-api-record_*.json"))  # four, or the test fails
    for path in paths:
        report = validate_file(path, SchemaResolver.from_env())
        assert (report.releases, report.errors) == (1, 0), path
        assert any("ocds_auctions_extension" in w for w in report.warnings)


def test_command_exit_codes_and_reports(tmp_path):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps({**PACKAGE, "releases": [RELEASE]}))
    bad.write_text(json.dumps({**PACKAGE, "releases": [{**RELEASE, "date": "<b>ayer</b>"}]}))
    runner = CliRunner()
    assert runner.invoke(main, ["validate", str(good)]).exit_code == 0
    result = runner.invoke(main, ["validate", str(bad), "--json", str(tmp_path / "r.json"), "--markdown", str(tmp_path / "r.md"),
                                  "--html", str(tmp_path / "r.html")])
    assert result.exit_code == 1 and "1 errors in 1 groups" in result.output
    assert json.loads((tmp_path / "r.json").read_text())["groups"][0]["check"] == "schema.format"
    assert (tmp_path / "r.md").read_text().startswith("# Validation of")
    page = (tmp_path / "r.html").read_text()
    assert page.startswith("<!doctype html>") and "<td>&lt;b&gt;ayer&lt;/b&gt;</td>" in page and "<b>ayer" not in page
    assert "<strong>1 errors</strong>" in page


SCHEMA_CASES = sorted(name for name, case in CASES.items() if case[2].startswith("schema."))


def libcove_paths(report):
    """Where libcoveocds reports problems: schema errors, and closed-codelist values it checks apart."""
    paths = {e["path"].removeprefix("releases/0").lstrip("/") for e in report["validation_errors"]}
    for key in report.get("additional_closed_codelist_values", {}):
        paths.add(key.removeprefix("releases/"))
    return paths


@pytest.mark.slow
def test_libcoveocds_reports_the_same_schema_errors(tmp_path, monkeypatch):
    """Every schema finding of ours is one that libcoveocds (run offline) reports at the same place."""
    import re

    from tests.libcove import libcove_report

    assert len(SCHEMA_CASES) >= 30
    mismatches = {}
    for name in SCHEMA_CASES:
        path_to_break, value, check, where = CASES[name]
        release = copy.deepcopy(RELEASE)
        set_path(release, path_to_break, value)
        case_dir = tmp_path / re.sub(r"\W+", "-", name)
        case_dir.mkdir()
        document = case_dir / "p.json"
        document.write_text(json.dumps({**PACKAGE, "releases": [release]}))
        theirs = libcove_paths(libcove_report(document, case_dir, monkeypatch))
        # Closed-codelist values are reported by libcoveocds per field, without array indexes.
        if where not in theirs and re.sub(r"/\d+", "", where) not in theirs:
            mismatches[name] = (where, sorted(theirs))
    assert mismatches == {}


def test_open_codelist_values_are_notes_not_errors(tmp_path):
    release = copy.deepcopy(RELEASE)
    release["bids"]["statistics"] = [{"id": "s", "measure": "pujas", "value": 3}]  # bidStatistics.csv is open
    release["tender"]["mainProcurementCategory"] = "goods"
    document = tmp_path / "p.json"
    document.write_text(json.dumps({**PACKAGE, "releases": [release]}))
    report = validate_file(document, SchemaResolver.from_env())
    assert report.errors == 0
    (note,) = report.notes.values()
    assert (note.check, note.path, note.examples[0].value) == ("codelist.open", "bids/statistics/[]/measure", "pujas")
    assert "bidStatistics.csv" in note.message


def test_closed_codelist_values_are_reported_once(tmp_path):
    release = copy.deepcopy(RELEASE)
    release["tender"]["status"] = "abierto"
    document = tmp_path / "p.json"
    document.write_text(json.dumps({**PACKAGE, "releases": [release]}))
    report = validate_file(document, SchemaResolver.from_env())
    assert [(g.check, g.path) for g in report.groups.values()] == [("schema.enum", "tender/status")]


PACKAGE_CASES = {  # name: (package field, new value or DELETE, expected check, expected path)
    "missing publishedDate": ("publishedDate", DELETE, "package.required", ""),
    "uri not a string": ("uri", 5, "package.type", "uri"),
    "publishedDate not a date": ("publishedDate", "ayer", "package.format", "publishedDate"),
    "publisher not an object": ("publisher", "SERCOP", "package.type", "publisher"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PACKAGE_CASES))
def test_package_defects_give_the_finding_libcoveocds_gives(tmp_path, monkeypatch, name):
    from tests.libcove import libcove_report

    field, value, check, where = PACKAGE_CASES[name]
    package = {**PACKAGE, "releases": [RELEASE]}
    set_path(package, field, value)
    document = tmp_path / "p.json"
    document.write_text(json.dumps(package))
    report = validate_file(document, SchemaResolver.from_env())
    assert [(g.check, g.path) for g in report.groups.values()] == [(check, where)]
    assert where in {e["path"] for e in libcove_report(document, tmp_path, monkeypatch)["validation_errors"]}


RECORD_PACKAGE = {key: value for key, value in PACKAGE.items() if key != "extensions"}
LINKED = {"url": "https://example.org/p.json#tender-1", "date": "2024-03-01T09:00:00-05:00", "tag": ["tender"]}
COMPILED = {**RELEASE, "id": "compiled-1", "tag": ["compiled"]}
RECORD = {"ocid": RELEASE["ocid"], "releases": [LINKED], "compiledRelease": COMPILED}
RECORD_CASES = {  # name: (record, expected check, expected path)
    "linked release without date": ({**RECORD, "releases": [{"url": LINKED["url"]}]}, "record.required", "releases/0"),
    "linked release url not a uri": ({**RECORD, "releases": [{**LINKED, "url": "no es una url"}]}, "record.format",
                                     "releases/0/url"),
    "linked release tag": ({**RECORD, "releases": [{**LINKED, "tag": ["licitacion"]}]}, "record.enum", "releases/0/tag/0"),
    "releases not an array": ({**RECORD, "releases": {"url": LINKED["url"]}}, "record.type", "releases"),
    "no releases": ({key: value for key, value in RECORD.items() if key != "releases"}, "record.required", ""),
}


@pytest.mark.parametrize("name", sorted(RECORD_CASES))
def test_record_defects_give_their_finding(tmp_path, name):
    """Not compared with libcoveocds: for record packages it fetches the versioned-release schema
    over the network (through jsonref, outside its standard ZIP), which tests never do."""
    record, check, where = RECORD_CASES[name]
    document = tmp_path / "records.json"
    document.write_text(json.dumps({**RECORD_PACKAGE, "records": [record]}))
    report = validate_file(document, SchemaResolver.from_env())
    assert [(f.check, f.path) for g in report.groups.values() for f in g.examples] == [(check, where)]


def test_the_compiled_release_of_a_record_that_embeds_its_releases_is_checked_too(tmp_path):
    record = {**RECORD, "releases": [RELEASE], "compiledRelease": {**COMPILED, "date": "ayer"}}
    document = tmp_path / "records.json"
    document.write_text(json.dumps({**PACKAGE, "records": [record]}))
    report = validate_file(document, SchemaResolver.from_env())
    findings = [(f.check, f.release_id, f.path) for g in report.groups.values() for f in g.examples]
    assert findings == [("schema.format", "compiled-1", "date")] and report.releases == 1


def test_a_valid_record_package(tmp_path):
    document = tmp_path / "records.json"
    document.write_text(json.dumps({**RECORD_PACKAGE, "records": [RECORD]}))
    report = validate_file(document, SchemaResolver.from_env())
    assert (report.releases, report.errors) == (1, 0)
