"""Data-quality checks on compiled releases, after the OCDS data-quality tool pelican.

Each check is a named function returning, per compiled release, ``True`` (pass), ``False``
(fail, with the paths that failed) or ``None`` (not applicable: the fields it needs are absent).
Dataset checks look at all processes at once. Descriptions (es/en) live once, in
``schemas/quality/checks.yaml``; ``docs/quality.md`` is generated from it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

import yaml

from ..resources import data_path

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


def _get(document: Any, path: str) -> Any:
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


def _amount(value: Any) -> float | None:
    if isinstance(value, dict) and isinstance(value.get("amount"), (int, float)) and not isinstance(value.get("amount"), bool):
        return float(value["amount"])
    return None


def _result(failures: list[str], applicable: bool = True) -> Result:
    return (None if not applicable else not failures), failures


# -- compiled-release checks -------------------------------------------------------------------
def coherent_period(r: dict[str, Any]) -> Result:
    periods = [(p, _get(r, p)) for p in PERIODS] + [(f"contracts/{i}/period", c.get("period")) for i, c in enumerate(r.get("contracts") or [])]
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
    values = [("tender/value", _get(r, "tender/value")), ("planning/budget/amount", _get(r, "planning/budget/amount"))]
    values += [(f"awards/{i}/value", a.get("value")) for i, a in enumerate(r.get("awards") or [])]
    for i, c in enumerate(r.get("contracts") or []):
        values.append((f"contracts/{i}/value", c.get("value")))
        values += [(f"contracts/{i}/implementation/transactions/{j}/value", t.get("value"))
                   for j, t in enumerate((c.get("implementation") or {}).get("transactions") or [])]
    return [(path, value) for path, value in values if _amount(value) is not None]


def coherent_value_realistic(r: dict[str, Any]) -> Result:
    values = _values(r)
    return _result([p for p, v in values if v.get("currency") in {"USD", None} and abs(_amount(v)) > 5e9], bool(values))


def coherent_dates(r: dict[str, Any]) -> Result:
    """The timeline: tender end ≤ awards and signatures; award ≤ its contracts' signature ≤ payments."""
    pairs: list[tuple[str, Any, Any]] = []
    tender_end = _get(r, "tender/tenderPeriod/endDate")
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
    budget, tender = _get(r, "planning/budget/amount"), _get(r, "tender/value")
    if not (isinstance(budget, dict) and isinstance(tender, dict)) or budget.get("currency") != tender.get("currency"):
        return None, []
    ok = _within(_amount(budget), _amount(tender))
    return (None, []) if ok is None else _result([] if ok else ["planning/budget/amount"])


def consistent_contracts_value(r: dict[str, Any]) -> Result:
    failures, checked = [], 0
    for i, award in enumerate(r.get("awards") or []):
        contracts = [c for c in r.get("contracts") or [] if c.get("awardID") == award.get("id")]
        amounts = [_amount(c.get("value")) for c in contracts]
        if not contracts or None in amounts:
            continue
        ok = _within(sum(amounts), _amount(award.get("value")))
        if ok is not None:
            checked += 1
            if not ok:
                failures.append(f"awards/{i}/value")
    return _result(failures, checked > 0)


def consistent_contracts_implementation_transactions_value(r: dict[str, Any]) -> Result:
    failures, checked = [], 0
    for i, c in enumerate(r.get("contracts") or []):
        paid = [_amount(t.get("value")) for t in (c.get("implementation") or {}).get("transactions") or []]
        value = _amount(c.get("value"))
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
    periods = [(p, _get(r, p)) for p in PERIODS] + [(f"contracts/{i}/period", c.get("period")) for i, c in enumerate(r.get("contracts") or [])]
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


