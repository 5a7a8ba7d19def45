"""A usability (transparency) index, ProACT-style: which key field groups each process has."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

from .process import amount_of, at_path


def _has(value: Any) -> bool:
    return value not in (None, "", [], {})


USABILITY: dict[str, tuple[bool, Callable[[dict[str, Any]], bool]]] = {
    # key field group: (only for competitive procedures?, present?)
    "procedure": (False, lambda r: _has(at_path(r, "tender/procurementMethod"))),
    "buyer": (False, lambda r: _has(at_path(r, "buyer/id"))),
    "supplier": (False, lambda r: any(_has(s.get("id")) for a in r.get("awards") or [] for s in a.get("suppliers") or [])),
    "award date": (False, lambda r: any(_has(a.get("date")) for a in r.get("awards") or [])),
    "classification": (False, lambda r: any(_has((i.get("classification") or {}).get("id"))
                                            for i in (r.get("tender") or {}).get("items") or [])),
    "value": (False, lambda r: amount_of(at_path(r, "tender/value")) is not None
              or any(amount_of(a.get("value")) is not None for a in r.get("awards") or [])),
    "tenderers": (True, lambda r: _has(at_path(r, "tender/tenderers")) or _has(at_path(r, "tender/numberOfTenderers"))),
    "call for tenders": (True, lambda r: _has(at_path(r, "tender/tenderPeriod/startDate"))),
    "deadline": (True, lambda r: _has(at_path(r, "tender/tenderPeriod/endDate"))),
}


@dataclass
class Usability:
    """Share of processes with each key field group, and the mean per-process index (0-1)."""

    present: Counter = field(default_factory=Counter)
    eligible: Counter = field(default_factory=Counter)
    index_total: float = 0.0
    processes: int = 0

    @staticmethod
    def observe(r: dict[str, Any]) -> tuple[bool, tuple[bool, ...]]:
        """Whether a process is competitive, and which of the groups it is eligible for it has (in their order)."""
        competitive = at_path(r, "tender/procurementMethod") in {"open", "selective"}
        return competitive, tuple(present(r) for competitive_only, present in USABILITY.values()
                                  if competitive or not competitive_only)

    def take(self, observed: tuple[bool, tuple[bool, ...]]) -> None:
        """Count what :meth:`observe` saw of one process."""
        competitive, flags = observed
        names = (name for name, (competitive_only, _) in USABILITY.items() if competitive or not competitive_only)
        for name, found in zip(names, flags):
            self.eligible[name] += 1
            self.present[name] += found
        self.index_total += sum(flags) / len(flags)
        self.processes += 1

    def merge(self, other: "Usability") -> None:
        """Add the counts of a later part of the same dataset."""
        self.present.update(other.present)
        self.eligible.update(other.eligible)
        self.index_total += other.index_total
        self.processes += other.processes

    def as_dict(self) -> dict[str, Any]:
        return {"index": round(self.index_total / self.processes, 4) if self.processes else None,
                "groups": {name: round(self.present[name] / self.eligible[name], 4) if self.eligible[name] else None
                           for name in USABILITY}}
