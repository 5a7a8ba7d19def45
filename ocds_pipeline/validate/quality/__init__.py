"""Data-quality checks on compiled releases, after the OCDS data-quality tool pelican.

Process checks (:mod:`.process`) return, per compiled release, ``True`` (pass), ``False`` (fail,
with the paths that failed) or ``None`` (not applicable: the fields they need are absent).
Dataset checks (:mod:`.dataset`) look at all processes at once; field coverage
(:mod:`.coverage`) and a usability index (:mod:`.usability`) complete the report. Descriptions
(es/en) live once, in ``schemas/quality/checks.yaml``; ``docs/quality.md`` is generated from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable


from ...resources import data_path, read_yaml
from ..html import Markup, escape, page, table
from .coverage import Coverage, schema_paths
from .dataset import REPORT_ONLY, DatasetCounts, dataset_results
from .process import RELEASE_CHECKS
from .usability import Usability

__all__ = ["RELEASE_CHECKS", "CheckResult", "DatasetCounts", "Observed", "QualityCounts", "QualityReport", "check_quality",
           "dataset_results", "load_descriptions", "observe", "schema_paths"]
USABILITY_NOTE = ("Share of processes with each key field group (tenderers, call for tenders and deadline: competitive "
                  "procedures only); the index is the mean over processes of the share of their groups that are "
                  "present (a ProACT-style transparency index).")
WORDS = {  # what the HTML page says, in each language it is published in
    "en": {"title": "Data quality ({:,} processes)", "process": "Process checks", "dataset": "Dataset checks",
           "usability": "Usability: index {}", "examples": "Examples of failures", "coverage": "Field coverage",
           "coverage note": "Per path: how many times the field could occur (its parent's occurrences), exists, and is not empty.",
           "paths": "{:,} paths", "usability note": USABILITY_NOTE,
           "results": {"pass": "pass", "fail": "fail", "not applicable": "not applicable", "report": "report"},
           "columns": ["check", "description", "pass", "fail", "n/a", "result", "measured", "field group", "share", "ocid",
                       "paths", "path", "possible", "exists", "non-empty"]},
    "es": {"title": "Calidad de los datos ({:,} procesos)", "process": "Verificaciones por proceso",
           "dataset": "Verificaciones del conjunto de datos", "usability": "Usabilidad: índice {}",
           "examples": "Ejemplos de fallas", "coverage": "Cobertura de campos",
           "coverage note": "Por ruta: cuántas veces podría aparecer el campo (las apariciones de su objeto padre), "
                            "cuántas existe y cuántas no está vacío.",
           "paths": "{:,} rutas",
           "results": {"pass": "pasa", "fail": "falla", "not applicable": "no aplica", "report": "informe"},
           "usability note": "Proporción de procesos con cada grupo de campos clave (oferentes, convocatoria y plazo: solo "
                             "procedimientos competitivos); el índice es la media, por proceso, de la proporción de sus "
                             "grupos presentes (un índice de transparencia al estilo de ProACT).",
           "columns": ["verificación", "descripción", "pasa", "falla", "n/a", "resultado", "medido", "grupo de campos",
                       "proporción", "ocid", "rutas", "ruta", "posibles", "existe", "no vacío"]},
}


@dataclass
class CheckResult:
    passed: int = 0
    failed: int = 0
    not_applicable: int = 0
    examples: list[dict[str, str]] = field(default_factory=list)


@dataclass
class QualityReport:
    processes: int
    checks: dict[str, CheckResult]
    dataset: dict[str, tuple[bool | None, Any]]
    coverage: dict[str, dict[str, int]]
    usability: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"processes": self.processes,
                "checks": {name: {"passed": c.passed, "failed": c.failed, "not_applicable": c.not_applicable,
                                  "examples": c.examples} for name, c in self.checks.items()},
                "dataset": {name: {"result": _result(name, ok), "measured": what} for name, (ok, what) in self.dataset.items()},
                "usability": self.usability, "coverage": self.coverage}

    def _rows(self, descriptions: dict[str, dict[str, str]], language: str) -> tuple[list[list[Any]], list[list[Any]]]:
        checks = [[name, descriptions.get(name, {}).get(language, ""), f"{c.passed:,}", f"{c.failed:,}", f"{c.not_applicable:,}"]
                  for name, c in self.checks.items()]
        dataset = [[name, descriptions.get(name, {}).get(language, ""), WORDS[language]["results"][_result(name, ok)], _measured(what)]
                   for name, (ok, what) in self.dataset.items()]
        return checks, dataset

    def markdown(self, descriptions: dict[str, dict[str, str]], language: str = "en") -> str:
        checks, dataset = self._rows(descriptions, language)
        lines = [f"# Data quality ({self.processes:,} processes)", "",
                 "| check | description | pass | fail | n/a |", "|---|---|---:|---:|---:|"]
        lines += [f"| `{n}` | {d} | {p} | {f} | {a} |" for n, d, p, f, a in checks]
        lines += ["", "| dataset check | description | result | measured |", "|---|---|---|---|"]
        lines += [f"| `{n}` | {d} | {'**fail**' if r == 'fail' else r} | {m.replace('|', '/')} |" for n, d, r, m in dataset]
        if self.usability:
            lines += ["", f"## Usability: index {self.usability['index']}", "", USABILITY_NOTE, "",
                      "| field group | share |", "|---|---:|"]
            lines += [f"| {name} | {share} |" for name, share in self.usability["groups"].items()]
        failing = [(n, c) for n, c in self.checks.items() if c.examples]
        if failing:
            lines += ["", "## Examples of failures", ""]
            for name, c in failing:
                lines += [f"- `{name}`: " + "; ".join(f"{e['ocid']} `{e['path']}`" for e in c.examples)]
        return "\n".join(lines) + "\n"

    def html(self, descriptions: dict[str, dict[str, str]], language: str = "en") -> str:
        """A self-contained page in ``language`` (en, es): checks, dataset checks, usability, examples, field coverage."""
        words = WORDS[language]
        (check, description, passed, failed, na, result, measured, group, share, ocid, paths, path, possible, exists,
         non_empty) = words["columns"]
        checks, dataset = self._rows(descriptions, language)
        sections: list[tuple[str, list[Any]]] = [
            (words["process"], [table([check, description, passed, failed, na], checks, numeric=[2, 3, 4])]),
            (words["dataset"], [table([check, description, result, measured], dataset)]),
        ]
        if self.usability:
            sections.append((words["usability"].format(self.usability["index"]), [
                words["usability note"], table([group, share], list(self.usability["groups"].items()), numeric=[1])]))
        examples = [[name, e["ocid"], e["path"]] for name, c in self.checks.items() for e in c.examples]
        if examples:
            sections.append((words["examples"], [table([check, ocid, paths], examples)]))
        coverage = [[p, f"{c['possible']:,}", f"{c['exists']:,}", f"{c['non_empty']:,}"] for p, c in self.coverage.items()]
        sections.append((words["coverage"], [
            words["coverage note"],
            Markup(f"<details><summary>{escape(words['paths'].format(len(coverage)))}</summary>"
                   + table([path, possible, exists, non_empty], coverage, numeric=[1, 2, 3]) + "</details>")]))
        return page(words["title"].format(self.processes), sections, lang=language)


def _result(name: str, ok: bool | None) -> str:
    if name in REPORT_ONLY:
        return "report"
    return {True: "pass", False: "fail", None: "not applicable"}[ok]


def _measured(what: Any) -> str:
    if isinstance(what, dict):
        return "; ".join(f"{k}: {_measured(v)}" for k, v in what.items())
    if isinstance(what, list):
        return ", ".join(_measured(v) for v in what)
    return str(what)


@dataclass
class QualityCounts:
    """Everything the report needs, accumulated one compiled release at a time; parts merge in order."""

    examples: int = 5
    processes: int = 0
    results: dict[str, CheckResult] = field(default_factory=lambda: {name: CheckResult() for name in RELEASE_CHECKS})
    dataset: DatasetCounts = field(default_factory=DatasetCounts)
    coverage: Coverage = field(default_factory=Coverage)
    usability: Usability = field(default_factory=Usability)

    def add(self, release: dict[str, Any]) -> None:
        self.take(observe(release))

    def take(self, observed: Observed) -> None:
        """Count what :func:`observe` saw of one compiled release (kept, or just seen)."""
        ocid, dataset, usability, coverage, outcomes = observed
        self.processes += 1
        self.dataset.take(dataset)
        self.usability.take(usability)
        self.coverage.take(coverage)
        for result, outcome in zip(self.results.values(), outcomes):
            if outcome is None:
                result.not_applicable += 1
            elif outcome is True:
                result.passed += 1
            else:
                result.failed += 1
                _keep_first(result.examples, [{"ocid": ocid, "path": outcome}], self.examples)

    def merge(self, other: "QualityCounts") -> None:
        """Add the counts of a later part of the same file."""
        self.processes += other.processes
        for name, theirs in other.results.items():
            mine = self.results[name]
            mine.passed, mine.failed = mine.passed + theirs.passed, mine.failed + theirs.failed
            mine.not_applicable += theirs.not_applicable
            _keep_first(mine.examples, theirs.examples, self.examples)
        self.dataset.merge(other.dataset)
        self.coverage.merge(other.coverage)
        self.usability.merge(other.usability)

    def report(self, schema: dict[str, Any] | None = None) -> QualityReport:
        return QualityReport(self.processes, self.results, dataset_results(self.dataset),
                             self.coverage.as_dict(schema_paths(schema) if schema else set()), self.usability.as_dict())


# What the report takes from one compiled release: its ocid, what the dataset checks, the usability index and the
# field coverage count of it, and each process check's outcome (None: not applicable, True: pass, else the paths
# that failed). Plain values: a publish keeps each process's (publish/processcache.py) and counts it again unread.
Observed = tuple[str, tuple[Any, ...], tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]


def observe(release: dict[str, Any]) -> Observed:
    """What :meth:`QualityCounts.take` counts of one compiled release."""
    outcomes = []
    for check in RELEASE_CHECKS.values():
        ok, paths = check(release)
        outcomes.append(None if ok is None else True if ok else ", ".join(paths))
    return (str(release.get("ocid")), DatasetCounts.observe(release), Usability.observe(release),
            Coverage.observe(release), tuple(outcomes))


def _keep_first(examples: list[dict[str, str]], more: list[dict[str, str]], limit: int) -> None:
    """Keep the ``limit`` examples first in (ocid, path) order, whatever order processes come in."""
    if len(examples) >= limit and more and (more[0]["ocid"], more[0]["path"]) >= (examples[-1]["ocid"], examples[-1]["path"]):
        return  # the common case once the list is full: nothing earlier
    examples += more
    examples.sort(key=lambda e: (e["ocid"], e["path"]))
    del examples[limit:]


def check_quality(compiled_releases: Iterable[dict[str, Any]], examples: int = 5,
                  schema: dict[str, Any] | None = None) -> QualityReport:
    """Run every compiled-release and dataset check over the compiled releases.

    With the release ``schema``, field coverage also lists the schema's fields that never occur.
    """
    counts = QualityCounts(examples)
    for release in compiled_releases:
        counts.add(release)
    return counts.report(schema)


def load_descriptions() -> dict[str, dict[str, str]]:
    """Each check's description in Spanish and English, from schemas/quality/checks.yaml."""
    doc = read_yaml(data_path("schemas", "quality", "checks.yaml"))
    return {check["name"]: {"en": check["en"], "es": check["es"]} for check in doc["checks"]}
