"""An OC4IDS contracting-process summary from one OCDS process (its releases and compiled release).

Follows the OC4IDS "OCDS mapping": tender facts from the compiled release, suppliers from its
active awards, the initial contract value from the release that first published each contract,
the final value once every contract is finished, one modification per contract amendment (with
the value and period before and after it), transactions, documents and linked releases.
"""

from __future__ import annotations

from typing import Any

from ..codelists import lookup

OPEN_TENDER = {"planning", "planned", "active"}
CLOSED_CONTRACT = {"terminated", "cancelled"}


def _sum(values: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Sum OCDS Values of one currency; None when there are none or currencies differ."""
    values = [v for v in values if isinstance(v, dict) and v.get("amount") is not None]
    currencies = {v.get("currency") for v in values}
    if not values or len(currencies) != 1:
        return None
    total = round(sum(v["amount"] for v in values), 2)
    return {"amount": int(total) if total == int(total) else total, "currency": currencies.pop()}


def process_status(compiled: dict[str, Any]) -> str:
    """pre-award (no contract yet), active (a contract in force) or closed (all finished, or no award)."""
    tender_status = compiled.get("tender", {}).get("status")
    contracts = compiled.get("contracts", [])
    if contracts:
        return "closed" if all(c.get("status") in CLOSED_CONTRACT for c in contracts) else "active"
    if tender_status in {"cancelled", "unsuccessful", "withdrawn"}:
        return "closed"
    return "pre-award"


def nature(compiled: dict[str, Any]) -> list[str] | None:
    tender = compiled.get("tender", {})
    categories = [tender.get("mainProcurementCategory"), *(tender.get("additionalProcurementCategories") or [])]
    codes = {lookup("contract_nature", c, source="oc4ids") for c in categories if c}
    codes.discard(None)
    return sorted(codes) or None


def _modifications(releases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One modification per amendment, with the contract's value and period before and after."""
    state: dict[str, tuple[Any, Any]] = {}
    modifications = []
    for release in releases:
        for contract in release.get("contracts", []):
            value, period = state.get(contract["id"], (None, None))
            new_value = contract.get("value", value)
            new_period = {**(period or {}), **contract["period"]} if "period" in contract else period
            for amendment in contract.get("amendments", []):
                kind = "value" if new_value != value else "duration" if new_period != period else "scope"
                modification = {
                    "id": f"{contract['id']}-{amendment['id']}", "date": amendment.get("date"),
                    "description": amendment.get("description"), "rationale": amendment.get("rationale"),
                    "type": kind, "releaseID": amendment.get("releaseID"),
                    "oldContractValue": value, "newContractValue": new_value,
                    "oldContractPeriod": period, "newContractPeriod": new_period,
                }
                modifications.append({k: v for k, v in modification.items() if v is not None})
            state[contract["id"]] = (new_value, new_period)
    return modifications


def _initial_contract_values(releases: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    initial: dict[str, dict[str, Any]] = {}
    for release in releases:
        for contract in release.get("contracts", []):
            if contract["id"] not in initial and "value" in contract:
                initial[contract["id"]] = contract["value"]
    return initial


def _documents(compiled: dict[str, Any]) -> list[dict[str, Any]]:
    """Documents of tender, awards and contracts; ids prefixed by where they come from, so they never clash."""
    documents = [{**d, "id": f"tender-{d['id']}"} for d in compiled.get("tender", {}).get("documents", [])]
    for section in ("awards", "contracts"):
        for block in compiled.get(section, []):
            documents += [{**d, "id": f"{section}-{block['id']}-{d['id']}"} for d in block.get("documents", [])]
    return documents


def summarise(compiled: dict[str, Any], releases: list[dict[str, Any]], releases_uri: str) -> dict[str, Any]:
    """The ``contractingProcesses[]`` entry for one OCDS process."""
    tender = compiled.get("tender", {})
    status = process_status(compiled)
    contracts = compiled.get("contracts", [])
    suppliers: dict[str, dict[str, Any]] = {}
    for award in compiled.get("awards", []):
        if award.get("status") not in {"cancelled", "unsuccessful"}:
            for supplier in award.get("suppliers", []):
                suppliers.setdefault(supplier["id"], supplier)
    initial = _initial_contract_values(releases)
    transactions = [{**t, "id": f"{c['id']}-{t['id']}"} for c in contracts
                    for t in c.get("implementation", {}).get("transactions", [])]
    starts = [c["period"]["startDate"] for c in contracts if c.get("period", {}).get("startDate")]
    ends = [c["period"]["endDate"] for c in contracts if c.get("period", {}).get("endDate")]
    summary = {
        "ocid": compiled["ocid"],
        "externalReference": tender.get("id"),
        "nature": nature(compiled),
        "title": tender.get("title"),
        "description": tender.get("description"),
        "status": status,
        "tender": {k: v for k, v in {
            "procurementMethod": tender.get("procurementMethod"),
            "procurementMethodDetails": tender.get("procurementMethodDetails"),
            "datePublished": tender.get("tenderPeriod", {}).get("startDate"),
            "costEstimate": tender.get("value"),
            "numberOfTenderers": tender.get("numberOfTenderers"),
            "tenderers": tender.get("tenderers"),
            "procuringEntity": tender.get("procuringEntity"),
        }.items() if v is not None},
        "suppliers": list(suppliers.values()) or None,
        "contractValue": _sum([initial[c["id"]] for c in contracts if c["id"] in initial]),
        "contractPeriod": {k: v for k, v in {"startDate": min(starts) if starts else None,
                                             "endDate": max(ends) if ends else None}.items() if v} or None,
        # Final value once every contract has finished: what was paid, else the amended contract values.
        "finalValue": (_sum([t["value"] for t in transactions]) or _sum([c.get("value") for c in contracts]))
        if status == "closed" and contracts else None,
        "documents": _documents(compiled) or None,
        "modifications": _modifications(releases) or None,
        "transactions": transactions or None,
    }
    return {
        "id": compiled["ocid"],
        "summary": {k: v for k, v in summary.items() if v is not None},
        "releases": [{"id": r["id"], "tag": r.get("tag", []), "date": r["date"], "url": f"{releases_uri}#{r['id']}"}
                     for r in releases],
    }
