"""Every output under its policy: a publication and an API over SERCOP's fixtures plus a process whose
suppliers have contact details, each file and response searched for what its policy withholds."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from ocds_pipeline.cli import main
from ocds_pipeline.config import Config
from ocds_pipeline.packaging import extension_urls
from ocds_pipeline.pipeline import map_to_files
from ocds_pipeline.privacy import KEY_VARIABLE, natural_ruc
from ocds_pipeline.privacy.masks import Pseudonyms
from ocds_pipeline.publish.publication import publish
from ocds_pipeline.schemas import SchemaResolver
from ocds_pipeline.store import Store
from ocds_pipeline.store.ingest import ingest
from tests.api.conftest import Server
from tests.conftest import FIXTURES, read_table

KEY = "clave-de-prueba-de-la-publicacion"
OCID = "ocds-5wno2w-PRIV-2024-001"
PERSON, FLAGGED, COMPANY, BUYER = "1710034065001", "1790016919001", "0990012345001", "1760001550001"
WITHHELD = {  # each natural person's contact details, none of which a derived file may show
    PERSON: ["maria.perez@correo.ec", "+593 2 255 1267", "Av. Amazonas N34-12", "170135"],
    FLAGGED: ["jorge.vera@correo.ec", "+593 4 288 9911", "Calle Chile 305", "090313"],
}
COMPANY_CONTACT = ["ventas@andina.ec", "Av. 9 de Octubre 100"]
CONFIG = {"privacy": {"spreadsheets": {"identifier": "mask"}, "site": {"identifier": "mask"},
                      "api": {"identifier": "mask", "email": "mask"}}}
FIXTURE_PERSONS = [row["ruc"] for row in read_table("proveedores") if row["tipo_persona"] == "natural"]


def organisation(ruc: str, name: str, roles: list[str], contact: list[str] | None = None, **extra) -> dict:
    party = {"id": f"EC-RUC-{ruc}", "name": name, "identifier": {"scheme": "EC-RUC", "id": ruc, "legalName": name},
             "roles": roles, **extra}
    if contact:
        email, *rest = contact
        party["contactPoint"] = {"name": name, "email": email, **({"telephone": rest[0]} if len(rest) == 3 else {})}
        party["address"] = {"streetAddress": rest[-2], "postalCode": rest[-1], "locality": "Quito", "region": "Pichincha"} \
            if len(rest) == 3 else {"streetAddress": rest[-1], "locality": "Guayaquil", "region": "Guayas"}
    return party


def process_with_contacts() -> dict:
    suppliers = [organisation(PERSON, "PÉREZ LÓPEZ MARÍA JOSÉ", ["tenderer", "supplier"], WITHHELD[PERSON]),
                 organisation(FLAGGED, "VERA MORA JORGE LUIS", ["tenderer", "supplier"], WITHHELD[FLAGGED],
                              details={"legalEntityTypeDetail": "Persona natural"}),  # a company-shaped RUC, flagged
                 organisation(COMPANY, "Constructora Andina S.A.", ["tenderer"], COMPANY_CONTACT)]
    references = [{"id": p["id"], "name": p["name"]} for p in suppliers]
    buyer = organisation(BUYER, "GAD Municipal de Quito", ["buyer", "procuringEntity"])
    return {"ocid": OCID, "id": f"{OCID}-award-1", "date": "2024-03-04T10:00:00-05:00", "tag": ["award"],
            "initiationType": "tender", "parties": [buyer, *suppliers], "buyer": {"id": buyer["id"], "name": buyer["name"]},
            "tender": {"id": "PRIV-2024-001", "title": "Mantenimiento vial", "procurementMethod": "open",
                       "tenderers": references, "numberOfTenderers": 3},
            "awards": [{"id": "1", "status": "active", "suppliers": references[:2],
                        "value": {"amount": 1000.0, "currency": "USD"}}]}


def read_all(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    elif path.suffix == ".xlsx":
        with zipfile.ZipFile(io.BytesIO(data)) as workbook:
            data = b"".join(workbook.read(name) for name in workbook.namelist())
    return data.decode("utf-8", errors="replace")


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The store, the publication's text by output, and a server with the API's policy."""
    folder = tmp_path_factory.mktemp("privacy")
    resolver = SchemaResolver.from_env()
    map_to_files(FIXTURES, folder / "map", Config(), resolver)
    releases = [orjson.loads(line) for line in (folder / "map" / "releases.jsonl").read_bytes().splitlines()]
    package = folder / "package.json"
    package.write_bytes(orjson.dumps({"uri": "https://example.org/p.json", "version": "1.1", "publishedDate": "2026-01-08T00:00:00-05:00",
                                      "publisher": {"name": "Servicio Nacional de Contratación Pública (SERCOP)"},
                                      "extensions": extension_urls(Config(), resolver),
                                      "releases": [*releases, process_with_contacts()]}))
    store_url = f"sqlite:///{folder / 'store.sqlite'}"
    with pytest.MonkeyPatch.context() as env:
        env.setenv(KEY_VARIABLE, KEY)
        store = Store(store_url)
        try:
            ingest([package], store)
            publish(store, folder / "publication", Config(**CONFIG), resolver)
        finally:
            store.close()
        outputs: dict[str, dict[str, str]] = {"ocds": {}, "spreadsheets": {}, "site": {}}
        root = (folder / "publication").resolve()
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            relative = str(path.relative_to(root))
            if relative.startswith(("ocds/", "changes/", "oc4ids/projects.json")):
                outputs["ocds"][relative] = read_all(path)
            elif relative.startswith(("csv/", "xlsx/", "indicators/", "oc4ids/projects.csv")):
                outputs["spreadsheets"][relative] = read_all(path)
            elif relative.startswith("site/data/") or relative.endswith(".html") and "/" not in relative:
                outputs["site"][relative] = read_all(path)
        (folder / "config.json").write_bytes(orjson.dumps(CONFIG))
        server = Server.start(store_url, folder, config=CONFIG)
    try:
        yield outputs, server, root
    finally:
        server.stop()


