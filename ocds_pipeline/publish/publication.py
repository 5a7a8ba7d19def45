"""The publication (docs/publication.md): what SERCOP puts online every day, written from the store.

:func:`publish` brings the store's compiled releases up to date, then builds a new version of the
publication beside the current one: the OCDS files and spreadsheets of each year whose processes
changed are written again, those of the other years are hard-linked from the current version; the
statistics, OC4IDS projects, documents and manifest are written from every process. The new version
is checked against the store (counts) and its manifest (sizes and SHA-256) and then swapped in
atomically (:mod:`.versions`), so readers see the previous publication until the new one is whole.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import orjson

from .. import __version__
from ..atomic import write_bytes
from ..config import Config
from ..docgen import render_indicators, render_mapping
from ..extensions import PUBLISHED_EXTENSIONS, patched_release_schema
from ..indicators.facts import combine
from ..indicators.redflags import RedFlagTallies, Settings, first_currency, flagged
from ..memory import release_freed_memory
from ..oc4ids import OC4IDS_VERSION, Aggregates, ProjectCollector
from ..packaging import OCDS_VERSION, LinesWriter, Outputs, PackageWriter, package_metadata
from ..privacy import Privacy, declared
from ..procedure_types import ProcedureTypes
from ..resources import data_path
from ..schemas import SchemaResolver
from ..store import Store
from ..validate.quality.files import QUALITY_FILES, write_quality_report
from . import forked, package_fields, record_builder, write_projects
from .bulk import FULL, Part, Written, full_fits, part_signature, write_part, year_parts
from .cache import UNDATED, refresh_compiled
from .contracts import ContractRows
from .documents import DICTIONARY_COLUMNS, copy_extensions, dictionary_rows, license_text, policy
from .manifest import PROFILE, resource, verify
from .processcache import SHEETS_CODE, ProcessCache, keep_years
from .spreadsheets import CsvTable, JsonTable
from .statistics import (INDICATOR_COLUMNS, RANKING_COLUMNS, Combined, indicator_rows, ranking_rows,
                         year_statistics)
from .site import DATA, PAGES, Site
from .site import fingerprint as site_fingerprint
from .site.years import StoreSource, YearPages
from .tables import Tables
from .versions import PublicationError, Versions
from .yearcache import SITE_CODE, STATISTICS_CODE, YearCache, state_key
from .yearly import CONTRATOS, YearSheets, YearSpreadsheets

MANIFEST = "datapackage.json"
SPANISH_SCHEMA = "csv/release-schema.es.json"
_TABLE_TYPES = {"string": "string", "number": "number", "integer": "integer", "boolean": "boolean",
                "datetime": "datetime"}
_PROJECT_BATCH = 500
STATISTICS = "statistics"
SITE = "site"
COUNTED = "processes counted (statistics)"  # the progress of the years' statistics
SITE_YEARS = "site_years"  # in the manifest's state: what each year's site pages were written under
PART_KINDS = ("compiled", "releases", "records")
# A year's files in two halves, written in one pass over its processes, or each by a worker of its own when there
# are fewer years to write than workers (a day's delta changes one year).
OCDS, SHEETS = "ocds", "sheets"
BOTH = (OCDS, SHEETS)


@dataclass
class Published:
    """What a publish wrote: where, how much, which files changed, and what it could not publish."""

    root: Path
    version: Path | None = None
    processes: int = 0
    releases: int = 0
    projects: int = 0
    written: list[str] = field(default_factory=list)   # files whose bytes this publish wrote
    carried: list[str] = field(default_factory=list)   # files linked unchanged from the previous version
    changed: list[str] = field(default_factory=list)   # files whose content differs from the previous version
    notes: list[str] = field(default_factory=list)     # what is not published, and why
    merge_errors: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    rows_kept: int = 0      # processes whose spreadsheet rows were written from the row state (publish/processcache.py)
    rows_encoded: int = 0   # processes whose spreadsheet rows were encoded anew (and kept)
    statistics_kept: int = 0  # processes whose part of the statistics was taken as kept (publish/processcache.py)
    statistics_made: int = 0  # processes whose part of the statistics was made anew (and kept)

    def summary(self) -> dict[str, Any]:
        """What a run's summary.json says about the publication."""
        return {"root": str(self.root), "version": self.version.name if self.version else None,
                "processes": self.processes, "releases": self.releases, "projects": self.projects,
                "changed": self.changed, "carried": len(self.carried), "notes": self.notes}


