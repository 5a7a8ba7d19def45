"""The publication's static site (docs/site.md): home, indicators, process search, a page per process
and per buyer or supplier, and downloads — in Spanish and English, from ``file://`` or any host.

Pages are rendered once (Jinja2, every value escaped); the data they show is written as small
JavaScript files that register themselves (``OCDS_SITE.put(...)``), because a browser reading from
``file://`` runs scripts but refuses ``fetch``. Nothing grows with the whole publication in one file:
process pages come per year in shards of :data:`.shards.SHARD` processes in ocid order, with their red
flags beside them, the search index per year in parts of :data:`.years.SEARCH_PART` rows (site/years.py:
a year whose processes did not change is linked from the previous version), organisations in shards of
:data:`.shards.SHARD`. The chart library (plotly.js) is copied from the plotly package; nothing is fetched
when a page is viewed.
"""

from __future__ import annotations

import csv
import filecmp
import heapq
import os
import shutil
from contextlib import nullcontext
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import orjson
import pyarrow as pa
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ...atomic import write_bytes
from ...config import Config
from ...indicators.redflags import CODES, Settings, red_flags
from ...indicators.summary import load_registry
from ...resources import data_path, read_yaml
from .. import forked
from .entities import Entities
from .shards import Shards
from .years import StoreSource, YearPages, flag_files, write_year

PROGRESS_EVERY = 10_000  # processes between two progress reports of a pass over every process
PAGES = ("index", "indicadores", "procesos", "proceso", "entidad", "descargas")
HERE = Path(__file__).parent
DATA = "site/data"
# Indicator groupings the indicators page charts (the buyer grouping is on each buyer's own page).
CHARTED = {"all", "year", "month", "year+regime", "year+province", "year+procedure_type"}
HEADLINE = ("SB-C", "RE-A", "RE-P", "NC-A", "TEN-MEAN", "PROC", "AWARD-V")
# The columns of a charted indicator row (as in indicators/indicators.json, rounded figures included).
ROW_FIELDS = ["grouping", "year", "month", "regime", "province", "procedure_type", "buyer", "numerator", "denominator",
              "value", "percent", "rounded", "eligible"]
RANKED = 50  # suppliers shown per year
TOP_BUYERS = 20  # buyers in the chart by buyer: those with the most eligible processes
DOWNLOAD_FIELDS = ("path", "format", "compression", "bytes", "hash", "rows", "processes", "records", "temporal")


def fingerprint() -> str:
    """What, besides the data, decides the site's bytes: its templates, assets and texts, the indicator
    registry (names and definitions), and plotly's version."""
    import hashlib

    import plotly

    digest = hashlib.sha256(plotly.__version__.encode())
    sources = [*sorted((HERE / "templates").iterdir()), *sorted((HERE / "assets").iterdir()),
               *sorted(data_path("schemas", "site").iterdir()), data_path("schemas", "indicators", "registry.yaml")]
    for path in sources:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def labels() -> dict[str, dict[str, str]]:
    """The site's texts in Spanish and English (schemas/site/labels.yaml)."""
    return read_yaml(data_path("schemas", "site", "labels.yaml"))


def flag_texts() -> dict[str, dict[str, dict[str, str]]]:
    """Each red flag explained in Spanish and English (schemas/site/redflags.yaml)."""
    return read_yaml(data_path("schemas", "site", "redflags.yaml"))


def _script(key: str, value: Any) -> bytes:
    return b"OCDS_SITE.put(" + orjson.dumps(key) + b"," + orjson.dumps(value) + b");\n"


