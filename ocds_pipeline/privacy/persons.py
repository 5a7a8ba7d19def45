"""Which parties are natural persons: by the source's flag (details.legalEntityTypeDetail), by a
personal identifier scheme, or by the digits of an Ecuadorian RUC or cédula (schemas/publication/privacy.yaml)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..sources.identifiers import PUBLIC_WEIGHTS, InvalidIdentifier, modulo11_check_digit, validate_cedula


def _folded(text: str) -> str:
    """Lower case without accents: 'Persona Física' and 'persona fisica' compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=1 << 16)  # the same suppliers come back in process after process
def natural_ruc(value: str) -> bool:
    """Whether a RUC (13 digits) or cédula (10) belongs to a natural person: third digit 0-5 with a valid
    cédula, or 6 without the public entities' check digit (SRI also gives 6 to some foreign residents)."""
    if not (value.isascii() and value.isdigit() and len(value) in (10, 13)):
        return False
    if value[2] == "6":
        return len(value) == 13 and modulo11_check_digit(value[:8], PUBLIC_WEIGHTS) != int(value[8])
    try:
        validate_cedula(value[:10])
    except InvalidIdentifier:
        return False
    return len(value) == 10 or value[10:] != "000"


@dataclass(frozen=True)
class Recognition:
    """The rules of ``natural_persons`` in privacy.yaml."""

    ruc_schemes: frozenset[str]
    ruc_id_prefixes: tuple[str, ...]
    personal_schemes: re.Pattern[str]
    legal_entity_types: frozenset[str]

    @classmethod
    def of(cls, declared: dict[str, Any]) -> "Recognition":
        return cls(frozenset(declared["ruc_schemes"]), tuple(declared["ruc_id_prefixes"]),
                   re.compile(declared["personal_schemes"]), frozenset(_folded(t) for t in declared["legal_entity_types"]))

    def flagged(self, details: Any) -> bool:
        """details.legalEntityTypeDetail names a natural person."""
        if not isinstance(details, dict):
            return False
        kind = details.get("legalEntityTypeDetail")
        names = [kind] if isinstance(kind, str) else [kind.get("id"), kind.get("description")] if isinstance(kind, dict) else []
        return any(isinstance(name, str) and _folded(name) in self.legal_entity_types for name in names)

    def by_id(self, party_id: Any) -> bool:
        """A party id that embeds a natural person's RUC (EC-RUC-<RUC>)."""
        if not isinstance(party_id, str) or not party_id.startswith(self.ruc_id_prefixes):
            return False
        return any(party_id.startswith(prefix) and natural_ruc(party_id[len(prefix):]) for prefix in self.ruc_id_prefixes)

    def embedded(self, party_id: str) -> str:
        """The RUC inside a party id that :meth:`by_id` recognised."""
        prefix = next(prefix for prefix in self.ruc_id_prefixes if party_id.startswith(prefix))
        return party_id[len(prefix):]

    def natural(self, party: dict[str, Any]) -> bool:
        """Whether this OCDS party is a natural person."""
        if self.flagged(party.get("details")) or self.by_id(party.get("id")):
            return True
        identifiers = [party.get("identifier"), *(party.get("additionalIdentifiers") or [])]
        for identifier in identifiers:
            if not isinstance(identifier, dict):
                continue
            scheme, value = identifier.get("scheme"), identifier.get("id")
            if not isinstance(scheme, str):  # absent, or a versioned release's list of versions
                continue
            if self.personal_schemes.match(scheme):
                return True
            if scheme in self.ruc_schemes and isinstance(value, (str, int)) and natural_ruc(str(value)):
                return True
        return False