def _reference_check(name: str) -> Callable[[dict[str, Any]], Result]:
    role, refs = REFERENCES[name]

    def check(r: dict[str, Any]) -> Result:
        found = [(path, ref) for path, ref in refs(r) if isinstance(ref, dict) and ref.get("id") is not None]
        if not found:
            return None, []
        ids = Counter(str(p.get("id")) for p in r.get("parties") or [] if isinstance(p, dict))
        return _result([f"{path}/id" for path, ref in found if ids[str(ref["id"])] != 1])

    check.__doc__ = f"reference.{name}_in_parties"
    return check


def reference_contract_in_awards(r: dict[str, Any]) -> Result:
    contracts = [(i, c) for i, c in enumerate(r.get("contracts") or []) if isinstance(c, dict) and c.get("awardID") is not None]
    if not contracts:
        return None, []
    awards = Counter(str(a.get("id")) for a in r.get("awards") or [] if isinstance(a, dict))
    return _result([f"contracts/{i}/awardID" for i, c in contracts if awards[str(c["awardID"])] != 1])


RELEASE_CHECKS: dict[str, Callable[[dict[str, Any]], Result]] = {
    "coherent.period": coherent_period,
    "coherent.procurement_method_vs_number_of_tenderers": coherent_procurement_method_vs_number_of_tenderers,
    "coherent.tender_status": coherent_tender_status,
    "coherent.awards_status": coherent_awards_status,
    "coherent.contracts_status": coherent_contracts_status,
    "coherent.value_realistic": coherent_value_realistic,
    "coherent.dates": coherent_dates,
    "coherent.release_date": coherent_release_date,
    "consistent.number_of_tenderers": consistent_number_of_tenderers,
    "consistent.tender_value": consistent_tender_value,
    "consistent.contracts_value": consistent_contracts_value,
    "consistent.contracts_implementation_transactions_value": consistent_contracts_implementation_transactions_value,
    "consistent.parties_roles": consistent_parties_roles,
    "consistent.period_duration_in_days": consistent_period_duration_in_days,
    **{f"reference.{name}_in_parties": _reference_check(name) for name in REFERENCES},
    "reference.contract_in_awards": reference_contract_in_awards,
}


# -- dataset checks ------------------------------------------------------------------------------
def _share_between(counter: Counter, total: int, codes: Iterable[str]) -> bool | None:
    if not total:
        return None
    return all(0.001 <= counter[code] / total <= 0.99 for code in codes)


@dataclass
class DatasetCounts:
    """What the dataset checks need, accumulated one compiled release at a time."""

    processes: int = 0
    tender_status: Counter = field(default_factory=Counter)
    methods: Counter = field(default_factory=Counter)
    award_status: Counter = field(default_factory=Counter)
    contract_status: Counter = field(default_factory=Counter)
    categories: Counter = field(default_factory=Counter)
    buyers: Counter = field(default_factory=Counter)
    tender_ids: Counter = field(default_factory=Counter)

    def add(self, r: dict[str, Any]) -> None:
        tender = r.get("tender") or {}
        self.processes += 1
        for counter, value in ((self.tender_status, tender.get("status")), (self.methods, tender.get("procurementMethod")),
                               (self.categories, tender.get("mainProcurementCategory")),
                               (self.buyers, (r.get("buyer") or {}).get("id")), (self.tender_ids, tender.get("id"))):
            if value is not None:
                counter[str(value)] += 1
        self.award_status.update(str(a["status"]) for a in r.get("awards") or [] if isinstance(a, dict) and a.get("status"))
        self.contract_status.update(str(c["status"]) for c in r.get("contracts") or [] if isinstance(c, dict) and c.get("status"))


