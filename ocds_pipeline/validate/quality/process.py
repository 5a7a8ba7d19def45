"""Compiled-release checks after pelican: each returns pass (True), fail (False, with the failing
paths) or not applicable (None) for one process."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from typing import Any, Callable

Result = tuple[bool | None, list[str]]
PERIODS = ("tender/tenderPeriod", "tender/enquiryPeriod", "tender/awardPeriod", "tender/contractPeriod")
REFERENCES = {  # reference name: (role, paths to the organisation references)
    "buyer": ("buyer", lambda r: [("buyer", r.get("buyer"))]),
    "procuring_entity": ("procuringEntity", lambda r: [("tender/procuringEntity", (r.get("tender") or {}).get("procuringEntity"))]),
    "tenderer": ("tenderer", lambda r: [(f"tender/tenderers/{i}", t) for i, t in enumerate((r.get("tender") or {}).get("tenderers") or [])]),
    "supplier": ("supplier", lambda r: [(f"awards/{i}/suppliers/{j}", s) for i, a in enumerate(r.get("awards") or [])
                                        for j, s in enumerate(a.get("suppliers") or [])]),
    "payer": ("payer", lambda r: [(f"contracts/{i}/implementation/transactions/{j}/payer", t.get("payer"))
                                  for i, c in enumerate(r.get("contracts") or [])
                                  for j, t in enumerate((c.get("implementation") or {}).get("transactions") or [])]),
    "payee": ("payee", lambda r: [(f"contracts/{i}/implementation/transactions/{j}/payee", t.get("payee"))
                                  for i, c in enumerate(r.get("contracts") or [])
                                  for j, t in enumerate((c.get("implementation") or {}).get("transactions") or [])]),
}


def at_path(document: Any, path: str) -> Any:
    for part in path.split("/"):
        if not isinstance(document, dict):
            return None
        document = document.get(part)
    return document


def _date(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def amount_of(value: Any) -> float | None:
    if isinstance(value, dict) and isinstance(value.get("amount"), (int, float)) and not isinstance(value.get("amount"), bool):
        return float(value["amount"])
    return None


def _result(failures: list[str], applicable: bool = True) -> Result:
    return (None if not applicable else not failures), failures


def coherent_period(r: dict[str, Any]) -> Result:
    periods = [(p, at_path(r, p)) for p in PERIODS] + [(f"contracts/{i}/period", c.get("period")) for i, c in enumerate(r.get("contracts") or [])]
    checked, failures = 0, []
    for path, period in periods:
        if isinstance(period, dict):
            start, end = _date(period.get("startDate")), _date(period.get("endDate"))
            if start and end:
                checked += 1
                if start > end:
                    failures.append(path)
    return _result(failures, checked > 0)


def coherent_procurement_method_vs_number_of_tenderers(r: dict[str, Any]) -> Result:
    tender = r.get("tender") or {}
    if tender.get("procurementMethod") != "direct" or not isinstance(tender.get("numberOfTenderers"), int):
        return None, []
    return _result([] if tender["numberOfTenderers"] <= 1 else ["tender/numberOfTenderers"])


def coherent_tender_status(r: dict[str, Any]) -> Result:
    status = (r.get("tender") or {}).get("status")
    if status not in {"planning", "planned", "active", "cancelled", "unsuccessful", "withdrawn"}:
        return None, []
    return _result([k for k in ("awards", "contracts") if r.get(k)])


def coherent_awards_status(r: dict[str, Any]) -> Result:
    awards = {a.get("id"): a.get("status") for a in r.get("awards") or [] if isinstance(a, dict)}
    contracts = [c for c in r.get("contracts") or [] if isinstance(c, dict) and c.get("awardID") in awards]
    if not contracts:
        return None, []
    return _result([f"contracts/{i}/awardID" for i, c in enumerate(r["contracts"]) if c in contracts
                    and awards[c["awardID"]] in {"pending", "cancelled", "unsuccessful"}])


def coherent_contracts_status(r: dict[str, Any]) -> Result:
    contracts = [(i, c) for i, c in enumerate(r.get("contracts") or []) if isinstance(c, dict) and c.get("status") in {"pending", "cancelled"}]
    if not contracts:
        return None, []
    return _result([f"contracts/{i}/implementation/transactions" for i, c in contracts
                    if (c.get("implementation") or {}).get("transactions")])


def _values(r: dict[str, Any]) -> list[tuple[str, Any]]:
    values = [("tender/value", at_path(r, "tender/value")), ("planning/budget/amount", at_path(r, "planning/budget/amount"))]
    values += [(f"awards/{i}/value", a.get("value")) for i, a in enumerate(r.get("awards") or [])]
    for i, c in enumerate(r.get("contracts") or []):
        values.append((f"contracts/{i}/value", c.get("value")))
        values += [(f"contracts/{i}/implementation/transactions/{j}/value", t.get("value"))
                   for j, t in enumerate((c.get("implementation") or {}).get("transactions") or [])]
    return [(path, value) for path, value in values if amount_of(value) is not None]


def coherent_value_realistic(r: dict[str, Any]) -> Result:
    values = _values(r)
    return _result([p for p, v in values if v.get("currency") in {"USD", None} and abs(amount_of(v)) > 5e9], bool(values))


def coherent_dates(r: dict[str, Any]) -> Result:
    """The timeline: tender end ≤ awards and signatures; award ≤ its contracts' signature ≤ payments."""
    pairs: list[tuple[str, Any, Any]] = []
    tender_end = at_path(r, "tender/tenderPeriod/endDate")
    awards = {a.get("id"): a for a in r.get("awards") or [] if isinstance(a, dict)}
    for i, a in enumerate(r.get("awards") or []):
        pairs.append((f"awards/{i}/date", tender_end, a.get("date")))
    for i, c in enumerate(r.get("contracts") or []):
        signed = c.get("dateSigned")
        pairs.append((f"contracts/{i}/dateSigned", tender_end, signed))
        pairs.append((f"contracts/{i}/dateSigned", (awards.get(c.get("awardID")) or {}).get("date"), signed))
        for j, t in enumerate((c.get("implementation") or {}).get("transactions") or []):
            pairs.append((f"contracts/{i}/implementation/transactions/{j}/date", signed, t.get("date")))
    checked = [(p, _date(a), _date(b)) for p, a, b in pairs]
    checked = [(p, a, b) for p, a, b in checked if a and b]
    return _result(sorted({p for p, a, b in checked if a > b}), bool(checked))