def publish(store: Store, root: Path, config: Config, resolver: SchemaResolver, *, workers: int = 1,
            progress: Callable[[str, int], None] | None = None) -> Published:
    """Write the whole publication from the store into ``root`` (a link to its current version).

    Holds the store's writer lock (:meth:`.Store.exclusive`) and the publication folder's: a second writer
    of either is refused."""
    versions = Versions(root)
    with store.exclusive("publish"), versions.lock("publish"):
        refresh_compiled(store, record_builder(config, resolver), workers=workers, progress=progress)
        previous = _Previous.load(versions.current())
        staged = versions.stage()
        try:
            published = _Build(store, staged, config, resolver, previous, versions, progress, workers).run()
        except BaseException:
            versions.discard(staged)
            raise
        published.root = Path(root)
        published.version = versions.swap(staged)
        return published


def fingerprint(config: Config) -> str:
    """What, besides the data, decides the per-year files' bytes: this version, the configuration and
    the publication's declarative files. A change rewrites every year."""
    digest = hashlib.sha256(__version__.encode())
    digest.update(json.dumps(asdict(config), sort_keys=True, default=str).encode())
    for output in declared()["outputs"]:  # which key makes the pseudonyms, not only the actions
        digest.update(Privacy.of(config, output).fingerprint().encode())
    folder = data_path("schemas", "publication")
    for path in sorted(folder.iterdir()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@dataclass
class _Previous:
    """The current version's manifest: its resources, and the state each part was written from."""

    folder: Path | None = None
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path | None) -> "_Previous":
        if folder is None or not (folder / MANIFEST).is_file():
            return cls()
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except ValueError:
            return cls()  # written by hand or damaged: everything is written again
        return cls(folder, {entry["path"]: entry for entry in manifest.get("resources", [])},
                   manifest.get("ocds_pipeline", {}))

    def matching(self, prefixes: tuple[str, ...]) -> list[str]:
        return [path for path in self.resources if path.startswith(prefixes)]


# What a publish adds to its result's lists when it writes a year.
_LISTED = ("written", "carried", "changed", "notes")
# ... and to its counts.
_COUNTED = ("processes", "releases", "rows_kept", "rows_encoded")


def _year_statistics(year: str) -> dict[str, int]:
    """What the statistics take from one year of the store, put in the year cache, where the publish reads it:
    its counts first, then its facts (at a national scale some 50 MB a year, read back a year at a time when the
    years are combined), then its red flags' tallies (read back for the site). Each process's part is kept
    (:mod:`.processcache`): a year read again makes only its changed processes' anew. Gives how many of each."""
    cache = forked.get("cache")
    with ProcessCache(cache.folder / f"{year}.sqlite", cache.key, year) as kept:
        index = ((ocid, first, body, error) for ocid, _, first, body, error in forked.store().compiled_index(year=year))
        part = year_statistics(index, forked.get("privacy").document, forked.get("site").body, kept)
    counted = replace(part, facts=None, flags=None)
    cache.put(year, forked.get("signatures")[year], counted, part.facts, part.flags)
    return {"statistics_made": part.made, "statistics_kept": part.reused}


def _year_work(task: tuple[str, str, tuple[str, ...]]) -> dict[str, Any] | None:
    """One task of a publish's workers: a year's files, or some of its halves (what that added to the publish,
    :meth:`_Build._effects`), its statistics (put in the year cache), or its site pages (written, and what they
    add to the organisations' pages put in the site's year cache)."""
    kind, year, halves = task
    if kind == STATISTICS:
        return _year_statistics(year)
    forked.store()
    build = forked.get("build")
    if kind == SITE:
        return build.site_pages(year)
    return build._effects(year, halves)


def _year_prefixes(year: str) -> tuple[str, ...]:
    return f"ocds/{year}/", f"csv/{year}/", f"xlsx/{year}.xlsx"


def _signature(totals: dict[str, Any]) -> list[Any]:
    """What changes whenever a part's processes change: releases are only ever added."""
    return [totals["processes"], totals["releases"], totals["release_bytes"], totals["first_date"], totals["latest_date"]]


def _dated(latest: str) -> datetime:
    """The data's latest release date as a timestamp (for workbooks), 1980 at the earliest (zip's epoch)."""
    try:
        value = datetime.fromisoformat(latest.replace("Z", "+00:00"))
        value = value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value
    except ValueError:
        value = datetime(1980, 1, 1)
    return max(value, datetime(1980, 1, 1))


