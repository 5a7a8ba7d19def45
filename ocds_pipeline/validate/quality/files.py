"""Data quality of an OCDS file: a file of compiled releases is checked in parallel blocks.

The pipeline's ``compiled.jsonl`` (one compiled release per line) is cut into blocks like any
big JSON Lines file (:mod:`~ocds_pipeline.sources.ocds_blocks`); forked workers count each block
and the counts merge in file order, so the report does not depend on the number of workers.
Any other input — releases to compile, records, packages of releases — is compiled and checked
sequentially.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from ...parallel import default_workers, map_forked
from ...sources.ocds import NotOCDSError, OcdsReadStats
from ...sources.ocds_blocks import BLOCK_SIZE, Block, BlockSplitError, plan_blocks, read_block
from . import QualityCounts, QualityReport, check_quality


class NotCompiledError(Exception):
    """A block holds releases that are not compiled releases: compile the file first."""


def check_quality_file(path: Path, *, schema: dict[str, Any] | None = None, workers: int | None = None,
                       block_size: int = BLOCK_SIZE, examples: int = 5) -> QualityReport:
    """The quality report of any OCDS file (compiled first when needed)."""
    from ...compile.stream import compiled_releases_of

    workers = default_workers(8) if workers is None else workers
    plan = plan_blocks(Path(path), block_size) if workers > 1 else None
    if plan is not None:
        try:
            counts = QualityCounts(examples)
            for part in map_forked(partial(_count_block, examples=examples), plan.blocks, workers):
                counts.merge(part)
            return counts.report(schema)
        except (BlockSplitError, NotOCDSError, NotCompiledError):
            pass  # not one compiled release per process, or not splittable after all
    return check_quality(compiled_releases_of(Path(path)), examples, schema)


def _count_block(block: Block, examples: int) -> QualityCounts:
    """In a worker: the counts of one block of compiled releases."""
    counts = QualityCounts(examples)
    for release in read_block(block, OcdsReadStats(), []):
        if release.get("tag") != ["compiled"]:
            raise NotCompiledError(f"{release.get('ocid')} {release.get('id')} is not a compiled release")
        counts.add(release)
    return counts
