"""Validate an OCDS file offline and report errors people can act on, grouped like the Data Review Tool.

Schema errors come from the OCDS 1.1.5 schema patched with the extensions the file declares
(resolved from pinned local copies; an extension URL that is not available offline is a warning
naming it). Further checks: release ids without ``#``, ocids with a registered-prefix shape,
unique ``id`` within arrays, and one content per (ocid, release id).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ..extensions import LOCAL_EXTENSIONS_DIR, codelist_fields, local_extension_url, patched_codelists
from ..resources import data_path
from ..schemas import SchemaResolver, extension_urls
from ..sources.ocds import OcdsReadStats, read_ocds
from ..sources.rejects import truncate
from ..store import StoredRelease
from .schema import ReleaseValidator

OCID = re.compile(r"^ocds-[a-z0-9]{6}-")
INDEX = re.compile(r"/\d+(?=/|$)")
EXAMPLES = 5


@dataclass(frozen=True)
class Finding:
    """One problem: where (ocid, release id, JSON path), what (check, value) and why (message)."""

    check: str
    ocid: str
    release_id: str
    path: str
    value: str
    message: str


@dataclass
class Group:
    check: str
    path: str
    message: str
    count: int = 0
    examples: list[Finding] = field(default_factory=list)


@dataclass
class ValidationReport:
    """Findings grouped by check and path (array indexes folded), with counts and examples."""

    source: str
    releases: int = 0
    extensions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    groups: dict[tuple[str, str, str], Group] = field(default_factory=dict)
    declared: set[str] = field(default_factory=set)  # extension URLs the file declares
    notes: dict[tuple[str, str, str], Group] = field(default_factory=dict)

    def add(self, finding: Finding) -> None:
        """Record an error."""
        _record(self.groups, finding)

    def add_note(self, finding: Finding) -> None:
        """Record something worth a look that is not an error (counted apart)."""
        _record(self.notes, finding)

    @property
    def errors(self) -> int:
        return sum(g.count for g in self.groups.values())

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "releases": self.releases, "errors": self.errors, "extensions": self.extensions,
                "warnings": self.warnings,
                "groups": [{"check": g.check, "path": g.path, "message": g.message, "count": g.count,
                            "examples": [asdict(e) for e in g.examples]} for g in self.sorted_groups()],
                "notes": [{"check": g.check, "path": g.path, "message": g.message, "count": g.count,
                           "examples": [asdict(e) for e in g.examples]} for g in self.notes.values()]}

    def sorted_groups(self) -> list[Group]:
        return sorted(self.groups.values(), key=lambda g: (-g.count, g.check, g.path))

    def markdown(self) -> str:
        lines = [f"# Validation of {self.source}", "",
                 f"{self.releases:,} releases, **{self.errors:,} errors** in {len(self.groups)} groups.", ""]
        if self.extensions:
            lines += ["Extensions applied: " + ", ".join(f"`{e}`" for e in self.extensions), ""]
        lines += [f"- warning: {w}" for w in self.warnings] + ([""] if self.warnings else [])
        for group in self.sorted_groups():
            lines += [f"## {group.check} at `{group.path or '/'}` ({group.count:,})", "", group.message, "",
                      "| ocid | release | path | value |", "|---|---|---|---|"]
            lines += [f"| {e.ocid} | {e.release_id} | `{e.path}` | `{e.value}` |" for e in group.examples]
            lines.append("")
        return "\n".join(lines)


def _record(groups: dict[tuple[str, str, str], Group], finding: Finding) -> None:
    """Count a finding in its group (check, path with array indexes folded, message shape)."""
    key = (finding.check, INDEX.sub("/[]", "/" + finding.path).lstrip("/"), _message_shape(finding.message))
    group = groups.setdefault(key, Group(*key))
    group.count += 1
    if len(group.examples) < EXAMPLES:
        group.examples.append(finding)


def _message_shape(message: str) -> str:
    """The message with its quoted value removed, so that the same problem groups together."""
    return re.sub(r"^.*? is not one of", "value is not one of", re.sub(r"^'[^']*'|^\"[^\"]*\"|^-?\d[\d.e+-]*", "value", message))


def _extension_names(urls: list[str], base_uri: str, warnings: list[str]) -> list[str]:
    """Pinned or local extension folders for the declared URLs; the others become warnings."""
    by_url = {url: name for name, url in extension_urls().items()}
    local = data_local_extensions(base_uri)
    names = []
    for url in urls:
        name = by_url.get(url) or local.get(url)
        if name is None:
            warnings.append(f"extension {url} is not available offline: its fields are checked as additional fields")
        elif name not in names:
            names.append(name)
    # Dependencies that declared extensions leave unstated: project needs location (its
    # extension.json says so); lots@master refers to SubmissionTerms, defined by submissionTerms.
    for needs, dependency in (("ocds_project_extension", "ocds_location_extension-master"),
                              ("ocds_lots_extension-master", "ocds_submissionTerms_extension")):
        if needs in names and dependency not in names:
            names.insert(names.index(needs), dependency)
    return names


def data_local_extensions(base_uri: str) -> dict[str, str]:
    """This project's own extensions by the URL they are published at."""
    folder = data_path(*LOCAL_EXTENSIONS_DIR)
    return {local_extension_url(path.name, base_uri): path.name for path in folder.iterdir() if path.is_dir()}


