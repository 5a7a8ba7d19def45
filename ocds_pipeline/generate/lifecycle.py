"""One synthetic procedure's life: items, bids, awards per lot, contracts, amendments, payments.

The mix of procedure types, bidder counts and amounts comes from ``procedure_mix.csv`` (weights
measured on SERCOP's published data); outcomes (deserted, cancelled, in progress) follow fixed
rates. Everything is drawn from one seeded ``random.Random``, so a seed gives the same tables.
"""

from __future__ import annotations

import csv
import hashlib
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

from ..sources.casting import ECUADOR

CENT = Decimal("0.01")
# Share of competitive procedures by number of bidders (1 bidder ≈ SERCOP's 39.2 % baseline).
BIDDER_WEIGHTS = {1: 39, 2: 18, 3: 14, 4: 10, 5: 7, 6: 5, 7: 3, 8: 2, 9: 1, 10: 1}
OUTCOME_RATES = {"cancelled": 0.04, "deserted": 0.06, "in_progress": 0.06}
IN_PROGRESS_STATES = ["Publicado", "Entrega de Propuesta", "Calificación", "Puja", "Por Adjudicar"]
PAYMENT_OVERRUN_RATE = 0.02


@dataclass(frozen=True)
class ProcedureType:
    name: str
    weight: int
    code_prefix: str
    purchase_types: tuple[str, ...]
    bidders: tuple[int, int]
    amount: tuple[int, int]
    tender_days: tuple[int, int] | None
    lots_max: int

    @property
    def catalogue(self) -> bool:
        return self.code_prefix == "CE"


def load_mix(path: Path | None = None) -> list[ProcedureType]:
    path = path or Path(__file__).with_name("procedure_mix.csv")
    types = []
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            low, _, high = row["bidders"].partition("-")
            types.append(ProcedureType(
                name=row["procedure_type"],
                weight=int(row["weight"]),
                code_prefix=row["code_prefix"],
                purchase_types=tuple(row["purchase_types"].split("|")),
                bidders=(int(low), int(high or low)),
                amount=(int(row["amount_min"]), int(row["amount_max"])),
                tender_days=(int(row["tender_days_min"]), int(row["tender_days_max"])) if row["tender_days_min"] else None,
                lots_max=int(row["lots_max"]),
            ))
    return types


def money(value: float) -> Decimal:
    return Decimal(str(round(value, 2))).quantize(CENT)


