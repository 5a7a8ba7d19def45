"""Compiled and versioned releases by the OCDS 1.1 merge routine, merging nested objects directly.

Releases are applied oldest first (a stable sort on ``date``, like the reference implementation):
a later value replaces an earlier one; objects merge key by key; arrays of objects merge by
``id``, compared as strings (``1`` and ``"1"`` are one object, which keeps the id it was first
published with, as in ocdsmerge where the two share fields); other arrays, and wholeListMerge
arrays, are replaced whole; omitWhenMerged fields are dropped; empty
objects and arrays in a release change nothing; a null removes a value but never an object or
array that earlier releases built (in compiled and versioned releases alike). Values whose kind
changes between releases (a string, later an object) raise :class:`MergeConflict` instead of
producing a mixed record.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any, Iterable

from .rules import OMIT, WHOLE, RuleTree, merge_rules


class MergeError(ValueError):
    """The releases cannot be merged (missing date, inconsistent types); the message says where."""


class MergeConflict(MergeError):
    def __init__(self, path: tuple[str, ...], detail: str) -> None:
        super().__init__(f"/{'/'.join(path)}: {detail}")
        self.path = path


class _IdList(list):
    """An array being merged by ``id``, with an index of its objects by :func:`id_key`."""

    __slots__ = ("index",)

    def __init__(self) -> None:
        super().__init__()
        self.index: dict[Any, dict[str, Any]] = {}


class _Versions(list):
    """The history of one field in a versioned release."""

    __slots__ = ()


_CONTAINERS = (dict, _IdList)


def _is_leaf(value: Any, rule: Any) -> bool:
    kind = type(value)
    if rule is WHOLE or (kind is not dict and kind is not list):
        return True
    return kind is list and any(type(item) is not dict for item in value)


def _no_rule(key: str) -> None:
    return None


def id_key(identifier: Any) -> str:
    """How objects in a merged array are matched: by their id as a string (``1`` is ``"1"``)."""
    return str(identifier)


def _element(array: _IdList, item: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The merged object for ``item`` in ``array`` (matched by id, or new) and whether it is new."""
    if "id" not in item:
        node: dict[str, Any] = {}
        array.append(node)
        return node, True
    identifier = item["id"]
    key = id_key(identifier)
    node = array.index.get(key)
    if node is None:
        node = {"id": identifier} if identifier is not None else {}
        array.index[key] = node
        array.append(node)
        return node, True
    return node, False