class _Build:
    """One publish: writes or carries every file into the staged version and builds its manifest."""

    def __init__(self, store: Store, staged: Path, config: Config, resolver: SchemaResolver, previous: _Previous,
                 versions: Versions, progress: Callable[[str, int], None] | None, workers: int = 1) -> None:
        self.store, self.staged, self.config, self.previous, self.versions = store, staged, config, previous, versions
        self.progress, self.workers = progress, workers
        self.schema = patched_release_schema(resolver, base_uri=config.base_uri)
        self.tables = Tables(self.schema)
        self.contracts = ContractRows(self.tables, config, ProcedureTypes.load())
        self.fields, warnings = package_fields(store, config, resolver)
        self.ocds, self.spreadsheets, self.site = (Privacy.of(config, output) for output in ("ocds", "spreadsheets", "site"))
        self.fingerprint = fingerprint(config)
        self.same_rules = previous.state.get("fingerprint") == self.fingerprint
        self.runs = store.run_totals()  # how many releases each store run added
        self.run_id = max(self.runs, default=0)  # the last store run that added releases
        self.totals = store.year_totals()
        self.result = Published(staged, warnings=warnings)
        self.resources: list[dict[str, Any]] = []
        self.statistics_carried = False
        self.signatures = {year: _signature(totals) for year, totals in self.totals.items()}
        self.statistics_cache = YearCache(versions.state(STATISTICS), state_key(self.fingerprint, STATISTICS_CODE))
        self.rows_key = state_key(self.fingerprint, SHEETS_CODE)  # of the year's rows kept per process (ProcessCache)
        self.project_input = store.projects()  # the works projects' rows and entities, for OC4IDS
        self.state: dict[str, Any] = {"fingerprint": self.fingerprint, "version": __version__, "years": {},
                                      "changes": {}, STATISTICS: self._statistics_signature()}
        self.site_source = _SiteSource(self)

    # -- the steps ----------------------------------------------------------------------------
    def run(self) -> Published:
        dated = max((t["latest_date"] for t in self.totals.values()), default="")
        done, processes = 0, sum(t["processes"] for t in self.totals.values())
        for totals in self._years():
            done += totals["processes"]
            if self.progress:
                self.progress("processes published (per-year files)", done, processes)
        keep_years(self.versions.state(SHEETS), self.totals)
        self._full()
        self._changes()
        self._statistics()
        release_freed_memory()  # the statistics' peak, not to be the site's starting point
        self._documents()
        self._site(dated)
        self._manifest(dated)
        return self.result

    def _years(self) -> Iterator[dict[str, Any]]:
        """Write or carry each year's files, in year order (yielding its totals when done). With several
        workers, the years to write are written in forked workers (each half of a year in a worker of its own
        when there are fewer years than workers), what each wrote is added here, and after them, in the same
        workers, the statistics the year cache lacks are counted (else :meth:`_statistics` counts them) and the
        written years' site pages are written (else the site writes them)."""
        written = [year for year, totals in self.totals.items() if not self._unchanged(year, totals)]
        halves = [(OCDS,), (SHEETS,)] if len(written) < self.workers else [BOTH]
        counting, paging = self._to_count(), self._to_page(written)
        tasks = [("files", year, half) for year in written for half in halves]
        tasks += [(STATISTICS, year, ()) for year in counting] + [(SITE, year, ()) for year in paging]
        if self.workers < 2 or len(tasks) < 2:
            for year, totals in self.totals.items():
                self._year(year, totals)
                yield totals
            return
        with self._inherited():
            made = iter(forked.in_workers(_year_work, tasks, self.workers))
            for year, totals in self.totals.items():
                if year in written:
                    for _ in halves:
                        self._apply(next(made))
                else:
                    self._year(year, totals)
                yield totals
            self._counted(made, counting, COUNTED)
            self.site_source.ahead.update(self._counted(made, paging, "processes read (site pages)"))

    def _inherited(self) -> Any:
        """What the workers find (:mod:`.forked`): this build, and what :func:`_year_statistics` reads."""
        return forked.inherited(self.store, build=self, privacy=self.spreadsheets, site=self.site,
                                cache=self.statistics_cache, signatures=self.signatures)

    def _counted(self, made: Iterable[dict[str, int] | None], years: list[str], what: str) -> list[str]:
        """Wait for the workers' tasks of ``years``, with progress as each year is done, adding up what they counted;
        the years done."""
        done, processes = 0, sum(self.totals[year]["processes"] for year in years)
        for year, counts in zip(years, made):
            self._tally(counts)
            done += self.totals[year]["processes"]
            if self.progress:
                self.progress(what, done, processes)
        return years

    def _tally(self, counts: dict[str, int] | None) -> None:
        for name, count in (counts or {}).items():
            setattr(self.result, name, getattr(self.result, name) + count)

    def _unchanged(self, year: str, totals: dict[str, Any]) -> bool:
        """Whether a year's files can be linked from the previous version as they are (:meth:`_year` links them)."""
        state = self.previous.state.get("years", {}).get(year, {})
        paths = self.previous.matching(_year_prefixes(year))
        return self.same_rules and state.get("signature") == _signature(totals) and bool(paths) \
            and self.previous.folder is not None and all((self.previous.folder / path).is_file() for path in paths)

    def _effects(self, year: str, halves: tuple[str, ...]) -> dict[str, Any]:
        """Write one year's files, or some of its halves (in a forked worker), and return what that added to this
        build, for :meth:`_apply`."""
        before = {name: len(getattr(self.result, name)) for name in _LISTED}
        resources, counted = len(self.resources), {name: getattr(self.result, name) for name in _COUNTED}
        self._year(year, self.totals[year], halves)
        return {"year": year, "state": self.state["years"][year], "resources": self.resources[resources:],
                **{name: getattr(self.result, name) - count for name, count in counted.items()},
                **{name: getattr(self.result, name)[count:] for name, count in before.items()}}

    def _apply(self, effects: dict[str, Any]) -> None:
        self.state["years"].setdefault(effects["year"], {}).update(effects["state"])
        self.resources += effects["resources"]
        for name in _COUNTED:
            setattr(self.result, name, getattr(self.result, name) + effects[name])
        for name in _LISTED:
            getattr(self.result, name).extend(effects[name])

    def _year(self, year: str, totals: dict[str, Any], halves: tuple[str, ...] = BOTH) -> None:
        """Carry a year's files, or write its ``halves``: its OCDS files (a month part whose processes did not change
        is carried) and its spreadsheets, in one pass over its processes when both."""
        signature = _signature(totals)
        state = self.previous.state.get("years", {}).get(year, {})
        if halves == BOTH and self.same_rules and state.get("signature") == signature \
                and self._carry(_year_prefixes(year)):
            self.state["years"][year] = state
            self.result.notes += [state["note"]] if state.get("note") else []
            self._count(totals)
            return
        months = self.store.month_totals(year)
        parts = year_parts(year, months, self.config.max_file_bytes)
        sheets = YearSpreadsheets(self.staged, year, self.tables, self.contracts, bom=self.config.csv_bom,
                                  max_rows=self.config.xlsx_max_rows, dated=_dated(totals["latest_date"])) \
            if SHEETS in halves else None
        before = {json.dumps(kept): part for kept, part in zip(state.get("parts", []), state.get("signatures", []))}
        written, signatures = Written(), []

        def to_sheets(kept: ProcessCache, ocid: str, compiled: str | bytes | None) -> None:
            if compiled is not None and sheets is not None:
                body = compiled.encode("utf-8") if isinstance(compiled, str) else compiled
                sheets.add_encoded(kept.get(ocid, body, lambda: sheets.encode(self.spreadsheets.document(orjson.loads(body)))))

        try:  # the year's rows kept per process, when its spreadsheets are written
            with ProcessCache(self.versions.state(SHEETS) / f"{year}.sqlite", self.rows_key, year) \
                    if sheets is not None else nullcontext() as kept:
                for part in parts:
                    signature_of_part = part_signature(part, months) if part.months else None
                    signatures.append(signature_of_part)
                    writes = OCDS in halves and not (
                        signature_of_part is not None and before.get(json.dumps(list(part.months))) == signature_of_part
                        and self.same_rules and self._carry_part(part))
                    if writes:
                        one = self._part(part, (lambda process: to_sheets(kept, process.ocid, process.compiled))
                                         if kept is not None else None)
                    else:
                        one = self._carried(part) if OCDS in halves else Written()
                        for ocid, body, _ in self.store.compiled(year, part.months) if kept is not None else ():
                            to_sheets(kept, ocid, body)
                    written.processes += one.processes
                    written.releases += one.releases
            if kept is not None:
                self.result.rows_kept += kept.reused
                self.result.rows_encoded += kept.made
        except BaseException:
            if sheets is not None:
                sheets.abort()
            raise
        done: dict[str, Any] = {}
        if OCDS in halves:
            expected = (totals["processes"], totals["releases"])
            if (written.processes, written.releases) != expected:
                raise PublicationError(f"{year}: {written.processes:,} processes and {written.releases:,} releases "
                                       f"written, the store has {expected[0]:,} and {expected[1]:,}")
            done.update(signature=signature, parts=[list(part.months) if part.months else None for part in parts],
                        signatures=signatures)
        if sheets is not None:
            year_sheets = sheets.close()
            self._sheets(year, year_sheets)
            done["note"] = year_sheets.note
        self.state["years"].setdefault(year, {}).update(done)

    def _part(self, part: Part, each: Callable[[Any], None] | None = None) -> Written:
        written = write_part(self.store, part, self.staged, self.config.base_uri, self.fields, self.ocds, each)
        temporal = {"start": written.first_date, "end": written.latest_date} if written.processes else None
        for kind in PART_KINDS:
            self._add(part.path(kind), processes=written.processes, releases=written.releases, temporal=temporal,
                      ocds_version=OCDS_VERSION, licenses=self._licenses())
        self._count(asdict(written))
        return written

    def _carry_part(self, part: Part) -> bool:
        """Link a month part's three files from the previous version, when it has all three."""
        paths = tuple(part.path(kind) for kind in PART_KINDS)
        return len(self.previous.matching(paths)) == len(PART_KINDS) and self._carry(paths)

    def _carried(self, part: Part) -> Written:
        """What a linked part holds, as its manifest entry says."""
        entry = self.previous.resources[part.path("compiled")]
        carried = Written(entry["processes"], entry["releases"])
        self._count(asdict(carried))
        return carried

    def _count(self, totals: dict[str, Any]) -> None:
        self.result.processes += totals["processes"]
        self.result.releases += totals["releases"]

    def _sheets(self, year: str, sheets: YearSheets) -> None:
        for path, rows in sheets.rows.items():
            self._add(path, rows=rows, schema=self._table_schema(path))
        if sheets.workbook:
            self._add(sheets.workbook, sheets=sheets.sheets)
        if sheets.note:
            self.result.notes.append(sheets.note)

    def _full(self) -> None:
        if not full_fits(self.totals, self.config.max_file_bytes):
            self.result.notes.append(f"ocds/{FULL}/ is not published: every process together passes "
                                     f"{self.config.max_file_bytes:,} bytes uncompressed; the years hold them all")
            return
        signature = [_signature(t) for t in self.totals.values()]
        before = self.result.processes, self.result.releases
        if self.same_rules and self.previous.state.get(FULL) == signature and self._carry((f"ocds/{FULL}/",)):
            self.state[FULL] = signature
            return
        self._part(Part(FULL, None))
        self.result.processes, self.result.releases = before  # the same processes again
        self.state[FULL] = signature

    def _changes(self) -> None:
        """changes/run-NNNNNN.jsonl.gz: the releases each store run added, for harvesters."""
        before = self.previous.state.get("changes", {})
        for run_id, count in self.runs.items():
            path = f"changes/run-{run_id:06d}.jsonl.gz"
            self.state["changes"][str(run_id)] = count
            if before.get(str(run_id)) == count and self._carry((path,)):
                continue
            with Outputs(lines=LinesWriter(self.staged / path)) as files:
                for body in self.store.run_bodies(run_id):
                    files.lines.add(self.ocds.body(body))
            self._add(path, releases=count, run=run_id)

    def _statistics_signature(self) -> list[Any]:
        """What the statistics are made from: the years' processes, the works projects, and the indicators."""
        registry = data_path("schemas", "indicators", "registry.yaml").read_bytes()  # what the indicators are
        return [list(self.signatures.values()),
                hashlib.sha256(orjson.dumps(list(self.project_input), option=orjson.OPT_SORT_KEYS,
                                            default=str)).hexdigest(),
                hashlib.sha256(registry).hexdigest()]

    def _statistics_kept(self) -> bool:
        """Whether the statistics (and then the site) may be carried whole: neither the data nor the rules changed."""
        return self.same_rules and self.previous.state.get(STATISTICS) == self.state[STATISTICS]

    def _to_count(self) -> list[str]:
        """The years whose statistics are to be counted: those the year cache does not hold, unless the statistics
        are to be carried whole (:meth:`_statistics`)."""
        if self._statistics_kept():
            return []
        return [year for year in self.totals if not self.statistics_cache.has(year, self.signatures[year])]

    def _to_page(self, written: list[str]) -> list[str]:
        """The written years whose site pages the workers write ahead of the site: none when the site may be carried
        whole, nor a year whose pages the site would carry (:class:`_SiteSource`)."""
        if self._statistics_kept():
            return []
        return [year for year in written if not self.site_source.may_carry(year)]

    def site_pages(self, year: str) -> None:
        """Write a year's site pages ahead of the site (in a forked worker); the site takes them as written."""
        Site(self.staged, self.config).write_pages(self.site_source, year)

    def _statistics(self) -> None:
        """Indicators, supplier ranking, quality report and OC4IDS projects, from every compiled release;
        linked from the previous version when neither the data nor the rules changed. The years' parts come from
        the year cache; those not there yet are counted first."""
        rows, entities = self.project_input
        if self._statistics_kept() and self._carry(("indicators/", "quality/", "oc4ids/")):
            self.statistics_carried = True
            self.result.merge_errors = self.store.merge_errors()
            self.result.projects = self.previous.resources["oc4ids/projects.json"].get("projects", 0)
            return
        missing = [year for year in self.totals if not self.statistics_cache.has(year, self.signatures[year])]
        if missing:  # counted here when there were no workers to count them beside the files
            with self._inherited():  # the workers end before the years are combined, the publish process's own peak
                self._counted(forked.in_workers(_year_work, [(STATISTICS, year, ()) for year in missing],
                                                self.workers), missing, COUNTED)
        combined = Combined()
        for year in self.totals:
            combined.add(year, self._kept(year, 0))
        tables = combine(self._kept(year, 1) for year in self.totals)
        release_freed_memory()  # the years' facts, read back and let go (at a national scale some 150 MB kept)
        self.statistics_cache.keep(self.totals)
        keep_years(self.statistics_cache.folder, self.totals)
        self.result.merge_errors = combined.errors
        self._table("indicators/indicators", INDICATOR_COLUMNS, indicator_rows(tables))
        self._table("indicators/suppliers", RANKING_COLUMNS, ranking_rows(tables, combined.suppliers))
        del tables  # some 300 MB at a national scale, not to be held while the OC4IDS projects are collected
        release_freed_memory()
        write_quality_report(combined.quality.report(self.schema), self.staged / "quality")
        for name in QUALITY_FILES:
            self._add(f"quality/{name}")
        linked: dict[str, list[tuple[str, str]]] = {}  # each project's processes (ocid, releases' URL), in ocid order
        for ocid, year, first_date, project in sorted(combined.projects):
            linked.setdefault(project, []).append((ocid, self._releases_uri(year, first_date)))
        self._projects(linked, rows, entities)

    def _kept(self, year: str, item: int) -> Any:
        """A year's statistics (item 0), facts (1) or red flags' tallies (2) from the year cache; the year is made
        again, here, should its entry have gone bad since it was checked."""
        found = self.statistics_cache.get(year, self.signatures[year], item)
        if found is None:
            with self._inherited():
                self._tally(_year_statistics(year))
            found = self.statistics_cache.get(year, self.signatures[year], item)
        return found

    def _projects(self, linked: dict[str, list[tuple[str, str]]], rows: dict[str, dict[str, Any]],
                  entities: dict[str, dict[str, Any]]) -> None:
        """oc4ids/projects.json and .csv: the projects in id order, :data:`_PROJECT_BATCH` at a time, each
        gathered from its processes, written and let go (together, a national scale's projects weigh some 300 MB)."""
        collector = ProjectCollector(self.config, "", rows, entities)

        def projects() -> Iterator[tuple[dict[str, Any], Aggregates]]:
            pending = iter(sorted(set(linked) | set(rows)))
            while batch := list(islice(pending, _PROJECT_BATCH)):
                processes = iter([process for project in batch for process in linked.pop(project, [])])
                while chunk := list(islice(processes, _PROJECT_BATCH)):
                    ocids = [ocid for ocid, _ in chunk]
                    compiled, bodies = self.store.compiled_bodies(ocids), self.store.bodies(ocids)
                    for ocid, uri in chunk:
                        collector.add(*self.ocds.group(orjson.loads(compiled[ocid]), bodies[ocid]), uri)
                yield from collector.projects(batch)

        latest = max((t["latest_date"] for t in self.totals.values()), default="")
        uri = f"{self.config.base_uri}oc4ids/projects.json"
        metadata = package_metadata(self.fields, uri, OC4IDS_VERSION, with_extensions=False)
        with Outputs(package=PackageWriter(self.staged / "oc4ids/projects.json", metadata, "projects")) as files:
            self.result.projects = write_projects(projects(), files.package, self.staged / "oc4ids/projects.csv", latest)
        self._add("oc4ids/projects.json", projects=self.result.projects, oc4ids_version=OC4IDS_VERSION,
                  licenses=self._licenses())
        self._add("oc4ids/projects.csv", rows=self.result.projects)
        self.result.warnings += sorted(collector.warnings)

    def _documents(self) -> None:
        config, totals = self.config, self.totals
        extensions = self.fields.extensions
        facts = {"published": max((t["latest_date"] for t in totals.values()), default="")[:10],
                 "ocds_version": OCDS_VERSION, "oc4ids_version": OC4IDS_VERSION,
                 "processes": f"{self.result.processes:,}", "releases": f"{self.result.releases:,}",
                 "first_date": min((t["first_date"] for y, t in totals.items() if y != UNDATED), default="-")[:10],
                 "latest_date": max((t["latest_date"] for y, t in totals.items() if y != UNDATED), default="-")[:10]}
        self._text("LICENSE", license_text(config))
        self._text("policy.es.md", policy(config, "es", facts, extensions))
        self._text("policy.en.md", policy(config, "en", facts, extensions))
        self._text("docs/mapping.md", render_mapping())
        self._text("docs/indicators.md", render_indicators())
        self._table("dictionary", DICTIONARY_COLUMNS, [dict(zip(DICTIONARY_COLUMNS, row))
                                                       for row in dictionary_rows(self.tables)])
        write_bytes(self.staged / SPANISH_SCHEMA, json.dumps(self.tables.schema_es, indent=2, ensure_ascii=False)
                    .encode("utf-8"))
        self._add(SPANISH_SCHEMA)
        for path in copy_extensions(self.staged, PUBLISHED_EXTENSIONS):
            self._add(path)

    def _site(self, dated: str) -> None:
        """The site (index.html and the pages beside it, site/): carried when the statistics were and
        the site's own sources did not change; else each year's process pages and search index are linked when
        its processes did not change (:class:`_SiteSource`), and the rest is written again."""
        self.state["site"] = site_fingerprint()
        if self.statistics_carried and self.previous.state.get("site") == self.state["site"] \
                and self._carry(("site/", *(f"{page}.html" for page in PAGES))):
            self.state[SITE_YEARS] = self.previous.state.get(SITE_YEARS, {})
            return
        coverage = {"processes": self.result.processes, "releases": self.result.releases, "latest_date": dated,
                    "first_date": min((t["first_date"] for y, t in self.totals.items() if y != UNDATED), default=None)}
        downloads = sorted(self.resources, key=lambda entry: entry["path"])
        site, source = Site(self.staged, self.config, self.progress, self.versions.current(), self.workers), self.site_source
        for path in site.build(source, coverage, downloads, self._red_flags()):
            self._add(path)
        source.cache.keep(self.totals)
        keep_years(source.cache.folder, self.totals)
        self.state[SITE_YEARS] = {year: source.written_under(year) for year in self.totals}

    def _red_flags(self) -> dict[str, Any] | None:
        """The site's red flags from the years' tallies the statistics kept, merged as each is read; None when the
        statistics were carried over (the site then reads every process for them)."""
        if self.statistics_carried:
            return None
        first = first_currency(self._kept(year, 2) for year in self.totals)
        return flagged(self._exact_tallies(year, first) for year in self.totals)

    def _exact_tallies(self, year: str, first: tuple[str, str] | None) -> RedFlagTallies:
        """A year's red flags' tallies as one pass over every year would count them. cardinal reads money in the
        first currency seen (``first``): a year that read it otherwise is read again."""
        part = self._kept(year, 2)
        if part.exact(first):
            return part
        again = RedFlagTallies(Settings(), start=first)
        for _, _, _, body, _ in self.store.compiled_index(year=year):
            if body is not None:
                again.add(orjson.loads(self.site.body(body)))
        return again

    def _manifest(self, dated: str) -> None:
        """datapackage.json, after checking every file against it."""
        problems = verify(self.staged, self.resources, set(self.result.carried))
        if problems:
            raise PublicationError("the publication does not match its manifest:\n  " + "\n  ".join(problems[:20]))
        config = self.config
        manifest = {
            "$schema": PROFILE, "name": f"{config.ocid_prefix}-ocds", "title": f"{config.publisher_name}: "
            "contratación pública en OCDS / public procurement in OCDS",
            "description": "Datos abiertos de contratación pública en el Estándar de Datos de Contrataciones "
                           "Abiertas (OCDS 1.1) y proyectos de obra en OC4IDS; ver policy.es.md. "
                           "Open public procurement data in OCDS 1.1 and works projects in OC4IDS; see policy.en.md.",
            "homepage": config.base_uri, "created": dated or None, "version": f"{self.run_id}",
            "licenses": self._licenses(), "contributors": [{"title": config.publisher_name, "path": config.publisher_uri,
                                                            "roles": ["publisher"], "email": config.contact_email}],
            "keywords": ["OCDS", "OC4IDS", "contratación pública", "public procurement", "Ecuador"],
            "ocds_version": OCDS_VERSION, "oc4ids_version": OC4IDS_VERSION,
            "coverage": {"processes": self.result.processes, "releases": self.result.releases,
                         "first_date": min((t["first_date"] for t in self.totals.values()), default=None),
                         "latest_date": dated or None},
            "notes": self.result.notes,
            "resources": sorted(self.resources, key=lambda entry: entry["path"]),
            "ocds_pipeline": self.state,
        }
        write_bytes(self.staged / MANIFEST, (json.dumps({k: v for k, v in manifest.items() if v is not None},
                                                        indent=2, ensure_ascii=False) + "\n").encode("utf-8"))

    # -- helpers ------------------------------------------------------------------------------
    def _licenses(self) -> list[dict[str, str]]:
        return [{"path": self.fields.license or self.config.license, "title": self.config.license_title}]

    def _releases_uri(self, year: str, first_date: str) -> str:
        """The URL of the release package that holds a process (its year, or the months that hold it)."""
        for months in self.state["years"].get(year, {}).get("parts", [None]):
            if months is None or months[0] <= first_date[:7] <= months[1]:
                return f"{self.config.base_uri}{Part(year, year, tuple(months) if months else None).path('releases')}"
        return f"{self.config.base_uri}{Part(year, year).path('releases')}"

    def _carry(self, prefixes: tuple[str, ...]) -> bool:
        """Link every file of the previous version under ``prefixes``, with its manifest entry; False
        (nothing carried) when any is missing."""
        return self._link(self.previous.matching(prefixes))

    def _link(self, paths: list[str]) -> bool:
        """Link these files of the previous version, with their manifest entries; False (nothing linked) when
        any is not there."""
        if not paths or self.previous.folder is None or not all(
                p in self.previous.resources and (self.previous.folder / p).is_file() for p in paths):
            return False
        for path in paths:
            self.versions.carry(self.staged, path)
            self.resources.append(self.previous.resources[path])
            self.result.carried.append(path)
        return True

    def _add(self, relative: str, **described: Any) -> None:
        """The manifest entry of a file written now; it keeps the run that last changed its bytes."""
        entry = resource(self.staged, relative, **described)
        before = self.previous.resources.get(relative)
        if before is not None and before.get("hash") == entry["hash"]:
            entry["updated_in_run"] = before.get("updated_in_run", self.run_id)
        else:
            entry["updated_in_run"] = self.run_id
            self.result.changed.append(relative)
        self.resources.append(entry)
        self.result.written.append(relative)

    def _text(self, relative: str, text: str) -> None:
        write_bytes(self.staged / relative, text.encode("utf-8"))
        self._add(relative)

    def _table(self, stem: str, columns: list[str], rows: Iterable[dict[str, Any]]) -> None:
        """A table as CSV (and, for statistics, JSON) with its Table Schema in the manifest; the rows are
        written as they come."""
        table = CsvTable(self.staged / f"{stem}.csv", columns, self.config.csv_bom)
        as_json = JsonTable(self.staged / f"{stem}.json") if stem.startswith("indicators/") else None
        writers = [writer for writer in (table, as_json) if writer is not None]
        try:
            for row in rows:
                table.add([row[column] for column in columns])
                if as_json is not None:
                    as_json.add(row)
        except BaseException as error:
            for writer in writers:
                writer.abort(error)
            raise
        for writer in writers:
            writer.close()
        self._add(f"{stem}.csv", rows=table.rows, schema={"fields": [{"name": c, "type": "any"} for c in columns]})
        if as_json is not None:
            self._add(f"{stem}.json", records=as_json.rows)

    def _table_schema(self, path: str) -> dict[str, Any]:
        """The Table Schema of one of a year's CSV tables: its Spanish headers and their types."""
        name = Path(path).stem
        if name == CONTRATOS:
            return {"fields": [{"name": c["title_es"], "title": c["title_en"], "type": _TABLE_TYPES.get(c["type"], "string"),
                                "description": c["description_es"]} for c in self.tables.contratos["columns"]]}
        table = next(t for t in self.tables.ocds if t.name == name)
        return {"fields": [{"name": c.title_es, "title": c.title_en, "type": _TABLE_TYPES.get(c.type, "string"),
                            "description": c.description_es} for c in table.columns]}