class CodelistChecker:
    """Values of codelist fields that are not codes of their (extension-patched) codelist.

    Closed codelists are enforced by the schema's enums already; this reports open-codelist
    values outside the codelist, and closed-codelist fields without an enum (some extensions).
    """

    def __init__(self, resolver: SchemaResolver, schema: dict[str, Any], extensions: list[str], base_uri: str) -> None:
        self.fields = codelist_fields(schema)
        self.codes = patched_codelists(resolver, extensions, base_uri)

    def findings(self, release: dict[str, Any]) -> Iterator[tuple[str, str, str, bool]]:
        """(JSON path, value, codelist, open?) for each value not in its codelist."""
        yield from self._walk(release, (), "")

    def _walk(self, value: Any, path: tuple[str, ...], where: str) -> Iterator[tuple[str, str, str, bool]]:
        if isinstance(value, dict):
            for key, item in value.items():
                yield from self._walk(item, path + (key,), f"{where}/{key}" if where else key)
            return
        if isinstance(value, list) and path in self.fields:
            for index, item in enumerate(value):
                yield from self._check(path, item, f"{where}/{index}")
            return
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield from self._walk(item, path, f"{where}/{index}")
            return
        yield from self._check(path, value, where)

    def _check(self, path: tuple[str, ...], value: Any, where: str) -> Iterator[tuple[str, str, str, bool]]:
        if path in self.fields and isinstance(value, str):
            codelist, is_open = self.fields[path]
            codes = self.codes.get(codelist)
            if codes is not None and value not in codes:
                yield where, value, codelist, is_open


def _duplicate_ids(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(path, id) for objects sharing an id within one array, anywhere in a release."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _duplicate_ids(item, f"{path}/{key}" if path else key)
    elif isinstance(value, list):
        seen = set()
        for index, item in enumerate(value):
            if isinstance(item, dict) and "id" in item:
                identifier = str(item["id"])
                if identifier in seen:
                    yield f"{path}/{index}/id", identifier
                seen.add(identifier)
            yield from _duplicate_ids(item, f"{path}/{index}")


def validate_file(path: Path, resolver: SchemaResolver, *, base_uri: str = "") -> ValidationReport:
    """Validate every release in ``path`` (any shape the ingest step reads).

    One pass when packages declare their extensions before their releases (the usual order); when
    a package declares them after (SERCOP's API bodies do), a second pass validates every release
    with the full set.
    """
    report, complete = _validate_pass(path, resolver, base_uri, None)
    if not complete:
        report, _ = _validate_pass(path, resolver, base_uri, report.declared)
    return report


def _validate_pass(path: Path, resolver: SchemaResolver, base_uri: str,
                   fixed: set[str] | None) -> tuple[ValidationReport, bool]:
    report = ValidationReport(str(path))
    stats = OcdsReadStats()
    validator, declared = None, None
    complete = True
    digests: dict[tuple[str, str], str] = {}
    rejects = []
    for release in read_ocds(path, stats, rejects):
        wanted = fixed if fixed is not None else set(stats.extensions)
        if validator is None or wanted != declared:
            complete = complete and validator is None  # a change after releases were checked needs a second pass
            declared = set(wanted)
            report.warnings.clear()
            report.extensions = _extension_names(sorted(declared), base_uri, report.warnings)
            validator = ReleaseValidator(resolver, report.extensions, base_uri=base_uri)
            codelists = CodelistChecker(resolver, validator.schema, report.extensions, base_uri)
        report.releases += 1
        ocid, rid = release["ocid"], release["id"]
        enum_paths = set()
        for issue in validator.issues(release):
            value = _at(release, issue.path)
            report.add(Finding(f"schema.{issue.validator}", ocid, rid, issue.path, truncate(value, 80), issue.message))
            if issue.validator == "enum":
                enum_paths.add(issue.path)
        if "#" in rid:
            report.add(Finding("release.id", ocid, rid, "id", truncate(rid, 80), "a release id must not contain '#'"))
        if not OCID.match(ocid):
            report.add(Finding("release.ocid", ocid, rid, "ocid", truncate(ocid, 80),
                               "an ocid starts with a registered prefix: 'ocds-' + 6 lowercase letters or digits + '-'"))
        for where, value, codelist, is_open in codelists.findings(release):
            if is_open:
                report.add_note(Finding("codelist.open", ocid, rid, where, truncate(value, 80),
                                        f"not a code of the open codelist {codelist}: allowed, but check that no code fits"))
            elif where not in enum_paths:  # the schema's enum already reported it
                report.add(Finding("codelist.closed", ocid, rid, where, truncate(value, 80),
                                   f"not a code of the closed codelist {codelist}"))
        for where, identifier in _duplicate_ids(release, ""):
            report.add(Finding("unique.id", ocid, rid, where, identifier, "two objects in this array have the same id"))
        digest = StoredRelease.of(release).digest
        earlier = digests.setdefault((ocid, rid), digest)
        if earlier != digest:
            report.add(Finding("release.duplicate", ocid, rid, "id", rid,
                               "another release with this ocid and id has different content"))
    for reject in rejects:
        report.add(Finding("release.missing", "", "", reject.column, reject.value, reject.reason))
    report.declared = set(stats.extensions)
    if fixed is None and report.declared != (declared or set()):
        complete = False
    return report, complete


def _at(document: Any, path: str) -> Any:
    for part in [p for p in path.split("/") if p]:
        if isinstance(document, list):
            document = document[int(part)] if part.isdigit() and int(part) < len(document) else None
        elif isinstance(document, dict):
            document = document.get(part)
        else:
            return None
    return document
