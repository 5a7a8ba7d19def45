"""Field coverage per JSON path, as pelican counts it: ``exists`` and ``non_empty``.

``exists`` is counted per possible occurrence — a field against the occurrences of the object
that holds it (array items: every entry) — and ``non_empty`` per actual occurrence: among the
times the field is set, how often it is not null, ``""``, ``[]`` or ``{}``. Paths look like
``/tender/items[]/id``. Schema paths that never occur are reported too (exists 0) wherever their
parent object occurs, so that a missing field shows up as missing rather than as nothing.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

EMPTY = (None, "", [], {})


class Coverage:
    """Counts, one compiled release at a time: object occurrences, fields set, fields non-empty."""

    def __init__(self) -> None:
        self.objects: Counter = Counter()  # path of an object -> its occurrences
        self.exists: Counter = Counter()
        self.non_empty: Counter = Counter()

    def add(self, release: dict[str, Any]) -> None:
        self._object(release, "")

    def _object(self, document: dict[str, Any], path: str) -> None:
        self.objects[path] += 1
        for key, value in document.items():
            field = f"{path}/{key}"
            self.exists[field] += 1
            if value not in EMPTY:
                self.non_empty[field] += 1
            self._value(value, field)

    def _value(self, value: Any, path: str) -> None:
        if isinstance(value, dict):
            self._object(value, path)
        elif isinstance(value, list):
            for item in value:
                self._value(item, f"{path}[]")

    def as_dict(self, schema_paths: set[str] = frozenset()) -> dict[str, dict[str, int]]:
        """Per path: ``possible`` occurrences, how many times it ``exists``, and is ``non_empty``."""
        paths = set(self.exists) | {p for p in schema_paths if _parent(p) in self.objects}
        return {path: {"possible": self.objects[_parent(path)], "exists": self.exists[path], "non_empty": self.non_empty[path]}
                for path in sorted(paths)}


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0]


def schema_paths(schema: dict[str, Any]) -> set[str]:
    """Every field path a (patched) release schema defines, in coverage notation."""
    definitions = schema.get("definitions", {})
    found: set[str] = set()

    def walk(node: dict[str, Any], path: str, seen: tuple[str, ...]) -> None:
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[1]
            if name in seen:
                return
            node, seen = definitions[name], seen + (name,)
        if isinstance(node.get("items"), dict):
            walk(node["items"], f"{path}[]", seen)
        for key, child in (node.get("properties") or {}).items():
            found.add(f"{path}/{key}")
            walk(child, f"{path}/{key}", seen)

    walk(schema, "", ())
    return found
