"""A package's own fields found at both ends of the file, without parsing its big array."""

import json

import pytest

from ocds_pipeline.sources.package_ends import package_head, package_tail

RELEASES = [{"ocid": f"ocds-x-{n}", "id": str(n), "tag": ["tender"], "tender": {"items": [{"id": "1"}], "title": "a ] b"}}
            for n in range(50)]


@pytest.mark.parametrize("tail,indent", [
    ({}, None),
    ({"publishedDate": "2024-01-01T00:00:00Z"}, None),
    ({"extensions": ["https://a/extension.json", "https://b/extension.json"], "notes": [["x"], {"y": ["]"]}]}, None),
    ({"extensions": ["https://a/extension.json"], "note": "u ], \"v\": 1}"}, 2),
])
def test_the_fields_after_the_array(tmp_path, tail, indent):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"uri": "u", "version": "1.1", "releases": RELEASES, **tail}, indent=indent))
    assert package_tail(path, "releases") == tail


def test_in_a_small_file_the_head_is_not_taken_for_the_tail(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"uri": "u", "extensions": ["https://a/extension.json"], "releases": RELEASES[:2]}, indent=2))
    assert package_tail(path, "releases") == {}


def test_the_fields_before_the_array():
    data = json.dumps({"uri": "u", "publisher": {"name": "p"}, "releases": RELEASES}).encode()
    fields, key, offset, first_key = package_head(data)
    assert (fields, key, first_key) == ({"uri": "u", "publisher": {"name": "p"}}, "releases", b'"ocid"')
    assert data[offset:offset + 9] == b'{"ocid": '
    assert package_head(json.dumps({"ocid": "x", "releases": []}).encode()) is None  # a record, not a package


def test_no_tail_found_in_a_window_without_the_array_end(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"ocid": "x", "id": "1", "title": "no array here"}))
    assert package_tail(path, "releases") is None
