"""OCDS 1.1 merge rules, read from a (patched) release schema into a tree the merger walks.

A node maps each property to ``OMIT`` (omitWhenMerged), ``WHOLE`` (replace the whole value:
wholeListMerge, arrays of non-objects, arrays of objects without ``id``) or a child node (an
object, or an array of objects merged by ``id``). Properties absent from the tree (additional
fields) are merged by the shape of their values.
"""

from __future__ import annotations

from typing import Any

class _Rule:
    """A merge rule marker, compared by identity; it stays the same object through pickling."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def __reduce__(self) -> str:
        return self.name


OMIT = _Rule("OMIT")    # omitWhenMerged
WHOLE = _Rule("WHOLE")  # wholeListMerge

RuleTree = dict[str, Any]


def _types(prop: dict[str, Any]) -> list[str]:
    kind = prop.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def merge_rules(schema: dict[str, Any]) -> RuleTree:
    """Build the rule tree of a release schema (local ``#/definitions`` references resolved)."""
    definitions = schema.get("definitions", {})

    def deref(prop: dict[str, Any], seen: tuple[str, ...]) -> tuple[dict[str, Any], tuple[str, ...]]:
        while "$ref" in prop:
            name = prop["$ref"].rsplit("/", 1)[1]
            if name in seen:  # a recursive definition: stop descending
                return {}, seen
            seen = seen + (name,)
            prop = definitions[name]  # keywords beside "$ref" are ignored, as JSON Reference says
        return prop, seen

    def walk(properties: dict[str, Any], seen: tuple[str, ...]) -> RuleTree:
        tree: RuleTree = {}
        for key, raw in properties.items():
            prop, here = deref(raw, seen)
            types = _types(prop)
            if prop.get("omitWhenMerged") or prop.get("mergeStrategy") == "ocdsOmit":
                tree[key] = OMIT
            elif "array" in types and (prop.get("wholeListMerge") or prop.get("mergeStrategy") == "ocdsVersion"):
                tree[key] = WHOLE
            elif "object" in types and "properties" in prop:
                tree[key] = walk(prop["properties"], here)
            elif "array" in types and "items" in prop:
                items, item_seen = deref(prop["items"], here)
                item_types = _types(items)
                if any(t != "object" for t in item_types):
                    tree[key] = WHOLE
                elif "object" in item_types and "properties" in items:
                    tree[key] = walk(items["properties"], item_seen) if "id" in items["properties"] else WHOLE
        return tree

    return walk(schema.get("properties", {}), ())
