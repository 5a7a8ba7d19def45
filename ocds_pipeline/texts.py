"""Texts kept one per process over a whole dataset, held compactly: Arrow arrays (the text's bytes and an
offset), not Python strings in dictionaries (some 100 bytes more each). At a national scale, a million
tender ids or a supplier's name, RUC and first ocid are tens of MB this way and well over 100 MB as objects.
"""

from __future__ import annotations

from typing import Any, Iterable

import pyarrow as pa

_CHUNK = 65_536  # texts gathered as Python strings before they become one Arrow array


class Texts:
    """Texts (or None) in the order they were added."""

    def __init__(self, values: Iterable[str | None] = ()) -> None:
        self._pending: list[str | None] = list(values)
        self._chunks: list[pa.Array] = []

    def append(self, value: str | None) -> None:
        self._pending.append(value)
        if len(self._pending) >= _CHUNK:
            self._flush()

    def extend(self, other: "Texts") -> None:
        """Add another's texts after these (its arrays are shared, not copied)."""
        self._flush()
        self._chunks += other.arrow().chunks

    def arrow(self) -> pa.ChunkedArray:
        self._flush()
        return pa.chunked_array(self._chunks, type=pa.string())

    def __len__(self) -> int:
        return len(self._pending) + sum(len(chunk) for chunk in self._chunks)

    def repeated(self) -> list[str]:
        """The texts that come more than once, each once, in the order they first came."""
        import pyarrow.compute as pc

        counted = pc.value_counts(self.arrow())  # its values in the order they first came
        values, counts = counted.field("values"), counted.field("counts")
        return [value for value in pc.filter(values, pc.greater(counts, 1)).to_pylist() if value is not None]

    def _flush(self) -> None:
        if self._pending:
            self._chunks.append(pa.array(self._pending, type=pa.string()))
            self._pending = []

    def __getstate__(self) -> dict[str, Any]:
        self._flush()
        return {"_pending": [], "_chunks": self._chunks}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
