"""One row of facts per contracting process, from its compiled release: the columnar table every
indicator is computed from. One streaming pass; memory follows the number of processes.

Tri-state measures are floats: 1.0 (flagged), 0.0 (not flagged), NaN (not computable), with the
reason for NaN in a ``<measure>_why`` column.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Any, Iterable

import numpy as np
import pandas as pd

from ..ocdsvalues import obj, objs
from ..procedure_types import ProcedureTypes, default_procedure_types

COMPETITIVE = {"open", "selective"}
NON_COMPETITIVE = {"limited", "direct"}
COUNTED_AWARD = {"active", None}       # SERCOP leaves award status empty
NOT_SUBMITTED = {"invited", "withdrawn"}
NAN = math.nan
_CPC_DIVISION = re.compile(r"[0-9]{2}")  # a CPC code starts with its two-digit division

# Text columns that repeat across processes: kept as categoricals (a small integer per row).
CODED = ("month", "buyer", "buyer_name", "province", "procedure_type", "method", "regime", "category", "market",
         "tenderers_source", "single_bidder_why", "three_or_more_tenderers_why", "special_regime_why", "non_competitive_why")
PARTY_CODED = ("role", "org")
# USD amounts of the process table (rounded to cents when written out).
MONEY = ("award_value", "contract_value", "linked_award_value", "budget", "contract_increase", "savings")


def _days(start: str | None, end: str | None) -> float:
    """Whole days from one RFC 3339 date-time to another (NaN when either is missing or invalid)."""
    try:
        delta = datetime.fromisoformat(end) - datetime.fromisoformat(start)  # Python ≥ 3.11 reads "Z"
    except (AttributeError, TypeError, ValueError):
        return NAN
    return float(delta.days)


def _minimum_days(procedure_type: str | None) -> float:
    from ..codelists import load_codelist

    rows = load_codelist("minimum_tender_days")
    row = rows.get(procedure_type) or rows["*"]
    return float(row["target"])


def _amount(value: Any) -> float:
    """A USD amount, or NaN (another currency, or no amount)."""
    amount = value.get("amount") if isinstance(value, dict) and value.get("currency") == "USD" else None
    return float(amount) if isinstance(amount, (int, float)) and not isinstance(amount, bool) else NAN


def _market(compiled: dict[str, Any]) -> str | None:
    """The CPC division (first 2 digits) of the first classified item of the tender or awards (the awards'
    items are read only when the tender has no classified item)."""
    awarded = (item for award in objs(compiled, "awards") for item in objs(award, "items"))
    for item in chain(objs(compiled, "tender", "items"), awarded):
        classification = obj(item, "classification")
        division = _CPC_DIVISION.match(str(classification.get("id", "")))
        if classification.get("scheme") == "CPC" and division:
            return division.group(0)
    return None


def _only_ids(value: Any) -> bool:
    """Nothing but ids: the marker of a deleted object (docs/store.md). Plain loops, not ``all`` over a
    generator: it runs on every contract, amendment and transaction of every process."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "id" and not _only_ids(item):
                return False
        return True
    if isinstance(value, list):
        for item in value:
            if not _only_ids(item):
                return False
        return True
    return value is None


