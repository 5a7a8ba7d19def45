"""What a year's pass makes of each process (its rows in the year's spreadsheets, its part of the year's
statistics and of its site pages), kept beside the versions, so that a year written again makes anew only what
comes from the processes whose compiled release changed.

A day's delta usually changes a tenth of the current year's processes, and the year's CSV tables and workbook are
written again whole; flattening, CSV and Excel encoding were most of that (224 s of a one-year delta at 1,000,000
procedures, profiled), and the statistics' quality checks and facts and the site's pages most of the rest. Here,
per year and kind, one SQLite file (``<versions>/state/<kind>/<year>.sqlite``) holds per ocid a digest of what is
made from (the year and its compiled release as stored, and what else the caller adds) and what was made (pickled,
compressed against a dictionary kept in the file): the rows :meth:`.yearly.YearSpreadsheets.encode` gives, the part
:func:`.statistics.process_part` gives, or :func:`.site.years.process_pages`'s. A process whose digest is found is
taken from there, the same bytes. Each pass writes the file anew with what it asked for, in that order
(:class:`ProcessCache`). The file is made under a key (the publication's rules and the code between a compiled
release and what is made of it): under another key, or damaged, nothing is taken from it. It is never published
and may be deleted at any time (the next pass over the year makes everything again).
"""

from __future__ import annotations

import errno
import hashlib
import os
import pickle
import sqlite3
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator, TypeVar

from ..atomic import no_space

T = TypeVar("T")

# The code between a compiled release and its rows in a year's tables: a change to any of it may change them.
SHEETS_CODE = ("ocds_pipeline/publish/tables.py", "ocds_pipeline/publish/contracts.py", "ocds_pipeline/publish/yearly.py",
               "ocds_pipeline/publish/spreadsheets.py", "ocds_pipeline/publish/xlsx.py", "ocds_pipeline/publish/processcache.py",
               "ocds_pipeline/indicators/facts.py", "ocds_pipeline/ocdsvalues.py", "ocds_pipeline/procedure_types.py",
               "mappings/sercop/codelists/procedure_types.csv", "ocds_pipeline/privacy", "ocds_pipeline/sources/identifiers.py",
               "ocds_pipeline/extensions.py", "schemas/extensions", "schemas/upstream.json")
_BATCH = 1_000  # processes made anew, written at a time
_AHEAD = 256  # kept parts read at a time, in ocid order
_DICTIONARY = 32 * 1024  # the most of a compression dictionary zlib uses (its window)
_NEW = ".new"  # after a year's file's name: the file a pass writes, until it closes


