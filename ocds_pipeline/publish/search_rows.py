"""Each compiled process's row in the store's search index (:mod:`ocds_pipeline.store.search`): the
values the API filters on, taken from the same facts the indicators count, so that
``/compiled-releases?year=2024&regime=special`` lists the processes the indicators count there."""

from __future__ import annotations

from typing import Any

from ..indicators.facts import buyer_party, fact_row, party_rows
from ..ocdsvalues import obj, objs
from ..procedure_types import ProcedureTypes


def _text(*values: Any) -> str:
    return " ".join(value for value in values if isinstance(value, str) and value.strip())


def search_row(compiled: dict[str, Any], updated: str, types: ProcedureTypes) -> dict[str, Any]:
    """The process's index row: filter values, searchable text, and the keys (party id and identifier)
    of its buyer and of each supplier of its counted awards."""
    fact = fact_row(compiled, types)
    parties = {party.get("id"): party for party in objs(compiled, "parties") if party.get("id") is not None}
    buyer = obj(compiled, "buyer")
    keys = [("buyer", buyer.get("id")), ("buyer", obj(buyer_party(compiled), "identifier").get("id"))]
    names = [buyer.get("name")]
    for row in party_rows(compiled):
        if row["role"] == "supplier":
            party = parties.get(row["org"], {})
            keys += [("supplier", row["org"]), ("supplier", obj(party, "identifier").get("id"))]
            names.append(party.get("name"))
    tender = obj(compiled, "tender")
    return {
        "ocid": compiled.get("ocid"),
        "updated": updated,
        "year": str(fact["year"]) if fact["year"] is not None else None,
        "procurement_method": fact["method"],
        "regime": fact["regime"],
        "province": fact["province"],
        "procedure_type": fact["procedure_type"],
        "text": _text(tender.get("title"), tender.get("description"), *names),
        "keys": [(kind, str(key)) for kind, key in keys if key is not None and key != ""],
    }
