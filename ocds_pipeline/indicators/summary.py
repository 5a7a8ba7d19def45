"""Indicators from the facts tables: per group and indicator, numerator, denominator, value and coverage."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from ..progress import Reporter
from ..resources import data_path, read_yaml
from ..sources.ocds import ocds_paths
from .facts import MONEY, Facts, facts
from .groups import GROUPS

POPULATIONS = {
    "processes": lambda f: ~f["cancelled"],
    "competitive_processes": lambda f: ~f["cancelled"] & f["competitive"],
    "awarded": lambda f: ~f["cancelled"] & f["awarded"],
    "competitive_awarded": lambda f: ~f["cancelled"] & f["awarded"] & f["competitive"],
    "open_awarded": lambda f: ~f["cancelled"] & f["awarded"] & f["open"],
}
COLUMNS = ["indicator", "name_en", "numerator", "denominator", "value", "eligible", "coverage", "not_computable"]


@dataclass(frozen=True)
class Indicator:
    code: str
    name_en: str
    name_es: str
    kind: str          # share | mean | median | count | total
    population: str
    unit: str
    fields: tuple[str, ...]
    source: str
    measure: str | None = None
    weight: str = "count"
    numerator: str | None = None     # ratio: Σ numerator column / Σ denominator column
    denominator: str | None = None
    role: str | None = None          # party kinds: tenderer or supplier
    money: bool = False              # numerator and denominator are USD amounts (rounded to cents in output)
    notes: str = ""
    definition_es: str = ""          # what it measures, in words, for the site and the docs
    definition_en: str = ""


def load_registry(path: Path | None = None) -> list[Indicator]:
    doc = read_yaml(path or data_path("schemas", "indicators", "registry.yaml"))
    registry = []
    for raw in doc["indicators"]:
        indicator = Indicator(**{**raw, "fields": tuple(raw.get("fields", ()))})
        if indicator.population not in POPULATIONS:
            raise ValueError(f"indicator {indicator.code}: unknown population {indicator.population!r}")
        registry.append(indicator)
    return registry


class _Groups:
    """Each process's group number (0…n-1, in the sorted order of the grouping's keys) and each party
    row's, so that every indicator is computed for all groups at once."""

    def __init__(self, table: pd.DataFrame, parties: pd.DataFrame, by: list[str]) -> None:
        if by:
            codes = table.groupby(by, dropna=False, sort=True, observed=True).ngroup().to_numpy(dtype="int64")
            numbers, first_rows = np.unique(codes, return_index=True)
            self.keys = list(table[by].iloc[first_rows].itertuples(index=False, name=None))
        else:
            codes = np.zeros(len(table), dtype="int64")
            self.keys = [()]
        self.codes, self.count = codes, len(self.keys)
        self.party_codes = codes[parties["process"].to_numpy(dtype="int64")]

    def size(self, mask: np.ndarray) -> np.ndarray:
        """How many processes (or party rows) of each group ``mask`` selects."""
        return np.bincount(self.codes[mask], minlength=self.count)

    def sum(self, values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Per group, the sum of ``values`` where ``mask`` (0 for a group with none)."""
        sums = pd.Series(values[mask]).groupby(self.codes[mask]).sum()
        return sums.reindex(range(self.count), fill_value=0.0).to_numpy(dtype=float)


def _float(values: np.ndarray) -> np.ndarray:
    """A facts column as floats (a column that was all None in its rows comes as objects: None is NaN)."""
    return np.asarray(values, dtype=float)


def _ratio(top: float, bottom: float) -> float | None:
    return top / bottom if bottom else None


def _process_kind(indicator: Indicator, table: pd.DataFrame, mask: np.ndarray, groups: _Groups) -> list[dict[str, Any]]:
    """Count, total, ratio, share, mean and median of the processes of each group in the population."""
    eligible = groups.size(mask)
    kind = indicator.kind
    if kind == "count":
        return [{"numerator": int(n), "denominator": None, "value": int(n), "eligible": int(n),
                 "coverage": 1.0 if n else None, "not_computable": 0} for n in eligible]
    weight = _float(table["award_value"].to_numpy()) if indicator.weight == "award_value" else np.ones(len(table))
    if kind == "total":
        known = mask & ~np.isnan(weight)
        numerators, denominators, values = groups.sum(weight, known), [None] * groups.count, None
    elif kind == "ratio":
        top, bottom = _float(table[indicator.numerator].to_numpy()), _float(table[indicator.denominator].to_numpy())
        known = mask & ~np.isnan(top) & ~np.isnan(bottom)
        numerators, denominators = groups.sum(top, known), groups.sum(bottom, known)
        values = [_ratio(n, d) for n, d in zip(numerators, denominators)]
    else:
        measure = _float(table[indicator.measure].to_numpy())
        known = mask & ~np.isnan(measure) & ~np.isnan(weight)
        counted = groups.size(known).astype(float)
        if kind == "share":
            numerators, denominators = groups.sum(measure * weight, known), groups.sum(weight, known)
            values = [_ratio(n, d) for n, d in zip(numerators, denominators)]
        elif kind == "mean":
            numerators, denominators = groups.sum(measure, known), counted
            values = [_ratio(n, d) for n, d in zip(numerators, denominators)]
        else:  # median
            medians = pd.Series(measure[known]).groupby(groups.codes[known]).median()
            medians = medians.reindex(range(groups.count)).to_numpy(dtype=float)
            numerators, denominators = [None] * groups.count, counted
            values = [float(m) if d else None for m, d in zip(medians, counted)]
    known_counts = groups.size(known)
    if values is None:  # total
        values = numerators
    return [{"numerator": float(n) if n is not None else None, "denominator": float(d) if d is not None else None,
             "value": float(v) if v is not None else None, "eligible": int(e),
             "coverage": float(k / e) if e else None, "not_computable": int(e - k)}
            for n, d, v, e, k in zip(numerators, denominators, values, eligible, known_counts)]


def _party_kind(indicator: Indicator, parties: pd.DataFrame, mask: np.ndarray, groups: _Groups) -> list[dict[str, Any]]:
    """Distinct organisations, new ones, concentration (HHI) and the top ten's share, per group, over
    the party rows (of the indicator's role) of the processes in the population."""
    eligible = groups.size(mask)
    chosen = mask[parties["process"].to_numpy(dtype="int64")] & (parties["role"] == indicator.role).to_numpy()
    rows = pd.DataFrame({"group": groups.party_codes[chosen], "org": parties["org"].cat.codes.to_numpy()[chosen],
                         "value": _float(parties["value"].to_numpy())[chosen],
                         "new": (parties["year"] == parties["first_year"]).to_numpy()[chosen]})
    whole = range(groups.count)
    if indicator.kind in ("distinct", "new_share"):
        organisations = _distinct_per_group(rows, whole)
        if indicator.kind == "distinct":
            return [{"numerator": n, "denominator": None, "value": n, "eligible": int(e), "coverage": None,
                     "not_computable": 0} for n, e in zip(organisations, eligible)]
        new = _distinct_per_group(rows[rows["new"]], whole)
        return [{"numerator": m, "denominator": n, "value": m / n if n else None, "eligible": int(e), "coverage": None,
                 "not_computable": 0} for m, n, e in zip(new, organisations, eligible)]
    known = rows["value"].notna()
    unknown = rows[~known].groupby("group").size().reindex(whole, fill_value=0)
    # Each supplier's value in each group, then the group's total and, per kind, HHI or the top ten's sum.
    by_org = rows[known].groupby(["group", "org"])["value"].sum()
    totals = by_org.groupby(level="group").sum().reindex(whole, fill_value=0.0)
    if indicator.kind == "hhi":
        shares = by_org / totals.reindex(by_org.index.get_level_values("group")).to_numpy()
        squares = (shares ** 2).groupby(level="group").sum().reindex(whole, fill_value=0.0)
        return [{"numerator": None, "denominator": float(t), "value": float(h) if t else None, "eligible": int(e),
                 "coverage": None, "not_computable": int(u)} for t, h, e, u in zip(totals, squares, eligible, unknown)]
    top = by_org.sort_values(ascending=False, kind="stable").groupby(level="group").head(10)
    tops = top.groupby(level="group").sum().reindex(whole, fill_value=0.0)
    return [{"numerator": float(p), "denominator": float(t), "value": float(p / t) if t else None, "eligible": int(e),
             "coverage": None, "not_computable": int(u)} for p, t, e, u in zip(tops, totals, eligible, unknown)]


def _distinct_per_group(rows: pd.DataFrame, whole: range) -> list[int]:
    return [int(n) for n in rows[["group", "org"]].drop_duplicates().groupby("group").size().reindex(whole, fill_value=0)]


PARTY_KINDS = {"distinct", "new_share", "hhi", "top10"}
BUYER_KINDS = {"buyer_outliers", "largest_supplier_share"}
MINIMUM_BUYER_PROCESSES = 5


def _buyer_kind(indicator: Indicator, table: pd.DataFrame, parties: pd.DataFrame, mask: np.ndarray,
                groups: _Groups) -> list[dict[str, Any]]:
    """Indicators over the buyers of each group: each buyer with at least five processes is scored."""
    whole = range(groups.count)
    processes = pd.DataFrame({"group": groups.codes, "buyer": table["buyer"].cat.codes.to_numpy(),
                              "non_competitive": _float(table["non_competitive"].to_numpy())})[mask]
    processes = processes[processes["buyer"] >= 0]  # a process without a buyer is no buyer's
    buyers = processes.groupby("group")["buyer"].nunique().reindex(whole, fill_value=0)
    if indicator.kind == "buyer_outliers":
        scored, nothing = _buyer_outliers(processes), (0, 0)  # a count of buyers
    else:
        scored, nothing = _largest_supplier_shares(processes, table, parties, mask, groups), (0.0, 0)  # a sum of shares
    results = []
    for group, count in zip(whole, buyers):
        flagged, assessed = scored.get(group, nothing)
        results.append({"numerator": flagged, "denominator": assessed, "value": flagged / assessed if assessed else None,
                        "eligible": int(count),
                        "coverage": assessed / count if count else None, "not_computable": int(count - assessed)})
    return results


def _buyer_outliers(processes: pd.DataFrame) -> dict[int, tuple[float, int]]:
    """Per group: the buyers (≥ 5 assessable processes) whose non-competitive share is ≥ Q3 + 1.5·IQR of
    the group's assessed buyers', and how many buyers were assessed."""
    from .redflags import quartiles

    known = processes[processes["non_competitive"].notna()]
    counts = known.groupby(["group", "buyer"])["non_competitive"].agg(["mean", "size"])
    assessed = counts[counts["size"] >= MINIMUM_BUYER_PROCESSES]["mean"]
    scored = {}
    for group, shares in assessed.groupby(level="group"):
        q1, q3 = quartiles(list(shares))
        fence = q3 + 1.5 * (q3 - q1)
        scored[int(group)] = (int((shares >= fence).sum()) if fence > 0 else 0, len(shares))
    return scored


def _largest_supplier_shares(processes: pd.DataFrame, table: pd.DataFrame, parties: pd.DataFrame, mask: np.ndarray,
                             groups: _Groups) -> dict[int, tuple[float, int]]:
    """Per group: the sum over buyers (≥ 5 processes) of the largest supplier's share of the buyer's
    awarded value, and how many buyers have a share."""
    counts = processes.groupby(["group", "buyer"]).size()
    eligible = counts[counts >= MINIMUM_BUYER_PROCESSES].index
    process_of = parties["process"].to_numpy(dtype="int64")
    chosen = mask[process_of] & (parties["role"] == "supplier").to_numpy()
    values = _float(parties["value"].to_numpy())
    chosen &= ~np.isnan(values)
    rows = pd.DataFrame({"group": groups.party_codes[chosen],
                         "buyer": table["buyer"].cat.codes.to_numpy()[process_of[chosen]],
                         "org": parties["org"].cat.codes.to_numpy()[chosen], "value": values[chosen]})
    rows = rows.set_index(["group", "buyer"])
    rows = rows[rows.index.isin(eligible)].reset_index()
    by_pair = rows.groupby(["group", "buyer", "org"])["value"].sum()
    totals = by_pair.groupby(level=["group", "buyer"]).sum()
    shares = (by_pair.groupby(level=["group", "buyer"]).max() / totals)[totals > 0]
    return {int(group): (float(share.sum()), len(share)) for group, share in shares.groupby(level="group")}


def _indicator(indicator: Indicator, table: pd.DataFrame, parties: pd.DataFrame, mask: np.ndarray,
               groups: _Groups) -> list[dict[str, Any]]:
    if indicator.kind in PARTY_KINDS:
        return _party_kind(indicator, parties, mask, groups)
    if indicator.kind in BUYER_KINDS:
        return _buyer_kind(indicator, table, parties, mask, groups)
    return _process_kind(indicator, table, mask, groups)


def summarise(tables: Facts, by: Iterable[str] = (), registry: list[Indicator] | None = None) -> pd.DataFrame:
    """Aggregate the fact tables into one row per group (as found in the data) and indicator.

    Every indicator is computed for all groups at once (vectorised), so the cost follows the number
    of processes rather than groups × indicators.
    """
    table = tables.processes
    parties = tables.parties.join(table[["year"]], on="process")
    # The first year each organisation appears in each role (a supplier is new in the year of its
    # first award, whatever it bid before); given when the table is one year of a larger one (.distributed).
    if "first_year" not in parties.columns:
        parties["first_year"] = parties.groupby(["role", "org"], observed=True)["year"].transform("min")
    by = list(by)
    unknown = [g for g in by if g not in GROUPS]
    if unknown:
        raise ValueError(f"unknown grouping {', '.join(unknown)} (choose from {', '.join(GROUPS)})")
    registry = registry or load_registry()
    groups = _Groups(table, parties, by)
    masks = {name: select(table).to_numpy(dtype=bool) for name, select in POPULATIONS.items()}
    results = []
    for indicator in registry:
        computed = _indicator(indicator, table, parties, masks[indicator.population], groups)
        results.append([_cents(result, indicator.kind) if indicator.money else result for result in computed])
    rows = [{**dict(zip(by, key)), "indicator": indicator.code, "name_en": indicator.name_en, **computed[number]}
            for number, key in enumerate(groups.keys) for indicator, computed in zip(registry, results)]
    return pd.DataFrame(rows, columns=by + COLUMNS)


def _cents(result: dict[str, Any], kind: str) -> dict[str, Any]:
    """USD amounts rounded to cents (a share keeps the value computed from the unrounded sums)."""
    keys = ("numerator", "denominator", "value") if kind == "total" else ("numerator", "denominator")
    return {**result, **{k: round(result[k], 2) for k in keys if isinstance(result[k], float)}}


def compute(source: str | Path | Sequence[str | Path] | Iterable[dict[str, Any]], by: Iterable[str] = (), *,
            registry: list[Indicator] | None = None, processes: Path | None = None,
            facts_out: Path | None = None, workers: int = 1, progress: Reporter | None = None) -> pd.DataFrame:
    """Indicators for compiled releases (an iterable), or for any OCDS files the ingest step accepts
    (a path or a list of paths: each process counted once, however the files are ordered).

    With ``processes``, also write the per-process facts there (CSV): every measure as 1
    (flagged), 0 (not flagged) or empty (not computable), with the reason in ``<measure>_why``.
    With ``facts_out``, also write both fact tables there as Parquet partitioned by year, for
    :func:`.distributed.summarise_on_dask`. ``workers`` processes read one big file in blocks
    (:mod:`.reading`); the result is the same for any number of them. ``progress`` hears how many
    processes were read (:mod:`ocds_pipeline.progress`).
    """
    paths = ocds_paths(source)
    if paths is not None:
        from .reading import facts_of_files

        tables = facts_of_files(paths, workers, progress=progress)
    else:
        tables = facts(source)
    if processes is not None:
        from ..atomic import write_bytes

        written = tables.processes.assign(**{column: tables.processes[column].round(2) for column in MONEY})
        write_bytes(processes, written.to_csv(index=False).encode("utf-8-sig"))
    if facts_out is not None:
        from .distributed import write_facts

        write_facts(tables, facts_out)
    return summarise(tables, by, registry)