def coherent_release_date(r: dict[str, Any]) -> Result:
    release = _date(r.get("date"))
    dates = [(f"awards/{i}/date", a.get("date")) for i, a in enumerate(r.get("awards") or [])]
    dates += [(f"contracts/{i}/dateSigned", c.get("dateSigned")) for i, c in enumerate(r.get("contracts") or [])]
    dates = [(p, _date(d)) for p, d in dates]
    dates = [(p, d) for p, d in dates if d]
    if release is None or not dates:
        return None, []
    return _result([p for p, d in dates if d > release])


def consistent_number_of_tenderers(r: dict[str, Any]) -> Result:
    tender = r.get("tender") or {}
    if not isinstance(tender.get("numberOfTenderers"), int) or not isinstance(tender.get("tenderers"), list):
        return None, []
    return _result([] if tender["numberOfTenderers"] == len(tender["tenderers"]) else ["tender/numberOfTenderers"])


def _within(part: float | None, whole: float | None) -> bool | None:
    if part is None or whole is None or part == 0 or whole == 0 or (part > 0) != (whole > 0):
        return None
    return 0.5 <= part / whole <= 1.5


def consistent_tender_value(r: dict[str, Any]) -> Result:
    budget, tender = at_path(r, "planning/budget/amount"), at_path(r, "tender/value")
    if not (isinstance(budget, dict) and isinstance(tender, dict)) or budget.get("currency") != tender.get("currency"):
        return None, []
    ok = _within(amount_of(budget), amount_of(tender))
    return (None, []) if ok is None else _result([] if ok else ["planning/budget/amount"])


def consistent_contracts_value(r: dict[str, Any]) -> Result:
    failures, checked = [], 0
    for i, award in enumerate(r.get("awards") or []):
        contracts = [c for c in r.get("contracts") or [] if c.get("awardID") == award.get("id")]
        amounts = [amount_of(c.get("value")) for c in contracts]
        if not contracts or None in amounts:
            continue
        ok = _within(sum(amounts), amount_of(award.get("value")))
        if ok is not None:
            checked += 1
            if not ok:
                failures.append(f"awards/{i}/value")
    return _result(failures, checked > 0)


def consistent_contracts_implementation_transactions_value(r: dict[str, Any]) -> Result:
    failures, checked = [], 0
    for i, c in enumerate(r.get("contracts") or []):
        paid = [amount_of(t.get("value")) for t in (c.get("implementation") or {}).get("transactions") or []]
        value = amount_of(c.get("value"))
        if not paid or None in paid or value is None:
            continue
        checked += 1
        if sum(paid) > value + 0.005:
            failures.append(f"contracts/{i}/implementation/transactions")
    return _result(failures, checked > 0)


