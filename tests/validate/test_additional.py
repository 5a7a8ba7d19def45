"""Additional fields (not in the schema nor in the declared extensions) are notes, as libcoveocds lists them."""

import copy
import json

from ocds_pipeline.config import Config
from ocds_pipeline.pipeline import map_to_files
from ocds_pipeline.schemas import SchemaResolver
from ocds_pipeline.validate.files import validate_file
from tests.conftest import FIXTURES
from tests.validate.test_report import PACKAGE, RELEASE


def notes(report):
    return sorted((g.check, g.path, g.count) for g in report.notes.values())


def test_unknown_keys_are_notes_at_their_path(tmp_path):
    release = copy.deepcopy(RELEASE)
    release["tender"]["items"][0]["colour"] = "rojo"
    release["tender"]["items"][1]["colour"] = "azul"
    release["x_local"] = {"anything": [1, 2]}  # one field: what it holds is not looked into
    release["parties"] = [{"id": "P1", "details": {"scale": "sme"}}]  # details is free-form in OCDS 1.1.5
    release["tender"]["title_en"] = "Desks"  # a language variant: the schema's patternProperties allow it
    path = tmp_path / "p.json"
    path.write_text(json.dumps({**PACKAGE, "releases": [release]}))
    report = validate_file(path, SchemaResolver.from_env(), workers=1)
    assert report.errors == 0
    assert notes(report) == [("additional.field", "parties/[]/details/scale", 1),
                             ("additional.field", "tender/items/[]/colour", 2),
                             ("additional.field", "x_local", 1)]


def test_fields_of_declared_extensions_are_not_additional(tmp_path):
    release = copy.deepcopy(RELEASE)  # bids come from the bid extension, which PACKAGE declares
    path = tmp_path / "p.json"
    path.write_text(json.dumps({**PACKAGE, "releases": [release]}))
    assert notes(validate_file(path, SchemaResolver.from_env(), workers=1)) == []
    path.write_text(json.dumps({**PACKAGE, "extensions": [], "releases": [release]}))
    assert notes(validate_file(path, SchemaResolver.from_env(), workers=1)) == [("additional.field", "bids", 1)]


def test_the_projects_own_releases_have_no_additional_field(tmp_path):
    """Every field the mapping writes is in OCDS or in an extension the package declares."""
    map_to_files(FIXTURES, tmp_path, Config(), SchemaResolver.from_env())
    report = validate_file(tmp_path / "releases.json", SchemaResolver.from_env(), base_uri=Config().base_uri, workers=1)
    assert report.releases == 1460 and report.errors == 0 and notes(report) == []
