"""What the site shows of one process: a compact page (timeline, awards, contracts, parties,
documents) and a search row, both built from its compiled release (its red flags, which depend on
every process, are written apart: site/years.py)."""

from __future__ import annotations

from typing import Any

from ...indicators.facts import live
from ...ocdsvalues import obj, objs

MAX_DOCUMENTS = 100  # a process page lists at most this many documents (the JSON has them all)


def _amount(value: Any) -> list[Any] | None:
    value = value if isinstance(value, dict) else {}
    return [value["amount"], value.get("currency")] if isinstance(value.get("amount"), (int, float)) else None


def _names(compiled: dict[str, Any]) -> dict[str, str]:
    return {p["id"]: p.get("name") or p["id"] for p in objs(compiled, "parties") if isinstance(p.get("id"), str)}


def _org(reference: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    org = reference.get("id")
    return {"id": org, "name": reference.get("name") or names.get(org) or org}


def _timeline(compiled: dict[str, Any]) -> list[list[Any]]:
    """(date, event, detail) of each dated step of the process, in date order."""
    tender = obj(compiled, "tender")
    period = obj(tender, "tenderPeriod")
    events = [(tender.get("datePublished") or period.get("startDate"), "tender", tender.get("title")),
              (period.get("endDate"), "tender_end", None)]
    events += [(a.get("date"), "amendment", a.get("rationale")) for a in live(objs(tender, "amendments"))]
    events += [(a.get("date"), "award", a.get("status")) for a in live(objs(compiled, "awards"))]
    for contract in live(objs(compiled, "contracts")):
        events.append((contract.get("dateSigned"), "contract", contract.get("id")))
        events += [(a.get("date"), "amendment", a.get("rationale")) for a in live(objs(contract, "amendments"))]
        events += [(t.get("date"), "payment", _amount(t.get("value")))
                   for t in live(objs(contract, "implementation", "transactions"))]
    return sorted(([date, kind, detail] for date, kind, detail in events if isinstance(date, str)), key=lambda e: e[0])


def process_page(compiled: dict[str, Any], year: str, releases: list[list[Any]] | None = None) -> dict[str, Any]:
    """The compact page of one process: what a reader looks for, nothing that needs the whole release;
    ``releases`` is its history ([date, tags, release id] of each release, oldest first)."""
    names = _names(compiled)
    tender = obj(compiled, "tender")
    contracts = []
    for contract in live(objs(compiled, "contracts")):
        paid = [t.get("value") for t in live(objs(contract, "implementation", "transactions"))]
        amounts = [_amount(v) for v in paid]
        contracts.append({"id": contract.get("id"), "status": contract.get("status"), "signed": contract.get("dateSigned"),
                          "value": _amount(contract.get("value")), "amendments": len(live(objs(contract, "amendments"))),
                          "paid": round(sum(a[0] for a in amounts if a), 2) if amounts else None})
    documents = [d for section in (tender, *objs(compiled, "awards"), *objs(compiled, "contracts"))
                 for d in live(objs(section, "documents"))]
    return {
        "ocid": compiled.get("ocid"), "year": year, "title": tender.get("title"), "description": tender.get("description"),
        "buyer": _org(obj(compiled, "buyer"), names), "status": tender.get("status"),
        "method": tender.get("procurementMethod"), "type": tender.get("procurementMethodDetails"),
        "regime": tender.get("procurementRegime"), "value": _amount(tender.get("value")),
        "tenderers": tender.get("numberOfTenderers"),
        "awards": [{"id": a.get("id"), "status": a.get("status"), "date": a.get("date"), "value": _amount(a.get("value")),
                    "suppliers": [_org(s, names) for s in objs(a, "suppliers")]} for a in live(objs(compiled, "awards"))],
        "contracts": contracts,
        "parties": [{"id": p.get("id"), "name": p.get("name"), "roles": p.get("roles") or [],
                     "identifier": obj(p, "identifier").get("id")} for p in live(objs(compiled, "parties"))],
        "documents": [{"title": d.get("title"), "url": d.get("url"), "type": d.get("documentType"), "date": d.get("datePublished")}
                      for d in documents[:MAX_DOCUMENTS]],
        "documents_total": len(documents),
        "timeline": _timeline(compiled),
        "releases": releases or [],
    }


def search_row(page: dict[str, Any], fact: dict[str, Any], shard: str) -> list[Any]:
    """One line of a year's search index: [ocid, title, buyer id, buyer name, supplier ids, supplier
    names, procedure type, regime, awarded USD, date, page shard]."""
    suppliers = {s["id"]: s["name"] for award in page["awards"] for s in award["suppliers"] if s.get("id")}
    value = fact.get("award_value")
    return [page["ocid"], page["title"], page["buyer"]["id"], page["buyer"]["name"], list(suppliers), list(suppliers.values()),
            fact.get("procedure_type"), fact.get("regime"), round(value, 2) if value == value and value is not None else None,
            (page["timeline"][0][0][:10] if page["timeline"] else None), shard]
