"""The release lifecycle: which releases a procedure gets, with which tags, dates and contexts.

One release per change, in the order the changes happened:

* ``tender`` (plus ``planning`` when the procedure belongs to a works project) at publication;
* ``tenderUpdate`` when bidding closed (tenderers, bids, statistics);
* ``tenderCancellation`` (cancelled) or ``tenderUpdate`` (deserted) for procedures without award;
* ``award`` per award date (one award per lot); the tender is then complete;
* per contract: ``contract`` at signature, ``contractAmendment`` per amendment, ``implementation``
  per payment, ``contractTermination`` when it ended.

Field values come from the mapping files; this module only decides the sequence and supplies the
derived ``stage.*`` values they use. Release ids are ``<kind>-<hash of content>``: deterministic,
free of ``#``, and new whenever the content of that change differs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Callable

import orjson

from ..codelists import lookup
from ..procedure_types import ProcedureType
from ..sources.bundles import Bundle, Row
from ..sources.casting import ECUADOR
from .engine import Section, load_section
from .transforms import rfc3339

ROLE_ORDER = ("buyer", "procuringEntity", "tenderer", "supplier", "payer", "payee")
NON_COMPETITIVE = {"limited", "direct"}
SECTIONS = ("parties", "planning", "tender", "bids", "tender_status", "awards", "contracts",
            "contract_amendment", "implementation", "contract_termination")


def _moment(value: date | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, time(0, 0), ECUADOR)


def content_id(kind: str, release: dict[str, Any]) -> str:
    """``<kind>-<16 hex>``: a digest of the release content (tag, id and releaseID excluded)."""
    body = {k: v for k, v in release.items() if k not in {"id", "tag"}}
    digest = hashlib.blake2b(orjson.dumps(body, option=orjson.OPT_SORT_KEYS), digest_size=8).hexdigest()
    return f"{kind}-{digest}"


@dataclass
class Sections:
    """The compiled mapping files of one source system."""

    by_name: dict[str, Section]

    @classmethod
    def load(cls, source: str = "sercop") -> "Sections":
        return cls({name: load_section(name, source) for name in SECTIONS})

    def __getitem__(self, name: str) -> Section:
        return self.by_name[name]


class ProcessBuilder:
    """Builds the releases of one procedure, in date order, keeping party roles cumulative."""

    def __init__(self, bundle: Bundle, ptype: ProcedureType, ocid: str, sections: Sections,
                 supplier: Callable[[str], Row | None]) -> None:
        self.bundle = bundle
        self.ptype = ptype
        self.ocid = ocid
        self.sections = sections
        self.supplier = supplier
        self.roles: dict[str, list[str]] = {}
        self.orgs: dict[str, tuple[Row, str]] = {}
        self.releases: list[dict[str, Any]] = []
        self.last_date: datetime | None = None

    # -- parties ---------------------------------------------------------------------------
    def _grant(self, row: Row, kind: str, *roles: str) -> list[str]:
        """Give ``row`` (entity or supplier) roles; return its RUC if they changed."""
        ruc = row["ruc"]
        self.orgs[ruc] = (row, kind)
        current = self.roles.setdefault(ruc, [])
        changed = [role for role in roles if role not in current]
        if changed:
            current.extend(changed)
            current.sort(key=ROLE_ORDER.index)
            return [ruc]
        return []

    def _parties(self, rucs: list[str]) -> list[dict[str, Any]]:
        parties = []
        for ruc in dict.fromkeys(rucs):
            row, kind = self.orgs[ruc]
            scale = None if kind == "entity" else ("sme" if row.get("mipyme") else "large")
            parties.append(self.sections["parties"].apply({"party": {"row": row, "roles": list(self.roles[ruc]), "scale": scale}}))
        return parties

    # -- releases --------------------------------------------------------------------------
    def _emit(self, kind: str, tags: list[str], when: date | datetime | None, section_names: list[str],
              ctx: dict[str, Any], party_rucs: list[str], finish: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
        moment = _moment(when) or self.last_date
        if self.last_date is not None and moment <= self.last_date:
            # Strictly increasing: when source dates disagree or coincide, one second after the
            # previous release, so that the merge order never depends on the order of the input.
            moment = self.last_date + timedelta(seconds=1)
        self.last_date = moment
        release: dict[str, Any] = {"ocid": self.ocid, "date": rfc3339(moment), "tag": tags,
                                   "initiationType": "tender", "language": "es"}
        ctx = {"procedure": self.bundle.procedure, "entity": self.bundle.entity, **ctx}
        for name in section_names:
            _deep_update(release, self.sections[name].apply(ctx))
        if party_rucs:
            release["parties"] = self._parties(party_rucs)
        release["id"] = content_id(kind, release)
        if finish:
            finish(release)
        self.releases.append(release)
        return release

    def build(self) -> list[dict[str, Any]]:
        b, p = self.bundle, self.bundle.procedure
        final_status = lookup("tender_status", p["estado"])
        suppliers: dict[str, Row] = {}
        for row in [*b.bids, *b.awards]:
            if row["ruc_proveedor"] not in suppliers:
                suppliers[row["ruc_proveedor"]] = self.supplier(row["ruc_proveedor"])
        lots = self._lots()
        docs = self._documents_by_section()

        # Publication: tender (+ planning for works projects); the outcome comes in later releases.
        ctx = {"procedure": p, "entity": b.entity, "project": b.project, "items": b.items, "lots": lots,
               "tender_documents": docs["tender"],
               "stage": {"tender_status": "active", "method_rationale": self._rationale()},
               "project_locations": self._project_locations()}
        tags, sections = ["tender"], ["tender"]
        if b.project is not None:
            tags, sections = ["planning", "tender"], ["planning", "tender"]
        self._emit("tender", tags, _public_by(p["fecha_publicacion"], docs["tender"]), sections, ctx,
                   self._grant(b.entity, "entity", "buyer", "procuringEntity"))

        # Bidding closed.
        if b.bids:
            rucs, tenderers = [], []
            for ruc in dict.fromkeys(bid["ruc_proveedor"] for bid in b.bids):
                rucs += self._grant(suppliers[ruc], "supplier", "tenderer")
                tenderers.append(suppliers[ruc])
            closed = max([bid["fecha_oferta"] for bid in b.bids] + ([p["fecha_limite_ofertas"]] if p["fecha_limite_ofertas"] else []))
            ctx = {"tenderers": tenderers, "bids": self._bids(suppliers), "bid_statistics": self._statistics(lots),
                   "stage": {"number_of_tenderers": len(tenderers),
                             "tender_status": "unsuccessful" if final_status == "unsuccessful" and not b.awards else "active"}}
            self._emit("tenderUpdate", ["tenderUpdate"], closed, ["bids"], ctx, rucs)

        if final_status == "cancelled":
            self._emit("tenderCancellation", ["tenderCancellation"], p["fecha_ultima_modificacion"], ["tender_status"],
                       {"stage": {"tender_status": "cancelled"}}, [])
        elif final_status == "unsuccessful" and not b.bids:
            self._emit("tenderUpdate", ["tenderUpdate"], p["fecha_ultima_modificacion"], ["tender_status"],
                       {"stage": {"tender_status": "unsuccessful"}}, [])

        awards_by_key = {}
        award_documents = docs["awards"]  # published once, with the first award
        for award_date in sorted({a["fecha_adjudicacion"] for a in b.awards}):
            group = [a for a in b.awards if a["fecha_adjudicacion"] == award_date]
            views, rucs, published = [], [], _public_by(award_date, award_documents)
            for award in sorted(group, key=lambda a: a["lote"]):
                rucs += self._grant(suppliers[award["ruc_proveedor"]], "supplier", "supplier")
                view = self._award_view(award, suppliers, award_documents, lots)
                award_documents = []
                awards_by_key[award["lote"]] = view
                views.append(view)
            stage = {"tender_status": final_status if final_status == "complete" else None}
            self._emit("award", ["award"], published, ["awards"], {"awards": views, "stage": stage}, rucs)

        contract_documents = docs["contracts"]  # published once, with the first contract
        for contract in sorted(b.contracts, key=lambda c: (c["fecha_suscripcion"], c["codigo_contrato"])):
            self._contract(contract, awards_by_key.get(contract["lote"]), suppliers, contract_documents)
            contract_documents = []
        return self.releases

    # -- contract stage --------------------------------------------------------------------
    def _contract(self, contract: Row, award: dict[str, Any] | None, suppliers: dict[str, Row],
                  documents: list[Row]) -> None:
        code = contract["codigo_contrato"]
        view = {"row": contract, "award_id": award["id"] if award else None,
                "title": f"Contrato {code}", "documents": documents}
        signed = max(filter(None, [_moment(contract["fecha_suscripcion"]), _moment(award["row"]["fecha_adjudicacion"]) if award else None]))
        signing = dict(view, row=dict(contract, estado="Suscrito" if contract["estado"].startswith("Terminado") else contract["estado"]))
        previous = self._emit("contract", ["contract"], _public_by(signed, documents), ["contracts"], {"contracts": [signing]}, [])["id"]

        value, end, duration = contract["monto"], contract["fecha_fin"], contract["plazo_dias"]
        events = [(a["fecha"], 0, a["numero"], "amendment", a) for a in self.bundle.amendments.get(code, [])]
        events += [(p["fecha"], 1, p["numero"], "payment", p) for p in self.bundle.payments.get(code, [])]
        supplier = suppliers[award["row"]["ruc_proveedor"]] if award else None
        for when, _, _, kind, row in sorted(events, key=lambda e: e[:3]):
            if kind == "amendment":
                value = value + (row["variacion_monto"] or Decimal(0))
                if end is not None and row["variacion_plazo_dias"]:
                    end = date.fromordinal(end.toordinal() + row["variacion_plazo_dias"])
                if duration is not None and row["variacion_plazo_dias"]:
                    duration += row["variacion_plazo_dias"]
                amendment = {"row": row, "amends_release_id": previous, "release_id": None}
                ctx = {"contracts": [dict(view, value_now=value, end_now=end, duration_now=duration, amendments=[amendment])]}

                def set_release_id(release: dict[str, Any]) -> None:
                    release["contracts"][0]["amendments"][0]["releaseID"] = release["id"]

                previous = self._emit("contractAmendment", ["contractAmendment"], when, ["contract_amendment"], ctx, [],
                                      finish=set_release_id)["id"]
            else:
                rucs = self._grant(self.bundle.entity, "entity", "payer")
                rucs += self._grant(supplier, "supplier", "payee") if supplier else []
                payment = {"row": row, "payer": self.bundle.entity, "payee": supplier}
                self._emit("implementation", ["implementation"], when, ["implementation"],
                           {"contracts": [dict(view, payments=[payment])]}, rucs)
        if lookup("contract_status", contract["estado"]) == "terminated":
            self._emit("contractTermination", ["contractTermination"], contract["fecha_fin"], ["contract_termination"],
                       {"contracts": [view]}, [])

    # -- derived views ---------------------------------------------------------------------
    def _rationale(self) -> str | None:
        return self.ptype.legal_basis if self.ptype.procurement_method in NON_COMPETITIVE else None

    def _lots(self) -> list[dict[str, Any]]:
        numbers = {i["lote"] for i in self.bundle.items if i["lote"]}
        numbers |= {r["lote"] for r in [*self.bundle.bids, *self.bundle.awards] if r["lote"] != 1}
        if not numbers:
            return []
        numbers |= {r["lote"] for r in [*self.bundle.bids, *self.bundle.awards]}
        lots = []
        for number in sorted(numbers):
            lines = [i for i in self.bundle.items if (i["lote"] or 1) == number]
            total = sum((i["cantidad"] * i["precio_unitario"] for i in lines if i["precio_unitario"] is not None), Decimal(0))
            lots.append({"id": str(number), "title": f"Lote {number}", "value": total.quantize(Decimal("0.01")) if lines else None})
        return lots

    def _documents_by_section(self) -> dict[str, list[Row]]:
        sections: dict[str, list[Row]] = {"tender": [], "awards": [], "contracts": []}
        for document in self.bundle.documents:
            sections[lookup("document_type", document["tipo"], "section")].append(document)
        return sections

    def _project_locations(self) -> list[dict[str, Any]]:
        project = self.bundle.project
        if project is None:
            return []
        return [{"description": f"{project['canton']}, {project['provincia']}, Ecuador",
                 "latitud": project.get("latitud"), "longitud": project.get("longitud")}]

    def _bids(self, suppliers: dict[str, Row]) -> list[dict[str, Any]]:
        has_lots = any(bid["lote"] != 1 for bid in self.bundle.bids) or any(i["lote"] for i in self.bundle.items)
        return [{"id": f"{bid['lote']}-{bid['ruc_proveedor']}", "row": bid, "tenderers": [suppliers[bid["ruc_proveedor"]]],
                 "related_lots": [str(bid["lote"])] if has_lots else None} for bid in self.bundle.bids]

    def _statistics(self, lots: list[dict[str, Any]]) -> list[dict[str, Any]]:
        stats = []
        groups = {lot["id"]: [b for b in self.bundle.bids if str(b["lote"]) == lot["id"]] for lot in lots} or {None: self.bundle.bids}
        for lot, bids in groups.items():
            if not bids:
                continue
            suffix = f"-{lot}" if lot else ""
            # SOCE does not say which bids were valid, so only the count of bids received is stated.
            stats.append({"id": f"bids{suffix}", "measure": "bids", "value": len(bids), "lot": lot})
        return stats

    def _award_view(self, award: Row, suppliers: dict[str, Row], documents: list[Row], lots: list) -> dict[str, Any]:
        lot = award["lote"]
        return {
            "id": f"{self.bundle.procedure['codigo']}-{lot}",
            "title": f"Adjudicación lote {lot}" if lots else "Adjudicación",
            "row": award,
            "suppliers": [suppliers[award["ruc_proveedor"]]],
            "items": [i for i in self.bundle.items if (i["lote"] or 1) == lot] if lots else self.bundle.items,
            "related_lots": [str(lot)] if lots else None,
            "documents": documents,
        }


def _public_by(when: date | datetime | None, documents: list[Row]) -> datetime | None:
    """When a release's content was all public: its event, or later if a document it carries came later.

    Source dates are often days (midnight) while documents have times: a contract signed on a day
    whose signed copy is published at noon is released at noon, never before its own documents.
    """
    moments = [_moment(when)] + [_moment(d["fecha"]) for d in documents if d["fecha"]]
    return max((m for m in moments if m is not None), default=None)


def _deep_update(target: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_update(target[key], value)
        else:
            target[key] = value
