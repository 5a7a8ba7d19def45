"""Data quality of OCDS files: a file of compiled releases in ocid order is checked in parallel blocks.

The pipeline's ``compiled.jsonl`` (one compiled release per line, in ocid order) is cut into
blocks like any big JSON Lines file (:mod:`~ocds_pipeline.sources.ocds_blocks`); forked workers
count each block and the counts merge in file order, so the report does not depend on the number
of workers. A block whose ocids are not strictly increasing (a process could be there twice), and
any other input — releases to compile, records, several files — is compiled and checked
sequentially, each process once.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

from ...atomic import write_bytes
from ...parallel import default_workers, map_forked
from ...sources.ocds import NotOCDSError, OcdsReadStats
from ...sources.ocds_blocks import BLOCK_SIZE, Block, BlockSplitError, plan_blocks, read_block
from . import QualityCounts, QualityReport, check_quality, load_descriptions

QUALITY_FILES = ["quality.json", "quality.md", "quality.html", "quality.es.html"]


def write_quality_report(report: QualityReport, out: Path) -> QualityReport:
    """The data-quality report as JSON, Markdown and HTML in English and Spanish (quality.es.html)."""
    descriptions = load_descriptions()
    out.mkdir(parents=True, exist_ok=True)
    write_bytes(out / "quality.json", (json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n").encode())
    write_bytes(out / "quality.md", report.markdown(descriptions).encode("utf-8"))
    write_bytes(out / "quality.html", report.html(descriptions, "en").encode("utf-8"))
    write_bytes(out / "quality.es.html", report.html(descriptions, "es").encode("utf-8"))
    return report


class NotCompiledError(Exception):
    """A block holds releases that are not compiled releases: compile the file first."""


def check_quality_file(path: Path | list[Path], *, schema: dict[str, Any] | None = None, workers: int | None = None,
                       block_size: int = BLOCK_SIZE, examples: int = 5) -> QualityReport:
    """The quality report of any OCDS files (compiled first when needed), each process once."""
    from ...compile.stream import with_compiled

    paths = [Path(p) for p in path] if isinstance(path, list) else [Path(path)]
    workers = default_workers(8) if workers is None else workers
    plan = plan_blocks(paths[0], block_size) if workers > 1 and len(paths) == 1 else None
    if plan is not None:
        try:
            counts, last = QualityCounts(examples), None
            for part, (first, final) in map_forked(partial(_count_block, examples=examples), plan.blocks, workers):
                if last is not None and first is not None and first <= last:
                    raise NotCompiledError("the blocks are not in ocid order")
                counts.merge(part)
                last = final if final is not None else last
            return counts.report(schema)
        except (BlockSplitError, NotOCDSError, NotCompiledError):
            pass  # not one compiled release per process in ocid order, or not splittable after all
    return with_compiled(paths, lambda releases: check_quality(releases, examples, schema))


def _count_block(block: Block, examples: int) -> tuple[QualityCounts, tuple[str | None, str | None]]:
    """In a worker: the counts of one block of compiled releases, and its first and last ocids."""
    counts, first, last = QualityCounts(examples), None, None
    for release in read_block(block, OcdsReadStats(), []):
        ocid = release.get("ocid")
        if release.get("tag") != ["compiled"]:
            raise NotCompiledError(f"{ocid} {release.get('id')} is not a compiled release")
        if last is not None and not ocid > last:
            raise NotCompiledError(f"{ocid} is not after {last}: not in ocid order")
        first, last = first or ocid, ocid
        counts.add(release)
    return counts, (first, last)
