"""Ecuador's taxpayer (RUC) and identity-card (cédula) numbers, with their check digits.

A RUC has 13 digits. Digits 1-2 are the province (01-24, or 30 for Ecuadorians abroad); the third
says who holds it: 0-5 a natural person (the cédula + establishment ``001``…), 6 a public entity,
9 a private company. Natural persons and public entities have check digits (SRI's published
modulo 10 and modulo 11 algorithms). Companies' RUCs were published with a modulo-11 check digit
too, but SRI has issued company RUCs that do not follow it (two of the eight RUCs in SERCOP's
published api/record samples, 1793214353001 and 1793227343001), so for companies it is not a
reason to reject a row.
"""

from __future__ import annotations

PUBLIC_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
PRIVATE_WEIGHTS = (4, 3, 2, 7, 6, 5, 4, 3, 2)  # what older company RUCs follow (the generator writes such)


class InvalidIdentifier(ValueError):
    """The value is not a valid Ecuadorian RUC or cédula; the message says why."""


def _province_ok(digits: str) -> bool:
    return 1 <= int(digits[:2]) <= 24 or digits[:2] == "30"


def cedula_check_digit(first9: str) -> int:
    """Modulo-10 check digit of a cédula (coefficients 2,1,2,1,…; products over 9 minus 9)."""
    total = 0
    for position, char in enumerate(first9):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def modulo11_check_digit(digits: str, weights: tuple[int, ...]) -> int | None:
    """Modulo-11 check digit used for public-entity and company RUCs; None when no digit fits."""
    remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    check = 0 if remainder == 0 else 11 - remainder
    return None if check == 10 else check


def _digits(value: str, length: int) -> bool:
    """Exactly ``length`` ASCII digits (str.isdigit also takes '١' or '１', which no RUC has)."""
    return len(value) == length and value.isascii() and value.isdigit()


def validate_cedula(value: str) -> str:
    """Return the cédula if valid, else raise :class:`InvalidIdentifier`."""
    if not _digits(value, 10):
        raise InvalidIdentifier("a cédula has exactly 10 digits")
    if not _province_ok(value):
        raise InvalidIdentifier(f"province code {value[:2]} is not 01-24 or 30")
    if int(value[2]) > 5:
        raise InvalidIdentifier("the third digit of a cédula is 0-5")
    if cedula_check_digit(value[:9]) != int(value[9]):
        raise InvalidIdentifier("check digit does not match (modulo 10)")
    return value


def validate_ruc(value: str) -> str:
    """Return the RUC if valid (natural person, public entity or company), else raise."""
    if not _digits(value, 13):
        raise InvalidIdentifier("a RUC has exactly 13 digits")
    if not _province_ok(value):
        raise InvalidIdentifier(f"province code {value[:2]} is not 01-24 or 30")
    kind = int(value[2])
    if kind <= 5:
        validate_cedula(value[:10])
        if value[10:] == "000":
            raise InvalidIdentifier("establishment number 000 is not valid")
    elif kind == 6:
        if modulo11_check_digit(value[:8], PUBLIC_WEIGHTS) != int(value[8]):
            raise InvalidIdentifier("check digit does not match (public entity, modulo 11)")
        if value[9:] == "0000":
            raise InvalidIdentifier("establishment number 0000 is not valid")
    elif kind == 9:  # no check digit to rely on (see above)
        if value[10:] == "000":
            raise InvalidIdentifier("establishment number 000 is not valid")
    else:
        raise InvalidIdentifier(f"third digit {kind} is not a known RUC type (0-5, 6 or 9)")
    return value


def ruc_kind(value: str) -> str:
    """'natural', 'public' or 'company' from a RUC's third digit (the RUC must be valid)."""
    kind = int(value[2])
    return "natural" if kind <= 5 else "public" if kind == 6 else "company"
