"""How one value is masked: e-mail addresses and telephone numbers keep a hint, identifiers become keyed
pseudonyms (a bare hash of a 10-digit cédula could be reversed by trying every cédula; a keyed one cannot)."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any, Callable

PSEUDONYM_PREFIX = "PN-"
_DIGIT = re.compile(r"\d")


def email(value: Any) -> Any:
    """``maria.perez@example.com`` → ``m***@example.com``; not an address → ``***``."""
    if not isinstance(value, str):
        return value
    local, at, domain = value.strip().rpartition("@")
    return f"{local[:1]}***@{domain}" if at and local else "***"


def telephone(value: Any) -> Any:
    """Every digit but the last two replaced by ``*``: ``+593 2 255 1267`` → ``+*** * *** **67``."""
    if not isinstance(value, str):
        return value
    digits = len(_DIGIT.findall(value))
    seen = 0

    def star(match: re.Match[str]) -> str:
        nonlocal seen
        seen += 1
        return match.group(0) if seen > digits - 2 else "*"

    return _DIGIT.sub(star, value)


MASKERS: dict[str, Callable[[Any], Any]] = {"email": email, "telephone": telephone}


class Pseudonyms:
    """Stable pseudonyms under one secret key: the same identifier gives the same token in every run."""

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.tokens: dict[str, str] = {}  # made once per identifier (a national run meets each supplier often)

    def token(self, value: str) -> str:
        """16 hex digits of HMAC-SHA256(key, value): 64 bits, so distinct identifiers do not collide."""
        token = self.tokens.get(value)
        if token is None:
            if len(self.tokens) >= 1 << 20:
                self.tokens.clear()
            token = self.tokens[value] = hmac.new(self.key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:16]
        return token

    def party_id(self, value: str) -> str:
        return PSEUDONYM_PREFIX + self.token(value)

    def fingerprint(self) -> str:
        """Changes when the key does (a publication written under another key is rewritten), without showing it."""
        return self.token("ocds-pipeline privacy key fingerprint")
