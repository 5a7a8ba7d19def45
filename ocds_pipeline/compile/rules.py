"""OCDS 1.1 merge rules, read from a (patched) release schema into a tree the merger walks.

A node maps each property to ``OMIT`` (omitWhenMerged), ``WHOLE`` (replace the whole value:
wholeListMerge, arrays of non-objects, arrays of objects without ``id``) or a child node (an
object, or an array of objects merged by ``id``). Properties absent from the tree (additional
fields) are merged by the shape of their values.

:func:`field_rules` reads the same schema into the tree of required and non-nullable
properties: a correction release repeats the required ones wherever it touches an object
(``tender.id``, ``awardID``…) and cannot clear the others (ids).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


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
Seen = tuple[str, ...]


def _types(prop: dict[str, Any]) -> list[str]:
    kind = prop.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def _dereferencer(schema: dict[str, Any]) -> Callable[[dict[str, Any], Seen], tuple[dict[str, Any], Seen]]:
    """Resolve local ``#/definitions`` references, stopping at recursive ones (returned as ``{}``)."""
    definitions = schema.get("definitions", {})

    def deref(prop: dict[str, Any], seen: Seen) -> tuple[dict[str, Any], Seen]:
        while "$ref" in prop:
            name = prop["$ref"].rsplit("/", 1)[1]
            if name in seen:
                return {}, seen
            seen = seen + (name,)
            prop = definitions[name]  # keywords beside "$ref" are ignored, as JSON Reference says
        return prop, seen

    return deref


def merge_rules(schema: dict[str, Any]) -> RuleTree:
    """Build the rule tree of a release schema (local ``#/definitions`` references resolved)."""
    deref = _dereferencer(schema)

    def walk(properties: dict[str, Any], seen: Seen) -> RuleTree:
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


@dataclass
class Fields:
    """What a schema says of an object's fields: which are required, which may not be null, and
    the same for each object (or array of objects) in it."""

    required: tuple[str, ...] = ()
    not_null: frozenset[str] = frozenset()
    children: dict[str, "Fields"] = field(default_factory=dict)

    def child(self, key: str) -> "Fields":
        return self.children.get(key, ANY_FIELDS)


ANY_FIELDS = Fields()


def field_rules(schema: dict[str, Any]) -> Fields:
    """The required and non-nullable properties of a release schema, through objects and arrays of objects.

    A correction release repeats the required fields of each object it touches, and cannot clear
    a field that may not be null (ids).
    """
    deref = _dereferencer(schema)

    def walk(node: dict[str, Any], seen: Seen) -> Fields:
        tree = Fields(tuple(node.get("required", ())))
        not_null = set()
        for key, raw in node.get("properties", {}).items():
            prop, here = deref(raw, seen)
            types = _types(prop)
            if "array" in types and "items" in prop:
                prop, here = deref(prop["items"], here)
            if "properties" in prop:  # objects, and arrays of them, are cleared field by field
                types = []
            if types and "null" not in types:
                not_null.add(key)
            if "properties" in prop:
                child = walk(prop, here)
                if child.required or child.not_null or child.children:
                    tree.children[key] = child
        tree.not_null = frozenset(not_null)
        return tree

    return walk(schema, ())
