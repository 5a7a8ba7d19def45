"""Stage 3 — compile releases into records: compiled and versioned releases, per ocid.

``Merger(schema).compiled(releases)`` / ``.versioned(releases)`` follow the OCDS 1.1 merge rules
of the given (extension-patched) release schema; tests prove them equal to ocdsmerge's output.
"""

from __future__ import annotations

from .merge import MergeConflict, MergeError, Merger
from .rules import merge_rules

__all__ = ["MergeConflict", "MergeError", "Merger", "merge_rules"]