def consistent_parties_roles(r: dict[str, Any]) -> Result:
    referenced = {role: {str((ref or {}).get("id")) for _, ref in refs(r) if isinstance(ref, dict)}
                  for name, (role, refs) in REFERENCES.items() if name != "buyer"}
    failures, checked = [], 0
    for i, party in enumerate(r.get("parties") or []):
        for role in party.get("roles") or []:
            if role in referenced:
                checked += 1
                if str(party.get("id")) not in referenced[role]:
                    failures.append(f"parties/{i}/roles")
    return _result(sorted(set(failures)), checked > 0)


def consistent_period_duration_in_days(r: dict[str, Any]) -> Result:
    periods = [(p, at_path(r, p)) for p in PERIODS] + [(f"contracts/{i}/period", c.get("period")) for i, c in enumerate(r.get("contracts") or [])]
    failures, checked = [], 0
    for path, period in periods:
        if not isinstance(period, dict) or not isinstance(period.get("durationInDays"), int):
            continue
        start, end = _date(period.get("startDate")), _date(period.get("endDate") or period.get("maxExtentDate"))
        if start and end:
            checked += 1
            if abs((end - start).days - period["durationInDays"]) > 1:  # whole days either side of a day boundary
                failures.append(f"{path}/durationInDays")
    return _result(failures, checked > 0)


class _LastRelease:
    """Matches of organisation references to parties, worked out once per release.

    Eighteen checks (reference, roles and name, for six kinds of reference) need the same
    matches; the checks of one release run one after another, so the last release's are kept.
    """

    def __init__(self) -> None:
        self.release: dict[str, Any] | None = None
        self.parties: dict[str, list[dict[str, Any]]] = {}  # parties by id
        self.matches: dict[str, list[tuple[str, dict[str, Any], dict[str, Any] | None]]] = {}

    def matched(self, r: dict[str, Any], name: str) -> list[tuple[str, dict[str, Any], dict[str, Any] | None]]:
        """(path, reference, the one party with its id or None) for each reference of a kind that has an id."""
        if self.release is not r:
            self.release, self.matches, self.parties = r, {}, {}
            for party in r.get("parties") or []:
                if isinstance(party, dict):
                    self.parties.setdefault(str(party.get("id")), []).append(party)
        if name not in self.matches:
            found = []
            for path, ref in REFERENCES[name][1](r):
                if isinstance(ref, dict) and ref.get("id") is not None:
                    matches = self.parties.get(str(ref["id"]), [])
                    found.append((path, ref, matches[0] if len(matches) == 1 else None))
            self.matches[name] = found
        return self.matches[name]


_matched = _LastRelease().matched


def _reference_check(name: str) -> Callable[[dict[str, Any]], Result]:
    """reference.<name>_in_parties: the reference's id matches exactly one party."""
    def check(r: dict[str, Any]) -> Result:
        found = _matched(r, name)
        return _result([f"{path}/id" for path, _, party in found if party is None], bool(found))

    return check


def _roles_check(name: str) -> Callable[[dict[str, Any]], Result]:
    """consistent.<name>_in_parties_roles: the one party a reference points to has the matching role."""
    role = REFERENCES[name][0]

    def check(r: dict[str, Any]) -> Result:
        found = [(path, party) for path, _, party in _matched(r, name) if party is not None]
        return _result([f"{path}/id" for path, party in found if role not in (party.get("roles") or [])], bool(found))

    return check


def _name_check(name: str) -> Callable[[dict[str, Any]], Result]:
    """consistent.<name>_name_in_parties: the reference's name is the party's (where both have one)."""
    def check(r: dict[str, Any]) -> Result:
        found = [(path, ref, party) for path, ref, party in _matched(r, name)
                 if party is not None and ref.get("name") is not None and party.get("name") is not None]
        return _result([f"{path}/name" for path, ref, party in found if ref["name"] != party["name"]], bool(found))

    return check


def reference_contract_in_awards(r: dict[str, Any]) -> Result:
    contracts = [(i, c) for i, c in enumerate(r.get("contracts") or []) if isinstance(c, dict) and c.get("awardID") is not None]
    if not contracts:
        return None, []
    awards = Counter(str(a.get("id")) for a in r.get("awards") or [] if isinstance(a, dict))
    return _result([f"contracts/{i}/awardID" for i, c in contracts if awards[str(c["awardID"])] != 1])


