"""An oracle written for the tests: does a compiled release agree with a fresh store's?

Agreement (docs/store.md, "Corrections"): every value of the fresh compiled release is equal in
ours; every value ours has beyond it is cleared (absent, null, or an object or array left empty);
and every object ours keeps in a merged array beyond the fresh one carries the documented marker
of a deleted object. The compiled release's own id, date and tag are not compared. The markers are
written here from the documentation, not read from the project's deletion rules.
"""

from __future__ import annotations

from typing import Any

# docs/store.md: how a deleted object is marked, per merged array (path without indexes); any other
# object keeps nothing but ids.
STATUS_MARKERS = {
    ("awards",): ("status", "cancelled"),
    ("contracts",): ("status", "cancelled"),
    ("tender", "lots"): ("status", "cancelled"),
    ("bids", "details"): ("status", "withdrawn"),
    ("bids", "statistics"): ("value", 0),
}
OWN = {"id", "date", "tag"}


def cleared(value: Any, ids: bool = False) -> bool:
    """Nothing left: null, or objects and arrays that hold nothing but cleared values (or ids, if ``ids``)."""
    if isinstance(value, dict):
        return all(cleared(item, ids) for key, item in value.items() if not (ids and key == "id"))
    if isinstance(value, list):
        return all(cleared(item, ids) for item in value)
    return value is None


def is_marker(path: tuple[str, ...], element: dict[str, Any]) -> bool:
    if path in STATUS_MARKERS:
        field, value = STATUS_MARKERS[path]
        return element.get(field) == value
    if path == ("parties",):
        return element.get("roles") == []
    return cleared(element, ids=True)  # only its id, and the ids of the organisations it names


def _merged_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) and "id" in item for item in value)


def _where(path: tuple[str, ...]) -> str:
    return "/" + "/".join(path)


def differences(ours: Any, fresh: Any, path: tuple[str, ...] = ()) -> list[str]:
    """Where ``ours`` does not agree with ``fresh`` (an empty list when it agrees); None is absent."""
    if isinstance(ours, dict) or isinstance(fresh, dict):
        ours = {} if ours is None else ours
        fresh = {} if fresh is None else fresh
        if not isinstance(ours, dict) or not isinstance(fresh, dict):
            return [f"{_where(path)}: {ours!r} != {fresh!r}"]
        found = []
        for key in sorted(ours.keys() | fresh.keys()):
            if not path and key in OWN:
                continue
            found += differences(ours.get(key), fresh.get(key), path + (key,))
        return found
    if _merged_array(ours) or _merged_array(fresh):
        ours = [] if ours is None else ours
        fresh = [] if fresh is None else fresh
        if not isinstance(ours, list) or not isinstance(fresh, list):
            return [f"{_where(path)}: {ours!r} != {fresh!r}"]
        mine = {str(item.get("id")): item for item in ours if isinstance(item, dict)}
        theirs = {str(item["id"]): item for item in fresh}
        found = []
        for key, item in theirs.items():
            if key not in mine:
                found.append(f"{_where(path)}: no object with id {key}")
            else:
                found += differences(mine[key], item, path + (f"[{key}]",))
        plain = tuple(part for part in path if not part.startswith("["))
        for key, item in mine.items():
            if key not in theirs and not is_marker(plain, item):
                found.append(f"{_where(path)}: object {key} is gone from the source but not marked as deleted: {item!r}")
        return found
    if ours == fresh or (cleared(ours) and cleared(fresh)):
        return []
    return [f"{_where(path)}: {ours!r} != {fresh!r}"]


def assert_agrees(ours: dict[str, Any], fresh: dict[str, Any]) -> None:
    found = differences(ours, fresh)
    assert not found, f"{fresh.get('ocid')}: " + "; ".join(found[:10])
