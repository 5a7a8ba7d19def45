"""Check one source row against its table spec: types, required values, constraints and keys."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable
from urllib.parse import urlsplit

from ..scratch import Scratch
from .casting import PARSERS, coerce_native
from .identifiers import InvalidIdentifier, validate_cedula, validate_ruc
from .rejects import Reject, truncate
from .tableschema import FieldSpec, TableSpec

Key = tuple[Any, ...]
# Readers of JSON hold numbers as doubles, exact to 15 digits; more is a typing error in an amount.
_TOO_LARGE = Decimal(10) ** 15


def _digest(key: Key) -> bytes:
    return hashlib.blake2b(repr(key).encode(), digest_size=16).digest()


class KeyIndex:
    """Primary keys accepted so far, per table: finds duplicates and dangling foreign keys.

    The keys of the tables that foreign keys refer to (``referenced``; every table when None) are kept in
    memory as 16-byte digests (a collision is as likely as guessing a 128-bit key), about 100 bytes a row.
    The other tables' keys serve only to find duplicates: they go to a temporary SQLite file, so that
    the largest tables (items, documents, payments: over 7 million rows for a million procedures) cost
    no memory. Close it when done (it is a context manager).
    """

    def __init__(self, referenced: Iterable[str] | None = None) -> None:
        self._keys: dict[str, set[bytes]] = {}
        self._referenced = None if referenced is None else frozenset(referenced)
        self._disk: _DiskKeys | None = None

    def add(self, table: str, key: Key) -> bool:
        """Record ``key``; False when the table already had it."""
        if self._referenced is not None and table not in self._referenced:
            self._disk = self._disk or _DiskKeys()
            return self._disk.add(table, repr(key).encode())
        keys = self._keys.setdefault(table, set())
        digest = _digest(key)
        if digest in keys:
            return False
        keys.add(digest)
        return True

    def has(self, table: str, key: Key) -> bool:
        """Whether ``table`` accepted ``key``: only for tables kept in memory, those foreign keys refer to."""
        return _digest(key) in self._keys.get(table, ())

    def close(self) -> None:
        if self._disk is not None:
            self._disk.close()
            self._disk = None

    def __enter__(self) -> "KeyIndex":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class _DiskKeys:
    """Sets of keys in a temporary SQLite file, one table each; a key is its ``repr``, so that keys of a
    table whose rows come in order are inserted in order too (appended to the B-tree)."""

    def __init__(self) -> None:
        self._scratch = Scratch("ocds-keys-")
        self._db = self._scratch.database("keys.sqlite")
        self._tables: set[str] = set()

    def add(self, table: str, key: bytes) -> bool:
        if table not in self._tables:
            self._db.execute(f'CREATE TABLE "{table}" (key BLOB PRIMARY KEY) WITHOUT ROWID')
            self._tables.add(table)
        return self._db.execute(f'INSERT OR IGNORE INTO "{table}" VALUES (?)', (key,)).rowcount == 1

    def close(self) -> None:
        self._db.close()
        self._scratch.cleanup()


class FieldError(ValueError):
    """A value that breaks its field's rules."""


def _check_identifier(kind: str, value: str) -> str:
    value = value.strip()
    try:
        if kind == "ruc":
            if len(value) == 12 and value.isdigit():
                raise InvalidIdentifier("12 digits: a leading zero was probably lost (opened in Excel?)")
            return validate_ruc(value)
        return validate_cedula(value)
    except InvalidIdentifier as error:
        raise FieldError(f"invalid {kind.upper()}: {error}") from None


