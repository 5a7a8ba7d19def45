"""Synthetic contracting entities and suppliers with valid RUCs (check digits computed)."""

from __future__ import annotations

import random
from typing import Any

from ..sources.identifiers import PRIVATE_WEIGHTS, PUBLIC_WEIGHTS, cedula_check_digit, modulo11_check_digit


def make_ruc(rng: random.Random, province_code: str, kind: str) -> str:
    """A valid RUC of the given kind ('natural', 'public', 'company') for a province."""
    while True:
        if kind == "natural":
            body = province_code + str(rng.randint(0, 5)) + f"{rng.randrange(10**6):06d}"
            return body + str(cedula_check_digit(body)) + "001"
        if kind == "public":
            body = province_code + "6" + f"{rng.randrange(10**5):05d}"
            check = modulo11_check_digit(body, PUBLIC_WEIGHTS)
            if check is not None:
                return body + str(check) + "0001"
        else:
            body = province_code + "9" + f"{rng.randrange(10**6):06d}"
            check = modulo11_check_digit(body, PRIVATE_WEIGHTS)
            if check is not None:
                return body + str(check) + "001"


class Registry:
    """Pools of entities and suppliers, sized sub-linearly (and capped) so memory stays flat."""

    def __init__(self, rng: random.Random, vocab: dict[str, Any], procedures: int) -> None:
        self.rng = rng
        self.vocab = vocab
        self.provinces = list(vocab["provinces"])
        self._rucs: set[str] = set()
        self.entities = [self._entity(i) for i in range(min(600, 12 + procedures // 25))]
        self.suppliers = [self._supplier(i) for i in range(min(30_000, 40 + procedures // 4))]

    def entity(self, ruc: str) -> dict[str, Any]:
        """The entity with this RUC (entities are few: a scan is fine)."""
        return next(e for e in self.entities if e["ruc"] == ruc)

    def _unique_ruc(self, province: str, kind: str) -> str:
        code = self.vocab["provinces"][province][0]
        while True:
            ruc = make_ruc(self.rng, code, kind)
            if ruc not in self._rucs:
                self._rucs.add(ruc)
                return ruc

    def _entity(self, index: int) -> dict[str, Any]:
        rng = self.rng
        province = self.provinces[index % len(self.provinces)] if index < len(self.provinces) else rng.choice(self.provinces)
        canton = self.vocab["provinces"][province][1]
        kind = rng.choice(list(self.vocab["entities"]))
        name = rng.choice(self.vocab["entities"][kind]).format(canton=canton, province=province)
        return {
            "ruc": self._unique_ruc(province, "public"),
            "id_soce": 1000 + index * 7 + rng.randrange(7),
            "nombre": f"{name}" if index < len(self.provinces) * 2 else f"{name} ({index})",
            "tipo_entidad": kind,
            "provincia": province,
            "canton": canton,
        }

    def _supplier(self, index: int) -> dict[str, Any]:
        rng, vocab = self.rng, self.vocab
        province = rng.choice(self.provinces)
        natural = rng.random() < 0.4
        if natural:
            name = " ".join([rng.choice(vocab["surnames"]), rng.choice(vocab["surnames"]),
                             rng.choice(vocab["given_names"]), rng.choice(vocab["given_names"])]).upper()
        else:
            name = f"{rng.choice(vocab['company_kinds'])} {rng.choice(vocab['company_stems'])} {index} {rng.choice(vocab['company_forms'])}"
        return {
            "ruc": self._unique_ruc(province, "natural" if natural else "company"),
            "nombre": name,
            "tipo_persona": "natural" if natural else "juridica",
            "provincia": province if rng.random() < 0.95 else None,
            "mipyme": rng.random() < (0.9 if natural else 0.55),
        }
