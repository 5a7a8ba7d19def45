"""Read any publisher's OCDS defensively: a section that is null, absent or of another type reads as empty.

Publishers write ``"tender": null``, ``"awards": {}`` or a string where an object belongs; code that
derives facts from compiled releases reads them through these two helpers instead of chaining
``.get(key, {})`` (which fails on an explicit null).
"""

from __future__ import annotations

from typing import Any


def obj(value: Any, *path: str) -> dict[str, Any]:
    """The object at ``path`` inside ``value``, or an empty one."""
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, dict) else {}


def objs(value: Any, *path: str) -> list[dict[str, Any]]:
    """The objects of the array at ``path`` inside ``value`` (other items left out), or an empty list."""
    *parents, key = path
    array = obj(value, *parents).get(key)
    return [item for item in array if isinstance(item, dict)] if isinstance(array, list) else []
