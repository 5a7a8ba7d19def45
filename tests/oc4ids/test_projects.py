"""OC4IDS projects: valid against 0.9.5, linked both ways to OCDS, with totals that add up."""

import csv
import json
from collections import defaultdict
from decimal import Decimal

import pytest

from ocds_pipeline.config import Config
from ocds_pipeline.oc4ids import ProjectCollector
from ocds_pipeline.packaging import iter_jsonl
from ocds_pipeline.pipeline import run
from ocds_pipeline.schemas import SchemaResolver
from ocds_pipeline.validate import ProjectValidator, SchemaValidator
from tests.conftest import FIXTURES, SHARED, read_table as table

WORKED_EXAMPLE = SHARED / "samples" / "oc4ids-0.9.5-worked-example.json"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    out = tmp_path_factory.mktemp("pub")
    run(FIXTURES, out, Config(), SchemaResolver.from_env(), store_url=str(out / "store.sqlite"))
    package = json.loads((out / "projects.json").read_text(encoding="utf-8"))
    return out, package


def envelope_validator(resolver):
    """The project package schema with each project checked separately (its items are projects)."""
    schema = resolver.load_json("oc4ids-0.9.5/project-package-schema.json")
    schema["properties"]["projects"]["items"] = {"type": "object"}
    return SchemaValidator(schema)


@pytest.mark.parametrize("reference", [False, True], ids=["jsonschema-rs", "jsonschema"])
def test_fixture_projects_validate_with_zero_errors(published, reference):
    _, package = published
    resolver = SchemaResolver.from_env()
    assert [issue for project in package["projects"] for issue in ProjectValidator(resolver, reference=reference).issues(project)] == []
    assert list(envelope_validator(resolver).issues(package)) == []
    assert package["version"] == "0.9" and len(package["projects"]) == len(table("proyectos")) >= 3


@pytest.mark.parametrize("reference", [False, True], ids=["jsonschema-rs", "jsonschema"])
def test_official_worked_example_validates_with_zero_errors(reference):
    example = json.loads(WORKED_EXAMPLE.read_text(encoding="utf-8"))
    resolver = SchemaResolver.from_env()
    validator = ProjectValidator(resolver, reference=reference)
    assert example["projects"] and [i for p in example["projects"] for i in validator.issues(p)] == []
    assert list(envelope_validator(resolver).issues(example)) == []


def test_links_hold_in_both_directions(published):
    out, package = published
    releases = {(r["ocid"], r["id"]): r for r in iter_jsonl(out / "releases.jsonl")}
    compiled = {c["ocid"]: c for c in iter_jsonl(out / "compiled.jsonl")}
    linked = {}
    for project in package["projects"]:
        for process in project.get("contractingProcesses", []):
            assert process["id"] in compiled, "every linked ocid exists in the OCDS output"
            for link in process["releases"]:
                assert (process["id"], link["id"]) in releases
                assert link["url"].endswith(f"releases.json#{link['id']}")
            linked[process["id"]] = project["id"]
    with_project = {ocid: c["planning"]["project"]["id"] for ocid, c in compiled.items() if "project" in c.get("planning", {})}
    assert set(with_project) == set(linked), "every OCDS process with a project id is in its project"
    for ocid, local_id in with_project.items():
        assert linked[ocid] == Config().oc4ids_prefix + local_id


def test_totals_match_sums_over_the_source_tables(published):
    out, package = published
    procedures = {p["codigo"]: p for p in table("procedimientos")}
    contracts = defaultdict(list)
    for contract in table("contratos"):
        contracts[contract["codigo_procedimiento"]].append(contract)
    paid = defaultdict(Decimal)
    for payment in table("pagos"):
        paid[payment["codigo_contrato"]] += Decimal(payment["monto"])
    with open(out / "projects.csv", encoding="utf-8-sig", newline="") as handle:
        totals = {row["project_id"]: row for row in csv.DictReader(handle)}
    for row in table("proyectos"):
        project_id = Config().oc4ids_prefix + row["codigo_proyecto"]
        codes = [code for code, p in procedures.items() if p["codigo_proyecto"] == row["codigo_proyecto"]]
        assert int(totals[project_id]["processes"]) == len(codes)
        linked_contracts = [c for code in codes for c in contracts[code]]
        if linked_contracts:
            assert Decimal(totals[project_id]["contract_value"]) == sum(Decimal(c["monto"]) for c in linked_contracts)
        expected_paid = sum(paid[c["codigo_contrato"]] for c in linked_contracts)
        assert Decimal(totals[project_id]["paid"] or 0) == expected_paid


