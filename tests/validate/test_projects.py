"""OC4IDS project packages through `ocds-pipeline validate`: schema, codelists, unique ids, duplicates."""

import copy
import json

import pytest
from click.testing import CliRunner

from ocds_pipeline.cli import main
from ocds_pipeline.schemas import SchemaResolver
from ocds_pipeline.sources.oc4ids import is_project_package
from ocds_pipeline.validate.files import validate_file
from tests.conftest import SHARED

WORKED_EXAMPLE = SHARED / "samples" / "oc4ids-0.9.5-worked-example.json"


def package_with(tmp_path, change=None, extra=()):
    package = json.loads(WORKED_EXAMPLE.read_text())
    project = package["projects"][0]
    if change:
        change(project)
    package["projects"] += list(extra)
    path = tmp_path / "projects.json"
    path.write_text(json.dumps(package))
    return path


def findings(report):
    return sorted((g.check, g.path) for g in report.groups.values())


def test_the_worked_example_is_valid(tmp_path):
    report = validate_file(WORKED_EXAMPLE, SchemaResolver.from_env())
    assert (report.unit, report.releases, report.errors) == ("projects", 1, 0)
    # Two values outside open codelists: the COFOG scheme and the construction material "masonry".
    assert sorted(g.path for g in report.notes.values()) == ["additionalClassifications/[]/scheme",
                                                             "social/healthAndSafety/materialTests/tests/[]"]


@pytest.mark.parametrize("change,expected", [
    (lambda p: p.update(status="abandonado"), [("schema.enum", "status")]),
    (lambda p: p["period"].update(startDate="ayer"), [("schema.format", "period/startDate")]),
    (lambda p: p.update(title=5), [("schema.type", "title")]),
    # A copied party repeats a whole item (the schema's uniqueItems) and, above all, an id.
    (lambda p: p["parties"].append(copy.deepcopy(p["parties"][0])), [("schema.uniqueItems", "parties"), ("unique.id", "parties/[]/id")]),
    (lambda p: p.pop("id"), [("schema.required", "")]),
])
def test_each_project_defect_gives_its_finding(tmp_path, change, expected):
    report = validate_file(package_with(tmp_path, change), SchemaResolver.from_env())
    assert findings(report) == expected


def test_values_outside_open_oc4ids_codelists_are_notes(tmp_path):
    report = validate_file(package_with(tmp_path, lambda p: p.update(sector=["transport", "ferrocarril"])), SchemaResolver.from_env())
    assert report.errors == 0
    (note,) = [g for g in report.notes.values() if g.path.startswith("sector")]
    assert (note.check, note.path, note.examples[0].value) == ("codelist.open", "sector/[]", "ferrocarril")
    assert "projectSector.csv" in note.message


def test_a_project_id_with_two_contents_is_a_duplicate(tmp_path):
    example = json.loads(WORKED_EXAMPLE.read_text())["projects"][0]
    other = {**example, "title": "Otro título"}
    report = validate_file(package_with(tmp_path, extra=[example, other]), SchemaResolver.from_env())
    assert [(g.check, g.count, g.examples[0].ocid) for g in report.groups.values()] == [("project.duplicate", 1, example["id"])]


def test_detection_and_command(tmp_path):
    path = package_with(tmp_path, lambda p: p.update(status="abandonado"))
    assert is_project_package(path)
    release_package = tmp_path / "releases.json"
    release_package.write_text(json.dumps({"uri": "u", "releases": []}))
    assert not is_project_package(release_package)
    result = CliRunner().invoke(main, ["validate", str(path), "--markdown", str(tmp_path / "r.md")])
    assert result.exit_code == 1 and "1 projects, 1 errors in 1 groups" in result.output
    assert "| project | - | path | value |" in (tmp_path / "r.md").read_text()


def test_the_package_fields_are_checked(tmp_path):
    package = json.loads(WORKED_EXAMPLE.read_text())
    del package["publishedDate"]
    package["uri"] = 5
    path = tmp_path / "projects.json"
    path.write_text(json.dumps(package, indent=2))
    report = validate_file(path, SchemaResolver.from_env())
    assert sorted((g.check, g.path) for g in report.groups.values()) == [("package.required", ""), ("package.type", "uri")]


def test_a_project_that_is_not_an_object(tmp_path):
    package = json.loads(WORKED_EXAMPLE.read_text())
    package["projects"] = ["no es un proyecto"]  # no head is found at its start: a small package is read whole
    path = tmp_path / "projects.json"
    path.write_text(json.dumps(package))
    report = validate_file(path, SchemaResolver.from_env())
    (finding,) = [e for g in report.groups.values() for e in g.examples]
    assert (finding.check, finding.path, finding.value, finding.message) == (
        "project.type", "projects/0", "no es un proyecto", "a project must be a JSON object")
    assert report.warnings == []  # the package's own fields were checked (and are valid)


def test_a_big_package_has_its_fields_read_from_both_ends(tmp_path):
    from ocds_pipeline.sources.package_ends import WINDOW

    package = json.loads(WORKED_EXAMPLE.read_text())
    project = package["projects"][0]
    package["projects"] = [{**project, "id": f"{project['id']}-{n}"} for n in range(400)]
    package["publishedDate"] = "ayer"  # a package field the schema refuses, after the projects
    path = tmp_path / "projects.json"
    path.write_text(json.dumps({k: v for k, v in package.items() if k != "publishedDate"} | {"publishedDate": "ayer"}))
    assert path.stat().st_size > WINDOW
    report = validate_file(path, SchemaResolver.from_env())
    assert report.releases == 400 and report.warnings == []
    assert [(g.check, g.path) for g in report.groups.values()] == [("package.format", "publishedDate")]