class _SiteSource(StoreSource):
    """The store as the site shows it (its privacy policy applied), and the years whose pages the site kept from
    the previous version: those whose processes did not change since it wrote them (a year cache entry,
    :mod:`.yearcache`, under the site's sources and the publication's rules)."""

    def __init__(self, build: _Build) -> None:
        super().__init__(build.store, build.site.body)
        self.build = build
        self.cache = YearCache(build.versions.state("site"),
                               state_key(build.fingerprint + site_fingerprint(), SITE_CODE))
        self.signatures = {year: _signature(totals) for year, totals in build.totals.items()}
        self.ahead: set[str] = set()  # the years whose pages the publication's workers wrote (:meth:`_Build._years`)

    def years(self) -> list[str]:
        return list(self.build.totals)

    def written_ahead(self, year: str) -> bool:
        return year in self.ahead

    def may_carry(self, year: str) -> bool:
        """Whether the current version's pages of the year were written from the year as it is (its manifest says
        so: a publish that failed may have kept pages it never published)."""
        return self.build.previous.state.get(SITE_YEARS, {}).get(year) == self.written_under(year)

    def carried(self, year: str) -> YearPages | None:
        """The year's pages when the current version's may be carried (:meth:`may_carry`) and are all there."""
        if not self.may_carry(year):
            return None
        outline = self.cache.get(year, self.signatures[year])
        if outline is None or not self.build._link([f"{DATA}/{key}.js" for key in outline.keys()]):
            return None
        return outline

    def kept(self, year: str) -> YearPages | None:
        return self.cache.get(year, self.signatures[year], 1)

    def keep(self, pages: YearPages) -> None:
        """The year's outline, then the whole part: the years' outlines are read first, their parts one at a time."""
        self.cache.put(pages.year, self.signatures[pages.year], pages.outline(), pages)

    def pages_kept(self, year: str) -> ProcessCache:
        """Each process's part of the year's pages, beside the year's entry (its own key: the same rules and code)."""
        return ProcessCache(self.cache.folder / f"{year}.sqlite", self.cache.key, year)

    def written_under(self, year: str) -> list[Any]:
        """What a year's pages are written under (the cache's key and the year's signature), in the manifest."""
        return [self.cache.key, self.signatures[year]]
