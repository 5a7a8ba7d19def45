"""Dataset checks after pelican: distributions, repetitions and uniqueness over all processes at once.

Counts accumulate one compiled release at a time. Monetary values are kept as 8-byte floats per
currency (the value checks need all of them), tender ids as compact text (:mod:`ocds_pipeline.texts`);
everything else is counters of codes and ids.
Values are not converted between currencies (no exchange rates offline): the top-1 % check uses
USD amounts — Ecuador's currency — and the repetition check counts (amount, currency) pairs.
"""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy

from ...texts import Texts
from .process import DOCUMENT_STAGES, MILESTONE_STAGES, amount_of, objects_in

VALUE_KINDS = ("tender", "awards", "contracts")
# Reported without a pass or fail: (name, where the codes are)
REPORT_ONLY = ("distribution.tender_award_criteria", "distribution.tender_submission_method", "distribution.milestone_type",
               "distribution.document_document_type", "distribution.value_currency", "distribution.related_process_relation")
BUYER_MINIMUM, VALUE_MINIMUM = 1000, 100


def _codes(values: Iterable[Any]) -> tuple[str, ...]:
    """The values a distribution counts, as text (not missing ones, nor objects and arrays)."""
    return tuple(str(v) for v in values if v is not None and not isinstance(v, (dict, list)))


def _share_between(counter: Counter, codes: Iterable[str]) -> bool | None:
    total = sum(counter.values())
    if not total:
        return None
    return all(0.001 <= counter[code] / total <= 0.99 for code in codes)


@dataclass
class DatasetCounts:
    """What the dataset checks need, accumulated one compiled release at a time."""

    processes: int = 0
    codes: dict[str, Counter] = field(default_factory=dict)  # distribution name -> code counts
    buyers: Counter = field(default_factory=Counter)
    tender_ids: Texts = field(default_factory=Texts)  # one per process: held as Arrow text, not a Counter
    values: dict[str, dict[str, array]] = field(default_factory=lambda: {kind: {} for kind in VALUE_KINDS})

    def _count(self, name: str, codes: Iterable[str]) -> None:
        counter = self.codes.get(name)
        if counter is None:
            counter = self.codes[name] = Counter()
        counter.update(codes)

    @staticmethod
    def observe(r: dict[str, Any]) -> tuple[Any, ...]:
        """What :meth:`take` counts of one compiled release: each distribution's codes (in the order they are
        counted), each (kind, currency, amount) of its values, its buyer and its tender id."""
        tender = r.get("tender") if isinstance(r.get("tender"), dict) else {}
        awards = [a for a in r.get("awards") or [] if isinstance(a, dict)]
        contracts = [c for c in r.get("contracts") or [] if isinstance(c, dict)]
        milestones = [m for _, m, _ in objects_in(r, "milestones", MILESTONE_STAGES)]
        codes = (
            ("distribution.tender_status", _codes([tender.get("status")])),
            ("distribution.tender_procurement_method", _codes([tender.get("procurementMethod")])),
            ("distribution.main_procurement_category", _codes([tender.get("mainProcurementCategory")])),
            ("distribution.awards_status", _codes(a.get("status") for a in awards)),
            ("distribution.contracts_status", _codes(c.get("status") for c in contracts)),
            ("distribution.milestone_status", _codes(m.get("status") for m in milestones)),
            ("distribution.tender_award_criteria", _codes([tender.get("awardCriteria")])),
            ("distribution.tender_submission_method", _codes(tender.get("submissionMethod") or [])),
            ("distribution.milestone_type", _codes(m.get("type") for m in milestones)),
            ("distribution.document_document_type",
             _codes(d.get("documentType") for _, d, _ in objects_in(r, "documents", DOCUMENT_STAGES))),
            ("distribution.related_process_relation",
             _codes(rel for p in r.get("relatedProcesses") or [] if isinstance(p, dict) for rel in p.get("relationship") or [])),
        )
        amounts = []
        for kind, values in (("tender", [tender.get("value")]), ("awards", [a.get("value") for a in awards]),
                             ("contracts", [c.get("value") for c in contracts])):
            for value in values:
                amount = amount_of(value)
                if amount is not None:
                    amounts.append((kind, str(value.get("currency")), amount))
        buyer = (r.get("buyer") or {}).get("id") if isinstance(r.get("buyer"), dict) else None
        return (codes, tuple(amounts), None if buyer is None else str(buyer),
                None if tender.get("id") is None else str(tender["id"]))

    def take(self, observed: tuple[Any, ...]) -> None:
        """Count what :meth:`observe` saw of one compiled release."""
        codes, amounts, buyer, tender_id = observed
        self.processes += 1
        for name, values in codes:
            self._count(name, values)
        for kind, currency, amount in amounts:
            self.values[kind].setdefault(currency, array("d")).append(amount)
            self._count("distribution.value_currency", (currency,))
        if buyer is not None:
            self.buyers[buyer] += 1
        if tender_id is not None:
            self.tender_ids.append(tender_id)

    def merge(self, other: "DatasetCounts") -> None:
        """Add the counts of a later part of the same dataset."""
        self.processes += other.processes
        for name, counter in other.codes.items():
            self.codes.setdefault(name, Counter()).update(counter)
        self.buyers.update(other.buyers)
        self.tender_ids.extend(other.tender_ids)
        for kind, by_currency in other.values.items():
            for currency, amounts in by_currency.items():
                self.values[kind].setdefault(currency, array("d")).extend(amounts)