class ProcedureFactory:
    """Draws complete procedures; ``rows(seq)`` yields ``(table, row)`` pairs for one procedure."""

    def __init__(self, rng: random.Random, vocab: dict[str, Any], registry, projects: list[dict[str, Any]],
                 start: date, end: date, mix: str = "sercop") -> None:
        self.rng = rng
        self.vocab = vocab
        self.registry = registry
        self.projects = projects
        self.start = start
        self.days = (end - start).days
        self.cutoff = datetime(end.year, end.month, end.day, 23, 59, tzinfo=ECUADOR)
        self.types = load_mix()
        # "sercop" draws types with the measured weights; "uniform" gives every type the same
        # chance, for small fixtures that must exercise rare types and competition patterns.
        self.weights = [t.weight if mix == "sercop" else 1 for t in self.types]
        self.bidder_counts = list(BIDDER_WEIGHTS)
        self.bidder_weights = list(BIDDER_WEIGHTS.values())

    # -- drawing helpers -------------------------------------------------------------------
    def _type(self, seq: int) -> ProcedureType:
        # The first procedures cycle through every type, so any dataset of ≥ 24 covers them all.
        if seq < len(self.types):
            return self.types[seq]
        return self.rng.choices(self.types, self.weights)[0]

    def _bidders(self, ptype: ProcedureType) -> int:
        low, high = ptype.bidders
        if high <= 1:
            return high
        n = self.rng.choices(self.bidder_counts, self.bidder_weights)[0]
        return max(low, min(high, n))

    def _moment(self, base: datetime, min_days: int, max_days: int) -> datetime:
        moment = base + timedelta(days=self.rng.randint(min_days, max_days))
        return moment.replace(hour=self.rng.randint(8, 17), minute=self.rng.choice((0, 15, 30, 45)), second=0)

    def _code(self, ptype: ProcedureType, purchase: str, entity: dict[str, Any], year: int, seq: int) -> str:
        prefix = ptype.code_prefix
        if prefix in {"MC", "COT", "LIC"}:
            prefix += "O" if purchase == "Obra" else "BS"
        if ptype.catalogue:
            return f"CE-{year}{seq:08d}"
        acronym = "".join(w[0] for w in entity["nombre"].split() if w[:1].isupper())[:6] or "ENT"
        separator = "/" if seq % 97 == 13 else "-"  # a few real codes carry a slash
        return f"{prefix}-{acronym}-{year}{separator}{seq:05d}"

    def _procedure_type_text(self, ptype: ProcedureType) -> str:
        if ptype.catalogue and self.rng.random() < 0.25:
            # SERCOP appends the framework agreement and a CR/LF to catálogo names.
            agreement = f"SICM-{self.rng.randint(100, 400)}-{self.rng.randint(2011, 2024)}"
            return f"{ptype.name} en el convenio {agreement}, ADQUISICION DE BIENES NORMALIZADOS\r\n"
        return ptype.name

    # -- one procedure ---------------------------------------------------------------------
    def rows(self, seq: int) -> Iterator[tuple[str, dict[str, Any]]]:
        rng = self.rng
        ptype = self._type(seq)
        purchase = rng.choice(ptype.purchase_types)
        project = None
        if purchase == "Obra" and self.projects and rng.random() < 0.6:
            project = rng.choice(self.projects)
        # A works project's procedures are run by the entity responsible for the project.
        entity = self.registry.entity(project["ruc_entidad"]) if project else rng.choice(self.registry.entities)
        published = datetime.combine(self.start + timedelta(days=rng.randrange(self.days)), datetime.min.time(), ECUADOR)
        published = published.replace(hour=rng.randint(8, 17), minute=rng.choice((0, 15, 30, 45)))
        code = self._code(ptype, purchase, entity, published.year, seq)
        catalog = self.vocab["items"][purchase]
        budget = money(rng.uniform(*ptype.amount))
        lots = rng.randint(2, ptype.lots_max) if ptype.lots_max > 1 and rng.random() < 0.2 else 1
        deadline = self._moment(published, *ptype.tender_days) if ptype.tender_days else None

        # Items: share the budget between 1-4 lines; quantities follow the unit prices.
        items, n_items = [], max(lots, rng.randint(1, 4))
        shares = [rng.random() + 0.2 for _ in range(n_items)]
        for number in range(1, n_items + 1):
            cpc, description, unit, low, high = rng.choice(catalog)
            line_total = float(budget) * shares[number - 1] / sum(shares)
            price = rng.uniform(low, high)
            quantity = max(1, round(line_total / price))
            items.append({
                "codigo_procedimiento": code, "numero": number,
                "lote": (number - 1) % lots + 1 if lots > 1 else None,
                "codigo_cpc": cpc, "descripcion": description, "cantidad": Decimal(quantity),
                "unidad": unit, "precio_unitario": money(line_total / quantity),
            })
        lot_budget = {lot: sum((i["cantidad"] * i["precio_unitario"] for i in items if (i["lote"] or 1) == lot), Decimal(0)).quantize(CENT)
                      for lot in range(1, lots + 1)}
        budget = sum(lot_budget.values(), Decimal(0))

        roll = rng.random()
        outcome = "awarded"
        for name, rate in OUTCOME_RATES.items():
            if roll < rate:
                outcome = name
                break
            roll -= rate

        bids, awards, contracts, children = [], [], [], []
        if outcome not in {"cancelled", "in_progress"} or (outcome == "in_progress" and rng.random() < 0.5):
            bids = self._bids(ptype, code, lot_budget, deadline or published)
        if outcome == "deserted":
            if rng.random() < 0.5:
                bids = []
        elif outcome == "awarded":
            awards = self._awards(ptype, code, lot_budget, bids, deadline or published)
            for award in awards:
                if award["estado"] == "Anulado" or rng.random() > 0.92 + 0.08 * ptype.catalogue:
                    continue
                contract, extra = self._contract(award, purchase)
                contracts.append(contract)
                children.extend(extra)

        status = {"cancelled": "Cancelado", "deserted": "Desierto"}.get(outcome)
        if outcome == "in_progress":
            status = rng.choice(IN_PROGRESS_STATES[:5] if bids else IN_PROGRESS_STATES[:2])
        elif outcome == "awarded":
            if not contracts:
                status = "Adjudicado"
            elif all(c["estado"].startswith("Terminado") for c in contracts):
                status = "Finalizado"
            else:
                status = "Ejecución de Contrato"

        moments = [published] + [b["fecha_oferta"] for b in bids] + [a["fecha_adjudicacion"] for a in awards]
        for _, row in children:
            moments.append(datetime.combine(row["fecha"], datetime.min.time(), ECUADOR) + timedelta(hours=12))
        for contract in contracts:
            moments.append(datetime.combine(contract["fecha_suscripcion"], datetime.min.time(), ECUADOR) + timedelta(hours=10))
        last_modified = max(moments)
        if outcome == "cancelled":
            last_modified = self._moment(published, 5, 40)

        yield "procedimientos", {
            "codigo": code, "ruc_entidad": entity["ruc"], "tipo_procedimiento": self._procedure_type_text(ptype),
            "objeto": f"{items[0]['descripcion']} para {entity['nombre']}",
            "descripcion": f"Contratación de {', '.join(sorted({i['descripcion'].lower() for i in items}))}",
            "tipo_compra": purchase,
            "presupuesto_referencial": budget if not (ptype.code_prefix.startswith("RE") and rng.random() < 0.1) else None,
            "fecha_publicacion": published, "fecha_limite_ofertas": deadline,
            "fecha_adjudicacion": awards[0]["fecha_adjudicacion"] if awards else None,
            "estado": status, "provincia": entity["provincia"], "codigo_cpc": items[0]["codigo_cpc"],
            "codigo_proyecto": project["codigo_proyecto"] if project else None,
            "fecha_ultima_modificacion": min(last_modified, self.cutoff) if last_modified > published else published,
        }
        for item in items:
            yield "items", item
        for bid in bids:
            yield "ofertas", bid
        for award in awards:
            yield "adjudicaciones", award
        for contract in contracts:
            yield "contratos", contract
        yield from children
        yield from self._documents(code, published, awards[0]["fecha_adjudicacion"] if awards else None,
                                   contracts[0]["fecha_suscripcion"] if contracts else None)

    def _bids(self, ptype: ProcedureType, code: str, lot_budget: dict[int, Decimal], opened: datetime) -> list[dict[str, Any]]:
        bids = []
        for lot, amount in lot_budget.items():
            n = self._bidders(ptype)
            for supplier in self.rng.sample(self.registry.suppliers, n):
                bids.append({
                    "codigo_procedimiento": code, "lote": lot, "ruc_proveedor": supplier["ruc"],
                    "monto": money(float(amount) * self.rng.uniform(0.78, 1.0)),
                    "fecha_oferta": opened - timedelta(hours=self.rng.randint(1, 72)),
                })
        return bids

    def _awards(self, ptype: ProcedureType, code: str, lot_budget: dict[int, Decimal], bids: list[dict[str, Any]],
                opened: datetime) -> list[dict[str, Any]]:
        awards = []
        for lot, amount in lot_budget.items():
            lot_bids = [b for b in bids if b["lote"] == lot]
            if lot_bids:
                winner = min(lot_bids, key=lambda b: (b["monto"], b["ruc_proveedor"]))
                supplier, value = winner["ruc_proveedor"], winner["monto"]
            else:
                supplier = self.rng.choice(self.registry.suppliers)["ruc"]
                value = money(float(amount) * self.rng.uniform(0.9, 1.0))
            roll = self.rng.random()
            awards.append({
                "codigo_procedimiento": code, "lote": lot, "ruc_proveedor": supplier, "monto": value,
                "fecha_adjudicacion": self._moment(opened, 0 if ptype.catalogue else 3, 1 if ptype.catalogue else 25),
                # SERCOP often leaves award status empty; a few awards are annulled.
                "estado": None if roll < 0.15 else "Anulado" if roll < 0.17 else "Adjudicado",
            })
        return awards

    def _contract(self, award: dict[str, Any], purchase: str) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
        rng = self.rng
        signed = (award["fecha_adjudicacion"] + timedelta(days=rng.randint(1, 20))).date()
        term = rng.randint(15, 90) if purchase in {"Bien", "Servicio"} else rng.randint(60, 540)
        begin = signed + timedelta(days=rng.randint(0, 10))
        finish = begin + timedelta(days=term)
        code = "CTR-" + hashlib.sha1(f"{award['codigo_procedimiento']}#{award['lote']}".encode()).hexdigest()[:10].upper()
        value = award["monto"]
        children: list[tuple[str, dict[str, Any]]] = []
        amendable = begin + timedelta(days=11) <= self.cutoff.date()
        if amendable and rng.random() < (0.3 if purchase == "Obra" else 0.08):
            total_change = Decimal(0)
            for number in range(1, rng.randint(1, 2) + 1):
                kind = rng.choice(list(self.vocab["amendments"]))
                change = None if kind == "Ampliación de plazo" else money(float(value) * rng.uniform(-0.05, 0.3))
                extra_days = rng.randint(15, 120) if kind in {"Ampliación de plazo", "Contrato complementario"} else None
                total_change += change or 0
                children.append(("modificaciones_contrato", {
                    "codigo_contrato": code, "numero": number,
                    "fecha": min(begin + timedelta(days=rng.randint(10, max(11, term))), self.cutoff.date()),
                    "tipo": kind, "variacion_monto": change, "variacion_plazo_dias": extra_days,
                    "justificacion": rng.choice(self.vocab["amendments"][kind]),
                }))
            value += total_change
        state = "En ejecución"
        if finish < self.cutoff.date():
            roll = rng.random()
            state = "Terminado unilateralmente" if roll < 0.02 else "Terminado por mutuo acuerdo" if roll < 0.03 else "Terminado"
        if begin <= self.cutoff.date():
            children.extend(self._payments(code, value, begin, finish, state))
        contract = {
            "codigo_contrato": code, "codigo_procedimiento": award["codigo_procedimiento"], "lote": award["lote"],
            "monto": award["monto"], "fecha_suscripcion": signed, "plazo_dias": term,
            "fecha_inicio": begin, "fecha_fin": finish, "estado": state,
        }
        return contract, children

    def _payments(self, code: str, value: Decimal, begin: date, finish: date, state: str) -> list[tuple[str, dict[str, Any]]]:
        rng = self.rng
        if value <= 0:
            return []
        overrun = rng.random() < PAYMENT_OVERRUN_RATE
        share = 1.0 if state.startswith("Terminado") else rng.uniform(0.2, 0.9)
        total = float(value) * (share * (1.08 if overrun else 1.0))
        parts = rng.randint(1, 4)
        payments, paid, day = [], 0.0, begin
        for number in range(1, parts + 1):
            # Each partial payment takes a share of what remains, so the total is what was planned.
            amount = total - paid if number == parts else (total - paid) * rng.uniform(0.2, 0.6)
            if amount <= 0:
                break
            day = min(day + timedelta(days=rng.randint(5, 60)), finish, self.cutoff.date())
            payments.append(("pagos", {
                "codigo_contrato": code, "numero": number, "fecha": day, "monto": money(amount),
                "concepto": "Pago único" if parts == 1 else "Anticipo" if number == 1 else "Liquidación" if number == parts else "Planilla",
            }))
            paid += float(money(amount))
        return payments

    def _documents(self, code: str, published: datetime, awarded: datetime | None,
                   signed: date | None) -> Iterator[tuple[str, dict[str, Any]]]:
        if self.rng.random() < 0.3:
            return  # SERCOP publishes many processes with no documents at all
        dated = [("Resolución de inicio", published), ("Pliego", published + timedelta(hours=1))]
        if awarded:
            dated.append(("Resolución de adjudicación", awarded))
        if signed:
            dated.append(("Contrato", datetime.combine(signed, datetime.min.time(), ECUADOR) + timedelta(hours=12)))
        for number, (kind, when) in enumerate(dated, start=1):
            token = hashlib.sha1(f"{code}/{kind}".encode()).hexdigest()[:16]
            yield "documentos", {
                "codigo_procedimiento": code, "numero": number, "tipo": kind,
                "titulo": self.vocab["documents"][kind].format(code=code),
                "url": f"https://www.compraspublicas.gob.ec/ProcesoContratacion/compras/PC/bajarArchivo.cpe?Archivo={token}",
                "fecha": when,
            }
