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

@dataclass(frozen=True)
class ReaderLimits:
    max_nesting: int = 200  # OCDS needs about 10; records and versioned releases add a few
    max_input_bytes: int = 256 << 30  # one input file or archive member, decompressed
    max_zip_members: int = 10_000
    max_compression_ratio: int = 1_000  # JSON compresses 10–100×; bombs a million times

    @classmethod
    def of(cls, config: Any) -> "ReaderLimits":
        """The limits a configuration sets (a :class:`~ocds_pipeline.config.Config`)."""
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
    token = _CURRENT.set(limits)
    try:
        yield
    finally:
        _CURRENT.reset(token)


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
