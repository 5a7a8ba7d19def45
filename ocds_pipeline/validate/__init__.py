"""Stage 4 — validate OCDS data against the pinned, extension-patched schemas.

``ReleaseValidator`` checks releases one at a time (never a whole package at once: the package
schema's ``uniqueItems`` on ``releases`` is quadratic). It uses jsonschema-rs for speed;
``reference=True`` uses the pure-Python jsonschema reference implementation instead.
"""

from __future__ import annotations

from .schema import ProjectValidator, ReleaseValidator, SchemaIssue, SchemaValidator

__all__ = ["ProjectValidator", "ReleaseValidator", "SchemaIssue", "SchemaValidator"]
