"""What a reader accepts before it refuses an input: sizes, nesting, archive members, compression.

The defaults are safe for national bulk files (tens of GB, thousands of members) and refuse
what no publisher writes: a zip or gzip bomb, a JSON value nested hundreds of levels, an archive
of a million members. A command applies the configuration's values (docs/configuration.md); a
library caller may use :func:`applied`. Each refusal names the limit and the configuration key.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields
from typing import IO, Any, Callable, Iterator

from ..config import Config

@dataclass(frozen=True)
class ReaderLimits:
    """The readers' limits; each default is the configuration's (where they are explained)."""

    max_nesting: int = Config.max_nesting
    max_input_bytes: int = Config.max_input_bytes
    max_zip_members: int = Config.max_zip_members
    max_compression_ratio: int = Config.max_compression_ratio

    @classmethod
    def of(cls, config: Config) -> "ReaderLimits":
        """The limits a configuration sets."""
        return cls(**{f.name: getattr(config, f.name) for f in fields(cls)})


_CURRENT: ContextVar[ReaderLimits] = ContextVar("reader_limits", default=ReaderLimits())


def current() -> ReaderLimits:
    return _CURRENT.get()


def use(limits: ReaderLimits) -> Callable[[], None]:
    """Apply ``limits`` to every read that follows in this context (a command's whole run); returns the
    function that restores the limits before."""
    token = _CURRENT.set(limits)
    return lambda: _CURRENT.reset(token)


@contextmanager
def applied(limits: ReaderLimits) -> Iterator[None]:
    """:func:`use` for a block of code."""
    restore = use(limits)
    try:
        yield
    finally:
        restore()


class Capped:
    """A binary stream that raises ``error`` once more than ``limit`` bytes were read from it.

    Everything else is the wrapped stream's (seek, tell, peek): readers see no difference.
    """

    def __init__(self, stream: IO[bytes], limit: int, error: Exception) -> None:
        self._stream, self._limit, self._error = stream, limit, error

    def _checked(self, data: bytes) -> bytes:
        if self._stream.tell() > self._limit:
            raise self._error
        return data

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:  # in chunks, so that a bomb is stopped before it fills memory
            parts = []
            while chunk := self.read(1 << 20):
                parts.append(chunk)
            return b"".join(parts)
        return self._checked(self._stream.read(size))

    def read1(self, size: int = -1) -> bytes:
        return self._checked(self._stream.read1(size))

    def readline(self, size: int = -1) -> bytes:
        return self._checked(self._stream.readline(size))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