class Site:
    """Writes the site into a staged publication; :meth:`build` returns the paths it wrote."""

    def __init__(self, root: Path, config: Config, progress: Callable[..., None] | None = None,
                 previous: Path | None = None, workers: int = 1) -> None:
        """``previous``: the current version, whose identical static assets are hard-linked, not copied;
        ``workers``: the years whose pages are written go to forked workers when several."""
        self.root, self.config, self.progress, self.previous, self.workers = root, config, progress, previous, workers
        self.written: list[str] = []

    def build(self, source: StoreSource, coverage: dict[str, Any], downloads: list[dict[str, Any]],
              flags: dict[str, Any] | None = None) -> list[str]:
        """``source`` gives each year's compiled releases and release headers, and the years a previous build
        wrote that are carried as they are. ``flags``: the red flags of every process
        (:func:`~ocds_pipeline.indicators.redflags.red_flags` with cardinal's defaults), when already known (a
        publication tallies them with its statistics); else every process is read for them first (they need
        every process before any is flagged)."""
        if flags is None:
            flags = red_flags(orjson.loads(body) for _, body in self._counted(source.compiled(), "processes read (red flags)")
                              if body is not None)
        years, entities = self._years(source, flags.get("OCID", {}))
        for group in ("Buyer", "ProcuringEntity", "Tenderer"):
            for org, codes in flags.get(group, {}).items():
                entities.flag(org, codes)
        self._data("p/index", [[pages.shard(n), *bounds] for pages in years for n, bounds in enumerate(pages.shards)])
        organisations = self._entities(entities)
        counts = {"search_parts": {pages.year: pages.search_parts for pages in years},
                  "processes": {pages.year: pages.processes for pages in years if pages.processes}}
        self._statistics(coverage, counts, organisations, flags.get("Meta", {}))
        self._data("downloads", [{key: entry[key] for key in DOWNLOAD_FIELDS if key in entry}
                                 for entry in downloads if not entry["path"].startswith("site/")])
        self._assets()
        self._pages()
        return self.written

    # -- data ---------------------------------------------------------------------------------
    def _years(self, source: StoreSource, flagged: dict[str, dict[str, float]]) -> tuple[list[YearPages], Entities]:
        """Each year's process pages and search index, carried from the previous build or written (in forked
        workers when there are several of both), its red flags written beside them, and the organisations'
        figures of them all, merged in year order. A carried year's part is read when its turn comes, and what each
        year's part holds per process is let go once used: one year's is held at a time."""
        every = source.years()
        ahead = {year for year in every if source.written_ahead(year)}
        carried = {year for year in every if year not in ahead and source.carried(year) is not None}
        missing = [year for year in every if year not in carried and year not in ahead]
        progress = _Progress(self.progress, "processes read (site pages)")
        write = partial(self.write_pages, source)
        forking = self.workers > 1 and len(missing) > 1  # else the years are written here, with progress as they go
        if forking:
            made = iter(forked.in_workers(write, missing, self.workers))
        else:
            made = (write(year, progress.step) for year in missing)
        years, entities, among = [], Entities(), pa.array(list(flagged), pa.string())
        for year in every:
            pages = next(made) if year in missing else source.kept(year) or write(year)  # a carried year, read now
            self.written += [f"{DATA}/{key}.js" for key in pages.keys()] if year in missing or year in ahead else []
            entities.merge(pages.entities)
            flag_files(self._data, pages, flagged, among, entities)
            years.append(pages.outline())
            if year not in missing or forking:
                progress.add(pages.processes)
        progress.end()
        return years, entities

    def write_pages(self, source: StoreSource, year: str, each: Callable[[], None] | None = None) -> YearPages:
        """Write one year's process pages and search index (not listed: see :meth:`_write`), and keep what they add
        to the organisations' pages with the source; ``each`` is called for each process read."""
        with source.pages_kept(year) or nullcontext() as kept:
            pages = write_year(self._write, year, source.compiled(year), source.headers(year), each, kept)
        source.keep(pages)
        return pages

    def _counted(self, rows: Iterable[Any], what: str) -> Iterator[Any]:
        """``rows`` as they are, with progress every :data:`PROGRESS_EVERY` (a pass over every process takes
        minutes at a national scale) and at the end."""
        progress = _Progress(self.progress, what)
        for row in rows:
            progress.step()
            yield row
        progress.end()

    def _entities(self, entities: Entities) -> int:
        shards = Shards(self._data, "e")
        for org, page in entities.pages():
            shards.add(org, page)
        self._data("e/index", [first for first, _ in shards.close()])
        return shards.count

    def _statistics(self, coverage: dict[str, Any], counts: dict[str, Any], organisations: int,
                    meta: dict[str, Any]) -> None:
        """indicators.js (definitions, filter values, supplier ranking), one file per indicator with its
        charted rows (``i/<code>.js``, loaded when chosen), and summary.js (coverage, headline, red flags)."""
        registry = [{"code": i.code, "name_es": i.name_es, "name_en": i.name_en, "kind": i.kind, "unit": i.unit,
                     "definition_es": i.definition_es, "definition_en": i.definition_en, "notes": i.notes,
                     "source": i.source, "population": i.population} for i in load_registry()]
        charted: dict[str, list[list[Any]]] = {info["code"]: [] for info in registry}
        buyers: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
        values: dict[str, set[str]] = {dimension: set() for dimension in ("regime", "province", "procedure_type")}
        headline, years = [], set()
        # Row by row from the CSV: the buyer grouping alone has a row per buyer, year and indicator.
        for row in _indicator_rows(self.root / "indicators/indicators.csv"):
            grouping = row["grouping"]
            if grouping == "year+buyer":
                kept = buyers.setdefault((row["indicator"], str(row["year"])), [])
                entry = (row["eligible"] or 0, _Reversed(str(row["buyer"])), [row.get(field) for field in ROW_FIELDS])
                (heapq.heappush if len(kept) < TOP_BUYERS else heapq.heappushpop)(kept, entry)
                continue
            if grouping not in CHARTED:
                continue
            charted[row["indicator"]].append([row.get(field) for field in ROW_FIELDS])
            dimension = grouping.partition("+")[2]
            if dimension in values and row[dimension] is not None:
                values[dimension].add(row[dimension])
            if grouping == "year":
                years.add(row["year"])
                if row["indicator"] in HEADLINE:
                    headline.append(row)
        for code, code_rows in charted.items():
            top = {year: [entry[2] for entry in sorted(kept, reverse=True)]
                   for (indicator, year), kept in buyers.items() if indicator == code}
            self._data(f"i/{code}", {"rows": code_rows, "buyers": top})
        ranking: dict[str, list[list[Any]]] = {}
        with open(self.root / "indicators/suppliers.csv", encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                if int(row["rank"]) <= RANKED:
                    ranking.setdefault(row["year"], []).append([int(row["rank"]), row["supplier"], row["ruc"], row["id"],
                                                                float(row["awarded_value"]), int(row["processes"])])
        self._data("indicators", {
            "registry": registry, "fields": ROW_FIELDS, "years": sorted(y for y in years if y is not None),
            "values": {dimension: sorted(found, key=str) for dimension, found in values.items()}, "ranking": ranking})
        texts = flag_texts()
        self._data("summary", {
            **coverage, "organisations": organisations, "search_parts": counts["search_parts"],
            "processes_by_year": counts["processes"], "headline": headline,
            "flags": {code: {**texts[code], "threshold": _threshold(code, meta)} for code in CODES},
            "records": {year: f"ocds/{year}/records.json.gz" for year in counts["processes"]},
            "license": {"url": self.config.license, "title": self.config.license_title,
                        "attribution": self.config.license_attribution},
        })

    def _data(self, key: str, value: Any) -> None:
        """Write a data file (``site/data/<key>.js``) and list it."""
        self._write(key, value)
        self.written.append(f"{DATA}/{key}.js")

    def _write(self, key: str, value: Any) -> None:
        """Write a data file without listing it (a forked worker's files are listed by the parent)."""
        write_bytes(self.root / f"{DATA}/{key}.js", _script(key, value))

    # -- pages and assets ---------------------------------------------------------------------
    def _assets(self) -> None:
        import plotly

        targets = {"site/assets/plotly.min.js": Path(plotly.__file__).parent / "package_data" / "plotly.min.js",
                   "site/assets/site.js": HERE / "assets" / "site.js", "site/assets/site.css": HERE / "assets" / "site.css"}
        for relative, source in targets.items():
            target = self.root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            before = self.previous / relative if self.previous else None
            if before is not None and before.is_file() and filecmp.cmp(source, before, shallow=False):
                os.link(before, target)  # plotly.min.js alone is 4.6 MB a version
            else:
                shutil.copyfile(source, target)
            self.written.append(relative)

    def _pages(self) -> None:
        environment = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                                  keep_trailing_newline=True)
        texts = labels()
        for page in PAGES:
            html = environment.get_template(f"{page}.html").render(page=page, t=texts, config=self.config)
            write_bytes(self.root / f"{page}.html", html.encode("utf-8"))
            self.written.append(f"{page}.html")


