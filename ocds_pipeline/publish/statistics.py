"""The publication's indicators and supplier ranking, for people (rounded, in Spanish and English)
and for machines (exact numerators and denominators).

Every indicator of the registry is computed over all compiled releases: overall, by year, by month, and by
year × regime, province, procedure type and buyer (``year`` is the indicators' own period:
docs/indicators.md). The supplier ranking gives, per year, each supplier's awarded value and
number of processes, with its name and RUC.

What these take from the compiled releases is taken one year at a time (:class:`YearStatistics`) and the
years combined (:class:`Combined`): a publish keeps each year's part (:mod:`.yearcache`) and reads again
only the years whose processes changed. The result is the same whether the parts were kept or not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

import orjson
import pandas as pd
import pyarrow as pa

from ..indicators.facts import Facts, FactsBuilder, ProcessFacts, process_facts
from ..indicators.redflags import RedFlagTallies, Settings
from ..indicators.summary import load_registry, summarise
from ..ocdsvalues import obj, objs
from ..procedure_types import ProcedureTypes
from ..texts import Texts
from ..validate.quality import Observed, QualityCounts, observe
from .processcache import ProcessCache

GROUPINGS: tuple[tuple[str, ...], ...] = ((), ("year",), ("month",), ("year", "regime"), ("year", "province"),
                                          ("year", "procedure_type"), ("year", "buyer"))
GROUP_COLUMNS = ["year", "month", "regime", "province", "procedure_type", "buyer"]
INDICATOR_COLUMNS = ["grouping", *GROUP_COLUMNS, "indicator", "name_es", "name_en", "unit", "numerator", "denominator",
                     "value", "percent", "rounded", "eligible", "coverage", "not_computable"]
RANKING_COLUMNS = ["year", "rank", "supplier", "ruc", "id", "awarded_value", "processes"]


class Suppliers:
    """Each supplier's name and RUC as first seen in ocid order (compiled releases come in ocid order), with
    the ocid it was first seen in, so that parts of the ocids merge to the same choice. Kept as compact text
    columns (:class:`~ocds_pipeline.texts.Texts`), a row per supplier and part, chosen between only when the
    ranking is written: at a national scale, dictionaries of every supplier held some 130 MB through the
    statistics."""

    COLUMNS = ("org", "name", "ruc", "first")

    def __init__(self) -> None:
        self.columns = {name: Texts() for name in self.COLUMNS}
        self._seen: set[str] = set()  # this part's suppliers (a part notes its processes in one process)

    @staticmethod
    def observe(compiled: dict[str, Any]) -> tuple[tuple[str | None, ...], ...]:
        """Each supplier of a compiled release's awards, as (id, name, RUC, ocid) in text, in the order named."""
        parties = {party.get("id"): party for party in objs(compiled, "parties")}
        seen, found = set(), []
        for award in objs(compiled, "awards"):
            for supplier in objs(award, "suppliers"):
                org = supplier.get("id")
                if org is None or str(org) in seen:
                    continue
                seen.add(str(org))
                party = parties.get(org, {})
                identifier = obj(party, "identifier")
                row = (org, supplier.get("name") or party.get("name"),
                       identifier.get("id") if identifier.get("scheme") == "EC-RUC" else None, compiled.get("ocid"))
                found.append(tuple(None if value is None else str(value) for value in row))
        return tuple(found)

    def take(self, observed: Iterable[tuple[str | None, ...]]) -> None:
        """Note the suppliers :meth:`observe` found in one process, those this part has not seen yet."""
        for row in observed:
            if row[0] in self._seen:
                continue
            self._seen.add(row[0])  # type: ignore[arg-type] (never None: observe leaves those out)
            for name, value in zip(self.COLUMNS, row):
                self.columns[name].append(value)

    def merge(self, other: "Suppliers") -> None:
        """Add another part's suppliers (parts are of disjoint ocids)."""
        for name, column in other.columns.items():
            self.columns[name].extend(column)

    def chosen(self) -> pd.DataFrame:
        """Name and RUC by supplier id (as text): those of the part that saw it at the lowest ocid."""
        table = pa.table({name: column.arrow() for name, column in self.columns.items()}).to_pandas()
        table = table.sort_values(["org", "first"], kind="stable").drop_duplicates("org")
        return table.set_index("org")[["name", "ruc"]]

    def __getstate__(self) -> dict[str, Any]:
        return {"columns": self.columns}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.columns, self._seen = state["columns"], set()


