"""The SERCOP source model: table specifications loaded from ``schemas/source/*.json``.

Each file is a Frictionless tabular data resource (fields with types and constraints, primary and
foreign keys). Tables are returned parents first, so foreign keys can be checked while streaming.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..resources import data_path


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    title: str
    description: str
    required: bool = False
    enum: frozenset[str] | None = None
    minimum: float | date | None = None  # a date for date and datetime fields
    maximum: float | date | None = None
    pattern: re.Pattern | None = None
    identifier: str | None = None
    format: str | None = None
    true_values: frozenset[str] = frozenset()
    false_values: frozenset[str] = frozenset()
    multiline: bool = False  # free text whose values may hold line breaks (in quoted CSV fields)


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    table: str
    reference: tuple[str, ...]


@dataclass(frozen=True)
class TableSpec:
    name: str
    title: str
    description: str
    required: bool
    fields: tuple[FieldSpec, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...]

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


def _bound(type_: str, value: float | str | None) -> float | date | None:
    """A constraint's bound, as a date for date and datetime fields (Table Schema writes them ISO)."""
    if type_ in {"date", "datetime"} and value is not None:
        return date.fromisoformat(str(value)[:10])
    return value


def _field(raw: dict) -> FieldSpec:
    cons = raw.get("constraints", {})
    return FieldSpec(
        name=raw["name"],
        type=raw["type"],
        title=raw.get("title", raw["name"]),
        description=raw.get("description", ""),
        required=bool(cons.get("required")),
        enum=frozenset(cons["enum"]) if "enum" in cons else None,
        minimum=_bound(raw["type"], cons.get("minimum")),
        maximum=_bound(raw["type"], cons.get("maximum")),
        pattern=re.compile(cons["pattern"]) if "pattern" in cons else None,
        identifier=raw.get("identifier"),
        format=raw.get("format"),
        true_values=frozenset(raw.get("trueValues", ())),
        false_values=frozenset(raw.get("falseValues", ())),
        multiline=bool(raw.get("multiline")),
    )


def load_table(path: Path) -> TableSpec:
    doc = json.loads(path.read_text(encoding="utf-8"))
    schema = doc["schema"]
    return TableSpec(
        name=doc["name"],
        title=doc.get("title", doc["name"]),
        description=doc.get("description", ""),
        required=bool(doc.get("required")),
        fields=tuple(_field(f) for f in schema["fields"]),
        primary_key=tuple(schema.get("primaryKey", ())),
        foreign_keys=tuple(
            ForeignKey(tuple(fk["fields"]), fk["reference"]["resource"], tuple(fk["reference"]["fields"]))
            for fk in schema.get("foreignKeys", ())
        ),
    )


def load_tables(directory: Path | None = None) -> dict[str, TableSpec]:
    """Load every table spec, ordered so that each table comes after the tables it references."""
    directory = directory or data_path("schemas", "source")
    specs = {spec.name: spec for spec in map(load_table, sorted(directory.glob("*.json")))}
    ordered: dict[str, TableSpec] = {}

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if name in ordered:
            return
        if name in trail:
            raise ValueError(f"foreign keys form a cycle: {' -> '.join(trail + (name,))}")
        for fk in specs[name].foreign_keys:
            visit(fk.table, trail + (name,))
        ordered[name] = specs[name]

    # A stable order: required tables first, then alphabetical, always parents before children.
    for name in sorted(specs, key=lambda n: (not specs[n].required, n)):
        visit(name, ())
    return ordered
