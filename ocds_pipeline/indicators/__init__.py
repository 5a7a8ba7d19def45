"""Stage 5 — indicators over compiled releases from any OCDS source, by any grouping.

``compute(path_or_iterable, by=["year"]) -> DataFrame`` gives, per group and indicator, the
numerator, denominator, value and coverage (never a share without its denominator). Every
indicator is defined once in ``schemas/indicators/registry.yaml``. Modules: ``facts`` (one row
per process), ``summary`` (aggregation), ``redflags`` (cardinal's flags), ``groups``.

pandas is imported when an indicator is first used, not with this package, so that the command
line (which lists the groupings in its help) starts fast.
"""

from __future__ import annotations

from typing import Any

from .groups import GROUPS

# ``facts`` is the submodule (``facts.facts(compiled_releases)`` gives the fact tables), never the
# function: a lazy name equal to a submodule's would change meaning once the submodule is imported.
__all__ = ["GROUPS", "Facts", "Indicator", "compute", "load_registry", "summarise"]
_LAZY = {"Facts": "facts", "Indicator": "summary", "compute": "summary", "load_registry": "summary",
         "summarise": "summary"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f".{_LAZY[name]}", __name__), name)
