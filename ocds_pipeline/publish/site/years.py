"""One year of the site's processes: their pages in shards of :data:`.shards.SHARD` in ocid order
(``p/<year>-<n>``), the year's search index in parts of :data:`SEARCH_PART` rows (``search/<year>-<n>``), and
what they add to the organisations' pages. None of it depends on another year, so a year whose processes did
not change can be linked from the previous version as it is (:class:`StoreSource`'s ``carried``). Red flags,
which depend on every process, are kept apart: :func:`flag_files` writes them beside each page shard
(``pf/<year>-<n>``) and counts them on the buyers' pages.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from dataclasses import dataclass
from itertools import groupby
from typing import Any, Callable, Iterable, Iterator

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from ...indicators.facts import fact_row, party_rows
from ...procedure_types import ProcedureTypes
from ...store import Store
from ...texts import Texts
from ..processcache import ProcessCache
from .entities import Entities, Observed, counted_for
from .processes import process_page, search_row
from .shards import SHARD, Shards

SEARCH_PART = 5_000
SEARCHED = ("award_value", "procedure_type", "regime")  # what a search row takes from the process's facts


@dataclass
class YearPages:
    """What the site wrote of one year, and what it needs of it again when the year is linked as it is."""

    year: str
    shards: list[list[str]]  # [first ocid, last ocid] of each page shard
    search_parts: int
    processes: int
    # What it holds per process, until its red flags are written and its organisations merged (:meth:`outline`):
    ocids: Texts | None  # every process with a page, in page order
    buyers: Texts | None  # the buyer each counts for on its buyer's page (None: it does not count there)
    buyer_years: array | None  # and the year (0: none)
    entities: Entities | None  # what its processes add to the organisations' pages

    def outline(self) -> "YearPages":
        """The year without what it holds per process (its organisations, ocids and buyers): what the site's
        index and summary need of it once its red flags are written and its organisations merged."""
        return YearPages(self.year, self.shards, self.search_parts, self.processes, None, None, None, None)

    def shard(self, number: int) -> str:
        return f"{self.year}-{number}"

    def keys(self) -> list[str]:
        """The keys of the year's data files (``p/…`` and ``search/…``), those linked when it is carried."""
        return [*(f"p/{self.shard(n)}" for n in range(len(self.shards))),
                *(f"search/{self.year}-{n}" for n in range(self.search_parts))]


def write_year(put: Callable[[str, Any], None], year: str, compiled: Iterable[tuple[str, bytes | str | None]],
               headers: Iterable[tuple[str, str, str, str]], each: Callable[[], None] | None = None,
               kept: ProcessCache | None = None) -> YearPages:
    """Write one year's page shards and search parts from its (ocid, compiled release JSON as the site shows it)
    in ocid order and its release headers in the same order; ``each`` is called for each process read. What each
    process gives is taken from ``kept`` when it holds it for the same release and history (and put there when not)."""
    types = ProcedureTypes.load()
    histories = _histories(headers)
    pages = Shards(put, "p", f"{year}-")
    search = _SearchParts(put, year)
    ocids, buyers, buyer_years = Texts(), Texts(), array("H")
    entities = Entities()
    for ocid, body in compiled:
        if each is not None:
            each()
        if body is None:
            continue
        data = body.encode("utf-8") if isinstance(body, str) else body
        history = histories.of(ocid)

        def make() -> ProcessPages:
            return process_pages(orjson.loads(data), year, history, types)

        page, searched, entity, counted = make() if kept is None else kept.get(ocid, data + _said(history), make)
        search.add(search_row(page, searched, pages.add(ocid, page)))
        entities.take(entity)
        buyer, buyer_year = counted or (None, 0)
        ocids.append(ocid)
        buyers.append(buyer)
        buyer_years.append(buyer_year)
    return YearPages(year, pages.close(), search.close(), len(ocids), ocids, buyers, buyer_years, entities)


# What a process gives a year's site: its page, what its search row takes from its facts, what it adds to the
# organisations' pages, and the buyer and year it counts for there. Plain values: a publish keeps each process's.
ProcessPages = tuple[dict[str, Any], dict[str, Any], Observed | None, tuple[str, int] | None]


def process_pages(release: dict[str, Any], year: str, history: list[tuple[str, str, str]],
                  types: ProcedureTypes) -> ProcessPages:
    """What one process gives its year's site, from its compiled release and its history (:class:`_Histories`)."""
    fact = fact_row(release, types)
    page = process_page(release, year, [[date, orjson.loads(tags), release_id] for release_id, date, tags in history])
    suppliers = [(row["org"], row["value"]) for row in party_rows(release) if row["role"] == "supplier"]
    searched = {key: fact[key] for key in SEARCHED}
    return page, searched, Entities.observe(release, fact, suppliers), counted_for(fact)


