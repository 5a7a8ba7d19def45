"""Validate an OC4IDS project package: each project against the pinned OC4IDS 0.9.5 schema.

The same checks as releases get — schema, closed and open codelists (OC4IDS's own), unique ids
within arrays — plus one content per project id, and the package's own fields against the
project package schema. Findings name the project id where a
release report names the ocid.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..schemas import SchemaResolver
from ..sources.oc4ids import project_package_fields, read_projects
from ..sources.rejects import truncate
from .checkers import PackageChecker, ProjectChecker
from .duplicates import DuplicateFinder, release_key
from .report import Finding, ValidationReport


def validate_projects(path: Path, resolver: SchemaResolver,
                      progress: Callable[[str, int], None] | None = None) -> ValidationReport:
    """Validate every project of the package at ``path``."""
    checker = ProjectChecker(resolver)
    report = ValidationReport(str(path), unit="projects")
    duplicates = DuplicateFinder()
    for number, project in enumerate(read_projects(path)):
        if not isinstance(project, dict):
            report.add(Finding("project.type", "", "", f"projects/{number}", truncate(project, 80), "a project must be a JSON object"))
            continue
        project_id = str(project.get("id", ""))
        checker.check(project, report, project_id, "")
        report.releases += 1
        duplicates.add(release_key(project_id, ""), 0)
        if progress and report.releases % 10_000 == 0:
            progress("projects", report.releases)
    fields = project_package_fields(path)
    if fields is None:
        report.warnings.append("the package's own fields were not found at the ends of the file: not checked")
    else:
        PackageChecker(resolver).check("projects", fields, report)
    again = ((str(p.get("id", "")), "", p) for p in read_projects(path) if isinstance(p, dict))
    for project_id, _ in duplicates.duplicates(lambda _: again):
        report.add(Finding("project.duplicate", project_id, "", "id", project_id,
                           "another project with this id has different content"))
    return report
