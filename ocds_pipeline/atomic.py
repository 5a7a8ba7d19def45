"""Atomic file writes: readers see either the old file or the complete new one, never a part."""

from __future__ import annotations

import errno
import gzip
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from .faults import checkpoint

_UMASK = os.umask(0)
os.umask(_UMASK)
NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class DiskFull(Exception):
    """A file could not be written for lack of space (device full, quota, file size limit)."""


def no_space(error: OSError, target: Path) -> DiskFull:
    return DiskFull(f"no space left to write {target} ({error.strerror}): free some space and run again; "
                    "no file was left half written, and the last publication is intact")


def _reported(error: OSError, target: Path) -> Exception:
    """What a failed write raises: :class:`DiskFull` for lack of space, else the error itself."""
    return no_space(error, target) if error.errno in NO_SPACE else error


@contextmanager
def atomic_open(target: Path, mode: str = "w", **kwargs) -> Iterator[IO]:
    """Open a temporary file beside ``target``; on success fsync it and rename it over ``target``."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as error:
        raise _reported(error, target) from None
    try:
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp creates 0600; published files are readable like any other
        checkpoint("file.before_rename")
        os.replace(tmp, target)
        checkpoint("file.after_rename")
    except OSError as error:
        Path(tmp).unlink(missing_ok=True)
        raise _reported(error, target) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes(target: Path, body: bytes) -> None:
    """Atomically replace ``target`` with ``body``."""
    with atomic_open(target, "wb") as handle:
        handle.write(body)


@contextmanager
def atomic_output(target: Path) -> Iterator[IO[bytes]]:
    """:func:`atomic_open` in binary mode, gzip-compressed when ``target`` ends in ``.gz``.

    The gzip header carries no file name and no time, so the same content gives the same bytes.
    """
    with atomic_open(target, "wb") as raw:
        if Path(target).suffix != ".gz":
            yield raw
            return
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as compressed:
            blocks = _Blocks(compressed)
            yield blocks  # only written to, as an IO would be
            blocks.flush()


class _Blocks:
    """Small writes joined into blocks of about a megabyte for ``target``: Python 3.11's GzipFile compresses each
    write in a call of its own (a year's package is a million small writes: a quarter of its gzip time). Deflate
    does not depend on how its input is cut, so the bytes are those of one write."""

    SIZE = 1 << 20

    def __init__(self, target: IO[bytes]) -> None:
        self.target, self.pending, self.size = target, [], 0

    def write(self, data: bytes) -> int:
        self.pending.append(data)
        self.size += len(data)
        if self.size >= self.SIZE:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self.pending:
            self.target.write(b"".join(self.pending))
            self.pending, self.size = [], 0
