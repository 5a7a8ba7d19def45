"""Named value transforms that mapping files may use (``transform: <name>``), with their arguments.

Each takes the source value and the rule's ``args`` and returns the OCDS value, or None to omit
the field. Adding a transform here is the only code change a new kind of mapping needs.
"""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from typing import Any, Callable

from ..codelists import lookup
from ..procedure_types import default_procedure_types
from ..sources.casting import ECUADOR

CURRENCY = "USD"

Transform = Callable[[Any, dict[str, Any]], Any]


def number(value: Any, args: dict[str, Any] | None = None) -> int | float | None:
    """A JSON number: integers stay integers, other decimals become floats (cents are exact)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def rfc3339(value: Any, args: dict[str, Any] | None = None) -> str | None:
    """Date-time in RFC 3339 with Ecuador's offset (-05:00); a bare date becomes its midnight."""
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=ECUADOR)
    else:
        at = time(23, 59, 59) if (args or {}).get("end_of_day") else time(0, 0)
        moment = datetime.combine(value, at, ECUADOR)
    return moment.astimezone(ECUADOR).isoformat()


def _text(value: Any, args: dict[str, Any]) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split()) if args.get("collapse") else str(value).strip()
    return text or None


def _value(amount: Any, args: dict[str, Any]) -> dict[str, Any] | None:
    return None if amount is None else {"amount": number(amount), "currency": CURRENCY}


def _org_id(ruc: Any, args: dict[str, Any]) -> str | None:
    return None if not ruc else f"EC-RUC-{ruc}"


def _codelist(value: Any, args: dict[str, Any]) -> Any:
    code = lookup(args["codelist"], value, args.get("column", "target"), args.get("source", "sercop"))
    if args.get("as_list"):
        return [code] if code else None
    return code


def _procedure_type(value: Any, args: dict[str, Any]) -> str | None:
    found = default_procedure_types().classify(value)
    return None if found is None else getattr(found, args["field"])


def _integer(value: Any, args: dict[str, Any]) -> int | None:
    return None if value is None else int(value)


def _string(value: Any, args: dict[str, Any]) -> str | None:
    return None if value is None else str(value)


def _date_time(value: Any, args: dict[str, Any]) -> str | None:
    return rfc3339(value, args)


def _amount(value: Any, args: dict[str, Any]) -> Any:
    return number(value)


def _point(value: Any, args: dict[str, Any]) -> dict[str, Any] | None:
    """GeoJSON point from a (latitude, longitude) pair; None when either is missing."""
    lat, lon = value
    if lat is None or lon is None:
        return None
    return {"type": "Point", "coordinates": [number(lon), number(lat)]}


TRANSFORMS: dict[str, Transform] = {
    "text": _text,
    "string": _string,
    "integer": _integer,
    "amount": _amount,
    "value": _value,
    "datetime": _date_time,
    "org_id": _org_id,
    "codelist": _codelist,
    "procedure_type": _procedure_type,
    "point": _point,
}

DESCRIPTIONS = {
    "text": "text with surrounding whitespace (and CR/LF) removed; `collapse` also joins inner whitespace",
    "string": "the value as a string",
    "integer": "an integer",
    "amount": "a JSON number (USD)",
    "value": "an OCDS Value: `{amount, currency: USD}`",
    "datetime": "RFC 3339 date-time with Ecuador's -05:00 offset (dates at 00:00, or 23:59:59 with `end_of_day`)",
    "org_id": "organisation id `EC-RUC-<RUC>` (one party per RUC)",
    "codelist": "looked up in `mappings/<source>/codelists/<codelist>.csv`",
    "procedure_type": "looked up in `procedure_types.csv` by normalised name (catálogo names by prefix)",
    "point": "GeoJSON Point `[longitude, latitude]` from two columns",
}
