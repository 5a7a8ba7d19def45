"""A publication's private state kept per year, beside its versions: what a pass over a year's compiled
releases gave (the statistics' part of that year; the site's pages of it), so that a publish reads again only
the years whose processes changed.

Each entry is kept with the key it was made under: the publication's rules and the code that made it
(:func:`state_key`) and the year's signature (its processes, releases and their bytes, and dates: releases
are only ever added, so any change to a year changes it). An entry under another key is made again, and
so is one that cannot be read. The folder is never published and can be deleted at any time: the next
publish rebuilds it. It is written only under the publication's lock, each entry atomically.
"""

from __future__ import annotations

import io
import pickle
import struct
from pathlib import Path
from typing import Any, BinaryIO, Iterable

from ..atomic import write_bytes
from ..resources import files_digest

# The code between a compiled release and the statistics: a change to any of it may change them.
STATISTICS_CODE = ("ocds_pipeline/indicators", "ocds_pipeline/validate/quality", "ocds_pipeline/publish/statistics.py",
                   "ocds_pipeline/ocdsvalues.py", "ocds_pipeline/texts.py", "ocds_pipeline/procedure_types.py", "ocds_pipeline/privacy",
                   "ocds_pipeline/publish/processcache.py",
                   "mappings/sercop/codelists/procedure_types.csv", "schemas/indicators")
# The code between a compiled release and the site's pages of a year (its facts, its search rows, its organisations).
SITE_CODE = (*STATISTICS_CODE, "ocds_pipeline/publish/site")
_LENGTH = struct.Struct("<Q")  # before each pickle of an entry: its length in bytes


def state_key(fingerprint: str, code: Iterable[str]) -> str:
    """The key of a kind of state: the publication's :func:`.publication.fingerprint` and the code that makes it."""
    return files_digest(code, fingerprint.encode()).hex()


class YearCache:
    """Entries by year under one folder (``<year>.pickle``); the folder and its files are this tool's own."""

    def __init__(self, folder: Path, key: str) -> None:
        self.folder, self.key = Path(folder), key

    def has(self, year: str, signature: Any) -> bool:
        """Whether ``year``'s entry was made under this key and ``signature`` (its values are not read)."""
        return self._read(year, signature, None) is not None

    def get(self, year: str, signature: Any, item: int = 0) -> Any | None:
        """Value number ``item`` of ``year``'s entry if it was made under this key and ``signature``, else None."""
        return self._read(year, signature, item)

    def put(self, year: str, signature: Any, *values: Any) -> None:
        """An entry is its key, then its values: one pickle each, after its length, so that :meth:`has` reads the
        key alone and :meth:`get` the value asked for alone (a year's facts, some 50 MB at a national scale, lie
        between its statistics and its red flags' tallies)."""
        pickles = [pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL) for item in ([self.key, signature], *values)]
        write_bytes(self._path(year), b"".join(_LENGTH.pack(len(data)) + data for data in pickles))

    def _read(self, year: str, signature: Any, item: int | None) -> Any | None:
        try:
            with self._path(year).open("rb") as handle:
                if _load(handle) != [self.key, signature]:
                    return None
                if item is None:
                    return True
                for _ in range(item):
                    (size,) = _LENGTH.unpack(handle.read(_LENGTH.size))
                    handle.seek(size, io.SEEK_CUR)
                return _load(handle)
        except FileNotFoundError:
            return None
        except Exception:  # noqa: BLE001 (damaged or of another version of this tool: made again)
            return None

    def keep(self, years: Iterable[str]) -> None:
        """Delete the entries of every other year (a year no process is in any more)."""
        kept = {self._path(year).name for year in years}
        if self.folder.is_dir():
            for path in self.folder.glob("*.pickle"):
                if path.name not in kept:
                    path.unlink()

    def _path(self, year: str) -> Path:
        if not year.replace("-", "").isalnum():
            raise ValueError(f"not a year of the store: {year!r}")
        return self.folder / f"{year}.pickle"


def _load(handle: BinaryIO) -> Any:
    """The next value of an entry: its length, then its pickle."""
    (size,) = _LENGTH.unpack(handle.read(_LENGTH.size))
    return pickle.loads(handle.read(size))  # noqa: S301 (written by this tool, never published)
