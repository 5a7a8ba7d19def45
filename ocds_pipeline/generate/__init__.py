"""Synthetic SERCOP-like source tables at any scale: deterministic for a seed, streamed to disk.

``generate(out, procedures=N, seed=S)`` writes the same CSV tables the pipeline reads (see
``docs/source-data.md``), with SERCOP's procedure-type mix and competition levels. Memory stays
flat in N: procedures are drawn and written one at a time; only capped party pools are kept.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from ..resources import read_yaml
from ..sources.tableschema import load_tables
from .lifecycle import ProcedureFactory, money
from .parties import Registry
from .writers import DIALECTS, TableWriters

__all__ = ["DIALECTS", "MIXES", "generate"]

PROJECT_STATES = ["En planificación", "En ejecución", "En ejecución", "Finalizado", "Suspendido"]
PROJECT_TYPES = ["Construcción", "Rehabilitación", "Reemplazo", "Ampliación"]


def load_vocabulary() -> dict[str, Any]:
    return read_yaml(Path(__file__).with_name("vocabulary.yaml"))


def _projects(rng: random.Random, vocab: dict[str, Any], registry: Registry, count: int,
              start: date, end: date) -> list[dict[str, Any]]:
    projects = []
    for index in range(count):
        entity = rng.choice(registry.entities)
        province = entity["provincia"]
        _, canton, lat, lon = vocab["provinces"][province]
        sector = list(vocab["projects"])[index % len(vocab["projects"])] if index < len(vocab["projects"]) else rng.choice(list(vocab["projects"]))
        other = rng.choice(list(vocab["provinces"].values()))[1]
        begin = start + timedelta(days=rng.randrange(max(1, (end - start).days // 2)))
        projects.append({
            "codigo_proyecto": f"PRY-{begin.year}-{index + 1:05d}",
            "nombre": rng.choice(vocab["projects"][sector]).format(canton=canton, other=other),
            "descripcion": f"Proyecto de {sector.lower()} en el cantón {canton}, provincia de {province}.",
            "proposito": f"Mejorar el acceso de la población de {canton} a servicios de {sector.lower()}.",
            "sector": sector, "tipo": rng.choice(PROJECT_TYPES), "provincia": province, "canton": canton,
            # A few projects have no coordinates, as in real registries.
            "latitud": Decimal(str(round(lat + rng.uniform(-0.08, 0.08), 5))) if rng.random() < 0.85 else None,
            "longitud": Decimal(str(round(lon + rng.uniform(-0.08, 0.08), 5))) if rng.random() < 0.85 else None,
            "presupuesto": money(rng.uniform(800_000, 25_000_000)), "ruc_entidad": entity["ruc"],
            "estado": rng.choice(PROJECT_STATES), "fecha_inicio": begin,
            "fecha_fin": begin + timedelta(days=rng.randint(180, 1400)),
        })
    return projects


MIXES = ("sercop", "uniform")


def generate(out: Path, procedures: int, seed: int = 1, *, dialect: str = "iso", mix: str = "sercop",
             start: date = date(2019, 1, 1), end: date = date(2025, 12, 31),
             progress: Callable[[int], None] | None = None, progress_every: int = 10_000) -> dict[str, int]:
    """Write every source table for ``procedures`` procedures into ``out``; return rows per table."""
    if procedures < 1:
        raise ValueError("procedures must be at least 1")
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r} (choose from {', '.join(DIALECTS)})")
    if mix not in MIXES:
        raise ValueError(f"unknown mix {mix!r} (choose from {', '.join(MIXES)})")
    rng = random.Random(seed)
    vocab = load_vocabulary()
    registry = Registry(rng, vocab, procedures)
    projects = _projects(rng, vocab, registry, max(3, procedures // 80), start, end)
    factory = ProcedureFactory(rng, vocab, registry, projects, start, end, mix)
    out.mkdir(parents=True, exist_ok=True)
    with TableWriters(out, load_tables(), DIALECTS[dialect]) as writers:
        for row in registry.entities:
            writers.write("entidades", row)
        for row in registry.suppliers:
            writers.write("proveedores", row)
        for row in projects:
            writers.write("proyectos", row)
        for seq in range(procedures):
            for table, row in factory.rows(seq):
                writers.write(table, row)
            if progress and (seq + 1) % progress_every == 0:
                progress(seq + 1)
    return dict(writers.counts)
