"""Field coverage per JSON path, as pelican counts it: ``exists`` and ``non_empty``.

``exists`` is counted per possible occurrence — a field against the occurrences of the object
that holds it (array items: every entry) — and ``non_empty`` per actual occurrence: among the
times the field is set, how often it is not null, ``""``, ``[]`` or ``{}``. Paths look like
``/tender/items[]/id``. Schema paths that never occur are reported too (exists 0) wherever their
parent object occurs, so that a missing field shows up as missing rather than as nothing.

Counts live in a tree shaped like the documents (no path strings are built per value); paths
are spelled out once, at the end.
"""

from __future__ import annotations

from typing import Any

EMPTY = (None, "", [], {})


class _Node:
    """Counts at one path: occurrences as an object, times set, times non-empty; and its children."""

    __slots__ = ("objects", "exists", "non_empty", "children")

    def __init__(self) -> None:
        self.objects = self.exists = self.non_empty = 0
        self.children: dict[str, _Node] = {}


class Coverage:
    """Counts, one compiled release at a time: object occurrences, fields set, fields non-empty."""

    def __init__(self) -> None:
        self.root = _Node()

    @staticmethod
    def observe(release: dict[str, Any]) -> tuple[Any, ...]:
        """One release's counts, as nested tuples (objects, exists, non_empty, ((key, child), ...))."""
        node = _Node()
        _object(release, node)
        return _frozen(node)

    def take(self, observed: tuple[Any, ...]) -> None:
        """Add one release's counts as :meth:`observe` gave them."""
        _thawed(observed, self.root)

    def merge(self, other: "Coverage") -> None:
        """Add the counts of a later part of the same dataset."""
        _merge(self.root, other.root)

    def as_dict(self, schema_paths: set[str] = frozenset()) -> dict[str, dict[str, int]]:
        """Per path: ``possible`` occurrences, how many times it ``exists``, and is ``non_empty``."""
        found: dict[str, dict[str, int]] = {}
        objects: dict[str, int] = {}
        _spell(self.root, "", found, objects)
        for path in schema_paths:
            parent = path.rsplit("/", 1)[0]
            if path not in found and objects.get(parent):
                found[path] = {"possible": objects[parent], "exists": 0, "non_empty": 0}
        return dict(sorted(found.items()))


def _object(document: dict[str, Any], node: _Node) -> None:
    node.objects += 1
    children = node.children
    for key, value in document.items():
        child = children.get(key)
        if child is None:
            child = children[key] = _Node()
        child.exists += 1
        if value not in EMPTY:
            child.non_empty += 1
        if type(value) is dict:
            _object(value, child)  # an empty object is still an occurrence its fields are counted against
        elif type(value) is list and value:
            _items(value, child)


def _items(values: list[Any], node: _Node) -> None:
    """Array entries count at the path ``<array>[]``."""
    child = node.children.get("[]")
    if child is None:
        child = node.children["[]"] = _Node()
    for value in values:
        if type(value) is dict:
            _object(value, child)
        elif type(value) is list:
            _items(value, child)


def _merge(node: _Node, other: _Node) -> None:
    node.objects += other.objects
    node.exists += other.exists
    node.non_empty += other.non_empty
    for key, child in other.children.items():
        if key in node.children:
            _merge(node.children[key], child)
        else:
            node.children[key] = child


def _frozen(node: _Node) -> tuple[Any, ...]:
    return node.objects, node.exists, node.non_empty, tuple((key, _frozen(child)) for key, child in node.children.items())


def _thawed(frozen: tuple[Any, ...], node: _Node) -> None:
    objects, exists, non_empty, children = frozen
    node.objects += objects
    node.exists += exists
    node.non_empty += non_empty
    for key, child_frozen in children:
        child = node.children.get(key)
        if child is None:
            child = node.children[key] = _Node()
        _thawed(child_frozen, child)


def _spell(node: _Node, path: str, found: dict[str, dict[str, int]], objects: dict[str, int]) -> None:
    if node.objects:
        objects[path] = node.objects
    for key, child in node.children.items():
        child_path = f"{path}[]" if key == "[]" else f"{path}/{key}"
        if key != "[]":
            found[child_path] = {"possible": node.objects, "exists": child.exists, "non_empty": child.non_empty}
        _spell(child, child_path, found, objects)


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
