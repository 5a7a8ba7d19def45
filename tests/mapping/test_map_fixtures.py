"""Mapping fixtures/sercop: validity, determinism, and each stage, tag and procedure family."""

from collections import Counter, defaultdict
from decimal import Decimal

import pytest

from ocds_pipeline.config import Config
from ocds_pipeline.mapping import make_ocid
from ocds_pipeline.packaging import iter_jsonl
from ocds_pipeline.pipeline import map_to_files
from ocds_pipeline.schemas import SchemaResolver
from ocds_pipeline.validate import ReleaseValidator
from tests.conftest import FIXTURES, read_table as table
from tests.procedure_law import PROCEDURE_TYPES, expected

PREFIX = Config().ocid_prefix


@pytest.fixture(scope="module")
def mapped(tmp_path_factory):
    out = tmp_path_factory.mktemp("map")
    summary = map_to_files(FIXTURES, out, Config(), SchemaResolver.from_env())
    releases = list(iter_jsonl(out / "releases.jsonl"))
    by_ocid = defaultdict(list)
    for release in releases:
        by_ocid[release["ocid"]].append(release)
    return out, summary, releases, by_ocid


def ocid_of(code):
    return make_ocid(PREFIX, code)


def test_every_release_is_valid_with_the_reference_validator(mapped):
    _, _, releases, _ = mapped
    validator = ReleaseValidator(SchemaResolver.from_env(), reference=True)
    issues = [issue for release in releases for issue in validator.issues(release)]
    assert issues == []
    assert len(releases) > 1000


