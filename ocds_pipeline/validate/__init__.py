"""Stage 4 — validate OCDS data against the pinned, extension-patched schemas, and check its quality.

- ``files.validate_file``: a whole file (any OCDS shape, or an OC4IDS project package), in
  parallel blocks when it allows, into a grouped ``report.ValidationReport``;
- ``checkers``: what each release, record, package or project gets — schema (``schema``),
  codelists (``codelists``), unique ids (``identifiers``); ``duplicates`` across the file;
- ``quality/``: pelican-style data-quality checks on compiled releases.

``ReleaseValidator`` checks releases one at a time (never a whole package at once: the package
schema's ``uniqueItems`` on ``releases`` is quadratic). It uses jsonschema-rs for speed;
``reference=True`` uses the pure-Python jsonschema reference implementation instead.
"""

from __future__ import annotations

from .schema import ProjectValidator, ReleaseValidator, SchemaIssue, SchemaValidator

__all__ = ["ProjectValidator", "ReleaseValidator", "SchemaIssue", "SchemaValidator"]
