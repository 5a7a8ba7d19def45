"""The main job, end to end, as one library call; the CLI's ``run`` is a thin shell over it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .atomic import write_bytes
from .config import Config
from .sources import SourceReport, check_source


@dataclass
class RunSummary:
    """What a run read, accepted and rejected, and where it wrote its outputs."""

    source: str
    report: SourceReport
    rejects_path: Path
    summary_path: Path
    max_reject_rate: float

    @property
    def reject_rate(self) -> float:
        total = self.report.accounting.total
        return total.rejected / total.read if total.read else 0.0

    @property
    def ok(self) -> bool:
        return self.reject_rate <= self.max_reject_rate

    def as_dict(self) -> dict[str, Any]:
        total = self.report.accounting.total
        return {
            "source": self.source,
            "tables": self.report.accounting.as_dict(),
            "total": {"read": total.read, "accepted": total.accepted, "rejected": total.rejected},
            "reject_rate": round(self.reject_rate, 6),
            "max_reject_rate": self.max_reject_rate,
            "missing_tables": self.report.missing_tables,
            "rejects_file": self.rejects_path.name,
        }


def run(source: str | Path, out: Path, config: Config, *,
        progress: Callable[[str, int], None] | None = None, **reader_options: Any) -> RunSummary:
    """Read and check the source tables, write ``rejects.csv`` and ``summary.json`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    rejects_path = out / "rejects.csv"
    report = check_source(source, rejects_path=rejects_path, progress=progress, **reader_options)
    summary = RunSummary(str(source), report, rejects_path, out / "summary.json", config.max_reject_rate)
    write_bytes(summary.summary_path, (json.dumps(summary.as_dict(), indent=2, ensure_ascii=False) + "\n").encode())
    return summary
