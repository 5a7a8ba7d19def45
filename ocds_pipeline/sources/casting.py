"""Turn the text of a source cell into a typed value, accepting what real SERCOP exports contain.

Numbers may use a decimal comma (``1.234,56``) or point (``1,234.56``); dates come as
``dd/mm/yyyy`` or ISO; booleans as S/N. Every parser raises ``ValueError`` with a short reason.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone, timedelta
from decimal import Decimal
from typing import Any, Callable

ECUADOR = timezone(timedelta(hours=-5))

_GROUPED = {
    ".": re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$"),
    ",": re.compile(r"^[+-]?\d{1,3}(,\d{3})+$"),
}
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_CURRENCY_SIGNS = frozenset("$€£¥")
_ZERO_FIRST = re.compile(r"^[+-]?0+[.,]")  # a first group of zeros: cannot start thousands
_DMY = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def parse_number(text: str, decimal_char: str = ".") -> Decimal:
    """Parse a number written with either separator convention.

    With both separators present the last one is the decimal mark. With only one kind, it is a
    group separator only where it forms proper thousands groups (``1.234.567``); a single
    ambiguous ``1.234`` follows the file's ``decimal_char``. A first group of zeros never starts
    thousands (``0,125`` and ``0.125`` are an eighth, whatever the file's decimal mark).
    """
    value = text.strip().replace(" ", "").replace("\u00a0", "")
    if not value:
        raise ValueError("empty number")
    if value.lstrip("+-")[:1] in _CURRENCY_SIGNS or value[-1:] in _CURRENCY_SIGNS:
        raise ValueError("not a number (write the amount without a currency sign)")
    if "." in value and "," in value:
        decimal = "." if value.rfind(".") > value.rfind(",") else ","
        group = "," if decimal == "." else "."
        integer, _, fraction = value.rpartition(decimal)
        # The integer part holds the other separator, so it must group thousands properly.
        if not _GROUPED[group].match(integer) or _ZERO_FIRST.match(integer):
            raise ValueError("misplaced thousands separators")
        value = integer.replace(group, "") + "." + fraction
    elif "," in value or "." in value:
        sep = "," if "," in value else "."
        if _GROUPED[sep].match(value) and not _ZERO_FIRST.match(value) and (value.count(sep) > 1 or sep != decimal_char):
            value = value.replace(sep, "")
        elif value.count(sep) == 1:
            value = value.replace(sep, ".")
        else:
            raise ValueError("more than one decimal separator")
    if not _PLAIN_NUMBER.match(value):
        raise ValueError("not a number")
    return Decimal(value)  # the pattern above admits only what Decimal reads


def parse_integer(text: str, decimal_char: str = ".") -> int:
    number = parse_number(text, decimal_char)
    if number != number.to_integral_value():
        raise ValueError("not a whole number")
    return int(number)


def parse_datetime(text: str, *_decimal_char: str) -> datetime:
    """Parse ``dd/mm/yyyy[ HH:MM[:SS]]`` or ISO 8601; naive values are Ecuador local time.

    Like every parser it may be given the file's decimal mark, which dates do not use.
    """
    value = text.strip()
    match = _DMY.match(value)
    try:
        if match:
            day, month, year, hour, minute, second = match.groups()
            parsed = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
        else:
            parsed = datetime.fromisoformat(value)  # Python 3.11 reads any ISO 8601 form, "Z" included
    except ValueError:
        raise ValueError("not a date (expected dd/mm/yyyy or yyyy-mm-dd, optionally with HH:MM[:SS])") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ECUADOR)
    return parsed


def parse_date(text: str, *_decimal_char: str) -> date:
    """A date; a date-time (as SQL exports write dates, ``2024-01-05 00:00:00``) gives its day in Ecuador."""
    parsed = parse_datetime(text)
    return parsed.astimezone(ECUADOR).date()


def parse_string(text: str, *_decimal_char: str) -> str:
    return text


Parser = Callable[[str, str], Any]

PARSERS: dict[str, Parser] = {
    "string": parse_string,
    "number": parse_number,
    "integer": parse_integer,
    "date": parse_date,
    "datetime": parse_datetime,
}


def coerce_native(value: Any, type_: str) -> Any:
    """Normalise a value that a SQL driver already typed (datetime, Decimal, float…)."""
    if type_ == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value))
    if type_ == "number" and isinstance(value, Decimal):
        # Drivers pad NUMERIC with zeros (345000.5000000000); keep the written precision.
        return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    if type_ == "integer" and isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if type_ == "datetime" and isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=ECUADOR)
    if type_ == "datetime" and isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=ECUADOR)
    if type_ == "date" and isinstance(value, datetime):
        return value.date()
    return value
