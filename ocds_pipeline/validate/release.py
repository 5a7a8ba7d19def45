"""Every check one release gets: schema, codelists, unique ids, ocid and release id shape.

Built once per set of declared extensions; forked worker processes inherit it. The schema and
codelist checks run in jsonschema-rs and the id walk visits only the arrays that need it, so a
valid release costs about as much as parsing it.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from ..extensions import patched_codelists
from ..schemas import SchemaResolver
from ..sources.rejects import truncate
from .codelists import CodelistValidator
from .identifiers import duplicate_ids, id_plan
from .report import Finding, ValidationReport
from .schema import ReleaseValidator

OCID = re.compile(r"^ocds-[a-z0-9]{6}-")


class ReleaseChecker:
    """Checks releases against OCDS 1.1.5 with the given extensions and records findings in a report."""

    def __init__(self, resolver: SchemaResolver, extensions: Iterable[str], base_uri: str = "") -> None:
        extensions = tuple(extensions)
        self.schema = ReleaseValidator(resolver, extensions, base_uri=base_uri)
        self.codelists = CodelistValidator(self.schema.schema, patched_codelists(resolver, extensions, base_uri))
        self.plan = id_plan(self.schema.schema)

    def check(self, release: dict[str, Any], report: ValidationReport) -> None:
        """Record the release's problems in ``report``."""
        ocid, rid = release["ocid"], release["id"]
        for issue in self.schema.issues(release):
            report.add(Finding(f"schema.{issue.validator}", ocid, rid, issue.path,
                               truncate(_at(release, issue.path), 80), issue.message))
        if "#" in rid:
            report.add(Finding("release.id", ocid, rid, "id", truncate(rid, 80), "a release id must not contain '#'"))
        if not OCID.match(ocid):
            report.add(Finding("release.ocid", ocid, rid, "ocid", truncate(ocid, 80),
                               "an ocid starts with a registered prefix: 'ocds-' + 6 lowercase letters or digits + '-'"))
        for issue in self.codelists.issues(release):
            if issue.open:
                report.add_note(Finding("codelist.open", ocid, rid, issue.path, truncate(issue.value, 80),
                                        f"not a code of the open codelist {issue.codelist}: allowed, but check that no code fits"))
            else:
                report.add(Finding("codelist.closed", ocid, rid, issue.path, truncate(issue.value, 80),
                                   f"not a code of the closed codelist {issue.codelist}"))
        for where, identifier in duplicate_ids(release, self.plan):
            report.add(Finding("unique.id", ocid, rid, where, identifier, "two objects in this array have the same id"))
        report.releases += 1


def _at(document: Any, path: str) -> Any:
    for part in [p for p in path.split("/") if p]:
        if isinstance(document, list):
            document = document[int(part)] if part.isdigit() and int(part) < len(document) else None
        elif isinstance(document, dict):
            document = document.get(part)
        else:
            return None
    return document
