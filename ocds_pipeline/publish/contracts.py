"""The ``contratos`` table: one row per contract, with what a journalist asks first.

Each contract is joined with its award (by ``awardID``), the award's suppliers and their RUCs (from
``parties``), the buyer and its province, and the process's procedure type, regime, category and
number of tenderers. Codes are written with their Spanish labels (``tables.yaml``).
"""

from __future__ import annotations

import math
from typing import Any, Iterator

from ..config import Config
from ..indicators.facts import buyer_party, tenderer_count
from ..ocdsvalues import obj, objs
from ..procedure_types import ProcedureTypes
from .tables import Tables


def _ruc(party: dict[str, Any], org_id: Any) -> str | None:
    """An organisation's RUC: its EC-RUC identifier, else what follows ``EC-RUC-`` in its id."""
    identifier = obj(party, "identifier")
    if identifier.get("scheme") == "EC-RUC" and identifier.get("id") is not None:
        return str(identifier["id"])
    if isinstance(org_id, str) and org_id.startswith("EC-RUC-"):
        return org_id[len("EC-RUC-"):]
    return None


def _joined(values: list[Any]) -> str | None:
    kept = [str(v) for v in values if v is not None]
    return "; ".join(kept) if kept else None


class ContractRows:
    """Builds the rows of the ``contratos`` table from compiled releases."""

    def __init__(self, tables: Tables, config: Config, types: ProcedureTypes) -> None:
        self.columns = tables.contratos["columns"]
        self.labels = tables.labels
        self.config = config
        self.types = types

    def _label(self, kind: str, code: Any) -> Any:
        return self.labels[kind].get(code, code) if isinstance(code, str) else code

    def rows(self, compiled: dict[str, Any], year: str) -> Iterator[list[Any]]:
        tender, buyer = obj(compiled, "tender"), obj(compiled, "buyer")
        parties = {party.get("id"): party for party in objs(compiled, "parties")}
        awards = {award.get("id"): award for award in objs(compiled, "awards")}
        details = tender.get("procurementMethodDetails")
        found = self.types.classify(details) if isinstance(details, str) else None
        tenderers, _ = tenderer_count(compiled)
        ocid = compiled.get("ocid")
        process = {
            "anio": year, "ocid": ocid,
            "comprador": buyer.get("name"), "ruc_comprador": _ruc(buyer_party(compiled), buyer.get("id")),
            "tipo_procedimiento": details.strip() if isinstance(details, str) else None,
            "metodo": self._label("procurement_method", tender.get("procurementMethod")),
            "regimen": self._label("regime", tender.get("procurementRegime") or (found.regime if found else None)),
            "categoria": self._label("category", tender.get("mainProcurementCategory")),
            "provincia": obj(buyer_party(compiled), "address").get("region"),
            "oferentes": None if math.isnan(tenderers) else int(tenderers),
            "enlace": self.config.process_url.format(ocid=ocid),
        }
        for contract in objs(compiled, "contracts"):
            award = awards.get(contract.get("awardID"), {})
            suppliers = objs(award, "suppliers")
            value, period = obj(contract, "value"), obj(contract, "period")
            row = {**process,
                   "contrato": contract.get("id"), "titulo": contract.get("title") or tender.get("title"),
                   "estado": self._label("contract_status", contract.get("status")),
                   "monto": value.get("amount"), "moneda": value.get("currency"),
                   "fecha_firma": contract.get("dateSigned"), "inicio": period.get("startDate"),
                   "fin": period.get("endDate"),
                   "proveedor": _joined([s.get("name") for s in suppliers]),
                   "ruc_proveedor": _joined([_ruc(parties.get(s.get("id"), {}), s.get("id")) for s in suppliers]),
                   "monto_adjudicado": obj(award, "value").get("amount")}
            yield [row[column["name"]] for column in self.columns]