class Merger:
    """Creates compiled and versioned releases with the merge rules of a release schema."""

    def __init__(self, schema: dict[str, Any] | None = None, *, rules: RuleTree | None = None) -> None:
        if rules is None:
            if schema is None:
                raise ValueError("Merger needs a release schema or its rules")
            rules = merge_rules(schema)
        self.rules = rules

    # -- compiled ----------------------------------------------------------------------------
    def compiled(self, releases: Iterable[dict[str, Any]]) -> dict[str, Any]:
        """The compiled release: ``tag: ["compiled"]``, ``id`` = ``{ocid}-{date}`` of the latest."""
        merged: dict[str, Any] = {"tag": ["compiled"]}
        for release in _sorted(releases):
            ocid, date = release.get("ocid"), release["date"]
            merged["id"] = f"{ocid}-{date}"
            merged["date"] = date
            merged["ocid"] = ocid
            self._merge(merged, release, self.rules, (), top=True)
        return _plain(merged)

    def _merge(self, target: dict[str, Any], source: dict[str, Any], rules: RuleTree | None,
               path: tuple[str, ...], top: bool = False) -> None:
        """Compiled merge of one object (the hot path: written flat, without helper calls)."""
        get_rule = rules.get if rules else _no_rule
        for key, value in source.items():
            rule = get_rule(key)
            if rule is OMIT or (top and key == "tag"):
                continue
            kind = type(value)
            if rule is WHOLE or (kind is not dict and kind is not list) or (
                    kind is list and any(type(item) is not dict for item in value)):
                current = target.get(key)
                if current is not None and type(current) in _CONTAINERS:
                    if value is None:
                        continue
                    raise MergeConflict(path + (key,), "an earlier release had an object or array here")
                target[key] = value
            elif not value:
                continue
            elif kind is dict:
                current = target.get(key)
                created = current is None
                if created:
                    current = target[key] = {}
                elif type(current) is not dict:
                    raise MergeConflict(path + (key,), "an earlier release had a value that is not an object here")
                self._merge(current, value, rule, path + (key,))  # rule: a subtree or None here
                if created and not current:
                    del target[key]
            else:
                self._merge_container(target, key, value, rule, path + (key,), None)

    def _merge_container(self, target: dict[str, Any], key: str, value: Any, rules: RuleTree | None,
                         path: tuple[str, ...], stamp: tuple | None) -> None:
        """Merge an object or array of objects; ``stamp`` (release id, date, tag) means versioned.

        A container appears only if something is merged into it: objects that hold nothing but
        empty objects or arrays leave no trace, as in the reference implementation.
        """
        current = target.get(key)
        if type(value) is dict:
            created = current is None
            if created:
                current = target[key] = {}
            elif type(current) is not dict:
                raise MergeConflict(path, "an earlier release had a value that is not an object here")
            self._into(current, value, rules, path, stamp, False)
            if created and not current:
                del target[key]
            return
        created = current is None
        if created:
            current = target[key] = _IdList()
        elif type(current) is not _IdList:
            raise MergeConflict(path, "an earlier release had a value that is not an array of objects here")
        for item in (value if stamp is None else self._combine_duplicates(value, rules, path)):
            node, new = _element(current, item)
            first = node.get("id")
            self._into(node, item, rules, path, stamp, True)
            if first is not None:
                node["id"] = first  # the id as first published (1 stays 1 when "1" comes later)
            if new and not node:  # nothing was merged into it: it leaves no trace
                current.pop()
                if "id" in item:
                    del current.index[id_key(item["id"])]
        if created and not current:
            del target[key]

    def _combine_duplicates(self, items: list[dict[str, Any]], rules: RuleTree | None,
                            path: tuple[str, ...]) -> list[dict[str, Any]]:
        """One object per id within a single release (later fields win), before versioning it."""
        if len({id_key(item["id"]) for item in items if "id" in item}) == sum("id" in item for item in items):
            return items
        combined: dict[Any, dict[str, Any]] = {}
        out: list[dict[str, Any]] = []
        for item in items:
            if "id" not in item:
                out.append(item)
                continue
            key = id_key(item["id"])
            if key not in combined:
                combined[key] = {"id": item["id"]}
                out.append(combined[key])
            self._merge(combined[key], {k: v for k, v in item.items() if k != "id"}, rules, path)
        return [_unwrap(item) for item in out]

    def _into(self, target: dict[str, Any], source: dict[str, Any], rules: RuleTree | None,
              path: tuple[str, ...], stamp: tuple | None, in_array: bool) -> None:
        if stamp is None:
            self._merge(target, source, rules, path)
        else:
            self._version(target, source, rules, path, stamp, in_array)

    # -- versioned ---------------------------------------------------------------------------
    def versioned(self, releases: Iterable[dict[str, Any]]) -> dict[str, Any]:
        """The versioned release: each field's values with the release that set them."""
        merged: dict[str, Any] = {}
        for release in _sorted(releases):
            merged["ocid"] = release.get("ocid")
            stamp = (release.get("id"), release["date"], release.get("tag"))
            body = {k: v for k, v in release.items() if k not in {"ocid", "tag"}}
            self._version(merged, body, self.rules, (), stamp, in_array=False)
        return _plain(merged)

    def _version(self, target: dict[str, Any], source: dict[str, Any], rules: RuleTree | None,
                 path: tuple[str, ...], stamp: tuple, in_array: bool) -> None:
        release_id, date, tag = stamp
        for key, value in source.items():
            if in_array and key == "id":
                continue  # array objects keep their plain id
            rule = rules.get(key) if rules else None
            if rule is OMIT:
                continue
            if _is_leaf(value, rule):
                current = target.get(key)
                if value is None and type(current) in _CONTAINERS:
                    continue  # a null never removes an object or array (as in the compiled release)
                if current is None:
                    target[key] = _Versions([{"releaseID": release_id, "releaseDate": date, "releaseTag": tag, "value": value}])
                elif type(current) is not _Versions:
                    raise MergeConflict(path + (key,), "an earlier release had an object or array here")
                elif current[-1]["value"] != value:
                    current.append({"releaseID": release_id, "releaseDate": date, "releaseTag": tag, "value": value})
            elif value:  # an object or array of objects: _merge_container refuses one that was a value
                self._merge_container(target, key, value, rule, path + (key,), stamp)


def _sorted(releases: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    releases = list(releases)
    for release in releases:
        if type(release) is not dict:
            raise MergeError(f"a release must be a JSON object, not {type(release).__name__}")
        if not isinstance(release.get("date"), str):
            raise MergeError(f"release {release.get('id')!r} of {release.get('ocid')!r} has no date string")
    return releases if len(releases) == 1 else sorted(releases, key=itemgetter("date"))


def _unwrap(value: Any) -> Any:
    """Merge bookkeeping back to plain JSON values, nulls kept."""
    if type(value) is dict:
        return {key: _unwrap(item) for key, item in value.items()}
    if type(value) is _IdList:
        return [_unwrap(item) for item in value]
    return value


def _plain(node: dict[str, Any]) -> dict[str, Any]:
    """Drop null fields of merged objects and turn merge bookkeeping back into plain lists."""
    out = {}
    for key, value in node.items():
        kind = type(value)
        if value is None:
            continue
        if kind is dict:
            out[key] = _plain(value)
        elif kind is _IdList:
            out[key] = [_plain(item) for item in value]
        elif kind is _Versions:
            out[key] = list(value)
        else:
            out[key] = value
    return out
