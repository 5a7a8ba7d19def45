"""Duplicate releases — one (ocid, id), two contents — found without hashing every release's content.

While checking, each release leaves 12 bytes (a digest of its ocid and id) and the number of the
part of the file (block) it was in. Only when an (ocid, id) repeats are the parts that hold it
read again and the contents compared, key order ignored: repeats are rare in real data, so the
cost per release stays one small hash.
"""

from __future__ import annotations

import hashlib
from typing import Any, Callable, Iterable, Iterator

import orjson

KEY_SIZE = 12


def release_key(ocid: str, release_id: str) -> bytes:
    return hashlib.blake2b(f"{ocid}\n{release_id}".encode(), digest_size=KEY_SIZE).digest()


class DuplicateFinder:
    """Keeps (ocid, id) digests by part; about 100 bytes per release with the dictionary's overhead."""

    def __init__(self) -> None:
        self._part_of: dict[bytes, int] = {}
        self._repeated: set[bytes] = set()
        self._parts: set[int] = set()

    def add(self, key: bytes, part: int) -> None:
        first = self._part_of.get(key)
        if first is None:
            self._part_of[key] = part
        else:
            self._repeated.add(key)
            self._parts.update((first, part))

    def add_keys(self, keys: bytes, part: int) -> None:
        """Keys of a whole part, concatenated in file order."""
        for start in range(0, len(keys), KEY_SIZE):
            self.add(keys[start:start + KEY_SIZE], part)

    def duplicates(self, reread: Callable[[int], Iterable[tuple[str, str, Any]]]) -> Iterator[tuple[str, str]]:
        """(ocid, id) of each document whose content differs from the first with its (ocid, id).

        ``reread(part)`` gives (ocid, id, document) for the documents of a part again, in order.
        """
        first: dict[bytes, bytes] = {}
        for part in sorted(self._parts):
            for ocid, rid, document in reread(part):
                key = release_key(ocid, rid)
                if key in self._repeated:
                    digest = hashlib.blake2b(orjson.dumps(document, option=orjson.OPT_SORT_KEYS), digest_size=16).digest()
                    if first.setdefault(key, digest) != digest:
                        yield ocid, rid