@dataclass
class YearStatistics:
    """What the statistics take from one year's compiled releases."""

    facts: Facts | None  # None once kept apart (a publish's year cache keeps them after the rest)
    suppliers: Suppliers
    quality: QualityCounts  # of the data as stored; the others are of the published documents
    projects: list[tuple[str, str, str]]  # (ocid, first release date, project id) of each process naming a works project
    errors: dict[str, str]  # processes that cannot be merged, with why
    flags: RedFlagTallies | None = None  # the site's red flags (of what it shows); None once kept apart
    made: int = 0  # processes whose part was made in this pass
    reused: int = 0  # processes whose part was taken as kept (publish/processcache.py)


# What the statistics take from one process: what the quality report counts of it (as stored), the works project it
# names, and its facts and suppliers (of the published document). Plain values: a publish keeps each process's.
ProcessPart = tuple[Observed, str | None, ProcessFacts, tuple[tuple[str | None, ...], ...]]


def process_part(compiled: dict[str, Any], document: Callable[[dict[str, Any]], dict[str, Any]],
                 types: ProcedureTypes) -> ProcessPart:
    """What the statistics take from one compiled release; ``document`` gives what the spreadsheets publish of it
    (and may change it: it comes last)."""
    observed, project = observe(compiled), project_of(compiled)
    shown = document(compiled)
    return observed, project, process_facts(shown, types), Suppliers.observe(shown)


def year_statistics(rows: Iterable[tuple[str, str, str | bytes | None, str | None]],
                    document: Callable[[dict[str, Any]], dict[str, Any]],
                    site: Callable[[bytes], bytes] | None = None, kept: ProcessCache | None = None) -> YearStatistics:
    """One pass over a year's (ocid, first release date, compiled release JSON or None, merge error)
    in ocid order; ``document`` gives what the spreadsheets publish of a compiled release, and ``site``
    (the site's privacy, on JSON) what the site shows, whose red flags are then tallied in the same pass. Each
    process's part is taken from ``kept`` when it holds it (and put there when not)."""
    quality, projects, errors, suppliers, builder = QualityCounts(), [], {}, Suppliers(), FactsBuilder()
    flags = RedFlagTallies(Settings()) if site is not None else None
    for ocid, first_date, body, error in rows:
        if body is None:
            errors[ocid] = error or "cannot be merged"
            continue
        data = body.encode("utf-8") if isinstance(body, str) else body
        compiled = None
        if flags is not None:
            compiled = orjson.loads(data)
            shown = site(data)
            flags.add(compiled if shown is data else orjson.loads(shown))  # before ``document`` changes it

        def make() -> ProcessPart:
            return process_part(orjson.loads(data) if compiled is None else compiled, document, builder.types)

        observed, project, process, supplied = kept.get(ocid, data, make) if kept is not None else make()
        quality.take(observed)
        if project is not None:
            projects.append((ocid, first_date, project))
        builder.add(*process)
        suppliers.take(supplied)
    made, reused = (kept.made, kept.reused) if kept is not None else (builder.number, 0)
    return YearStatistics(builder.facts(), suppliers, quality, projects, errors, flags, made, reused)


@dataclass
class Combined:
    """The years' statistics added one by one, each year's quality and suppliers merged as it comes. Their
    facts are not kept: at a national scale the years' facts weigh as much as the combined table, so they
    are combined (:func:`.facts.combine`) from wherever the caller keeps them, one year at a time."""

    quality: QualityCounts = field(default_factory=QualityCounts)
    suppliers: Suppliers = field(default_factory=Suppliers)
    projects: list[tuple[str, str, str, str]] = field(default_factory=list)  # (ocid, year, first release date, project id)
    errors: dict[str, str] = field(default_factory=dict)

    def add(self, year: str, part: YearStatistics) -> None:
        self.quality.merge(part.quality)
        self.suppliers.merge(part.suppliers)
        self.projects += [(ocid, year, first_date, project) for ocid, first_date, project in part.projects]
        self.errors.update(part.errors)


