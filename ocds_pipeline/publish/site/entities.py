"""A page per buyer and per supplier: spending by year, procedure types, regime share, single-bidder
share with its denominator, largest counterparts and red flags — what a journalist asks first.

Figures use the indicators' own facts (indicators/facts.py), so a buyer's single-bidder share is
SB-C restricted to its processes.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

TOP = 10  # counterparts shown per organisation


def _known(value: float) -> bool:
    return value is not None and not math.isnan(value)


def counted_for(fact: dict[str, Any]) -> tuple[str, int] | None:
    """The buyer and year a process counts for on its buyer's page (None: it does not count there), where
    its red flags are counted too (:meth:`Entities.flagged`)."""
    if fact.get("cancelled") or fact.get("year") is None or fact.get("buyer") is None:
        return None
    return fact["buyer"], fact["year"]


# What a process adds to the organisations' pages (:meth:`Entities.observe`): plain values, kept per process.
Observed = tuple[str, int, tuple[Any, ...] | None, tuple[tuple[Any, ...], ...]]


def _naming(org: str, parties: dict[str, Any], reference: dict[str, Any] | None) -> tuple[str | None, str | None]:
    """The name and identifier a process gives an organisation: its reference's name, else its party's."""
    party = parties.get(org) or {}
    identifier = party.get("identifier") if isinstance(party.get("identifier"), dict) else {}
    return (reference or {}).get("name") or party.get("name"), identifier.get("id")


class _Organisation:
    __slots__ = ("name", "identifier", "named_by", "bought", "types", "sold", "flagged", "flags")

    def __init__(self) -> None:
        self.name: str | None = None
        self.identifier: str | None = None
        self.named_by: tuple[bool, str] | None = None  # (no name, ocid) of the process name and identifier come from
        # year: [processes, awarded USD, single bidder, competitive awarded with a known count,
        #        special regime, processes with a known regime, processes with red flags]
        self.bought: dict[int, list[float]] = {}
        self.types: dict[str, int] = defaultdict(int)
        self.sold: dict[int, list[float]] = {}  # year: [processes, awarded USD]
        self.flagged = 0
        self.flags: dict[str, float] = {}

    def name_from(self, named_by: tuple[bool, str], name: str | None, identifier: str | None) -> None:
        """Name and identifier come from the first process in ocid order that names the organisation (the
        first that mentions it, if none does): whatever order the processes are added in."""
        if self.named_by is None or named_by < self.named_by:
            self.name, self.identifier, self.named_by = name, identifier, named_by

    def merge(self, other: "_Organisation") -> None:
        if other.named_by is not None:
            self.name_from(other.named_by, other.name, other.identifier)
        for mine, theirs in ((self.bought, other.bought), (self.sold, other.sold)):
            for year, totals in theirs.items():
                kept = mine.get(year)
                if kept is None:
                    mine[year] = totals  # taken over
                    continue
                for position, value in enumerate(totals):
                    kept[position] += value
        for key, count in other.types.items():
            self.types[key] += count
        self.flagged += other.flagged
        self.flags.update(other.flags)


class Entities:
    """Buyers and suppliers, accumulated process by process; the organisations of disjoint sets of processes
    (a year's, in the site) merge into those of them all.

    What each buyer awarded each supplier is summed per pair while processes are added, then kept as columns
    (:meth:`_pack`: when pickled, merged or paged): at a national scale there are some 800,000 pairs, which as
    two dictionaries per organisation held some 250 MB, and merging them year by year left the site's process
    with several hundred MB of freed but scattered memory."""

    def __init__(self) -> None:
        self.organisations: dict[str, _Organisation] = defaultdict(_Organisation)
        self._pairs: dict[tuple[str, str], float] = defaultdict(float)  # (buyer, supplier): awarded USD, to pack
        self._packed: list[tuple[pa.Array, pa.Array, np.ndarray]] = []  # buyers, suppliers, sums of packed pairs

    @staticmethod
    def observe(compiled: dict[str, Any], fact: dict[str, Any], suppliers: list[tuple[str, float]]) -> Observed | None:
        """What one process adds to the organisations' pages (:meth:`take`), from its facts row and its suppliers
        with their share of the awarded value: its ocid and year; its buyer with the name and identifier it gives
        it, the awarded value, single-bidder and special-regime measures it counts and its procedure type; each
        supplier with its name, identifier and value. None when it counts nowhere (cancelled, or without a year).
        Its red flags are counted apart (:meth:`flagged`): they depend on every process."""
        year, buyer = fact.get("year"), fact.get("buyer")
        if fact.get("cancelled") or year is None:
            return None
        parties = {p.get("id"): p for p in compiled.get("parties") or [] if isinstance(p, dict)}
        bought = None
        if buyer is not None:
            awarded = fact.get("awarded")
            bought = (buyer, *_naming(buyer, parties, compiled.get("buyer")),
                      fact["award_value"] if awarded and _known(fact.get("award_value")) else None,
                      fact["single_bidder"] if awarded and fact.get("competitive") and _known(fact.get("single_bidder"))
                      else None,
                      fact["special_regime"] if _known(fact.get("special_regime")) else None,
                      fact.get("procedure_type") or "-")
        sold = tuple((supplier, *_naming(supplier, parties, None), value) for supplier, value in suppliers)
        return str(compiled.get("ocid")), year, bought, sold

    def take(self, observed: Observed | None) -> None:
        """Add one process as :meth:`observe` saw it."""
        if observed is None:
            return
        ocid, year, bought, sold = observed
        buyer = None
        if bought is not None:
            buyer, name, identifier, value, single, special, procedure_type = bought
            org = self._named(buyer, name, identifier, ocid)
            totals = org.bought.setdefault(year, [0, 0.0, 0, 0, 0, 0, 0])
            totals[0] += 1
            if value is not None:
                totals[1] += value
            if single is not None:
                totals[2] += single
                totals[3] += 1
            if special is not None:
                totals[4] += special
                totals[5] += 1
            org.types[procedure_type] += 1
        for supplier, name, identifier, value in sold:
            org = self._named(supplier, name, identifier, ocid)
            totals = org.sold.setdefault(year, [0, 0.0])
            totals[0] += 1
            if _known(value):
                totals[1] += value
                if buyer is not None:
                    self._pairs[buyer, supplier] += value

    def flagged(self, buyer: str, year: int) -> None:
        """A process of ``buyer`` in ``year`` (as :func:`counted_for` says) has red flags."""
        org = self.organisations[buyer]
        org.bought[year][6] += 1
        org.flagged += 1

    def flag(self, org: str, codes: dict[str, float]) -> None:
        """Red flags raised on the organisation itself (as buyer, procuring entity or tenderer)."""
        self.organisations[org].flags.update(codes)

    def merge(self, other: "Entities") -> None:
        """Take in the organisations of other processes (``other``'s are taken over, not copied)."""
        for org, entry in other.organisations.items():
            mine = self.organisations.get(org)
            if mine is None:
                self.organisations[org] = entry
            else:
                mine.merge(entry)
        self._pack()
        other._pack()
        self._packed += other._packed

    def _pack(self) -> None:
        """The pairs summed so far, as columns."""
        if self._pairs:
            buyers, suppliers = zip(*self._pairs)
            self._packed.append((pa.array(buyers, pa.string()), pa.array(suppliers, pa.string()),
                                 np.fromiter(self._pairs.values(), dtype=float, count=len(self._pairs))))
            self._pairs = defaultdict(float)

    def __getstate__(self) -> dict[str, Any]:
        self._pack()
        return {"organisations": self.organisations, "_pairs": {}, "_packed": self._packed}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _pairs=defaultdict(float))

    def _named(self, org: str, name: str | None, identifier: str | None, ocid: str) -> _Organisation:
        entry = self.organisations[org]
        if entry.name is None or entry.named_by is None or ocid < entry.named_by[1]:  # else named by an earlier process
            entry.name_from((name is None, ocid), name, identifier)
        return entry

    def pages(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Each organisation's page, in id order."""
        orgs = sorted(self.organisations)
        suppliers, buyers = self._counterparts(orgs)
        for code, org in enumerate(orgs):
            entry = self.organisations[org]
            yield org, {
                "id": org, "name": entry.name or org, "identifier": entry.identifier,
                "bought": {str(y): [round(v, 2) if i == 1 else int(v) for i, v in enumerate(t)]
                           for y, t in sorted(entry.bought.items())},
                "types": dict(sorted(entry.types.items(), key=lambda kv: (-kv[1], kv[0]))),
                "suppliers": self._named_top(orgs, suppliers.get(code, [])),
                "sold": {str(y): [int(t[0]), round(t[1], 2)] for y, t in sorted(entry.sold.items())},
                "buyers": self._named_top(orgs, buyers.get(code, [])), "flagged": entry.flagged,
                "flags": dict(sorted(entry.flags.items())),
            }

    def _counterparts(self, orgs: list[str]) -> tuple[dict[int, list[tuple[int, float]]], dict[int, list[tuple[int, float]]]]:
        """Each buyer's :data:`TOP` suppliers and each supplier's :data:`TOP` buyers by awarded value (then id),
        as positions in ``orgs`` (sorted): every part's pairs summed in the order the parts came."""
        self._pack()
        if not self._packed:
            return {}, {}
        names = pa.array(orgs, pa.string())
        buyers = np.concatenate([pc.index_in(b, value_set=names).to_numpy(zero_copy_only=False) for b, _, _ in self._packed])
        suppliers = np.concatenate([pc.index_in(s, value_set=names).to_numpy(zero_copy_only=False)
                                    for _, s, _ in self._packed])
        pairs, inverse = np.unique(buyers.astype(np.int64) * len(orgs) + suppliers, return_inverse=True)
        sums = np.bincount(inverse, weights=np.concatenate([v for _, _, v in self._packed]))  # in order, per pair
        buyer, supplier = pairs // len(orgs), pairs % len(orgs)
        return _top(buyer, supplier, sums), _top(supplier, buyer, sums)

    def _named_top(self, orgs: list[str], top: list[tuple[int, float]]) -> list[list[Any]]:
        return [[orgs[code], self.organisations[orgs[code]].name or orgs[code], round(value, 2)] for code, value in top]


def _top(owner: np.ndarray, other: np.ndarray, values: np.ndarray) -> dict[int, list[tuple[int, float]]]:
    """Per owner, its :data:`TOP` others by value (highest first, then by position)."""
    order = np.lexsort((other, -values, owner))
    owner, other, values = owner[order], other[order], values[order]
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    rank = np.arange(len(owner)) - np.repeat(starts, np.diff(np.r_[starts, len(owner)]))
    kept = rank < TOP
    top: dict[int, list[tuple[int, float]]] = {}
    for code, counterpart, value in zip(owner[kept].tolist(), other[kept].tolist(), values[kept].tolist()):
        top.setdefault(code, []).append((counterpart, value))
    return top
