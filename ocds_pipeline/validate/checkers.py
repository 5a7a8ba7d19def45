"""Every check one document gets: schema, codelists, unique ids for releases and projects (with the
ocid and id rules for releases); the own fields of packages and records against their schemas.

Built once per schema (per set of declared extensions); forked worker processes inherit it. The
schema and codelist checks run in jsonschema-rs and the id walk visits only the arrays that
need it, so a valid release costs little more than parsing it.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from ..extensions import patched_codelists, standard_codelists
from ..schemas import SchemaResolver
from ..sources.rejects import truncate
from .additional import AdditionalFields
from .codelists import CodelistValidator
from .identifiers import duplicate_ids, id_plan
from .report import Finding, ValidationReport
from .schema import ProjectValidator, ReleaseValidator, SchemaValidator

OCID = re.compile(r"^ocds-[a-z0-9]{6}-")


class DocumentChecker:
    """Schema, codelist and unique-id checks of documents against one schema and its codelists."""

    def __init__(self, validator: SchemaValidator, codes: dict[str, set[str]]) -> None:
        self.schema = validator
        self.codelists = CodelistValidator(validator.schema, codes)
        self.additional = AdditionalFields(validator.schema)
        self.plan = id_plan(validator.schema)

    def check(self, document: dict[str, Any], report: ValidationReport, ocid: str, rid: str) -> None:
        """Record the document's problems in ``report``, each named by ``ocid`` and ``rid``."""
        for issue in self.schema.issues(document):
            report.add(Finding(f"schema.{issue.validator}", ocid, rid, issue.path,
                               truncate(_at(document, issue.path), 80), issue.message))
        for issue in self.codelists.issues(document):
            if issue.open:
                report.add_note(Finding("codelist.open", ocid, rid, issue.path, truncate(issue.value, 80),
                                        f"not a code of the open codelist {issue.codelist}: allowed, but check that no code fits"))
            else:
                report.add(Finding("codelist.closed", ocid, rid, issue.path, truncate(issue.value, 80),
                                   f"not a code of the closed codelist {issue.codelist}"))
        for where, identifier in duplicate_ids(document, self.plan):
            report.add(Finding("unique.id", ocid, rid, where, identifier, "two objects in this array have the same id"))
        for where, key in self.additional.issues(document):
            report.add_note(Finding("additional.field", ocid, rid, f"{where}/{key}".lstrip("/"), "",
                                    "not in the schema nor in the extensions declared: allowed, but no tool knows what it means"))


class ReleaseChecker(DocumentChecker):
    """Releases against OCDS 1.1.5 with the given extensions; plus the ocid prefix and release id rules."""

    def __init__(self, resolver: SchemaResolver, extensions: Iterable[str], base_uri: str = "") -> None:
        extensions = tuple(extensions)
        super().__init__(ReleaseValidator(resolver, extensions, base_uri=base_uri),
                         patched_codelists(resolver, extensions, base_uri))

    def check_release(self, release: dict[str, Any], report: ValidationReport) -> None:
        ocid, rid = release["ocid"], release["id"]
        self.check(release, report, ocid, rid)
        if "#" in rid:
            report.add(Finding("release.id", ocid, rid, "id", truncate(rid, 80), "a release id must not contain '#'"))
        if not OCID.match(ocid):
            report.add(Finding("release.ocid", ocid, rid, "ocid", truncate(ocid, 80),
                               "an ocid starts with a registered prefix: 'ocds-' + 6 lowercase letters or digits + '-'"))
        report.releases += 1


class PackageChecker:
    """A package's own fields (all but its releases, records or projects) against its package schema."""

    SCHEMAS = {"releases": "ocds-1.1.5/release-package-schema.json", "records": "ocds-1.1.5/record-package-schema.json",
               "projects": "oc4ids-0.9.5/project-package-schema.json"}

    def __init__(self, resolver: SchemaResolver) -> None:
        self.resolver = resolver
        self._validators: dict[str, SchemaValidator] = {}

    def check(self, key: str, fields: dict[str, Any], report: ValidationReport) -> None:
        if key not in self._validators:
            self._validators[key] = SchemaValidator(_without(self.resolver.load_json(self.SCHEMAS[key]), key))
        for issue in self._validators[key].issues(fields):
            report.add(Finding(f"package.{issue.validator}", "", "", issue.path, truncate(_at(fields, issue.path), 80),
                               issue.message))


class RecordChecker:
    """A record's own fields: its ``ocid``, and ``releases`` as an array whose linked releases (url,
    date, tag) are well formed. Embedded and compiled releases are checked as releases."""

    def __init__(self, resolver: SchemaResolver) -> None:
        record = resolver.load_json(PackageChecker.SCHEMAS["records"])["definitions"]["record"]
        linked = record["properties"]["releases"]["oneOf"][0]  # "Linked releases"
        self.record = SchemaValidator({"type": "object", "required": record["required"], "properties": {
            "ocid": record["properties"]["ocid"], "releases": {"type": "array", "minItems": 1}}})
        self.linked = SchemaValidator(linked["items"])

    def check(self, record: dict[str, Any], report: ValidationReport) -> None:
        ocid = str(record.get("ocid", ""))
        shell = {key: record[key] for key in ("ocid", "releases") if key in record}
        found = [(issue.validator, issue.path, _at(record, issue.path), issue.message) for issue in self.record.issues(shell)]
        releases = record.get("releases")
        for index, release in enumerate(releases if isinstance(releases, list) else []):
            if isinstance(release, dict) and "ocid" not in release:  # a linked release
                found += [(issue.validator, f"releases/{index}/{issue.path}".rstrip("/"), _at(release, issue.path), issue.message)
                          for issue in self.linked.issues(release)]
        for validator, path, value, message in found:
            report.add(Finding(f"record.{validator}", ocid, "", path, truncate(value, 80), message))


def _without(schema: dict[str, Any], key: str) -> dict[str, Any]:
    """The package schema without its big array (checked item by item elsewhere) and the definitions it used."""
    properties = {name: value for name, value in schema["properties"].items() if name != key}
    required = [name for name in schema.get("required", []) if name != key]
    return {**{k: v for k, v in schema.items() if k not in ("definitions", "properties", "required", "id", "$id")},
            "properties": properties, "required": required}


class ProjectChecker(DocumentChecker):
    """OC4IDS projects against the pinned OC4IDS 0.9.5 project schema and its codelists."""

    def __init__(self, resolver: SchemaResolver) -> None:
        super().__init__(ProjectValidator(resolver), standard_codelists(resolver, "oc4ids-0.9.5"))


def _at(document: Any, path: str) -> Any:
    for part in [p for p in path.split("/") if p]:
        if isinstance(document, list):
            document = document[int(part)] if part.isdigit() and int(part) < len(document) else None
        elif isinstance(document, dict):
            document = document.get(part)
        else:
            return None
    return document