def live(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The objects of an array, without the markers of deleted ones (nothing but ids, docs/store.md)."""
    return [o for o in objects if not _only_ids(o)]


def party_roles(compiled: dict[str, Any]) -> dict[Any, list[Any]]:
    """Each party's roles, for the parties that state them."""
    return {p.get("id"): p["roles"] for p in objs(compiled, "parties") if isinstance(p.get("roles"), list)}


def referenced(references: list[dict[str, Any]], role: str, roles: dict[Any, list[Any]]) -> list[Any]:
    """Ids of organisation references, except those whose party states roles without ``role``.

    A correction removes a role from a party that no longer has it (docs/store.md), but cannot
    remove the reference to it from an array; the party's roles say it no longer counts.
    """
    return [r["id"] for r in references if r.get("id") and (r["id"] not in roles or role in roles[r["id"]])]


def _known_sum(values: list[float]) -> float:
    """The sum, or NaN when a value is unknown (NaN is absorbing)."""
    return float(sum(values))


def _contract_facts(compiled: dict[str, Any], award_dates: dict[str, str], award_values: dict[str, float]) -> dict[str, float]:
    contracts = [c for c in live(objs(compiled, "contracts")) if c.get("status") != "cancelled"]
    if not contracts:
        return {"amended": NAN, "contract_value": NAN, "linked_award_value": NAN, "paid_over": NAN, "signature_days": NAN}
    signature = [_days(award_dates.get(c.get("awardID")), c.get("dateSigned")) for c in contracts]
    signature = [d for d in signature if not math.isnan(d)]
    contract_total = _known_sum([_amount(c.get("value")) for c in contracts])
    # Each award the contracts come from, once: an award split into two contracts is not counted twice.
    linked = [award_values.get(award, NAN) for award in dict.fromkeys(c.get("awardID") for c in contracts)]
    paid = [_amount(t.get("value")) for c in contracts for t in live(objs(c, "implementation", "transactions"))]
    paid_total = _known_sum(paid)
    return {
        "amended": float(any(live(objs(c, "amendments")) for c in contracts)),
        "contract_value": contract_total,
        "linked_award_value": _known_sum(linked),
        "paid_over": NAN if math.isnan(contract_total) or math.isnan(paid_total) or not paid else float(paid_total > contract_total + 0.005),
        "signature_days": sum(signature) / len(signature) if signature else NAN,
    }


def tenderer_count(compiled: dict[str, Any], roles: dict[Any, list[Any]] | None = None) -> tuple[float, str]:
    """n(p): numberOfTenderers, else distinct tenderers, else distinct bidders; (NaN, why) if none.
    ``roles``: the process's :func:`party_roles`, when the caller has them."""
    tender = obj(compiled, "tender")
    number = tender.get("numberOfTenderers")
    if isinstance(number, (int, float)) and not isinstance(number, bool) and number >= 0:
        return float(number), "tender.numberOfTenderers"
    roles = party_roles(compiled) if roles is None else roles
    ids = set(referenced(objs(tender, "tenderers"), "tenderer", roles))
    if ids:
        return float(len(ids)), "tender.tenderers"
    bidders = _bidders(compiled, roles)
    if bidders:
        return float(len(bidders)), "bids.details"
    return NAN, "no tender.numberOfTenderers, tender.tenderers or bids.details tenderers"


def _bidders(compiled: dict[str, Any], roles: dict[Any, list[Any]]) -> set[Any]:
    """Distinct tenderers of the bids that were submitted (not invited, not withdrawn)."""
    return {org for bid in objs(compiled, "bids", "details") if bid.get("status") not in NOT_SUBMITTED
            for org in referenced(objs(bid, "tenderers"), "tenderer", roles)}


def _counted_awards(compiled: dict[str, Any]) -> list[dict[str, Any]]:
    """Awards that are active or have no status (SERCOP leaves award status empty)."""
    return [a for a in objs(compiled, "awards") if a.get("status") in COUNTED_AWARD]


def _award_value(compiled: dict[str, Any]) -> tuple[bool, float]:
    """(awarded?, Σ USD value of counted awards); NaN value if a counted award has no USD amount."""
    awards = _counted_awards(compiled)
    return bool(awards), _known_sum([_amount(award.get("value")) for award in awards])


def _date(compiled: dict[str, Any]) -> str | None:
    """The period key: tender.tenderPeriod.startDate, else the compiled release date."""
    date = obj(compiled, "tender", "tenderPeriod").get("startDate") or compiled.get("date")
    return date if isinstance(date, str) else None


def buyer_party(compiled: dict[str, Any]) -> dict[str, Any]:
    """The buyer's entry in ``parties``: by its id; else (SERCOP's catálogo bodies, whose buyer.id lacks
    the suffix its party id carries) the party whose id or identifier is the buyer's id plus a
    ``-suffix``; else the only party with the buyer role."""
    buyer_id = obj(compiled, "buyer").get("id")
    parties = objs(compiled, "parties")
    for party in parties:
        if buyer_id is not None and party.get("id") == buyer_id:
            return party
    if isinstance(buyer_id, str) and buyer_id:
        suffixed = [p for p in parties if any(isinstance(i, str) and i.startswith(f"{buyer_id}-")
                                              for i in (p.get("id"), obj(p, "identifier").get("id")))]
        if len(suffixed) == 1:
            return suffixed[0]
    buyers = [p for p in parties if isinstance(p.get("roles"), list) and "buyer" in p["roles"]]
    return buyers[0] if len(buyers) == 1 else {}


def fact_row(compiled: dict[str, Any], types: ProcedureTypes, roles: dict[Any, list[Any]] | None = None) -> dict[str, Any]:
    """The process's row of the process table (``roles``: its :func:`party_roles`, when the caller has them)."""
    tender = obj(compiled, "tender")
    buyer = obj(compiled, "buyer")
    details = tender.get("procurementMethodDetails")
    ptype = types.classify(details) if isinstance(details, str) else None
    regime = tender.get("procurementRegime") or (ptype.regime if ptype else None)
    method = tender.get("procurementMethod")
    n, n_source = tenderer_count(compiled, roles)
    awarded, value = _award_value(compiled)
    date = _date(compiled)
    row = {
        "ocid": compiled.get("ocid"),
        "year": int(date[:4]) if date and date[:4].isdigit() else None,
        "month": date[:7] if date else None,
        "buyer": buyer.get("id"),
        "buyer_name": buyer.get("name"),
        "province": obj(buyer_party(compiled), "address").get("region"),
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
    period = obj(tender, "tenderPeriod")
    row["tender_days"] = _days(period.get("startDate"), period.get("endDate"))
    row["short_period"] = NAN if math.isnan(row["tender_days"]) else float(row["tender_days"] < _minimum_days(row["procedure_type"]))
    counted = _counted_awards(compiled)
    decisions = [_days(period.get("endDate"), a.get("date")) for a in counted]
    decisions = [d for d in decisions if not math.isnan(d)]
    row["decision_days"] = min(decisions) if decisions else NAN
    award_dates = {a.get("id"): a.get("date") for a in counted}
    award_values = {a.get("id"): _amount(a.get("value")) for a in counted}
    row.update(_contract_facts(compiled, award_dates, award_values))
    row["budget"] = _amount(tender.get("value"))
    row["contract_increase"] = row["contract_value"] - row["linked_award_value"]
    row["savings"] = row["budget"] - row["award_value"] if awarded else NAN
    row["market"] = _market(compiled)
    return row


def party_rows(compiled: dict[str, Any], roles: dict[Any, list[Any]] | None = None) -> list[dict[str, Any]]:
    """Tenderers and suppliers of one process (suppliers with the value of their counted awards)."""
    roles = party_roles(compiled) if roles is None else roles
    rows = [{"role": "tenderer", "org": org, "value": NAN}
            for org in referenced(objs(compiled, "tender", "tenderers"), "tenderer", roles)]
    if not rows:
        rows = [{"role": "tenderer", "org": org, "value": NAN}
                for org in sorted(_bidders(compiled, roles), key=str)]
    for award in _counted_awards(compiled):
        suppliers = referenced(objs(award, "suppliers"), "supplier", roles)
        value = _amount(award.get("value"))
        for supplier in suppliers:  # a joint award's value is split evenly between its suppliers
            rows.append({"role": "supplier", "org": supplier, "value": value / len(suppliers)})
    return rows


@dataclass
class Facts:
    """The process table (one row per compiled release) and the party table (tenderers, suppliers).

    A party row's ``process`` is the row number of its process in the process table, which holds its ocid
    (not repeated in every party row: at a national scale that copy alone would be some 55 MB).
    """

    processes: pd.DataFrame
    parties: pd.DataFrame


class _Codes:
    """Codes for the values of one text column, assigned as they come; None is -1 (missing)."""

    def __init__(self) -> None:
        self.index: dict[Any, int] = {}

    def __call__(self, value: Any) -> int:
        return -1 if value is None else self.index.setdefault(value, len(self.index))

    def categorical(self, codes: Any) -> pd.Categorical:
        """The column back as a categorical, its categories sorted (so groups come out in order)."""
        return _categorical(codes, list(self.index))


def _categorical(codes: Any, categories: list[Any]) -> pd.Categorical:
    """Codes into ``categories`` as a categorical whose categories are sorted."""
    column = pd.Categorical.from_codes(codes, categories=pd.Index(categories, dtype=object))
    return column.reorder_categories(sorted(categories, key=str))


def _table(frames: list[pd.DataFrame], codes: dict[str, _Codes], columns: list[str]) -> pd.DataFrame:
    table = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if table.empty:
        table = pd.DataFrame(columns=columns)
    for name, coder in codes.items():
        table[name] = coder.categorical(table[name].to_numpy(dtype="int64"))
    return table


# What the fact tables take from one compiled release: its process row's values (in the table's column order)
# and its parties' (role, org, value). Plain values: a publish keeps each process's (publish/processcache.py).
ProcessFacts = tuple[tuple[Any, ...], tuple[tuple[str, Any, float], ...]]


def process_facts(compiled: dict[str, Any], types: ProcedureTypes) -> ProcessFacts:
    """One process's rows of both fact tables (its parties' roles read once for both)."""
    roles = party_roles(compiled)
    return (tuple(fact_row(compiled, types, roles).values()),
            tuple((party["role"], party["org"], party["value"]) for party in party_rows(compiled, roles)))


class FactsBuilder:
    """Both fact tables, a process at a time (:meth:`add`), given by :meth:`facts` in ocid order.

    Rows are turned into columnar frames every ``chunk`` processes, with repeated text as integer
    codes, so the peak memory is about the facts table itself (some 300 bytes a process), not a
    list of per-process rows.
    """

    PARTY_COLUMNS = ["process", "role", "org", "value"]

    def __init__(self, types: ProcedureTypes | None = None, chunk: int = 5_000) -> None:
        self.types, self.chunk = types or default_procedure_types(), chunk
        self.columns = list(fact_row({}, self.types))
        self.codes = {name: _Codes() for name in CODED}
        self.party_codes = {name: _Codes() for name in PARTY_CODED}
        self._coded = [(self.columns.index(name), coder) for name, coder in self.codes.items()]
        self._role, self._org = self.party_codes["role"], self.party_codes["org"]
        self.process_frames: list[pd.DataFrame] = []
        self.party_frames: list[pd.DataFrame] = []
        self.process_rows: list[list[Any]] = []
        self.parties: list[tuple[int, int, int, float]] = []
        self.number = 0

    def add(self, row: tuple[Any, ...], parties: Iterable[tuple[str, Any, float]]) -> None:
        """One process's rows, as :func:`process_facts` gives them."""
        values = list(row)
        for index, coder in self._coded:
            values[index] = coder(values[index])
        self.process_rows.append(values)
        self.parties += [(self.number, self._role(role), self._org(org), value) for role, org, value in parties]
        self.number += 1  # the row of its process in the process table
        if len(self.process_rows) >= self.chunk:
            self._flush()

    def _flush(self) -> None:
        self.process_frames.append(pd.DataFrame.from_records(self.process_rows, columns=self.columns))
        self.party_frames.append(pd.DataFrame.from_records(self.parties, columns=self.PARTY_COLUMNS))
        self.process_rows, self.parties = [], []

    def facts(self) -> Facts:
        if self.process_rows or not self.process_frames:
            self._flush()
        return _in_ocid_order(_table(self.process_frames, self.codes, self.columns),
                              _table(self.party_frames, self.party_codes, self.PARTY_COLUMNS))


def facts(compiled_releases: Iterable[dict[str, Any]], types: ProcedureTypes | None = None,
          chunk: int = 5_000) -> Facts:
    """Both fact tables, in one pass over the compiled releases."""
    builder = FactsBuilder(types, chunk)
    for compiled in compiled_releases:
        builder.add(*process_facts(compiled, builder.types))
    return builder.facts()


def combine(parts: Iterable[Facts]) -> Facts:
    """The fact tables of disjoint sets of processes as one: the tables one :func:`facts` over all of
    them gives (ocid order, each text column one categorical with sorted categories).

    The parts are taken one at a time and kept only as their columns, and the table is then built and put
    in ocid order a column at a time: given parts loaded lazily (a publication's years, from its cache),
    the peak is about the combined table, not the parts and the table together (at a national scale each
    is some 300 MB)."""
    processes, parties, rows, empty = _Columns(), _Columns(), 0, None
    for part in parts:
        if not len(part.processes):
            empty = part if empty is None else empty
            continue
        processes.add(part.processes)
        parties.add(part.parties.assign(process=part.parties["process"].to_numpy(dtype="int64") + rows))
        rows += len(part.processes)
        del part  # before the next part is loaded
    if not rows:
        return empty if empty is not None else facts(())
    order = ocid_order(processes.column("ocid"))
    if (order == np.arange(len(order))).all():
        return Facts(processes.frame(), parties.frame())
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    parties.replace("process", position[parties.column("process").to_numpy()])
    return Facts(processes.frame(order), parties.frame(parties.column("process").to_numpy().argsort(kind="stable")))


class _Columns:
    """Frames kept as their columns' pieces until they are joined, a column at a time, each column's pieces
    let go as it is joined. A categorical column joins over the union of its pieces' categories, sorted,
    mapping codes with integer arrays, never through Python objects (at a million rows, objects cost as much
    memory as the facts). Empty frames are left out (their columns' types are only pandas' guesses)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.pieces: dict[str, list[Any]] = {}
        self.joined: dict[str, pd.Series] = {}
        self.empty: pd.DataFrame | None = None

    def add(self, frame: pd.DataFrame) -> None:
        if not len(frame):
            self.empty = frame if self.empty is None else self.empty
            return
        self.names = self.names or list(frame.columns)
        for name in frame.columns:
            column = frame[name]
            if isinstance(column.dtype, pd.CategoricalDtype):
                piece: Any = (column.cat.codes.to_numpy(copy=True), list(column.cat.categories))
            else:
                piece = column.copy(deep=True)  # its own memory, not a view holding the whole frame's block
            self.pieces.setdefault(name, []).append(piece)

    def column(self, name: str) -> pd.Series:
        """One column, joined."""
        if name not in self.joined:
            pieces = self.pieces.pop(name)
            if isinstance(pieces[0], tuple):
                self.joined[name] = pd.Series(_joined_categorical(pieces))
            else:
                self.joined[name] = pd.concat(pieces, ignore_index=True) if len(pieces) > 1 else pieces[0]
        return self.joined[name]

    def replace(self, name: str, values: np.ndarray) -> None:
        self.column(name)
        self.joined[name] = pd.Series(values)

    def frame(self, order: np.ndarray | None = None) -> pd.DataFrame:
        """The frame, its rows taken in ``order`` if given; each column is let go once it is in the frame."""
        if not self.names:
            return self.empty if self.empty is not None else pd.DataFrame()
        table = pd.DataFrame(index=pd.RangeIndex(len(self.column(self.names[0]))))
        for name in self.names:
            values = self.column(name).array
            del self.joined[name]
            table[name] = values.take(order) if order is not None else values
        return table


def _joined_categorical(pieces: list[tuple[np.ndarray, list[Any]]]) -> pd.Categorical:
    """Pieces of a categorical column (codes, categories) as one over the union of their categories, sorted."""
    categories = list(dict.fromkeys(value for _, piece_categories in pieces for value in piece_categories))
    position = {value: number for number, value in enumerate(categories)}
    codes = []
    for piece_codes, piece_categories in pieces:
        # The piece's codes to positions in the union; the extra last entry maps missing (-1) to -1.
        lookup = np.array([position[value] for value in piece_categories] + [-1], dtype=np.int64)
        codes.append(lookup[piece_codes])
    return _categorical(np.concatenate(codes), categories)


def _in_ocid_order(processes: pd.DataFrame, parties: pd.DataFrame) -> Facts:
    """Both tables in ocid order, so that every sum and every result is the same whatever order
    the processes came in (float sums depend on their order)."""
    order = ocid_order(processes["ocid"])
    if (order == np.arange(len(order))).all():
        return Facts(processes, parties)
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    parties = parties.assign(process=position[parties["process"].to_numpy(dtype="int64")])
    parties = parties.sort_values("process", kind="stable").reset_index(drop=True)
    return Facts(processes.iloc[order].reset_index(drop=True), parties)


def ocid_order(ocids: pd.Series) -> np.ndarray:
    """The rows' order by ocid as text (a missing one as "None"), stable. Text held by Arrow (pandas' default
    for strings) is ordered by Arrow, which compares UTF-8 bytes, the order of Python's string comparison:
    no ocid becomes a Python object (at a million processes, some 80 MB for a moment). Otherwise the ocids
    themselves are compared, never copies made by ``astype(str)``."""
    if ocids.dtype == "str" and ocids.array.dtype.storage == "pyarrow" and not ocids.hasnans:
        import pyarrow as pa
        import pyarrow.compute as pc

        return pc.sort_indices(pa.array(ocids.array)).to_numpy().astype(np.intp)
    values = ocids.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=False) != "string":
        values = np.array(["None" if missing else str(value) for value, missing in zip(values, pd.isna(values))],
                          dtype=object)  # pandas' strings give a missing one as NaN
    return values.argsort(kind="stable")


def has_repeats(ocids_in_order: pd.Series) -> bool:
    """Whether an ocid comes twice, in a column in ocid order (as :func:`combine` gives): no hash table of
    every ocid, as ``is_unique`` builds, only neighbours compared."""
    values = ocids_in_order.to_numpy(dtype=object)
    return bool((values[1:] == values[:-1]).any())