def test_mapping_twice_gives_byte_identical_files(mapped, tmp_path):
    out, _, _, _ = mapped
    map_to_files(FIXTURES, tmp_path, Config(), SchemaResolver.from_env())
    for name in ("releases.json", "releases.jsonl", "rejects.csv", "summary.json"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


def test_package_metadata(mapped):
    import json

    out, _, releases, _ = mapped
    package = json.loads((out / "releases.json").read_text(encoding="utf-8"))
    assert package["version"] == "1.1"
    assert package["publisher"] == {"name": "Servicio Nacional de Contratación Pública (SERCOP)", "scheme": "OCDS",
                                    "uid": "ocds-5wno2w", "uri": "https://www.compraspublicas.gob.ec"}
    assert package["license"] == "https://creativecommons.org/licenses/by/3.0/ec/"
    # The policy the publication carries (docs/publication.md), at the base URI beside the extensions.
    assert package["publicationPolicy"] == "https://datosabiertos.compraspublicas.gob.ec/PLATAFORMA/ocds/policy.es.md"
    assert package["publishedDate"] == max(r["date"] for r in releases)
    assert "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json" in package["extensions"]
    assert any(url.endswith("/extensions/procurement_regime/extension.json") for url in package["extensions"])
    assert package["releases"] == releases


def test_ids_dates_and_every_source_row_accounted(mapped):
    _, summary, _, by_ocid = mapped
    assert len(by_ocid) == len(table("procedimientos")) == summary.mapping.processes
    for ocid, releases in by_ocid.items():
        ids = [r["id"] for r in releases]
        assert len(set(ids)) == len(ids) and not any("#" in i for i in ids)
        dates = [r["date"] for r in releases]
        assert dates == sorted(dates), ocid
    for name, count in summary.accounting.tables.items():
        assert count.read == count.accepted + count.rejected == len(table(name)), name
    assert summary.rejects == 0


def test_every_tag_of_the_lifecycle_appears(mapped):
    _, summary, _, _ = mapped
    assert set(summary.mapping.tags) == {"planning", "tender", "tenderUpdate", "tenderCancellation", "award", "contract",
                                         "contractAmendment", "implementation", "contractTermination"}


def test_procedure_families_get_method_regime_and_rationale(mapped):
    _, _, _, by_ocid = mapped
    seen = set()
    for procedure in table("procedimientos"):
        method, regime = expected(procedure["tipo_procedimiento"])  # from the law, not from the codelist
        tender = by_ocid[ocid_of(procedure["codigo"])][0]["tender"]
        assert (tender["procurementMethod"], tender["procurementRegime"]) == (method, regime), procedure["codigo"]
        assert tender["procurementMethodDetails"] == procedure["tipo_procedimiento"].strip()
        assert ("procurementMethodRationale" in tender) == (method in {"limited", "direct"})
        seen.add(procedure["tipo_procedimiento"].split(" en el convenio")[0].strip())
    assert seen == set(PROCEDURE_TYPES)  # the fixtures have every type


def test_bids_tenderers_and_statistics_match_an_independent_count(mapped):
    _, _, _, by_ocid = mapped
    bidders = defaultdict(set)
    bids = Counter()
    for row in table("ofertas"):
        bidders[row["codigo_procedimiento"]].add(row["ruc_proveedor"])
        bids[row["codigo_procedimiento"]] += 1
    for procedure in table("procedimientos"):
        updates = [r for r in by_ocid[ocid_of(procedure["codigo"])] if "bids" in r]
        code = procedure["codigo"]
        if code not in bidders:
            assert updates == []
            continue
        (update,) = updates
        assert update["tag"] == ["tenderUpdate"]
        assert update["tender"]["numberOfTenderers"] == len(bidders[code])
        assert {t["id"] for t in update["tender"]["tenderers"]} == {f"EC-RUC-{r}" for r in bidders[code]}
        assert len(update["bids"]["details"]) == bids[code]
        assert sum(s["value"] for s in update["bids"]["statistics"] if s["measure"] == "bids") == bids[code]
        assert all("status" not in bid for bid in update["bids"]["details"])  # SOCE records none


def test_cancelled_and_deserted_procedures(mapped):
    _, _, _, by_ocid = mapped
    for procedure in table("procedimientos"):
        releases = by_ocid[ocid_of(procedure["codigo"])]
        statuses = [r["tender"]["status"] for r in releases if "status" in r.get("tender", {})]
        if procedure["estado"] == "Cancelado":
            assert releases[-1]["tag"] == ["tenderCancellation"] and statuses[-1] == "cancelled"
        elif procedure["estado"] == "Desierto":
            assert statuses[-1] == "unsuccessful" and not any("awards" in r for r in releases)
        elif procedure["estado"] in {"Adjudicado", "Ejecución de Contrato", "Finalizado"}:
            assert statuses[0] == "active" and statuses[-1] == "complete"


def test_lots_awards_and_suppliers(mapped):
    _, _, _, by_ocid = mapped
    awards = defaultdict(list)
    for row in table("adjudicaciones"):
        awards[row["codigo_procedimiento"]].append(row)
    multi = [code for code, rows in awards.items() if len(rows) > 1]
    assert multi, "fixtures must have procedures with lots"
    for code in multi:
        releases = by_ocid[ocid_of(code)]
        lots = {lot["id"] for lot in releases[0]["tender"]["lots"]}
        published = [a for r in releases for a in r.get("awards", [])]
        assert {a["relatedLots"][0] for a in published} == {row["lote"] for row in awards[code]} <= lots
        assert all(item["relatedLot"] in lots for item in releases[0]["tender"]["items"])
    empty_status = [row for rows in awards.values() for row in rows if not row["estado"]]
    assert empty_status, "fixtures must have awards without status"
    for row in empty_status:
        (award,) = [a for r in by_ocid[ocid_of(row["codigo_procedimiento"])] for a in r.get("awards", [])
                    if a["id"] == f"{row['codigo_procedimiento']}-{row['lote']}"]
        assert "status" not in award  # not guessed


def test_contract_amendments_chain_and_accumulate(mapped):
    _, _, _, by_ocid = mapped
    contracts = {row["codigo_contrato"]: row for row in table("contratos")}
    amendments = defaultdict(list)
    for row in table("modificaciones_contrato"):
        amendments[row["codigo_contrato"]].append(row)
    assert amendments
    for code, rows in amendments.items():
        releases = by_ocid[ocid_of(contracts[code]["codigo_procedimiento"])]
        mine = [r for r in releases if any(c["id"] == code for c in r.get("contracts", []))
                and ("contract" in r["tag"] or "contractAmendment" in r["tag"])]
        assert [r["tag"] for r in mine] == [["contract"]] + [["contractAmendment"]] * len(rows)
        for previous, release in zip(mine, mine[1:]):
            (amendment,) = release["contracts"][0]["amendments"]
            assert amendment["amendsReleaseID"] == previous["id"]
            assert amendment["releaseID"] == release["id"]
        expected = Decimal(contracts[code]["monto"]) + sum(Decimal(r["variacion_monto"] or 0) for r in rows)
        assert Decimal(str(mine[-1]["contracts"][0]["value"]["amount"])) == expected


def test_payments_become_transactions_and_parties_accumulate_roles(mapped):
    _, _, _, by_ocid = mapped
    payments = table("pagos")
    transactions = [t for rs in by_ocid.values() for r in rs for c in r.get("contracts", [])
                    for t in c.get("implementation", {}).get("transactions", [])]
    assert len(transactions) == len(payments)
    assert sum(Decimal(str(t["value"]["amount"])) for t in transactions) == sum(Decimal(p["monto"]) for p in payments)
    for releases in by_ocid.values():
        roles = {}
        for release in releases:
            for party in release.get("parties", []):
                assert set(roles.get(party["id"], ())) <= set(party["roles"]), "roles only grow"
                roles[party["id"]] = party["roles"]
        buyer = releases[0]["buyer"]["id"]
        assert {"buyer", "procuringEntity"} <= set(roles[buyer])


def test_works_projects_in_planning(mapped):
    _, _, _, by_ocid = mapped
    linked = [p for p in table("procedimientos") if p["codigo_proyecto"]]
    assert len({p["codigo_proyecto"] for p in linked}) >= 3
    for procedure in linked:
        first = by_ocid[ocid_of(procedure["codigo"])][0]
        assert first["tag"] == ["planning", "tender"]
        assert first["planning"]["project"]["id"] == procedure["codigo_proyecto"]
        assert first["planning"]["project"]["sector"]["scheme"] == "oc4idsProjectSector"


def test_documents_are_all_published_once(mapped):
    _, _, releases, _ = mapped
    published = []
    for release in releases:
        published += release.get("tender", {}).get("documents", [])
        for award in release.get("awards", []):
            published += award.get("documents", [])
        for contract in release.get("contracts", []):
            published += contract.get("documents", [])
    assert len(published) == len(table("documentos"))


def test_no_release_carries_a_document_published_after_its_date(mapped):
    """A release describes what was public at its date (pelican's coherent.documents_dates)."""
    from datetime import datetime

    _, _, releases, _ = mapped
    late = []
    for release in releases:
        documents = release.get("tender", {}).get("documents", [])
        documents += [d for stage in ("awards", "contracts") for item in release.get(stage, []) for d in item.get("documents", [])]
        late += [(release["id"], d["id"]) for d in documents
                 if datetime.fromisoformat(d["datePublished"]) > datetime.fromisoformat(release["date"])]
    assert late == []
