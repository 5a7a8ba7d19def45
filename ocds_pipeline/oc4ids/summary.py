"""An OC4IDS contracting-process summary from one OCDS process (its releases and compiled release).

Follows the OC4IDS "OCDS mapping": tender facts from the compiled release, suppliers from its
active awards, the initial contract value from the release that first published each contract,
the final value once every contract is finished, one modification per contract amendment (with
the value and period before and after it), transactions, documents and linked releases.
"""

from __future__ import annotations

from typing import Any

from ..codelists import lookup
from ..ocdsvalues import obj, objs

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
    tender_status = obj(compiled, "tender").get("status")
    contracts = objs(compiled, "contracts")
    if contracts:
        return "closed" if all(c.get("status") in CLOSED_CONTRACT for c in contracts) else "active"
    if tender_status in {"cancelled", "unsuccessful", "withdrawn"}:
        return "closed"
    return "pre-award"


def nature(compiled: dict[str, Any]) -> list[str] | None:
    tender = obj(compiled, "tender")
    additional = tender.get("additionalProcurementCategories")
    categories = [tender.get("mainProcurementCategory"), *(additional if isinstance(additional, list) else [])]
    codes = {lookup("contract_nature", c, source="oc4ids", default=None) for c in categories if isinstance(c, str)}
    codes.discard(None)
    return sorted(codes) or None


def _modifications(releases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One modification per amendment, with the contract's value and period before and after."""
    state: dict[str, tuple[Any, Any]] = {}
    modifications = []
    for release in releases:
        for contract in objs(release, "contracts"):
            if "id" not in contract:
                continue
            value, period = state.get(contract["id"], (None, None))
            new_value = contract.get("value", value)
            new_period = {**(period or {}), **obj(contract, "period")} if "period" in contract else period
            for amendment in objs(contract, "amendments"):
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
        for contract in objs(release, "contracts"):
            if "id" in contract and contract["id"] not in initial and "value" in contract:
                initial[contract["id"]] = contract["value"]
    return initial


def _documents(compiled: dict[str, Any]) -> list[dict[str, Any]]:
    """Documents of tender, awards and contracts; ids prefixed by where they come from, so they never clash."""
    documents = [{**d, "id": f"tender-{d.get('id')}"} for d in objs(compiled, "tender", "documents")]
    for section in ("awards", "contracts"):
        for block in objs(compiled, section):
            documents += [{**d, "id": f"{section}-{block.get('id')}-{d.get('id')}"} for d in objs(block, "documents")]
    return documents


def _transaction(contract: dict[str, Any], transaction: dict[str, Any]) -> dict[str, Any]:
    """A transaction of a contract, its id prefixed by the contract's; ``value`` from the deprecated
    ``amount`` (OCDS 1.0) when that is what the publisher wrote."""
    moved = {"value": transaction["amount"]} if "value" not in transaction and "amount" in transaction else {}
    return {**{k: v for k, v in transaction.items() if not (moved and k == "amount")}, **moved,
            "id": f"{contract.get('id')}-{transaction.get('id')}"}


def summarise(compiled: dict[str, Any], releases: list[dict[str, Any]], releases_uri: str) -> dict[str, Any]:
    """The ``contractingProcesses[]`` entry for one OCDS process."""
    tender = obj(compiled, "tender")
    status = process_status(compiled)
    contracts = objs(compiled, "contracts")
    suppliers: dict[str, dict[str, Any]] = {}
    for award in objs(compiled, "awards"):
        if award.get("status") not in {"cancelled", "unsuccessful"}:
            for supplier in objs(award, "suppliers"):
                suppliers.setdefault(str(supplier.get("id")), supplier)
    initial = _initial_contract_values(releases)
    transactions = [_transaction(c, t) for c in contracts for t in objs(c, "implementation", "transactions")]
    starts = [obj(c, "period")["startDate"] for c in contracts if obj(c, "period").get("startDate")]
    ends = [obj(c, "period")["endDate"] for c in contracts if obj(c, "period").get("endDate")]
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
            "datePublished": obj(tender, "tenderPeriod").get("startDate"),
            "costEstimate": tender.get("value"),
            "numberOfTenderers": tender.get("numberOfTenderers"),
            "tenderers": tender.get("tenderers"),
            "procuringEntity": tender.get("procuringEntity"),
        }.items() if v is not None} or None,
        "suppliers": list(suppliers.values()) or None,
        "contractValue": _sum([initial[c["id"]] for c in contracts if c.get("id") in initial]),
        "contractPeriod": {k: v for k, v in {"startDate": min(starts) if starts else None,
                                             "endDate": max(ends) if ends else None}.items() if v} or None,
        # Final value once every contract has finished: what was paid, else the amended contract values.
        "finalValue": (_sum([t.get("value") for t in transactions]) or _sum([c.get("value") for c in contracts]))
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
