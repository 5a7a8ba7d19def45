"""Indicators from the facts tables: per group and indicator, numerator, denominator, value and coverage."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import pandas as pd
import yaml

from ..resources import data_path
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


def load_registry(path: Path | None = None) -> list[Indicator]:
    doc = yaml.safe_load((path or data_path("schemas", "indicators", "registry.yaml")).read_text(encoding="utf-8"))
    registry = []
    for raw in doc["indicators"]:
        indicator = Indicator(**{**raw, "fields": tuple(raw.get("fields", ()))})
        if indicator.population not in POPULATIONS:
            raise ValueError(f"indicator {indicator.code}: unknown population {indicator.population!r}")
        registry.append(indicator)
    return registry


def _aggregate(frame: pd.DataFrame, parties: pd.DataFrame, indicator: Indicator) -> dict[str, Any]:
    eligible = len(frame)
    kind = indicator.kind
    if kind == "count":
        return {"numerator": eligible, "denominator": None, "value": eligible, "eligible": eligible,
                "coverage": 1.0 if eligible else None, "not_computable": 0}
    if kind in PARTY_KINDS or kind in BUYER_KINDS:
        role = indicator.role if kind in PARTY_KINDS else "supplier"
        rows = parties[parties["process"].isin(frame.index) & (parties["role"] == role)]
        return PARTY_KINDS[kind](rows, eligible) if kind in PARTY_KINDS else BUYER_KINDS[kind](frame, rows)
    weight = frame["award_value"] if indicator.weight == "award_value" else pd.Series(1.0, index=frame.index)
    if kind == "total":
        known = weight.notna()
        total = float(weight[known].sum())
        return {"numerator": total, "denominator": None, "value": total, "eligible": eligible,
                "coverage": float(known.mean()) if eligible else None, "not_computable": int((~known).sum())}
    if kind == "ratio":
        top, bottom = frame[indicator.numerator].astype(float), frame[indicator.denominator].astype(float)
        known = top.notna() & bottom.notna()
        numerator, denominator = float(top[known].sum()), float(bottom[known].sum())
        value = numerator / denominator if denominator else None
    else:
        measure = frame[indicator.measure].astype(float)
        known = measure.notna() & weight.notna()
        if kind == "share":
            numerator = float((measure[known] * weight[known]).sum())
            denominator = float(weight[known].sum())
            value = numerator / denominator if denominator else None
        elif kind == "mean":
            numerator, denominator = float(measure[known].sum()), float(known.sum())
            value = numerator / denominator if denominator else None
        else:  # median
            numerator, denominator = None, float(known.sum())
            value = float(measure[known].median()) if denominator else None
    return {"numerator": numerator, "denominator": denominator, "value": value, "eligible": eligible,
            "coverage": float(known.mean()) if eligible else None, "not_computable": int((~known).sum())}


def _distinct(rows: pd.DataFrame, eligible: int) -> dict[str, Any]:
    count = rows["org"].nunique()
    return {"numerator": count, "denominator": None, "value": count, "eligible": eligible, "coverage": None,
            "not_computable": 0}


def _new_share(rows: pd.DataFrame, eligible: int) -> dict[str, Any]:
    """Organisations whose first year in the whole dataset is the year of a process of the group."""
    organisations = rows["org"].nunique()
    new = rows.loc[rows["year"] == rows["first_year"], "org"].nunique()
    return {"numerator": new, "denominator": organisations, "value": new / organisations if organisations else None,
            "eligible": eligible, "coverage": None, "not_computable": 0}


def _supplier_values(rows: pd.DataFrame) -> tuple[pd.Series, int]:
    values = rows["value"].astype(float)
    known = values.notna()
    return values[known].groupby(rows.loc[known, "org"]).sum(), int((~known).sum())


def _hhi(rows: pd.DataFrame, eligible: int) -> dict[str, Any]:
    values, unknown = _supplier_values(rows)
    total = float(values.sum())
    value = float(((values / total) ** 2).sum()) if total else None
    return {"numerator": None, "denominator": total, "value": value, "eligible": eligible,
            "coverage": None, "not_computable": unknown}


def _top10(rows: pd.DataFrame, eligible: int) -> dict[str, Any]:
    values, unknown = _supplier_values(rows)
    total = float(values.sum())
    top = float(values.nlargest(10).sum())
    return {"numerator": top, "denominator": total, "value": top / total if total else None, "eligible": eligible,
            "coverage": None, "not_computable": unknown}


PARTY_KINDS = {"distinct": _distinct, "new_share": _new_share, "hhi": _hhi, "top10": _top10}
MINIMUM_BUYER_PROCESSES = 5


def _buyers_high_non_competitive(frame: pd.DataFrame, _parties: pd.DataFrame) -> dict[str, Any]:
    """Buyers (≥ 5 assessable processes) whose non-competitive share is ≥ Q3 + 1.5·IQR of all buyers'."""
    from .redflags import quartiles

    known = frame[frame["non_competitive"].notna()]
    counts = known.groupby("buyer")["non_competitive"].agg(["mean", "size"])
    assessed = counts[counts["size"] >= MINIMUM_BUYER_PROCESSES]["mean"]
    flagged = 0
    if len(assessed):
        q1, q3 = quartiles(list(assessed))
        flagged = int((assessed >= q3 + 1.5 * (q3 - q1)).sum()) if q3 + 1.5 * (q3 - q1) > 0 else 0
    buyers = frame["buyer"].nunique()
    return {"numerator": flagged, "denominator": len(assessed), "value": flagged / len(assessed) if len(assessed) else None,
            "eligible": buyers, "coverage": len(assessed) / buyers if buyers else None, "not_computable": buyers - len(assessed)}