def test_projects_from_ocds_alone_have_the_same_processes(published, tmp_path):
    from click.testing import CliRunner

    from ocds_pipeline.cli import main

    out, package = published
    result = CliRunner().invoke(main, ["oc4ids", str(out / "releases.json"), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    alone = json.loads((tmp_path / "projects.json").read_text(encoding="utf-8"))
    by_id = {p["id"]: p for p in package["projects"]}
    assert {p["id"] for p in alone["projects"]} == {pid for pid, p in by_id.items() if p.get("contractingProcesses")}
    for project in alone["projects"]:
        assert project["contractingProcesses"] == by_id[project["id"]]["contractingProcesses"]
        assert project["title"] == by_id[project["id"]]["title"]


def compiled(ocid, project, currency="USD", supplier_name="Constructora Andina S.A."):
    return {"ocid": ocid, "planning": {"project": {"id": project, "title": "Puente"}},
            "buyer": {"id": "EC-RUC-1768164490001", "name": "GAD"},
            "tender": {"id": "t", "status": "complete"},
            "parties": [{"id": "EC-RUC-1797778202001", "name": supplier_name, "roles": ["supplier"]}],
            "awards": [{"id": "a", "status": "active", "suppliers": [{"id": "EC-RUC-1797778202001"}]}],
            "contracts": [{"id": "c", "status": "terminated", "value": {"amount": 100, "currency": currency}}]}


@pytest.mark.parametrize("order", [1, -1])
def test_conflicting_currencies_and_party_names_are_resolved_with_warnings(order):
    """The name kept is the one in the first process in ocid order, whatever order they come in."""
    collector = ProjectCollector(Config(), "https://example.org/releases.json")
    for ocid, currency, name in (("o-1", "USD", "Constructora Andina S.A."), ("o-2", "EUR", "CONSTRUCTORA ANDINA"))[::order]:
        record = compiled(ocid, "P1", currency, name)
        collector.add(record, [{**record, "id": "r1", "date": "2024-01-01T00:00:00Z", "tag": ["contract"]}])
    ((project, totals),) = list(collector.projects())
    assert totals.contract_value is None and totals.processes == 2
    assert any("several currencies (EUR, USD)" in w for w in collector.warnings)
    supplier = next(p for p in project["parties"] if p["id"] == "EC-RUC-1797778202001")
    assert supplier["name"] == "Constructora Andina S.A."
    assert ("project P1: party EC-RUC-1797778202001 is named 'Constructora Andina S.A.' and 'CONSTRUCTORA ANDINA'; "
            "the name in the first process (o-1) is kept") in collector.warnings
    assert next(p for p in project["parties"] if p["id"] == "EC-RUC-1768164490001")["roles"] == ["publicAuthority"]


def ocds_file(path, releases):
    path.write_text("".join(json.dumps(r) + "\n" for r in releases), encoding="utf-8")
    return path


def release(ocid, number, **sections):
    return {"ocid": ocid, "id": f"r{number}", "date": f"2024-0{number}-01T00:00:00Z", "tag": ["tender"],
            "initiationType": "tender", **sections}


def test_no_project_gives_a_valid_empty_package_and_says_why(tmp_path):
    """oc4ids on data with no planning.project wrote "publishedDate": null and said "0 projects" alone."""
    from click.testing import CliRunner

    from ocds_pipeline.cli import main
    from ocds_pipeline.validate.files import validate_file

    path = ocds_file(tmp_path / "r.jsonl", [release("ocds-5wno2w-A", 1, tender={"id": "A"}), release("ocds-5wno2w-A", 2)])
    result = CliRunner().invoke(main, ["oc4ids", str(path), "--out", str(tmp_path / "out")], catch_exceptions=False)
    assert result.exit_code == 0
    assert "0 projects from 1 processes: no process names a project (planning.project.id)" in result.output
    package = json.loads((tmp_path / "out" / "projects.json").read_text())
    assert package["projects"] == [] and package["publishedDate"] == "2024-02-01T00:00:00Z"
    report = validate_file(tmp_path / "out" / "projects.json", SchemaResolver.from_env())
    assert report.unit == "projects" and report.releases == 0
    assert report.errors == 0 and report.warnings == []  # the package's own fields were checked


def test_an_empty_package_with_bad_fields_is_not_valid(tmp_path):
    from ocds_pipeline.validate.files import validate_file

    (tmp_path / "p.json").write_text(json.dumps({"version": "0.9", "uri": "https://example.org/p.json", "publisher": {"name": "P"},
                                                 "publishedDate": None, "projects": []}))
    report = validate_file(tmp_path / "p.json", SchemaResolver.from_env())
    assert report.errors == 1 and [g.path for g in report.groups.values()] == ["publishedDate"]


def test_transactions_with_the_deprecated_amount_are_read(tmp_path):
    """A transaction with "amount" (OCDS 1.0) instead of "value" crashed oc4ids/summary.py."""
    from ocds_pipeline.compile.files import compile_files
    from ocds_pipeline.publish import ProjectSource

    contract = {"id": "C", "awardID": "A1", "status": "terminated", "value": {"amount": 100, "currency": "USD"},
                "implementation": {"transactions": [{"id": "1", "amount": {"amount": 60, "currency": "USD"}},
                                                     {"id": "2", "value": {"amount": 40, "currency": "USD"}}]}}
    path = ocds_file(tmp_path / "r.jsonl", [
        release("ocds-5wno2w-P", 1, planning={"project": {"id": "X1", "title": "Puente"}}, tender=None,
                awards=[{"id": "A1", "status": "active", "suppliers": None}], contracts=[contract], parties=None)])
    compile_files([path], tmp_path / "out", Config(), SchemaResolver.from_env(), with_releases=False, with_records=False,
                  projects=ProjectSource())
    (project,) = json.loads((tmp_path / "out" / "projects.json").read_text())["projects"]
    summary = project["contractingProcesses"][0]["summary"]
    assert [t["value"]["amount"] for t in summary["transactions"]] == [60, 40]
    assert summary["finalValue"] == {"amount": 100, "currency": "USD"}
    assert [issue for issue in ProjectValidator(SchemaResolver.from_env()).issues(project)] == []


def test_the_project_mapping_is_read_once_per_collector(published, monkeypatch):
    """The works-project mapping is read and compiled once, not once per project (at a national scale, tens of
    thousands of projects each re-read mappings/oc4ids/project.yaml)."""
    from ocds_pipeline import oc4ids
    from ocds_pipeline.store import Store

    out, package = published
    store = Store(str(out / "store.sqlite"))
    try:
        rows, entities = store.projects()
    finally:
        store.close()
    loads, load_section = [], oc4ids.load_section
    monkeypatch.setattr(oc4ids, "load_section", lambda *args, **kwargs: loads.append(args) or load_section(*args, **kwargs))
    collector = ProjectCollector(Config(), "https://example.org/releases.json", project_rows=rows, entities=entities)
    projects = [project for project, _ in collector.projects()]
    assert loads == [("project",)] and len(projects) == len(rows) >= 3
    # The projects' own fields are the run's (which also had their processes).
    own = ("id", "title", "description", "locations", "budget", "publicAuthority")
    assert [{key: p.get(key) for key in own} for p in projects] == [{key: p.get(key) for key in own}
                                                                    for p in package["projects"]]