def objects_in(r: dict[str, Any], key: str, stages: tuple[str, ...]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(path, object, the object holding its array) for the objects in ``key`` arrays of the given stages.

    Stages: planning, tender, awards, contracts, implementation (each contract's).
    """
    holders: list[tuple[str, Any]] = []
    for stage in stages:
        if stage in ("planning", "tender"):
            holders.append((stage, r.get(stage)))
        elif stage in ("awards", "contracts"):
            holders += [(f"{stage}/{i}", item) for i, item in enumerate(r.get(stage) or [])]
        else:  # implementation
            holders += [(f"contracts/{i}/implementation", c.get("implementation")) for i, c in enumerate(r.get("contracts") or [])
                        if isinstance(c, dict)]
    return [(f"{path}/{key}/{j}", item, holder) for path, holder in holders if isinstance(holder, dict)
            for j, item in enumerate(holder.get(key) or []) if isinstance(item, dict)]


MILESTONE_STAGES = ("planning", "tender", "contracts", "implementation")
DOCUMENT_STAGES = ("planning", "tender", "awards", "contracts", "implementation")


def coherent_milestone_status(r: dict[str, Any]) -> Result:
    milestones = [(p, m) for p, m, _ in objects_in(r, "milestones", MILESTONE_STAGES) if m.get("status") in {"scheduled", "notMet"}]
    return _result([f"{p}/dateMet" for p, m in milestones if m.get("dateMet")], bool(milestones))


def _not_after(dated: list[tuple[str, Any]], limit: datetime | None) -> Result:
    """Each (path, date) that parses is not after ``limit``; not applicable without any."""
    parsed = [(p, _date(d)) for p, d in dated if d]
    parsed = [(p, d) for p, d in parsed if d]
    if limit is None or not parsed:
        return None, []
    return _result([p for p, d in parsed if d > limit])


def coherent_milestones_dates(r: dict[str, Any]) -> Result:
    return _not_after([(f"{p}/{key}", m.get(key)) for p, m, _ in objects_in(r, "milestones", MILESTONE_STAGES)
                       for key in ("dateModified", "dateMet")], _date(r.get("date")))


def coherent_amendments_dates(r: dict[str, Any]) -> Result:
    """Not after the release date; a tender amendment not before the tender period, an award's not
    before the award date, a contract's not before its signature."""
    release = _date(r.get("date"))
    failures, checked = [], 0
    for path, amendment, holder in objects_in(r, "amendments", ("tender", "awards", "contracts")):
        when = _date(amendment.get("date"))
        if when is None:
            continue
        if path.startswith("tender"):
            earliest = _date(at_path(holder, "tenderPeriod/startDate"))
        else:
            earliest = _date(holder.get("date" if path.startswith("awards") else "dateSigned"))
        held = ([when <= release] if release else []) + ([when >= earliest] if earliest else [])
        checked += len(held)
        if not all(held):
            failures.append(f"{path}/date")
    return _result(failures, checked > 0)


def coherent_documents_dates(r: dict[str, Any]) -> Result:
    """Not after the release date, and published no later than modified."""
    release = _date(r.get("date"))
    failures, checked = [], 0
    for path, document, _ in objects_in(r, "documents", DOCUMENT_STAGES):
        published, modified = _date(document.get("datePublished")), _date(document.get("dateModified"))
        for key, when in (("datePublished", published), ("dateModified", modified)):
            if when is not None and release is not None:
                checked += 1
                if when > release:
                    failures.append(f"{path}/{key}")
        if published and modified:
            checked += 1
            if published > modified:
                failures.append(f"{path}/dateModified")
    return _result(sorted(set(failures)), checked > 0)


RELEASE_CHECKS: dict[str, Callable[[dict[str, Any]], Result]] = {
    "coherent.period": coherent_period,
    "coherent.procurement_method_vs_number_of_tenderers": coherent_procurement_method_vs_number_of_tenderers,
    "coherent.tender_status": coherent_tender_status,
    "coherent.awards_status": coherent_awards_status,
    "coherent.contracts_status": coherent_contracts_status,
    "coherent.value_realistic": coherent_value_realistic,
    "coherent.dates": coherent_dates,
    "coherent.release_date": coherent_release_date,
    "coherent.milestone_status": coherent_milestone_status,
    "coherent.milestones_dates": coherent_milestones_dates,
    "coherent.amendments_dates": coherent_amendments_dates,
    "coherent.documents_dates": coherent_documents_dates,
    "consistent.number_of_tenderers": consistent_number_of_tenderers,
    "consistent.tender_value": consistent_tender_value,
    "consistent.contracts_value": consistent_contracts_value,
    "consistent.contracts_implementation_transactions_value": consistent_contracts_implementation_transactions_value,
    "consistent.parties_roles": consistent_parties_roles,
    "consistent.period_duration_in_days": consistent_period_duration_in_days,
    **{f"consistent.{name}_in_parties_roles": _roles_check(name) for name in REFERENCES},
    **{f"consistent.{name}_name_in_parties": _name_check(name) for name in REFERENCES},
    **{f"reference.{name}_in_parties": _reference_check(name) for name in REFERENCES},
    "reference.contract_in_awards": reference_contract_in_awards,
}