def _largest_supplier_share(frame: pd.DataFrame, suppliers: pd.DataFrame) -> dict[str, Any]:
    """Mean over buyers (≥ 5 awarded processes) of the largest supplier's share of the buyer's awarded value."""
    rows = suppliers.join(frame[["buyer"]], on="process")
    rows = rows[rows["value"].astype(float).notna()]
    processes = frame.groupby("buyer")["ocid"].nunique()
    eligible_buyers = processes[processes >= MINIMUM_BUYER_PROCESSES].index
    by_pair = rows[rows["buyer"].isin(eligible_buyers)].groupby(["buyer", "org"])["value"].sum().astype(float)
    totals = by_pair.groupby(level="buyer").sum()
    shares = (by_pair.groupby(level="buyer").max() / totals)[totals > 0]
    buyers = frame["buyer"].nunique()
    return {"numerator": float(shares.sum()), "denominator": len(shares), "value": float(shares.mean()) if len(shares) else None,
            "eligible": buyers, "coverage": len(shares) / buyers if buyers else None, "not_computable": buyers - len(shares)}


BUYER_KINDS = {"buyer_outliers": _buyers_high_non_competitive, "largest_supplier_share": _largest_supplier_share}


def summarise(tables: Facts, by: Iterable[str] = (), registry: list[Indicator] | None = None) -> pd.DataFrame:
    """Aggregate the fact tables into one row per group and indicator."""
    table = tables.processes
    parties = tables.parties.join(table[["year"]], on="process")
    # The first year each organisation appears in each role (a supplier is new in the year of its
    # first award, whatever it bid before).
    parties["first_year"] = parties.groupby(["role", "org"], observed=True)["year"].transform("min")
    by = list(by)
    unknown = [g for g in by if g not in GROUPS]
    if unknown:
        raise ValueError(f"unknown grouping {', '.join(unknown)} (choose from {', '.join(GROUPS)})")
    rows = []
    registry = registry or load_registry()
    if by:
        grouped = table.groupby(by, dropna=False, sort=True)
        # Each group's party rows, split once: a party belongs to the group of its process.
        numbers = grouped.ngroup().reindex(parties["process"]).to_numpy()
        party_groups = dict(iter(parties.groupby(numbers, sort=False)))
        groups = ((key, group, party_groups.get(number, parties.iloc[:0])) for number, (key, group) in enumerate(grouped))
    else:
        groups = iter([((), table, parties)])
    for key, group, group_parties in groups:
        key = key if isinstance(key, tuple) else (key,)
        populations = {name: group[select(group)] for name, select in POPULATIONS.items()}
        for indicator in registry:
            result = _aggregate(populations[indicator.population], group_parties, indicator)
            if indicator.money:
                result = _cents(result, indicator.kind)
            rows.append({**dict(zip(by, key)), "indicator": indicator.code, "name_en": indicator.name_en, **result})
    return pd.DataFrame(rows, columns=by + COLUMNS)


def _cents(result: dict[str, Any], kind: str) -> dict[str, Any]:
    """USD amounts rounded to cents (a share keeps the value computed from the unrounded sums)."""
    keys = ("numerator", "denominator", "value") if kind == "total" else ("numerator", "denominator")
    return {**result, **{k: round(result[k], 2) for k in keys if isinstance(result[k], float)}}


def compute(source: str | Path | Sequence[str | Path] | Iterable[dict[str, Any]], by: Iterable[str] = (), *,
            registry: list[Indicator] | None = None, processes: Path | None = None) -> pd.DataFrame:
    """Indicators for compiled releases (an iterable), or for any OCDS files the ingest step accepts
    (a path or a list of paths: each process counted once, however the files are ordered).

    With ``processes``, also write the per-process facts there (CSV): every measure as 1
    (flagged), 0 (not flagged) or empty (not computable), with the reason in ``<measure>_why``.
    """
    paths = ocds_paths(source)
    if paths is not None:
        from ..compile.stream import with_compiled

        tables = with_compiled(paths, facts)
    else:
        tables = facts(source)
    if processes is not None:
        from ..atomic import write_bytes

        written = tables.processes.assign(**{column: tables.processes[column].round(2) for column in MONEY})
        write_bytes(processes, written.to_csv(index=False).encode("utf-8-sig"))
    return summarise(tables, by, registry)
