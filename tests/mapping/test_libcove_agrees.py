"""libcoveocds, the reference OCDS checker, finds no schema error in the mapped fixtures."""

import json

from ocds_pipeline.config import Config
from ocds_pipeline.pipeline import map_to_files
from ocds_pipeline.schemas import SchemaResolver
from tests.conftest import FIXTURES
from tests.libcove import libcove_report


def test_libcoveocds_applies_our_extensions_and_reports_no_errors(tmp_path, monkeypatch):
    out = tmp_path / "out"
    map_to_files(FIXTURES, out, Config(), SchemaResolver.from_env())
    report = libcove_report(out / "releases.json", tmp_path, monkeypatch)
    assert report["extensions"]["invalid_extension"] == {}
    assert report["extensions"]["is_extended_schema"] is True
    assert len(report["extensions"]["extensions"]) == len(json.loads((out / "releases.json").read_text())["extensions"])
    assert report["validation_errors"] == []
    assert report["additional_closed_codelist_values"] == {}
    # Every field is in the patched schema: parties/details/scale and legalEntityTypeDetail come with the
    # party_scale and party_type extensions.
    assert report["additional_fields"] == []
