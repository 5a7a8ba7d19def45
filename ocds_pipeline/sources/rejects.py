"""Row-level errors as values, and the accounting that proves no source row was lost."""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from ..atomic import atomic_open


@dataclass(frozen=True)
class Reject:
    """A source row that could not be used: where it is, which value, and why."""

    table: str
    line: int
    column: str
    value: str
    reason: str
    stage: str = "source"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


REJECT_COLUMNS = [f.name for f in fields(Reject)]


@dataclass
class TableCount:
    read: int = 0
    accepted: int = 0
    rejected: int = 0


@dataclass
class Accounting:
    """Per-table counts; ``read == accepted + rejected`` must hold for every table."""

    tables: dict[str, TableCount] = field(default_factory=dict)

    def table(self, name: str) -> TableCount:
        return self.tables.setdefault(name, TableCount())

    @property
    def total(self) -> TableCount:
        total = TableCount()
        for count in self.tables.values():
            total.read += count.read
            total.accepted += count.accepted
            total.rejected += count.rejected
        return total

    def balanced(self) -> bool:
        return all(c.read == c.accepted + c.rejected for c in self.tables.values())

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {name: asdict(count) for name, count in self.tables.items()}


def truncate(value: Any, limit: int = 120) -> str:
    """A value as a reject shows it: at most ``limit`` characters, a NUL shown as ␀ (files never hold one)."""
    text = "" if value is None else str(value).replace("\x00", "\u2400")
    return text if len(text) <= limit else text[: limit - 1] + "…"


class RejectLog:
    """Collects rejects as they happen: streamed to a CSV file when given a path, else kept.

    The file is written beside its target and renamed into place by :meth:`close`, so a crash never
    leaves a half-written rejects file. With a file, only the first ``keep`` rejects stay in memory.
    """

    def __init__(self, path: Path | None = None, keep: int = 20) -> None:
        self.path = path
        self.keep = keep
        self.count = 0
        self.examples: list[Reject] = []
        self._context = atomic_open(path, "w", encoding="utf-8-sig", newline="") if path else None
        self._writer = None
        if self._context is not None:
            self._writer = csv.writer(self._context.__enter__())
            self._writer.writerow(REJECT_COLUMNS)

    def add(self, reject: Reject) -> None:
        self.count += 1
        if self._writer is None or len(self.examples) < self.keep:
            self.examples.append(reject)
        if self._writer is not None:
            self._writer.writerow([getattr(reject, name) for name in REJECT_COLUMNS])

    def close(self) -> None:
        """Publish the rejects file (UTF-8 with BOM, so that Excel shows the accents)."""
        if self._context is not None:
            self._context.__exit__(None, None, None)
            self._context = self._writer = None

    def abort(self) -> None:
        """Drop the partial rejects file after a failure."""
        if self._context is not None:
            try:
                self._context.__exit__(RuntimeError, RuntimeError("aborted"), None)
            except RuntimeError:
                pass
            self._context = self._writer = None

    def __enter__(self) -> "RejectLog":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def read_rejects(path: Path) -> list[Reject]:
    """Read a rejects CSV written by :class:`RejectLog`."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return [Reject(**{**row, "line": int(row["line"])}) for row in csv.DictReader(handle)]