def _said(history: list[tuple[str, str, str]]) -> bytes:
    """A process's history as bytes, for the digest its kept pages are found by: a release may add a line to the
    history and leave the compiled release as it was."""
    return b"\n" + "\n".join(f"{release_id}\t{date}\t{tags}" for release_id, date, tags in history).encode("utf-8")


def flag_files(put: Callable[[str, Any], None], pages: YearPages, flagged: dict[str, dict[str, float]],
               among: pa.Array, entities: Entities) -> None:
    """Write each page shard's red flags (``pf/<year>-<n>``: {ocid: codes} of its flagged processes) and count
    them on their buyers' pages. ``among``: the flagged ocids as an Arrow array, to find the year's."""
    every = pages.ocids.arrow()
    found = pc.indices_nonzero(pc.is_in(every, value_set=among)) if len(every) and len(among) else pa.array([], pa.uint64())
    by_shard: dict[int, dict[str, list[str]]] = defaultdict(dict)
    buyers = pages.buyers.arrow().take(found).to_pylist()
    for position, ocid, buyer in zip(found.to_pylist(), every.take(found).to_pylist(), buyers):
        by_shard[position // SHARD][ocid] = sorted(flagged[ocid])
        if buyer is not None:
            entities.flagged(buyer, pages.buyer_years[position])
    for number in range(len(pages.shards)):
        put(f"pf/{pages.shard(number)}", by_shard.get(number, {}))


class _SearchParts:
    """A year's search rows, written in parts of :data:`SEARCH_PART` (at least one, empty for a year without
    processes)."""

    def __init__(self, put: Callable[[str, Any], None], year: str) -> None:
        self.put, self.year = put, year
        self.rows: list[list[Any]] = []
        self.parts = 0

    def add(self, row: list[Any]) -> None:
        self.rows.append(row)
        if len(self.rows) >= SEARCH_PART:
            self._flush()

    def close(self) -> int:
        if self.rows or not self.parts:
            self._flush()
        return self.parts

    def _flush(self) -> None:
        self.put(f"search/{self.year}-{self.parts}", self.rows)
        self.parts += 1
        self.rows = []


class StoreSource:
    """What the site reads of a store: each year's compiled releases as the site shows them (``view`` applied to
    their JSON) and release headers. Forked workers read it over connections of their own. No year is carried
    from a previous build here (see the publication's)."""

    def __init__(self, store: Store, view: Callable[[str], str | bytes] | None = None) -> None:
        self.store, self.view = store, view

    def years(self) -> list[str]:
        return list(self.store.year_totals())

    def compiled(self, year: str | None = None) -> Iterator[tuple[str, str | bytes | None]]:
        """(ocid, body or None) of every process of ``year`` (of every year), in ocid order."""
        for ocid, _, _, body, _ in self.store.in_this_process().compiled_index(year=year):
            yield ocid, body if body is None or self.view is None else self.view(body)

    def headers(self, year: str) -> Iterator[tuple[str, str, str, str]]:
        return self.store.in_this_process().release_headers(year=year)

    def written_ahead(self, year: str) -> bool:
        """Whether the year's pages were written before the build (by a publication's workers, :meth:`keep` having
        kept them): the build lists their files and reads them with :meth:`kept`."""
        return False

    def carried(self, year: str) -> YearPages | None:
        """The outline of the year's pages as a previous build wrote them (:meth:`YearPages.outline`), once their
        files are linked into this one; None when they are written again."""
        return None

    def kept(self, year: str) -> YearPages | None:
        """The whole of a carried (or written ahead) year's part (what it holds per process too), read when the site comes to it;
        None if it can no longer be read (the year is then written again: the same bytes)."""
        return None

    def keep(self, pages: YearPages) -> None:
        """Keep what a build wrote of a year, for :meth:`carried` and :meth:`kept` to give back."""

    def pages_kept(self, year: str) -> ProcessCache | None:
        """What was kept of each process of ``year`` when its pages were last written (:func:`write_year`); None:
        nothing is kept."""
        return None


class _Histories:
    """Each process's releases, taken from a stream in the store's ocid order (the compiled index's)."""

    def __init__(self, groups: Iterator[tuple[str, list[tuple[str, str, str]]]]) -> None:
        self.groups = groups

    def of(self, ocid: str) -> list[tuple[str, str, str]]:
        """(release id, date, tags JSON) of each release of ``ocid``; the streams share one order, so the
        groups of ocids without a compiled release are skipped on the way."""
        for found, history in self.groups:
            if found == ocid:
                return history
        return []


def _histories(releases: Iterable[tuple[str, str, str, str]]) -> _Histories:
    grouped = ((ocid, [(release_id, date, tags) for _, release_id, date, tags in rows])
               for ocid, rows in groupby(releases, key=lambda row: row[0]))
    return _Histories(grouped)
