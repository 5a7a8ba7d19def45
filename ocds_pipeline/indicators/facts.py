"""One row of facts per contracting process, from its compiled release: the columnar table every
indicator is computed from. One streaming pass; memory follows the number of processes.

Tri-state measures are floats: 1.0 (flagged), 0.0 (not flagged), NaN (not computable), with the
reason for NaN in a ``<measure>_why`` column.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import pandas as pd

from ..procedure_types import ProcedureTypes, default_procedure_types

COMPETITIVE = {"open", "selective"}
NON_COMPETITIVE = {"limited", "direct"}
COUNTED_AWARD = {"active", None}       # SERCOP leaves award status empty
NOT_SUBMITTED = {"invited", "withdrawn"}
NAN = math.nan

GROUPS = ("year", "month", "buyer", "province", "procedure_type", "method", "regime", "category")


def tenderer_count(compiled: dict[str, Any]) -> tuple[float, str]:
    """n(p): numberOfTenderers, else distinct tenderers, else distinct bidders; (NaN, why) if none."""
    tender = compiled.get("tender", {})
    number = tender.get("numberOfTenderers")
    if isinstance(number, (int, float)) and not isinstance(number, bool) and number >= 0:
        return float(number), "tender.numberOfTenderers"
    ids = {t.get("id") for t in tender.get("tenderers") or [] if isinstance(t, dict) and t.get("id")}
    if ids:
        return float(len(ids)), "tender.tenderers"
    bidders = {t.get("id") for bid in (compiled.get("bids") or {}).get("details") or []
               if isinstance(bid, dict) and bid.get("status") not in NOT_SUBMITTED
               for t in bid.get("tenderers") or [] if isinstance(t, dict) and t.get("id")}
    if bidders:
        return float(len(bidders)), "bids.details"
    return NAN, "no tender.numberOfTenderers, tender.tenderers or bids.details tenderers"


def _award_value(compiled: dict[str, Any]) -> tuple[bool, float]:
    """(awarded?, Σ USD value of counted awards); NaN value if a counted award has no USD amount."""
    awards = [a for a in compiled.get("awards") or [] if isinstance(a, dict) and a.get("status") in COUNTED_AWARD]
    total = 0.0
    for award in awards:
        value = award.get("value") or {}
        if value.get("currency") != "USD" or not isinstance(value.get("amount"), (int, float)):
            return bool(awards), NAN
        total += value["amount"]
    return bool(awards), total


def _date(compiled: dict[str, Any]) -> str | None:
    """The period key: tender.tenderPeriod.startDate, else the compiled release date."""
    return (compiled.get("tender", {}).get("tenderPeriod") or {}).get("startDate") or compiled.get("date")


def _party(compiled: dict[str, Any], party_id: str | None) -> dict[str, Any]:
    for party in compiled.get("parties") or []:
        if isinstance(party, dict) and party.get("id") == party_id:
            return party
    return {}


def fact_row(compiled: dict[str, Any], types: ProcedureTypes) -> dict[str, Any]:
    tender = compiled.get("tender") or {}
    buyer = compiled.get("buyer") or {}
    details = tender.get("procurementMethodDetails")
    ptype = types.classify(details) if isinstance(details, str) else None
    regime = tender.get("procurementRegime") or (ptype.regime if ptype else None)
    method = tender.get("procurementMethod")
    n, n_source = tenderer_count(compiled)
    awarded, value = _award_value(compiled)
    date = _date(compiled)
    row = {
        "ocid": compiled.get("ocid"),
        "year": int(date[:4]) if date else None,
        "month": date[:7] if date else None,
        "buyer": buyer.get("id"),
        "buyer_name": buyer.get("name"),
        "province": (_party(compiled, buyer.get("id")).get("address") or {}).get("region"),
        "procedure_type": ptype.name if ptype else (details.strip() if isinstance(details, str) else None),
        "method": method,
        "regime": regime,
        "category": tender.get("mainProcurementCategory"),
        "cancelled": tender.get("status") == "cancelled",
        "awarded": awarded,
        "award_value": value,
        "competitive": method in COMPETITIVE,
        "open": method == "open",
        "tenderers": n,
        "tenderers_source": n_source,
    }
    row["single_bidder"] = NAN if math.isnan(n) else float(n == 1)
    row["three_or_more_tenderers"] = NAN if math.isnan(n) else float(n >= 3)
    row["single_bidder_why"] = row["three_or_more_tenderers_why"] = None if not math.isnan(n) else n_source
    row["special_regime"] = NAN if regime is None else float(regime == "special")
    row["special_regime_why"] = None if regime is not None else f"procedure type {details!r} is not in procedure_types.csv"
    row["non_competitive"] = NAN if method is None else float(method in NON_COMPETITIVE)
    row["non_competitive_why"] = None if method is not None else "no tender.procurementMethod"
    return row


def facts(compiled_releases: Iterable[dict[str, Any]], types: ProcedureTypes | None = None) -> pd.DataFrame:
    """The facts table: one row per compiled release."""
    types = types or default_procedure_types()
    frame = pd.DataFrame.from_records([fact_row(c, types) for c in compiled_releases])
    if frame.empty:
        frame = pd.DataFrame(columns=list(fact_row({}, types)))
    return frame
