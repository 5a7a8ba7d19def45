"""Codelist mappings (SERCOP value → OCDS code) kept as CSV files in ``mappings/<source>/codelists/``."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path
from typing import Any

from .resources import data_path


class CodelistError(KeyError):
    """A source value has no entry in its codelist mapping."""


@lru_cache(maxsize=None)
def load_codelist(name: str, source: str = "sercop") -> dict[str, dict[str, str]]:
    """Rows of ``mappings/<source>/codelists/<name>.csv`` keyed by their ``source`` column."""
    path: Path = data_path("mappings", source, "codelists", f"{name}.csv")
    with open(path, encoding="utf-8", newline="") as handle:
        return {row["source"]: row for row in csv.DictReader(handle)}


_RAISE = object()


def lookup(name: str, value: str | None, column: str = "target", source: str = "sercop", default: Any = _RAISE) -> str | None:
    """Map ``value`` through codelist ``name``; None for an empty target; for an unknown value,
    ``default`` when given (values from other publishers), else raise (a mapping gap)."""
    rows = load_codelist(name, source)
    key = "" if value is None else value
    if key not in rows:
        if default is not _RAISE:
            return default
        raise CodelistError(f"{value!r} is not in codelist {name} (mappings/{source}/codelists/{name}.csv)")
    return rows[key][column] or None
