"""Keep each process's compiled release current in the store, merging only processes that changed.

Releases are never modified, so a process's compiled release changes only when it gains a
release. A refresh merges the processes that gained releases since the last complete refresh
(the store's ``compiled_through`` mark) and records each one's year; a daily run therefore
merges what it added, not the whole store, and the publication rewrites only the years that
changed. Each batch is one transaction and the mark moves only at the end, so an interrupted
refresh is finished by the next one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import groupby
from operator import itemgetter
from typing import Any, Callable, Iterable, Iterator

import orjson

from ..ocdsvalues import obj
from ..procedure_types import default_procedure_types
from ..store import Store
from .records import CompiledProcess, Group, RecordBuilder, compile_groups
from .search_rows import search_row

UNDATED = "undated"
_YEAR = re.compile(r"^(\d{4})-\d{2}-\d{2}")
BATCH = 500


def process_year(first_date: str | None) -> str:
    """The year that places a process in the per-year files: that of its first release date, as
    published (``2024-…``); ``undated`` when that date does not start with a calendar date."""
    match = _YEAR.match(first_date or "")
    return match.group(1) if match else UNDATED


@dataclass
class Refreshed:
    """What a refresh merged: how many processes, and the years whose files must be written again."""

    processes: int = 0
    years: set[str] = field(default_factory=set)
    errors: dict[str, str] = field(default_factory=dict)  # processes whose releases cannot be merged, with why


def _row(process: CompiledProcess) -> dict[str, Any]:
    return {"ocid": process.ocid, "year": process_year(process.first), "first_date": process.first,
            "latest_date": process.latest, "releases": process.releases, "release_bytes": process.release_bytes,
            "body": process.compiled.decode("utf-8") if process.compiled is not None else None,
            "error": process.error}


def _changed_groups(store: Store, after: int, through: int, years: set[str]) -> Iterator[Group]:
    """The release bodies of every process that changed, in ocid order; their former years go to ``years``."""
    chunk = store.changed_ocids(after, through, limit=BATCH)
    while chunk:
        years.update(store.compiled_years(chunk).values())
        bodies = store.bodies(chunk)
        for ocid in chunk:
            yield ocid, bodies[ocid]
        chunk = store.changed_ocids(after, through, start=chunk[-1], limit=BATCH)


def refresh_compiled(store: Store, builder: RecordBuilder, *, workers: int = 1,
                     progress: Callable[[str, int], None] | None = None) -> Refreshed:
    """Merge every process that gained releases since the last refresh, and store its compiled release
    and its row in the search index."""
    after, through = store.compiled_through(), store.max_seq()
    result = Refreshed()
    if through <= after:
        return result
    builder = replace(builder, derive=partial(search_row, types=default_procedure_types()))  # in the workers
    changed = store.changed_count(after, through) if progress else None
    rows: list[dict[str, Any]] = []
    search: list[dict[str, Any]] = []
    for process in compile_groups(_changed_groups(store, after, through, result.years), builder, workers):
        row = _row(process)
        rows.append(row)
        if process.derived is not None:
            search.append(process.derived)
        result.years.add(row["year"])
        if process.error is not None:
            result.errors[process.ocid] = process.error
        result.processes += 1
        if len(rows) >= BATCH:
            store.save_compiled(rows, search=search)
            rows, search = [], []
            if progress and result.processes % 10_000 == 0:
                progress("compiled processes", result.processes, changed)
    store.save_compiled(rows, through=through, search=search)
    return result


def release_links(releases_uri: str, headers: Iterable[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """A record's linked releases, from stored (release id, date, tags JSON): as in the published records."""
    return [{"url": f"{releases_uri}#{release_id}", "date": date, "tag": orjson.loads(tags)} for release_id, date, tags in headers]


def cached_processes(store: Store, releases_uri: str, year: str | None = None,
                     months: tuple[str, str] | None = None) -> Iterator[CompiledProcess]:
    """Every process (of a year, of some of its months) as :func:`.records.compile_groups` gives it, read
    from the store without merging: its stored compiled release, its releases, and the record linking them."""
    compiled = store.compiled(year, months)
    for ocid, rows in groupby(store.release_rows(year, months), key=itemgetter(0)):
        rows = list(rows)
        found, body, error = next(compiled)
        if found != ocid:
            raise RuntimeError(f"the store's compiled releases are not current ({found} for {ocid}): refresh them first")
        links = release_links(releases_uri, (row[1:4] for row in rows))
        bodies = [row[4].encode("utf-8") for row in rows]
        record: dict[str, Any] = {"ocid": ocid, "releases": links}
        compiled_bytes = None
        if body is not None:
            compiled_bytes = body.encode("utf-8")
            record["compiledRelease"] = orjson.Fragment(compiled_bytes)
        dates = [link["date"] for link in links]
        yield CompiledProcess(ocid, len(rows), min(dates), max(dates), sum(map(len, bodies)), orjson.dumps(record),
                              compiled_bytes, error, _project_input(compiled_bytes, bodies), bodies)


def _project_input(compiled: bytes | None, bodies: list[bytes]) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """The compiled release and releases of a process that names a works project (for OC4IDS), else None."""
    if compiled is None or b'"project"' not in compiled:
        return None
    release = orjson.loads(compiled)
    if not obj(release, "planning", "project").get("id"):
        return None
    return release, [orjson.loads(body) for body in bodies]
