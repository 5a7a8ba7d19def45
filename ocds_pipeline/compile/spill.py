"""A temporary grouping of release bodies by ocid, on disk, for input that is not ordered by process.

An SQLite file in a temporary folder (removed on close), written without a journal; bodies come
back grouped by ocid in input order within each ocid. Memory stays flat whatever the input size.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from ..scratch import Scratch

BATCH = 5000


class Spill:
    """Add ``(ocid, body)`` pairs, then read them back grouped by ocid (ocids in sorted order)."""

    def __init__(self, directory: Path | None = None) -> None:
        self._scratch = Scratch("ocds-group-", directory)
        self._db = self._scratch.database("groups.sqlite")
        self._db.execute("CREATE TABLE bodies (seq INTEGER PRIMARY KEY, ocid TEXT NOT NULL, body BLOB NOT NULL)")
        self._pending: list[tuple[str, bytes]] = []

    def add(self, ocid: str, body: bytes) -> None:
        self._pending.append((ocid, body))
        if len(self._pending) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        self._db.executemany("INSERT INTO bodies (ocid, body) VALUES (?, ?)", self._pending)
        self._pending.clear()

    def groups(self) -> Iterator[tuple[str, list[bytes]]]:
        """Every ocid with its bodies, in the order they were added."""
        self._flush()
        self._db.execute("CREATE INDEX bodies_ocid ON bodies (ocid, seq)")
        current, bodies = None, []
        for ocid, body in self._db.execute("SELECT ocid, body FROM bodies ORDER BY ocid, seq"):
            if ocid != current and bodies:
                yield current, bodies
                bodies = []
            current = ocid
            bodies.append(body)
        if bodies:
            yield current, bodies

    def close(self) -> None:
        self._db.close()
        self._scratch.cleanup()

    def __enter__(self) -> "Spill":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