def found(texts: dict[str, str], value: str) -> list[str]:
    return [path for path, text in texts.items() if value in text]


def test_the_ocds_files_publish_everything_by_default(published):
    ocds = published[0]["ocds"]
    assert len(ocds) >= 20
    for value in [*WITHHELD[PERSON], *WITHHELD[FLAGGED], *COMPANY_CONTACT, PERSON, FLAGGED, *FIXTURE_PERSONS[:5]]:
        assert found(ocds, value), value


def test_spreadsheets_mask_identifiers_and_leave_out_natural_persons_contact_details(published):
    sheets = published[0]["spreadsheets"]
    assert any(path.endswith(".xlsx") for path in sheets) and "indicators/suppliers.csv" in sheets
    for ruc in [PERSON, FLAGGED, *FIXTURE_PERSONS]:
        assert not found(sheets, ruc), ruc
    for value in [*WITHHELD[PERSON], *WITHHELD[FLAGGED]]:
        assert not found(sheets, value), value
    pseudonym = Pseudonyms(KEY.encode()).party_id(PERSON)
    assert found(sheets, pseudonym) and found(sheets, "Quito")  # the party is there, with its locality
    for value in [COMPANY, BUYER, *COMPANY_CONTACT[:1]]:  # a legal person keeps its RUC and contact details
        assert found(sheets, value), value


def test_the_site_shows_no_natural_persons_identifier_or_contact_details(published):
    site = published[0]["site"]
    assert len(site) >= 10
    assert "PÉREZ LÓPEZ MARÍA JOSÉ" in "".join(site.values())  # names are published
    for value in [PERSON, FLAGGED, *FIXTURE_PERSONS, *WITHHELD[PERSON], *WITHHELD[FLAGGED]]:
        assert not found(site, value), value
    assert found(site, Pseudonyms(KEY.encode()).party_id(PERSON)) and found(site, COMPANY)


def api_texts(server: Server) -> dict[str, str]:
    with server.client() as client:
        texts = {}
        for path in [f"/api/v1/releases?ocid={OCID}", f"/api/v1/records/{OCID}", f"/api/v1/records/{OCID}?versioned=true",
                     "/api/v1/compiled-releases?limit=1000"]:
            response = client.get(path)
            assert response.status_code == 200, (path, response.text)
            texts[path] = response.text
        texts["ndjson"] = client.get("/api/v1/compiled-releases?limit=1000", headers={"Accept": "application/x-ndjson"}).text
        after, pages = 0, 0
        while True:
            page = client.get(f"/api/v1/changes?after={after}&limit=1000").json()
            if not page["releases"]:
                break
            texts[f"changes {after}"] = orjson.dumps(page).decode()
            after, pages = int(page["links"]["next"].split("after=")[1].split("&")[0]), pages + 1
        assert pages == 2  # 1,461 releases
    return texts


def test_the_api_masks_identifiers_and_emails_and_drops_telephones(published):
    texts = api_texts(published[1])
    for value in [PERSON, FLAGGED, *FIXTURE_PERSONS, *WITHHELD[PERSON], *WITHHELD[FLAGGED]]:
        assert not found(texts, value), value
    assert found(texts, "m***@correo.ec") and found(texts, "j***@correo.ec")
    assert found(texts, COMPANY) and found(texts, COMPANY_CONTACT[0])
    assert all(natural_ruc(ruc) for ruc in FIXTURE_PERSONS)


def test_the_api_refuses_to_filter_by_a_masked_identifier(published):
    with published[1].client() as client:
        refused = client.get(f"/api/v1/compiled-releases?supplier={PERSON}")
        assert refused.status_code == 400 and "masked" in refused.json()["detail"]
        allowed = client.get(f"/api/v1/compiled-releases?supplier={COMPANY}")
        assert allowed.status_code == 200


def test_the_publication_policy_states_each_outputs_treatment(published, tmp_path):
    policy = (published[2] / "policy.es.md").read_text(encoding="utf-8")
    assert "## Datos personales" in policy
    assert ("**el sitio (páginas de procesos y organizaciones, búsqueda, gráficos)** — el RUC (y la cédula que contiene): "
            "se enmascara; la dirección: se enmascara; el correo electrónico: no se publica") in policy


def test_masking_without_a_key_stops_before_writing_and_with_one_the_files_hold_pseudonyms(tmp_path, monkeypatch):
    config = tmp_path / "config.yaml"
    config.write_text("privacy:\n  ocds: {identifier: mask}\n")
    command = ["--config", str(config), "map", str(FIXTURES), "--out", str(tmp_path / "out")]
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    refused = CliRunner().invoke(main, command)
    assert refused.exit_code == 2 and KEY_VARIABLE in refused.output and "Traceback" not in refused.output
    assert not (tmp_path / "out" / "releases.json").exists()
    monkeypatch.setenv(KEY_VARIABLE, KEY)
    done = CliRunner().invoke(main, command)
    assert done.exit_code == 0, done.output
    text = (tmp_path / "out" / "releases.json").read_text(encoding="utf-8")
    assert not [ruc for ruc in FIXTURE_PERSONS if ruc in text] and Pseudonyms(KEY.encode()).party_id(FIXTURE_PERSONS[0]) in text
