"""Corrections in daily runs reach the compiled releases: what a store publishes after any sequence
of exports agrees with what a fresh store fed only the last export publishes."""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal
from pathlib import Path

import orjson
import pytest

from ocds_pipeline.config import Config
from ocds_pipeline.indicators import compute
from ocds_pipeline.mapping import make_ocid
from ocds_pipeline.pipeline import run
from ocds_pipeline.schemas import SchemaResolver
from ocds_pipeline.store import Store
from tests.conftest import FIXTURES
from tests.store.agreement import assert_agrees

CONFIG = Config()


def read(folder: Path, table: str) -> tuple[list[str], list[dict[str, str]]]:
    with open(folder / f"{table}.csv", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


def write(folder: Path, table: str, fields: list[str], rows: list[dict[str, str]]) -> None:
    with open(folder / f"{table}.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)


def compiled(out: Path) -> dict[str, dict]:
    with open(out / "compiled.jsonl", "rb") as handle:
        return {release["ocid"]: release for release in map(orjson.loads, handle)}


def day_two(target: Path) -> dict[str, str]:
    """Day one (the fixtures) with four corrections; return the codes each one touched."""
    shutil.copytree(FIXTURES, target)
    # An award corrected to a lower value and an earlier date (the 938,316.08 → 900,000.00).
    fields, awards = read(target, "adjudicaciones")
    _, contracts = read(target, "contratos")
    contracted = {c["codigo_procedimiento"] for c in contracts}
    award = next(a for a in awards if a["codigo_procedimiento"] in contracted and a["estado"] == "Adjudicado")
    award["monto"] = str((Decimal(award["monto"]) * Decimal("0.9")).quantize(Decimal("0.01")))
    day, time = award["fecha_adjudicacion"].split(" ")
    award["fecha_adjudicacion"] = f"{day[:8]}{int(day[8:]) - 3:02d} {time}" if int(day[8:]) > 3 else f"{day[:8]}01 {time}"
    write(target, "adjudicaciones", fields, awards)
    # A description and a budget emptied.
    fields, procedures = read(target, "procedimientos")
    cleared = next(p for p in procedures if p["descripcion"] and p["presupuesto_referencial"]
                   and p["codigo"] != award["codigo_procedimiento"])
    cleared["descripcion"] = cleared["presupuesto_referencial"] = ""
    write(target, "procedimientos", fields, procedures)
    # A payment deleted from a contract, and another one added to it.
    fields, payments = read(target, "pagos")
    by_contract: dict[str, list[dict[str, str]]] = {}
    for payment in payments:
        by_contract.setdefault(payment["codigo_contrato"], []).append(payment)
    procedure_of = {c["codigo_contrato"]: c["codigo_procedimiento"] for c in contracts}
    contract_code, paid = next((code, rows) for code, rows in by_contract.items() if len(rows) >= 3
                               and procedure_of[code] not in (award["codigo_procedimiento"], cleared["codigo"]))
    deleted = paid[1]
    payments.remove(deleted)
    payments.append({**paid[-1], "numero": str(max(int(p["numero"]) for p in paid) + 1), "monto": "1234.56"})
    # A contract in execution that only grows: one more payment, after every earlier change.
    per_procedure: dict[str, int] = {}
    for contract in contracts:
        per_procedure[contract["codigo_procedimiento"]] = per_procedure.get(contract["codigo_procedimiento"], 0) + 1
    running = next(c for c in contracts if c["estado"] == "En ejecución" and c["codigo_contrato"] in by_contract
                   and per_procedure[c["codigo_procedimiento"]] == 1
                   and c["codigo_procedimiento"] not in (award["codigo_procedimiento"], cleared["codigo"],
                                                         procedure_of[contract_code]))
    last = by_contract[running["codigo_contrato"]][-1]
    payments.append({**last, "numero": str(int(last["numero"]) + 1), "fecha": "2026-11-30", "monto": "500.00"})
    write(target, "pagos", fields, payments)
    return {"award": award["codigo_procedimiento"], "award_value": award["monto"], "cleared": cleared["codigo"],
            "payments": procedure_of[contract_code], "contract": contract_code, "deleted_payment": deleted["numero"],
            "grown": running["codigo_procedimiento"]}


@pytest.fixture(scope="module")
def corrected(tmp_path_factory):
    """Day one then day two into one store; day two alone into a fresh one."""
    base = tmp_path_factory.mktemp("corrections")
    touched = day_two(base / "day2")
    resolver = SchemaResolver.from_env()
    run(FIXTURES, base / "out", CONFIG, resolver, store_url=str(base / "store.sqlite"))
    before = compiled(base / "out")
    second = run(base / "day2", base / "out", CONFIG, resolver, store_url=str(base / "store.sqlite"))
    run(base / "day2", base / "fresh", CONFIG, resolver, store_url=str(base / "fresh.sqlite"))
    return base, touched, before, second


def ocid(code: str) -> str:
    return make_ocid(CONFIG.ocid_prefix, code)


def test_every_process_agrees_with_a_fresh_store(corrected):
    base, _, _, _ = corrected
    ours, fresh = compiled(base / "out"), compiled(base / "fresh")
    assert ours.keys() == fresh.keys()
    for key in fresh:
        assert_agrees(ours[key], fresh[key])


def test_the_corrections_are_published(corrected):
    base, touched, before, second = corrected
    ours = compiled(base / "out")
    award = next(a for a in ours[ocid(touched["award"])]["awards"] if a["id"].endswith("-1"))
    assert award["value"]["amount"] == float(touched["award_value"])
    assert award["date"] < next(a for a in before[ocid(touched["award"])]["awards"] if a["id"] == award["id"])["date"]

    tender = ours[ocid(touched["cleared"])]["tender"]
    assert "description" not in tender and not tender.get("value")
    assert before[ocid(touched["cleared"])]["tender"]["description"]

    contract = next(c for c in ours[ocid(touched["payments"])]["contracts"] if c["id"] == touched["contract"])
    transactions = {t["id"]: t for t in contract["implementation"]["transactions"]}
    # The documented marker: only ids are left (the payer's and payee's may not be null).
    marker = transactions[touched["deleted_payment"]]
    assert marker["value"] == {} and set(marker) == {"id", "value", "payer", "payee"}
    assert set(marker["payer"]) == set(marker["payee"]) == {"id"}
    assert max(transactions, key=int) != touched["deleted_payment"]
    assert second.updates == 3  # one correction release per corrected process


def test_a_process_that_only_grew_gets_its_event_release(corrected):
    base, touched, _, second = corrected
    store = Store(str(base / "store.sqlite"))
    bodies = next(bodies for key, bodies in store.releases_by_ocid() if key == ocid(touched["grown"]))
    store.close()
    newest = orjson.loads(bodies[-1])
    assert newest["tag"] == ["implementation"] and newest["id"].startswith("implementation-")
    assert newest["date"] == "2026-11-30T00:00:00-05:00"  # its own date, as a first publication would have it
    assert second.added == 4  # three corrections and the payment


def test_corrections_are_dated_after_what_they_correct(corrected):
    base, touched, _, second = corrected
    store = Store(str(base / "store.sqlite"))
    for code in (touched["award"], touched["cleared"], touched["payments"]):
        releases = [orjson.loads(body) for key, bodies in store.releases_by_ocid() if key == ocid(code) for body in bodies]
        added = [r for r in releases if r["id"].startswith("update-")]
        assert len(added) == 1, code
        assert added[0]["date"] > max(r["date"] for r in releases if r is not added[0])
    store.close()


def test_the_payment_correction_is_paired_by_identity(corrected):
    base, touched, _, _ = corrected
    store = Store(str(base / "store.sqlite"))
    bodies = next(bodies for key, bodies in store.releases_by_ocid() if key == ocid(touched["payments"]))
    store.close()
    correction = orjson.loads(bodies[-1])
    assert correction["tag"] == ["implementation", "implementationUpdate"]  # a new payment, and a deleted one
    transactions = correction["contracts"][0]["implementation"]["transactions"]
    deleted = next(t for t in transactions if t["id"] == touched["deleted_payment"])
    assert deleted["value"] == {"amount": None, "currency": None} and deleted["date"] is None
    assert deleted["payee"] == {"name": None}  # its id stays: ids may not be null


def test_indicators_report_the_corrected_values(corrected):
    base, _, _, _ = corrected
    ours = compute(base / "out" / "compiled.jsonl", by=["year"])
    fresh = compute(base / "fresh" / "compiled.jsonl", by=["year"])
    assert ours.equals(fresh)


def test_a_rerun_of_day_two_adds_nothing(corrected, tmp_path):
    base, _, _, _ = corrected
    before = (base / "out" / "compiled.jsonl").read_bytes()
    again = run(base / "day2", base / "out", CONFIG, SchemaResolver.from_env(), store_url=str(base / "store.sqlite"))
    assert again.added == 0
    assert (base / "out" / "compiled.jsonl").read_bytes() == before


def test_the_published_releases_stay_valid(corrected):
    from ocds_pipeline.validate.files import validate_file

    base, _, _, _ = corrected
    report = validate_file(base / "out" / "releases.json", SchemaResolver.from_env(), base_uri=CONFIG.base_uri, workers=1)
    assert report.releases > 1400 and report.errors == 0, report.sorted_groups()[:3]
