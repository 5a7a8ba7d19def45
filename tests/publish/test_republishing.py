"""Republished and compiled packages keep what their sources declared: publisher, licence,
publication policy and extensions; records link to releases the same command writes."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
from click.testing import CliRunner

from ocds_pipeline.cli import main
from tests.conftest import FIXTURES, shared_samples

CONFIG_EXTENSIONS = ("procurement_regime", "party_scale", "party_type")  # this project's own: only with its own releases


def invoke(*args: str):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result


def package(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def declared(body: dict) -> dict:
    return {key: body[key] for key in ("publisher", "license", "publicationPolicy")}


def test_the_real_sercop_bodies_keep_their_extensions_publisher_and_licence(tmp_path):
    bodies = sorted(shared_samples().glob("sercop-api-record_*.json"))
    first = package(bodies[0])
    assert all(package(b)["extensions"] == first["extensions"] for b in bodies)  # the four declare the same eight
    result = invoke("compile", *map(str, bodies), "--out", str(tmp_path / "compiled"))
    assert result.exit_code == 0, result.output
    result = invoke("ingest", *map(str, bodies), "--store", str(tmp_path / "store.sqlite"), "--out", str(tmp_path / "ingested"))
    assert result.exit_code == 0, result.output
    for folder in ("compiled", "ingested"):
        for name in ("records.json", "releases.json"):
            written = package(tmp_path / folder / name)
            assert written["extensions"] == first["extensions"], (folder, name)
            assert declared(written) == declared(first), (folder, name)
            assert not any(own in url for url in written["extensions"] for own in CONFIG_EXTENSIONS)


def other_publisher(number: int, publisher: str = "Dirección Nacional de Contrataciones Públicas", **extra) -> dict:
    release = {"ocid": f"ocds-03ad3f-{number}", "id": f"{number}-tender", "date": "2024-05-01T10:00:00-04:00",
               "tag": ["tender"], "initiationType": "tender", "tender": {"id": str(number), "title": "Víveres"}}
    return {"uri": f"https://contrataciones.gov.py/{number}.json", "version": "1.1", "publishedDate": "2024-05-02T00:00:00Z",
            "publisher": {"name": publisher, "uid": "ocds-03ad3f"}, "license": "https://creativecommons.org/licenses/by/4.0/",
            "publicationPolicy": "https://contrataciones.gov.py/politica", "releases": [release],
            "extensions": ["https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json"],
            **extra}


def test_another_publishers_package_is_not_relabelled_as_sercop(tmp_path):
    path = tmp_path / "py.json"
    path.write_text(json.dumps(other_publisher(1)))
    assert invoke("compile", str(path), "--out", str(tmp_path / "out")).exit_code == 0
    records = package(tmp_path / "out" / "records.json")
    assert declared(records) == declared(other_publisher(1))
    assert records["extensions"] == other_publisher(1)["extensions"]


def test_mixed_publishers_are_a_warning_and_the_configuration_decides(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(other_publisher(1)))
    (tmp_path / "b.json").write_text(json.dumps(other_publisher(2, publisher="Otro", license="https://opendatacommons.org/")))
    result = invoke("compile", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0
    assert ("warning: the input mixes 2 publishers (Dirección Nacional de Contrataciones Públicas; Otro): the packages "
            "state the configured one, Servicio Nacional de Contratación Pública (SERCOP)") in result.output
    assert "the input mixes 2 licences" in result.output
    records = package(tmp_path / "out" / "records.json")
    assert records["publisher"]["name"] == "Servicio Nacional de Contratación Pública (SERCOP)"
    assert records["license"] == "https://creativecommons.org/licenses/by/3.0/ec/"
    assert records["publicationPolicy"] == "https://contrataciones.gov.py/politica"  # they agree on the policy


def test_every_linked_release_is_in_a_file_the_command_wrote(tmp_path):
    assert invoke("map", str(FIXTURES), "--out", str(tmp_path / "map")).exit_code == 0
    assert invoke("compile", str(tmp_path / "map" / "releases.jsonl"), "--out", str(tmp_path / "out")).exit_code == 0
    releases = package(tmp_path / "out" / "releases.json")
    records = package(tmp_path / "out" / "records.json")
    assert records["packages"] == [releases["uri"]]
    published = {f"{releases['uri']}#{r['id']}" for r in releases["releases"]}
    links = [linked["url"] for record in records["records"] for linked in record["releases"]]
    assert len(links) == 1460 and set(links) == published


def test_the_projects_own_extensions_come_with_its_own_releases(tmp_path):
    store = str(tmp_path / "store.sqlite")
    bodies = sorted(shared_samples().glob("sercop-api-record_*.json"))
    assert invoke("ingest", *map(str, bodies), "--store", store, "--out", str(tmp_path / "a")).exit_code == 0
    assert invoke("run", str(FIXTURES), "--store", store, "--out", str(tmp_path / "b")).exit_code == 0
    extensions = package(tmp_path / "b" / "releases.json")["extensions"]
    assert all(any(own in url for url in extensions) for own in CONFIG_EXTENSIONS)  # now the store holds both
    assert set(package(bodies[0])["extensions"]) <= set(extensions)
    compiled = [orjson.loads(line) for line in (tmp_path / "b" / "compiled.jsonl").read_bytes().splitlines()]
    assert len(compiled) == 240 + len(bodies)