def dataset_results(counts: DatasetCounts) -> dict[str, tuple[bool | None, str]]:
    """Each dataset check: (pass / fail / None when not applicable, what was measured)."""
    buyers_total = sum(counts.buyers.values())
    top_buyer = counts.buyers.most_common(1)[0][1] / buyers_total if buyers_total else None
    repeated_ids = [tid for tid, n in counts.tender_ids.items() if n > 1]
    largest_category = max(counts.categories.values()) / sum(counts.categories.values()) if counts.categories else None
    return {
        "distribution.tender_status": (_share_between(counts.tender_status, sum(counts.tender_status.values()), ["active", "complete"]),
                                       dict(counts.tender_status.most_common())),
        "distribution.tender_procurement_method": (_share_between(counts.methods, sum(counts.methods.values()), ["open"]),
                                                    dict(counts.methods.most_common())),
        "distribution.awards_status": (_share_between(counts.award_status, sum(counts.award_status.values()), ["active"]),
                                       dict(counts.award_status.most_common())),
        "distribution.contracts_status": (_share_between(counts.contract_status, sum(counts.contract_status.values()), ["active", "terminated"]),
                                          dict(counts.contract_status.most_common())),
        "distribution.main_procurement_category": (None if largest_category is None else largest_category <= 0.95,
                                                   dict(counts.categories.most_common())),
        # pelican skips the buyer checks below 1,000 releases with a buyer id
        "distribution.buyer_repetition": (None if buyers_total < 1000 else 0.01 <= top_buyer <= 0.5,
                                          {"most common buyer share": round(top_buyer, 4) if top_buyer else None}),
        "unique.tender_id": (None if not counts.tender_ids else not repeated_ids,
                             {"repeated tender ids": repeated_ids[:5], "count": len(repeated_ids)}),
    }


# -- usability (a ProACT-style transparency index) ------------------------------------------------------
def _has(value: Any) -> bool:
    return value not in (None, "", [], {})


USABILITY: dict[str, tuple[bool, Callable[[dict[str, Any]], bool]]] = {
    # key field group: (only for competitive procedures?, present?)
    "procedure": (False, lambda r: _has(_get(r, "tender/procurementMethod"))),
    "buyer": (False, lambda r: _has(_get(r, "buyer/id"))),
    "supplier": (False, lambda r: any(_has(s.get("id")) for a in r.get("awards") or [] for s in a.get("suppliers") or [])),
    "award date": (False, lambda r: any(_has(a.get("date")) for a in r.get("awards") or [])),
    "classification": (False, lambda r: any(_has((i.get("classification") or {}).get("id"))
                                            for i in (r.get("tender") or {}).get("items") or [])),
    "value": (False, lambda r: _amount(_get(r, "tender/value")) is not None
              or any(_amount(a.get("value")) is not None for a in r.get("awards") or [])),
    "tenderers": (True, lambda r: _has(_get(r, "tender/tenderers")) or _has(_get(r, "tender/numberOfTenderers"))),
    "call for tenders": (True, lambda r: _has(_get(r, "tender/tenderPeriod/startDate"))),
    "deadline": (True, lambda r: _has(_get(r, "tender/tenderPeriod/endDate"))),
}


@dataclass
class Usability:
    """Share of processes with each key field group, and the mean per-process index (0-1)."""

    present: Counter = field(default_factory=Counter)
    eligible: Counter = field(default_factory=Counter)
    index_total: float = 0.0
    processes: int = 0

    def add(self, r: dict[str, Any]) -> None:
        competitive = _get(r, "tender/procurementMethod") in {"open", "selective"}
        flags = []
        for name, (competitive_only, present) in USABILITY.items():
            if competitive_only and not competitive:
                continue
            found = present(r)
            self.eligible[name] += 1
            self.present[name] += found
            flags.append(found)
        self.index_total += sum(flags) / len(flags)
        self.processes += 1

    def as_dict(self) -> dict[str, Any]:
        return {"index": round(self.index_total / self.processes, 4) if self.processes else None,
                "groups": {name: round(self.present[name] / self.eligible[name], 4) if self.eligible[name] else None
                           for name in USABILITY}}


# -- running ---------------------------------------------------------------------------------------
@dataclass
class CheckResult:
    passed: int = 0
    failed: int = 0
    not_applicable: int = 0
    examples: list[dict[str, str]] = field(default_factory=list)


