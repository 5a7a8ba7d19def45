"""The publication's static site (docs/site.md): home, indicators, process search, a page per process
and per buyer or supplier, and downloads — in Spanish and English, from ``file://`` or any host.

Pages are rendered once (Jinja2, every value escaped); the data they show is written as small
JavaScript files that register themselves (``OCDS_SITE.put(...)``), because a browser reading from
``file://`` runs scripts but refuses ``fetch``. Nothing grows with the whole publication in one file:
process pages come in shards of :data:`SHARD` processes in ocid order, the search index per year
in parts of :data:`SEARCH_PART` rows, organisations in shards of :data:`SHARD`. The chart library
(plotly.js) is copied from the plotly package; nothing is fetched when a page is viewed.
"""

from __future__ import annotations

import csv
import filecmp
import heapq
import os
import shutil
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import orjson
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ...atomic import write_bytes
from ...config import Config
from ...indicators.facts import fact_row, party_rows
from ...indicators.redflags import CODES, Settings, red_flags
from ...indicators.summary import load_registry
from ...procedure_types import ProcedureTypes
from ...resources import data_path, read_yaml
from .entities import Entities
from .processes import process_page, search_row

SHARD = 500
SEARCH_PART = 5_000
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

    def __init__(self, root: Path, config: Config, progress: Callable[[str, int], None] | None = None,
                 previous: Path | None = None) -> None:
        """``previous``: the current version, whose identical static assets are hard-linked, not copied."""
        self.root, self.config, self.progress, self.previous = root, config, progress, previous
        self.written: list[str] = []
        self.types = ProcedureTypes.load()

    def build(self, compiled: Callable[[], Iterable[tuple[str, str, str | None]]], coverage: dict[str, Any],
              downloads: list[dict[str, Any]], releases: Iterable[tuple[str, str, str, str]] = (),
              flags: dict[str, Any] | None = None) -> list[str]:
        """``compiled()`` gives (ocid, year, compiled release JSON) in the store's ocid order. ``releases`` gives
        (ocid, release id, date, tags JSON) in the same order, for each process's list of releases. ``flags``:
        the red flags of every process (:func:`~ocds_pipeline.indicators.redflags.red_flags` with cardinal's
        defaults), when already known (a publication tallies them with its statistics); else ``compiled()``
        is read twice, for them first (they need every process before any is flagged)."""
        if flags is None:
            flags = red_flags(orjson.loads(body) for _, _, body in self._counted(compiled(), "processes read (red flags)")
                              if body is not None)
        entities = Entities()
        for group in ("Buyer", "ProcuringEntity", "Tenderer"):
            for org, codes in flags.get(group, {}).items():
                entities.flag(org, codes)
        counts = self._processes(compiled(), flags.get("OCID", {}), entities, _histories(releases))
        organisations = self._entities(entities)
        self._statistics(coverage, counts, organisations, flags.get("Meta", {}))
        self._put(f"{DATA}/downloads.js", "downloads", [{key: entry[key] for key in DOWNLOAD_FIELDS if key in entry}
                                                        for entry in downloads if not entry["path"].startswith("site/")])
        self._assets()
        self._pages()
        return self.written

    # -- data ---------------------------------------------------------------------------------
    def _processes(self, compiled: Iterable[tuple[str, str, str | None]], flagged: dict[str, dict[str, float]],
                   entities: Entities, histories: "_Histories") -> dict[str, int]:
        """Process pages in shards, the search index per year, and the organisations' figures."""
        pages = _Shards(self, "p")
        search: dict[str, list[list[Any]]] = {}
        parts: dict[str, int] = {}
        per_year: dict[str, int] = {}
        for ocid, year, body in self._counted(compiled, "processes read (site pages)"):
            if body is None:
                continue
            release = orjson.loads(body)
            fact = fact_row(release, self.types)
            codes = flagged.get(ocid, {})
            page = process_page(release, year, codes, histories.of(ocid))
            rows = search.setdefault(year, [])
            rows.append(search_row(page, fact, pages.add(ocid, page)))
            per_year[year] = per_year.get(year, 0) + 1
            suppliers = [(row["org"], row["value"]) for row in party_rows(release) if row["role"] == "supplier"]
            entities.add(release, fact, suppliers, bool(codes))
            if len(rows) >= SEARCH_PART:
                self._search_part(year, parts, rows)
        pages.close()
        for year, rows in search.items():
            if rows or not parts.get(year):
                self._search_part(year, parts, rows)
        return {"search_parts": parts, "processes": per_year}

    def _counted(self, rows: Iterable[Any], what: str) -> Iterator[Any]:
        """``rows`` as they are, with progress every :data:`PROGRESS_EVERY` (each pass reads every process:
        at a national scale, minutes) and at the end."""
        done = 0
        for done, row in enumerate(rows, 1):
            if self.progress and done % PROGRESS_EVERY == 0:
                self.progress(what, done)
            yield row
        if self.progress:
            self.progress(what, done)

    def _search_part(self, year: str, parts: dict[str, int], rows: list[list[Any]]) -> None:
        number = parts.get(year, 0)
        self._put(f"{DATA}/search/{year}-{number}.js", f"search/{year}-{number}", rows)
        parts[year] = number + 1
        rows.clear()

    def _entities(self, entities: Entities) -> int:
        shards = _Shards(self, "e")
        for org, page in entities.pages():
            shards.add(org, page)
        return shards.close()

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
            self._put(f"{DATA}/i/{code}.js", f"i/{code}", {"rows": code_rows, "buyers": top})
        ranking: dict[str, list[list[Any]]] = {}
        with open(self.root / "indicators/suppliers.csv", encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                if int(row["rank"]) <= RANKED:
                    ranking.setdefault(row["year"], []).append([int(row["rank"]), row["supplier"], row["ruc"], row["id"],
                                                                float(row["awarded_value"]), int(row["processes"])])
        self._put(f"{DATA}/indicators.js", "indicators", {
            "registry": registry, "fields": ROW_FIELDS, "years": sorted(y for y in years if y is not None),
            "values": {dimension: sorted(found, key=str) for dimension, found in values.items()}, "ranking": ranking})
        texts = flag_texts()
        self._put(f"{DATA}/summary.js", "summary", {
            **coverage, "organisations": organisations, "search_parts": counts["search_parts"],
            "processes_by_year": counts["processes"], "headline": headline,
            "flags": {code: {**texts[code], "threshold": _threshold(code, meta)} for code in CODES},
            "records": {year: f"ocds/{year}/records.json.gz" for year in counts["processes"]},
            "license": {"url": self.config.license, "title": self.config.license_title,
                        "attribution": self.config.license_attribution},
        })

    def _put(self, relative: str, key: str, value: Any) -> None:
        write_bytes(self.root / relative, _script(key, value))
        self.written.append(relative)

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


class _Shards:
    """Items written in files of :data:`SHARD` in the order they come (``<kind>/<n>.js``), and
    ``<kind>/index.js``: the first key of each file, for the browser to find a key's file."""

    def __init__(self, site: Site, kind: str) -> None:
        self.site, self.kind = site, kind
        self.firsts: list[str] = []
        self.shard: dict[str, Any] = {}
        self.count = 0

    def add(self, key: str, item: Any) -> int:
        """Add an item; returns the number of the file that holds it."""
        if not self.shard:
            self.firsts.append(key)
        self.shard[key] = item
        self.count += 1
        number = len(self.firsts) - 1
        if len(self.shard) >= SHARD:
            self._flush()
        return number

    def close(self) -> int:
        """Write what is left and the index; returns how many items were written."""
        if self.shard:
            self._flush()
        self.site._put(f"{DATA}/{self.kind}/index.js", f"{self.kind}/index", self.firsts)
        return self.count

    def _flush(self) -> None:
        number = len(self.firsts) - 1
        self.site._put(f"{DATA}/{self.kind}/{number}.js", f"{self.kind}/{number}", self.shard)
        self.shard = {}


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


class _Histories:
    """Each process's releases, taken from a stream in the store's ocid order (the compiled index's)."""

    def __init__(self, groups: Iterator[tuple[str, list[list[Any]]]]) -> None:
        self.groups = groups

    def of(self, ocid: str) -> list[list[Any]]:
        """[date, tags, release id] of each release of ``ocid``; the streams share one order, so the
        groups of ocids without a compiled release are skipped on the way."""
        for found, history in self.groups:
            if found == ocid:
                return history
        return []


def _histories(releases: Iterable[tuple[str, str, str, str]]) -> _Histories:
    from itertools import groupby

    grouped = ((ocid, [[date, orjson.loads(tags), release_id] for _, release_id, date, tags in rows])
               for ocid, rows in groupby(releases, key=lambda row: row[0]))
    return _Histories(grouped)


def compiled_rows(index: Iterator[tuple[str, str, str, str | None, str | None]]) -> Iterator[tuple[str, str, str | None]]:
    """(ocid, year, body) from the store's compiled index."""
    for ocid, year, _, body, _ in index:
        yield ocid, year, body

