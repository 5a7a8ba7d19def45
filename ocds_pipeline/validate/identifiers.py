"""Unique ``id``s within the arrays whose objects OCDS merges by id (a rule the schema cannot express)."""

from __future__ import annotations

from typing import Any

# key -> (does the array at this key hold objects identified by id?, the plan below this key)
Plan = dict[str, tuple[bool, "Plan"]]


def id_plan(schema: dict[str, Any]) -> Plan:
    """Where a release has arrays whose objects are merged by ``id``, as a tree of keys.

    Those are arrays of objects with an ``id`` property and without ``wholeListMerge`` (OCDS's
    merge identifies their objects by id, so two objects with one id in a release are an error);
    only the branches leading to such arrays are kept, so the walk visits little of a release.
    """
    definitions = schema.get("definitions", {})

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = definitions[node["$ref"].rsplit("/", 1)[1]]
        return node

    def build(node: dict[str, Any], seen: tuple[str, ...]) -> Plan:
        plan: Plan = {}
        for key, child in (resolve(node).get("properties") or {}).items():
            name = child.get("$ref", "")
            if name in seen:
                continue
            child_seen = seen + (name,) if name else seen
            child = resolve(child)
            items = child.get("items")
            if isinstance(items, dict):
                item_name = items.get("$ref", "")
                if item_name in child_seen:
                    continue
                item = resolve(items)
                by_id = "id" in (item.get("properties") or {}) and not child.get("wholeListMerge")
                below = build(item, child_seen + (item_name,) if item_name else child_seen)
            else:
                by_id, below = False, build(child, child_seen)
            if by_id or below:
                plan[key] = (by_id, below)
        return plan

    return build(schema, ())


def duplicate_ids(document: dict[str, Any], plan: Plan) -> list[tuple[str, str]]:
    """(path, id) of each object whose id an earlier object of the same array already has."""
    found: list[tuple[str, str]] = []
    _walk(document, plan, "", found)
    return found


def _walk(document: dict[str, Any], plan: Plan, where: str, found: list[tuple[str, str]]) -> None:
    for key, (by_id, below) in plan.items():
        value = document.get(key)
        if type(value) is list:
            if by_id and len(value) > 1:
                _repeated(value, f"{where}{key}/", found)
            if below:
                for index, item in enumerate(value):
                    if type(item) is dict:
                        _walk(item, below, f"{where}{key}/{index}/", found)
        elif below and type(value) is dict:
            _walk(value, below, f"{where}{key}/", found)


def _repeated(items: list[Any], where: str, found: list[tuple[str, str]]) -> None:
    ids = [str(item["id"]) for item in items if type(item) is dict and "id" in item]
    if len(set(ids)) == len(ids):
        return
    seen = set()
    for index, item in enumerate(items):
        if type(item) is dict and "id" in item:
            identifier = str(item["id"])
            if identifier in seen:
                found.append((f"{where}{index}/id", identifier))
            seen.add(identifier)