@dataclass
class QualityReport:
    processes: int
    checks: dict[str, CheckResult]
    dataset: dict[str, tuple[bool | None, Any]]
    coverage: dict[str, int]
    usability: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"processes": self.processes,
                "checks": {name: {"passed": c.passed, "failed": c.failed, "not_applicable": c.not_applicable,
                                  "examples": c.examples} for name, c in self.checks.items()},
                "dataset": {name: {"result": {True: "pass", False: "fail", None: "not applicable"}[ok], "measured": what}
                            for name, (ok, what) in self.dataset.items()},
                "usability": self.usability, "coverage": self.coverage}

    def markdown(self, descriptions: dict[str, dict[str, str]]) -> str:
        lines = [f"# Data quality ({self.processes:,} processes)", "",
                 "| check | description | pass | fail | n/a |", "|---|---|---:|---:|---:|"]
        for name, c in self.checks.items():
            lines.append(f"| `{name}` | {descriptions.get(name, {}).get('en', '')} | {c.passed:,} | {c.failed:,} | {c.not_applicable:,} |")
        lines += ["", "| dataset check | description | result | measured |", "|---|---|---|---|"]
        for name, (ok, what) in self.dataset.items():
            result = {True: "pass", False: "**fail**", None: "n/a"}[ok]
            lines.append(f"| `{name}` | {descriptions.get(name, {}).get('en', '')} | {result} | {what} |")
        if self.usability:
            lines += ["", f"## Usability: index {self.usability['index']}", "",
                      "Share of processes with each key field group (tenderers, call for tenders and deadline: "
                      "competitive procedures only); the index is the mean over processes of the share of their "
                      "groups that are present (a ProACT-style transparency index).", "",
                      "| field group | share |", "|---|---:|"]
            lines += [f"| {name} | {share} |" for name, share in self.usability["groups"].items()]
        failing = [(n, c) for n, c in self.checks.items() if c.examples]
        if failing:
            lines += ["", "## Examples of failures", ""]
            for name, c in failing:
                lines += [f"- `{name}`: " + "; ".join(f"{e['ocid']} `{e['path']}`" for e in c.examples)]
        return "\n".join(lines) + "\n"


def _coverage(document: Any, prefix: str, counts: Counter) -> None:
    """Non-empty occurrences per path (array indexes folded), like cardinal's coverage."""
    if isinstance(document, dict):
        for key, value in document.items():
            path = f"{prefix}/{key}"
            if value not in (None, "", [], {}):
                counts[path] += 1
            _coverage(value, path, counts)
    elif isinstance(document, list):
        for item in document:
            _coverage(item, f"{prefix}[]", counts)


def check_quality(compiled_releases: Iterable[dict[str, Any]], examples: int = 5) -> QualityReport:
    """Run every compiled-release and dataset check over the compiled releases."""
    results = {name: CheckResult() for name in RELEASE_CHECKS}
    counts, coverage, processes, usability = DatasetCounts(), Counter(), 0, Usability()
    for release in compiled_releases:
        processes += 1
        counts.add(release)
        usability.add(release)
        _coverage(release, "", coverage)
        for name, check in RELEASE_CHECKS.items():
            ok, paths = check(release)
            result = results[name]
            if ok is None:
                result.not_applicable += 1
            elif ok:
                result.passed += 1
            else:
                result.failed += 1
                if len(result.examples) < examples:
                    result.examples.append({"ocid": str(release.get("ocid")), "path": ", ".join(paths)})
    return QualityReport(processes, results, dataset_results(counts), dict(sorted(coverage.items())), usability.as_dict())


def load_descriptions() -> dict[str, dict[str, str]]:
    """Each check's description in Spanish and English, from schemas/quality/checks.yaml."""
    doc = yaml.safe_load(data_path("schemas", "quality", "checks.yaml").read_text(encoding="utf-8"))
    return {check["name"]: {"en": check["en"], "es": check["es"]} for check in doc["checks"]}