def project_of(compiled: dict[str, Any]) -> str | None:
    """The works project a compiled release names (planning.project.id, as text), for OC4IDS; else None."""
    planning = compiled.get("planning")
    project = planning.get("project") if isinstance(planning, dict) else None
    return str(project["id"]) if isinstance(project, dict) and project.get("id") else None


def _clean(value: Any) -> Any:
    """NaN and pandas' missing values as None; numpy numbers as Python numbers."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _column(frame: Any, column: str) -> list[Any]:
    """A column of a summary as Python values, missing ones as None."""
    return [_clean(value) for value in frame[column].tolist()]


def indicator_rows(tables: Facts) -> Iterator[dict[str, Any]]:
    """Every indicator for every grouping: exact values, and a rounded one for people. Built a column
    at a time, a grouping at a time, and given a row at a time: the buyer grouping alone has a row per
    buyer, year and indicator."""
    registry = {indicator.code: indicator for indicator in load_registry()}
    for grouping in GROUPINGS:
        frame = summarise(tables, grouping)
        size = len(frame)
        indicators = [registry[code] for code in frame["indicator"].tolist()]
        values = _column(frame, "value")
        shares = [indicator.kind == "share" and value is not None for indicator, value in zip(indicators, values)]
        columns = {"grouping": ["+".join(grouping) or "all"] * size,
                   **{column: _column(frame, column) if column in grouping else [None] * size for column in GROUP_COLUMNS},
                   "indicator": [indicator.code for indicator in indicators],
                   "name_es": [indicator.name_es for indicator in indicators],
                   "name_en": [indicator.name_en for indicator in indicators],
                   "unit": [indicator.unit for indicator in indicators],
                   "numerator": _column(frame, "numerator"), "denominator": _column(frame, "denominator"), "value": values,
                   "percent": [round(100 * value, 1) if share else None for value, share in zip(values, shares)],
                   "rounded": [round(value, 2) if value is not None and indicator.kind != "share" else None
                               for value, indicator in zip(values, indicators)],
                   "eligible": _column(frame, "eligible"), "coverage": _column(frame, "coverage"),
                   "not_computable": _column(frame, "not_computable")}
        columns["year"] = [None if year is None else int(year) for year in columns["year"]]
        for row in zip(*(columns[column] for column in INDICATOR_COLUMNS)):
            yield dict(zip(INDICATOR_COLUMNS, row))


def ranking_rows(tables: Facts, suppliers: Suppliers) -> Iterator[dict[str, Any]]:
    """Per year, suppliers by awarded value (then by id), with their number of processes; given a year at a
    time (at a national scale a list of every year's rows held some 110 MB)."""
    parties = tables.parties
    supplied = parties[parties["role"] == "supplier"].join(tables.processes[["year"]], on="process")
    supplied = supplied[supplied["year"].notna()]
    grouped = supplied.groupby(["year", "org"], observed=True).agg(awarded_value=("value", "sum"),
                                                                   processes=("process", "nunique")).reset_index()
    del supplied
    named = suppliers.chosen()
    grouped = grouped.join(named, on=grouped["org"].astype(str).rename("key"))
    del named
    for year, group in grouped.groupby("year", sort=True):
        ordered = sorted(group.to_dict("records"), key=lambda r: (-(_clean(r["awarded_value"]) or 0), str(r["org"])))
        for rank, record in enumerate(ordered, 1):
            yield {"year": int(year), "rank": rank, "supplier": _clean(record["name"]), "ruc": _clean(record["ruc"]),
                   "id": record["org"], "awarded_value": round(_clean(record["awarded_value"]) or 0.0, 2),
                   "processes": int(record["processes"])}
