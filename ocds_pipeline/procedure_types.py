"""Classify SERCOP procedure-type names (``procurementMethodDetails``) through the maintained codelist.

Real values vary in accents, dashes and case, and catálogo names carry a long suffix with the
framework agreement and a trailing CR/LF, so names are normalised and catálogo rows match by
prefix. Used by the mapping (source → OCDS) and by the indicators (any OCDS → regime).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .resources import data_path

_DASHES = re.compile(r"\s*[\u2010-\u2015\u2212-]+\s*")
_SPACES = re.compile(r"\s+")


def normalise(name: str) -> str:
    """Lower case, no accents, one kind of dash, single spaces, no surrounding whitespace."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return _SPACES.sub(" ", _DASHES.sub(" - ", plain)).strip()


@dataclass(frozen=True)
class ProcedureType:
    """One row of ``procedure_types.csv``."""

    name: str
    family: str
    procurement_method: str
    regime: str
    match: str
    legal_basis: str


class ProcedureTypes:
    """Look up a procedure type by name: exact (normalised) first, then longest catálogo prefix."""

    def __init__(self, rows: list[ProcedureType]) -> None:
        self.rows = rows
        self._exact = {normalise(r.name): r for r in rows}
        self._memo: dict[str, ProcedureType | None] = {}
        self._prefixes = sorted(((normalise(r.name), r) for r in rows if r.match == "prefix"),
                                key=lambda pair: -len(pair[0]))

    @classmethod
    def load(cls, path: Path | None = None) -> "ProcedureTypes":
        path = path or data_path("mappings", "sercop", "codelists", "procedure_types.csv")
        with open(path, encoding="utf-8", newline="") as handle:
            return cls([ProcedureType(name=row.pop("procedure_type"), **row) for row in csv.DictReader(handle)])

    def classify(self, name: str | None) -> ProcedureType | None:
        """The row for ``name``, or None. Results are memoised: real data repeats few names."""
        if not name:
            return None
        if name not in self._memo:
            self._memo[name] = self._classify(name)
        return self._memo[name]

    def _classify(self, name: str) -> ProcedureType | None:
        key = normalise(name)
        found = self._exact.get(key)
        if found is not None:
            return found
        for prefix, row in self._prefixes:
            if key.startswith(prefix):
                return row
        return None


@lru_cache(maxsize=1)
def default_procedure_types() -> ProcedureTypes:
    return ProcedureTypes.load()