def _check_uri(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc or " " in value.strip():
        raise FieldError("malformed URL (expected http:// or https:// with a host and no spaces)")
    return value.strip()


def _cast(spec: FieldSpec, raw: Any, decimal_char: str) -> Any:
    if spec.type == "boolean":
        text = str(raw).strip()
        if isinstance(raw, bool):
            return raw
        if text in spec.true_values:
            return True
        if text in spec.false_values:
            return False
        allowed = "/".join(sorted(spec.true_values | spec.false_values))
        raise FieldError(f"not a yes/no value (allowed: {allowed})")
    if isinstance(raw, str):
        try:
            return PARSERS[spec.type](raw, decimal_char)
        except ValueError as error:
            raise FieldError(str(error)) from None
    return coerce_native(raw, spec.type)


def check_value(spec: FieldSpec, raw: Any, decimal_char: str = ".") -> Any:
    """Return the typed value of one cell, or raise :class:`FieldError`; empty cells give None."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if spec.required:
            raise FieldError("required value is missing")
        return None
    if isinstance(raw, str):
        if "\x00" in raw:
            raise FieldError("contains a NUL character (0x00): a corrupt export or binary data?")
        raw = raw.strip()  # padding carries no meaning, and would split one code into two keys
    value = _cast(spec, raw, decimal_char)
    if spec.identifier:
        value = _check_identifier(spec.identifier, str(value))
    if spec.format == "uri":
        value = _check_uri(value)
    if spec.enum is not None and value not in spec.enum:
        raise FieldError(f"not an allowed value (allowed: {', '.join(sorted(spec.enum))})")
    if spec.pattern is not None and not spec.pattern.match(value):
        raise FieldError(f"does not match the pattern {spec.pattern.pattern}")
    if isinstance(value, (int, Decimal)):
        if abs(value) >= _TOO_LARGE:
            raise FieldError("too large: more than 15 digits before the decimal mark")
        if spec.minimum is not None and value < Decimal(str(spec.minimum)):
            raise FieldError(f"below the minimum {spec.minimum}")
        if spec.maximum is not None and value > Decimal(str(spec.maximum)):
            raise FieldError(f"above the maximum {spec.maximum}")
    elif isinstance(value, date):
        day = value.date() if isinstance(value, datetime) else value
        if spec.minimum is not None and day < spec.minimum:
            raise FieldError(f"before the minimum {spec.minimum} (a typing error or a placeholder?)")
        if spec.maximum is not None and day > spec.maximum:
            raise FieldError(f"after the maximum {spec.maximum} (a typing error?)")
    return value


# A row's primary key and each of its foreign keys, as typed values: all that checking its keys needs.
KeyValues = tuple[Key, tuple[Key, ...]]


class RowChecker:
    """Turns raw rows of one table into typed rows or a :class:`Reject` (never both).

    Typing a row (:meth:`typed`) needs nothing but the spec, so it can run anywhere; checking its keys
    (:meth:`check_keys`) needs the keys accepted so far, so it runs in one place, in the source's order.
    """

    def __init__(self, spec: TableSpec, keys: KeyIndex | None, decimal_char: str = ".") -> None:
        self.spec = spec
        self.keys = keys
        self.decimal_char = decimal_char

    def typed(self, raw: dict[str, Any], line: int) -> tuple[dict[str, Any] | None, Reject | None]:
        """The row with each value typed and checked against its field, or why not."""
        typed: dict[str, Any] = {}
        problems: list[tuple[str, Any, str]] = []
        for spec in self.spec.fields:
            cell = raw.get(spec.name)
            try:
                typed[spec.name] = check_value(spec, cell, self.decimal_char)
            except FieldError as error:
                problems.append((spec.name, cell, str(error)))
        if problems:
            return None, self._reject(line, problems)
        return typed, None

    def key_values(self, typed: dict[str, Any]) -> KeyValues:
        return (tuple(typed[f] for f in self.spec.primary_key),
                tuple(tuple(typed[f] for f in fk.fields) for fk in self.spec.foreign_keys))

    def check_keys(self, values: KeyValues, line: int) -> Reject | None:
        """Why a typed row's keys refuse it (a foreign key not accepted, a primary key seen before); None if
        they do not. An accepted row's primary key is remembered."""
        primary, foreign = values
        for fk, key in zip(self.spec.foreign_keys, foreign):
            if any(part is None for part in key):
                continue
            if not self.keys.has(fk.table, key):
                shown = "/".join(str(k) for k in key)
                reason = f"refers to {fk.table} {'/'.join(fk.reference)} {shown}, which is not in the accepted {fk.table} rows"
                return self._reject(line, [("|".join(fk.fields), shown, reason)])
        if self.spec.primary_key and not self.keys.add(self.spec.name, primary):
            shown = "/".join(str(k) for k in primary)
            reason = f"duplicate primary key ({', '.join(self.spec.primary_key)}); the first row with it was kept"
            return self._reject(line, [("|".join(self.spec.primary_key), shown, reason)])
        return None

    def _reject(self, line: int, problems: list[tuple[str, Any, str]]) -> Reject:
        column, value, reason = problems[0]
        if len(problems) > 1:
            reason += "; also " + "; ".join(f"{c}: {r}" for c, _, r in problems[1:])
        return Reject(self.spec.name, line, column, truncate(value), reason)
