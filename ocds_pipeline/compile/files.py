"""Compile any OCDS files into records and compiled releases without a store (the `compile` and `oc4ids` commands).

Kept apart from :mod:`ocds_pipeline.pipeline`, which imports every stage: compiling files needs neither the
store nor pandas, and starts in a fraction of a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..config import Config
from ..packaging import republishing
from ..privacy import Privacy
from ..progress import Reporter
from ..publish import ProjectSource, Publication, compiling, write_compiled
from ..publish.records import CompiledProcess, compile_blocks, compile_groups
from ..schemas import SchemaResolver
from ..sources.ocds import NotOCDSError, OcdsReadStats
from ..sources.ocds_blocks import BLOCK_SIZE, BlockSplitError, plan_blocks
from ..sources.rejects import Reject
from .stream import NotGroupedError, as_bodies, with_groups


@dataclass
class CompileResult:
    publication: Publication
    stats: OcdsReadStats
    rejects: list[Reject]
    staged: bool  # True when the input was not grouped by ocid and went through a temporary grouping


def compile_files(paths: Iterable[Path], out: Path, config: Config, resolver: SchemaResolver, *,
                  workers: int = 1, progress: Reporter | None = None, block_size: int = BLOCK_SIZE,
                  versioned: bool = False, compiled_only: bool = False, with_records: bool = True,
                  with_releases: bool = True, projects: ProjectSource | None = None) -> CompileResult:
    """Compile any OCDS files into records (and/or OC4IDS projects) without a store.

    One big JSON Lines file or release package grouped by ocid is read by the workers a block of
    ``block_size`` bytes each (:func:`.publish.records.compile_blocks`). Other inputs whose processes
    are contiguous (bulk files ordered by ocid, as most are) compile as they stream; otherwise the
    files are read again through a temporary grouping by ocid. The packages keep what the inputs
    declared (publisher, licence, policy, extensions).
    """
    paths = list(paths)
    builder = compiling(config, resolver, versioned, compiled_only)

    def written(processes: Iterable[CompiledProcess], seen: OcdsReadStats) -> Publication:
        return write_compiled(processes, out, config, resolver, with_records=with_records, with_releases=with_releases,
                              compiled_only=compiled_only, projects=projects, progress=progress,
                              fields=lambda: republishing(config, [seen.declared], None)[0])

    publication, staged = None, False
    plan = plan_blocks(paths[0], block_size) if workers > 1 and len(paths) == 1 else None
    if plan is not None:
        stats, rejects = OcdsReadStats(), []
        # Bodies for the release files, and for a privacy policy, which decides who is a person from every release.
        bodies = (with_releases and not compiled_only) or Privacy.of(config, "ocds").active
        try:
            publication = written(compile_blocks(plan, builder, workers, with_bodies=bodies, stats=stats, rejects=rejects),
                                  stats)
        except (NotGroupedError, BlockSplitError, NotOCDSError):
            pass  # read again from the start, sequentially: regrouped by ocid, or the refusal's line in the file
    if publication is None:
        stats, rejects = OcdsReadStats(), []
        publication, staged = with_groups(paths, lambda groups, seen: written(
            compile_groups(as_bodies(groups), builder, workers), seen), stats=stats, rejects=rejects)
    publication.warnings += republishing(config, [stats.declared], None)[1]
    return CompileResult(publication, stats, rejects, staged)