def _top_percent_share(amounts: array) -> tuple[bool | None, dict[str, Any]]:
    """The top 1 % of values (by amount) total less than the other 99 %; skipped below 100 values."""
    if len(amounts) < VALUE_MINIMUM:
        return None, {"values": len(amounts)}
    values = numpy.frombuffer(amounts, dtype=numpy.float64)
    top = max(1, len(values) // 100)
    top_total = float(numpy.partition(values, len(values) - top)[len(values) - top:].sum())
    rest_total = float(values.sum()) - top_total
    return top_total < rest_total, {"values": len(values), "top 1 % total": round(top_total, 2), "other 99 % total": round(rest_total, 2)}


def _repetition(by_currency: dict[str, array]) -> tuple[bool | None, dict[str, Any]]:
    """The 3 most frequent (amount, currency) pairs appear in under 10 % of cases; the 5 most frequent listed."""
    common: list[tuple[int, float, str]] = []
    total = 0
    for currency, amounts in by_currency.items():
        unique, counts = numpy.unique(numpy.frombuffer(amounts, dtype=numpy.float64), return_counts=True)
        total += len(amounts)
        for index in numpy.argsort(-counts, kind="stable")[:5]:
            common.append((int(counts[index]), float(unique[index]), currency))
    if not total:
        return None, {"values": 0}
    common = sorted(common, key=lambda c: (-c[0], c[2], c[1]))[:5]
    share = sum(n for n, _, _ in common[:3]) / total
    return share < 0.1, {"values": total, "top 3 share": round(share, 4),
                         "most frequent": [{"amount": a, "currency": c, "count": n} for n, a, c in common]}


def dataset_results(counts: DatasetCounts) -> dict[str, tuple[bool | None, Any]]:
    """Each dataset check: (pass / fail / None when not applicable or report-only, what was measured)."""
    codes = lambda name: counts.codes.get(name, Counter())  # noqa: E731
    buyers_total = sum(counts.buyers.values())
    enough_buyers = buyers_total >= BUYER_MINIMUM  # pelican skips the buyer checks below 1,000 processes with one
    top_buyer = counts.buyers.most_common(1)[0][1] / buyers_total if buyers_total else None
    single_buyers = sum(1 for n in counts.buyers.values() if n == 1) / len(counts.buyers) if counts.buyers else None
    repeated_ids = counts.tender_ids.repeated()
    categories = codes("distribution.main_procurement_category")
    largest_category = max(categories.values()) / sum(categories.values()) if categories else None
    results: dict[str, tuple[bool | None, Any]] = {}
    for name, required in (("distribution.tender_status", ["active", "complete"]), ("distribution.tender_procurement_method", ["open"]),
                           ("distribution.awards_status", ["active"]), ("distribution.contracts_status", ["active", "terminated"]),
                           ("distribution.milestone_status", ["met"])):
        results[name] = (_share_between(codes(name), required), dict(codes(name).most_common()))
    results["distribution.main_procurement_category"] = (None if largest_category is None else largest_category <= 0.95,
                                                         dict(categories.most_common()))
    for kind in VALUE_KINDS:
        results[f"distribution.{kind}_value"] = _top_percent_share(counts.values[kind].get("USD", array("d")))
        results[f"distribution.{kind}_value_repetition"] = _repetition(counts.values[kind])
    results["distribution.buyer"] = (single_buyers < 0.5 if enough_buyers else None,
                                     {"buyers": len(counts.buyers), "share seen once": round(single_buyers, 4) if single_buyers is not None else None})
    results["distribution.buyer_repetition"] = (0.01 <= top_buyer <= 0.5 if enough_buyers else None,
                                                {"most common buyer share": round(top_buyer, 4) if top_buyer else None})
    for name in REPORT_ONLY:
        results[name] = (None, dict(codes(name).most_common()))
    results["unique.tender_id"] = (None if not counts.tender_ids else not repeated_ids,
                                   {"repeated tender ids": repeated_ids[:5], "count": len(repeated_ids)})
    return results
