"""Items written in files of :data:`SHARD` in the order they come, so that nothing loads a whole publication."""

from __future__ import annotations

from typing import Any, Callable

SHARD = 500


class Shards:
    """Items in files named ``<kind>/<prefix><n>``, :data:`SHARD` to a file; ``put(key, value)`` writes one (``key``
    is what the browser loads it by: its path under the site's data, without ``.js``)."""

    def __init__(self, put: Callable[[str, Any], None], kind: str, prefix: str = "") -> None:
        self.put, self.kind, self.prefix = put, kind, prefix
        self.bounds: list[list[str]] = []  # [first key, last key] of each file
        self.shard: dict[str, Any] = {}
        self.count = 0

    def add(self, key: str, item: Any) -> str:
        """Add an item; returns the name of the file that holds it (``<prefix><n>``)."""
        if not self.shard:
            self.bounds.append([key, key])
        self.shard[key] = item
        self.bounds[-1][1] = key
        self.count += 1
        name = self.name(len(self.bounds) - 1)
        if len(self.shard) >= SHARD:
            self._flush()
        return name

    def name(self, number: int) -> str:
        return f"{self.prefix}{number}"

    def close(self) -> list[list[str]]:
        """Write what is left; returns the first and last key of each file."""
        if self.shard:
            self._flush()
        return self.bounds

    def _flush(self) -> None:
        name = self.name(len(self.bounds) - 1)
        self.put(f"{self.kind}/{name}", self.shard)
        self.shard = {}