class ProcessCache:
    """What one year's pass makes of each process: :meth:`get` gives a process's, making it only when it was not kept
    by the last pass. Each pass writes the year's file anew, in the order it asks (the next pass reads it on rather
    than seeking: a file updated in place, its parts scattered, read 8 to 13 times as slowly), with only the
    processes it asked for; :meth:`close` puts it in place of the last one, :meth:`abort` leaves that as it was."""

    def __init__(self, path: Path, key: str, year: str) -> None:
        self.path, self.key, self.year = Path(path), key, year
        self.reused = self.made = 0
        self._pending: list[tuple[str, bytes, bytes]] = []
        self._ahead: list[tuple[str, bytes, bytes]] = []  # kept parts read on from the last ocid asked, in ocid order
        self._at, self._last, self._read_all = 0, "", False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._last_pass, self._dictionary = self._open_last()
        self._new_dictionary = self._dictionary is not None  # written into the new file with its first parts
        self._writing = self.path.with_name(self.path.name + _NEW)
        try:
            self._db = self._open_new()
        except BaseException:  # a full disk: the last pass's file is not left open
            self._close_last()
            raise

    def _open_new(self) -> sqlite3.Connection:
        """This pass's file, holding only its key (one a killed pass left is replaced)."""
        with _space(self.path):
            self._writing.unlink(missing_ok=True)
            db = sqlite3.connect(self._writing)
            try:
                with db:
                    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                    db.execute("CREATE TABLE rows (ocid TEXT PRIMARY KEY, digest BLOB NOT NULL, data BLOB NOT NULL)")
                    db.execute("INSERT INTO meta VALUES ('key', ?)", (self.key,))
            except BaseException:
                db.close()
                raise
        return db

    def _open_last(self) -> tuple[sqlite3.Connection | None, bytes | None]:
        """The last pass's file and its dictionary, when it was made under this key and can be read; else nothing."""
        if not self.path.is_file():
            return None, None
        db = sqlite3.connect(self.path)
        try:
            found = db.execute("SELECT value FROM meta WHERE key = 'key'").fetchone()
            if found is not None and found[0] == self.key:
                found = db.execute("SELECT value FROM meta WHERE key = 'dictionary'").fetchone()
                return db, (found[0] if found else None)
        except sqlite3.DatabaseError:  # damaged: made again
            pass
        db.close()
        return None, None

    def get(self, ocid: str, body: bytes, make: Callable[[], T]) -> T:
        """What is made of process ``ocid`` whose compiled release (as stored) is ``body``: kept, or ``make()``
        and kept for the next time."""
        digest = hashlib.blake2b(body, digest_size=16, key=self.year.encode()[:64]).digest()
        found = self._kept(ocid)
        if found is not None and found[0] == digest:
            try:
                kept = pickle.loads(self._unpacked(found[1]))  # noqa: S301 (written by this tool, never published)
                self.reused += 1
                self._keep(ocid, digest, found[1])
                return kept
            except Exception:  # noqa: BLE001 (damaged: made again)
                pass
        made = make()
        self.made += 1
        self._keep(ocid, digest, self._packed(pickle.dumps(made, protocol=pickle.HIGHEST_PROTOCOL)))
        return made

    def _kept(self, ocid: str) -> tuple[bytes, bytes] | None:
        """The digest and part the last pass kept for ``ocid``. A pass asks in ocid order (a run per file of the
        year), so parts are read ahead in that order, many at a query (a query per process took 1.7 to 6 times
        as long at 1,000,000 procedures). Asked for an ocid before the last one, it reads on from there."""
        if self._last_pass is None:
            return None
        if ocid < self._last:
            self._ahead, self._at, self._read_all = [], 0, False
        self._last = ocid
        while True:
            ahead, at = self._ahead, self._at
            while at < len(ahead) and ahead[at][0] < ocid:
                at += 1
            self._at = at
            if at < len(ahead):
                return ahead[at][1:] if ahead[at][0] == ocid else None
            if self._read_all:
                return None
            self._ahead = self._last_pass.execute(
                "SELECT ocid, digest, data FROM rows WHERE ocid >= ? ORDER BY ocid LIMIT ?", (ocid, _AHEAD)).fetchall()
            self._at, self._read_all = 0, len(self._ahead) < _AHEAD

    def _keep(self, ocid: str, digest: bytes, packed: bytes) -> None:
        self._pending.append((ocid, digest, packed))
        if len(self._pending) >= _BATCH:
            self._flush()

    def _packed(self, data: bytes) -> bytes:
        """A part compressed against the file's dictionary: the end of the first part made under its key (a year's
        parts repeat the same names; compressed alone, a statistics part took 2.2 times the room)."""
        if self._dictionary is None:
            self._dictionary, self._new_dictionary = data[-_DICTIONARY:], True
        packer = zlib.compressobj(1, zdict=self._dictionary)
        return packer.compress(data) + packer.flush()

    def _unpacked(self, data: bytes) -> bytes:
        if self._dictionary is None:
            raise ValueError("a part without its file's dictionary")
        unpacker = zlib.decompressobj(zdict=self._dictionary)
        return unpacker.decompress(data) + unpacker.flush()

    def _flush(self) -> None:
        with _space(self.path), self._db:
            if self._new_dictionary:  # with the first parts packed against it
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('dictionary', ?)", (self._dictionary,))
            self._db.executemany("INSERT OR REPLACE INTO rows VALUES (?, ?, ?)", self._pending)
        self._pending, self._new_dictionary = [], False

    def close(self) -> None:
        """Keep what this pass asked for, in place of what the last one kept."""
        self._flush()
        self._close()
        os.replace(self._writing, self.path)

    def abort(self) -> None:
        """Leave what the last pass kept as it was."""
        self._pending = []
        self._close()
        self._writing.unlink(missing_ok=True)

    def __enter__(self) -> "ProcessCache":
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        """A pass that ends keeps what it asked for; one that fails leaves the last pass's file."""
        if kind is None:
            self.close()
        else:
            self.abort()

    def _close(self) -> None:
        self._db.close()
        self._close_last()

    def _close_last(self) -> None:
        if self._last_pass is not None:
            self._last_pass.close()


def _full(error: sqlite3.DatabaseError) -> bool:
    return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL


@contextmanager
def _space(path: Path) -> Iterator[None]:
    """A full disk is the clear error every write of the publication gives (:func:`..atomic.no_space`), not SQLite's."""
    try:
        yield
    except sqlite3.DatabaseError as error:
        if _full(error):
            raise no_space(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), path) from error
        raise


def keep_years(folder: Path, years: Iterable[str]) -> None:
    """Delete the files of every other year (a year no process is in any more), and any a killed pass left."""
    kept = {f"{year}.sqlite" for year in years}
    for path in Path(folder).glob("*.sqlite*") if Path(folder).is_dir() else ():
        if path.name not in kept:
            path.unlink()