class _Reversed(str):
    """A buyer id that sorts backwards, so that the heap keeps the first ids among equal counts."""

    def __lt__(self, other: str) -> bool:
        return str.__gt__(self, other)


_NUMBERS = {"numerator", "denominator", "value", "percent", "rounded", "eligible", "coverage", "not_computable"}


def _indicator_rows(path: Path) -> Iterator[dict[str, Any]]:
    """indicators.csv's rows with numbers as numbers and empty cells as None (as in indicators.json)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            out: dict[str, Any] = {}
            for key, text in row.items():
                if text == "":
                    out[key] = None
                elif key == "year" or (key in _NUMBERS and text.lstrip("-").isdigit()):
                    out[key] = int(text)
                elif key in _NUMBERS:
                    out[key] = float(text)
                else:
                    out[key] = text
            yield out


def _threshold(code: str, meta: dict[str, Any]) -> Any:
    """The threshold a red flag used in this publication (its fence, or cardinal's default setting)."""
    settings = Settings()
    fixed = {"R003": settings.r003_threshold, "R035": settings.r035_threshold}
    if code in fixed:
        return fixed[code]
    found = meta.get(code, {})
    if code == "R038":  # one fence per kind of organisation
        return "; ".join(f"{group}: {fences.get('upper_fence')}" for group, fences in sorted(found.items())) or None
    return found.get("lower_fence", found.get("upper_fence"))


class _Progress:
    """Progress of a pass over processes, every :data:`PROGRESS_EVERY` and at the end."""

    def __init__(self, report: Callable[..., None] | None, what: str) -> None:
        self.report, self.what, self.done = report, what, 0

    def step(self) -> None:
        self.add(1)

    def add(self, processes: int) -> None:
        before, self.done = self.done, self.done + processes
        if self.report and self.done // PROGRESS_EVERY > before // PROGRESS_EVERY:
            self.report(self.what, self.done)

    def end(self) -> None:
        if self.report:
            self.report(self.what, self.done)
