"""Stage 6 — OC4IDS projects for public works, linked to their OCDS contracting processes.

A :class:`ProjectCollector` is fed every compiled release (with its releases) while the OCDS
publication is written; processes whose ``planning.project.id`` names a project become that
project's ``contractingProcesses``. Projects come from the works-project table when there is one
(``mappings/oc4ids/project.yaml``) or, for OCDS from any publisher, from ``planning.project``.

Conflict rules: parties are merged by id (roles united; when two processes name the same id
differently, the first name is kept and a warning recorded); sums over processes are only made
in a single currency (otherwise the aggregate is left out, with a warning).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterable, Iterator

from ..config import Config
from ..ocdsvalues import obj, objs
from ..mapping.engine import Section, load_section
from .summary import _sum, summarise

OC4IDS_VERSION = "0.9"


@dataclass
class Aggregates:
    """Project totals from its linked processes (one currency), for projects.csv and `completion`."""

    processes: int = 0
    closed: int = 0
    contract_value: float | None = None
    final_value: float | None = None
    paid: float | None = None
    currency: str | None = None
    cost_overrun: float | None = None      # (final - contract) / contract, over closed processes
    planned_end: str | None = None
    latest_contract_end: str | None = None
    time_overrun_days: int | None = None   # latest contract end after the project's planned end

    CSV_COLUMNS = ("project_id", "title", "processes", "closed", "currency", "contract_value", "final_value",
                   "paid", "cost_overrun", "planned_end", "latest_contract_end", "time_overrun_days")


def aggregates(project: dict[str, Any], warnings: list[str]) -> Aggregates:
    processes = [p["summary"] for p in project.get("contractingProcesses", [])]
    result = Aggregates(processes=len(processes), closed=sum(1 for s in processes if s.get("status") == "closed"))
    values = [s["contractValue"] for s in processes if "contractValue" in s]
    finals = [(s["contractValue"], s["finalValue"]) for s in processes if "finalValue" in s and "contractValue" in s]
    paid = [t["value"] for s in processes for t in s.get("transactions", [])]
    currencies = {v["currency"] for v in values + [f for pair in finals for f in pair] + paid}
    if len(currencies) > 1:
        warnings.append(f"{project['id']}: processes in several currencies ({', '.join(sorted(currencies))}): "
                        "no totals computed")
        return result
    result.currency = currencies.pop() if currencies else None
    total = _sum(values)
    result.contract_value = total["amount"] if total else None
    final_total, final_base = _sum([f for _, f in finals]), _sum([c for c, _ in finals])
    result.final_value = final_total["amount"] if final_total else None
    if final_total and final_base and final_base["amount"]:
        result.cost_overrun = round((final_total["amount"] - final_base["amount"]) / final_base["amount"], 6)
    paid_total = _sum(paid)
    result.paid = paid_total["amount"] if paid_total else None
    ends = [s["contractPeriod"]["endDate"] for s in processes if s.get("contractPeriod", {}).get("endDate")]
    result.latest_contract_end = max(ends) if ends else None
    result.planned_end = project.get("period", {}).get("endDate")
    if result.planned_end and result.latest_contract_end and result.latest_contract_end > result.planned_end:
        from datetime import datetime

        late = datetime.fromisoformat(result.latest_contract_end) - datetime.fromisoformat(result.planned_end)
        result.time_overrun_days = max(0, late.days)
    elif result.planned_end and result.latest_contract_end:
        result.time_overrun_days = 0
    return result


@dataclass
class ProjectCollector:
    """Gathers linked processes per project while compiled releases stream by (memory: per project)."""

    config: Config
    releases_uri: str
    project_rows: dict[str, dict[str, Any]] | None = None   # works-project table, when mapping SERCOP tables
    entities: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    _processes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _parties: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    _from_ocds: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, compiled: dict[str, Any], releases: list[dict[str, Any]], releases_uri: str | None = None) -> None:
        """Link one process to its project; its releases are at ``releases_uri`` (default: the collector's)."""
        local_id = obj(compiled, "planning", "project").get("id")
        if not local_id:
            return
        local_id, ocid = str(local_id), str(compiled.get("ocid"))
        self._processes.setdefault(local_id, []).append(summarise(compiled, releases, releases_uri or self.releases_uri))
        # The project's fields and each party's name come from its first process in ocid order,
        # so the project does not depend on the order of the input.
        first = self._from_ocds.get(local_id)
        if first is None or ocid < first["ocid"]:
            self._from_ocds[local_id] = {"ocid": ocid, "project": compiled["planning"]["project"], "buyer": compiled.get("buyer")}
        parties = self._parties.setdefault(local_id, {})
        for party in objs(compiled, "parties"):
            if "id" not in party:
                continue
            known = parties.get(party["id"])
            if known is None:
                parties[party["id"]] = {**party, "roles": list(party.get("roles") or []), "_ocid": ocid}
                continue
            if known.get("name") != party.get("name"):
                named = sorted([(known["_ocid"], known.get("name")), (ocid, party.get("name"))], key=lambda p: p[0])
                self.warnings.append(f"project {local_id}: party {party['id']} is named {named[0][1]!r} and "
                                     f"{named[1][1]!r}; the name in the first process ({named[0][0]}) is kept")
                if ocid < known["_ocid"]:
                    roles = known["roles"]
                    known.clear()
                    known.update({**party, "roles": roles, "_ocid": ocid})
            known["roles"] += [r for r in party.get("roles") or [] if r not in known["roles"]]

    def project_id(self, local_id: str) -> str:
        return f"{self.config.oc4ids_prefix}{local_id}"

    @cached_property
    def _project_mapping(self) -> Section:
        """mappings/oc4ids/project.yaml, read and compiled once per collector (not once per project)."""
        return load_section("project", source="oc4ids")

    def _skeleton(self, local_id: str) -> dict[str, Any]:
        """The project's own fields: from the works-project table, else from planning.project."""
        if self.project_rows is not None and local_id in self.project_rows:
            row = self.project_rows[local_id]
            location = {"description": f"{row['canton']}, {row['provincia']}, Ecuador", "latitud": row.get("latitud"),
                        "longitud": row.get("longitud"), "canton": row["canton"], "provincia": row["provincia"]}
            ctx = {"project": {"row": row, "oc4ids_id": self.project_id(local_id)},
                   "entity": self.entities.get(row["ruc_entidad"]), "locations": [location]}
            return self._project_mapping.apply(ctx)
        source = self._from_ocds[local_id]
        planned = source["project"]
        project: dict[str, Any] = {"id": self.project_id(local_id)}
        for key in ("title", "description"):
            if planned.get(key):
                project[key] = planned[key]
        if planned.get("totalValue"):
            project["budget"] = {"amount": planned["totalValue"]}
        sector = obj(planned, "sector")
        if sector.get("scheme") == "oc4idsProjectSector" and sector.get("id"):
            project["sector"] = [sector["id"]]
        locations = [{"id": str(n), **location} for n, location in enumerate(objs(planned, "locations"), start=1)]
        if locations:
            project["locations"] = locations
        if source.get("buyer"):
            project["publicAuthority"] = source["buyer"]  # the buyer of the first linked process
        return project

    def projects(self, local_ids: Iterable[str] | None = None) -> Iterator[tuple[dict[str, Any], Aggregates]]:
        """Every project gathered or in the works-project table (sorted by local id), or those of ``local_ids`` (in
        their order), with its aggregates. What was gathered of a project is let go as it is given: a caller that
        adds a few projects' processes at a time and takes those projects holds only them."""
        if local_ids is None:
            local_ids = sorted(set(self._processes) | set(self.project_rows or {}))
        for local_id in local_ids:
            project = self._skeleton(local_id)
            self._from_ocds.pop(local_id, None)
            parties = self._parties.pop(local_id, {})
            authority = project.get("publicAuthority")
            if authority:
                entity = self.entities.get(authority["id"].removeprefix("EC-RUC-"))
                party = dict(parties.get(authority["id"]) or {"id": authority["id"], "name": authority.get("name"), "roles": []})
                if entity and "identifier" not in party:
                    party["identifier"] = {"scheme": "EC-RUC", "id": entity["ruc"], "legalName": entity["nombre"]}
                party["roles"] = party.get("roles", []) + (["publicAuthority"] if "publicAuthority" not in party.get("roles", []) else [])
                parties[authority["id"]] = party
            if parties:
                project["parties"] = [{**{k: v for k, v in parties[key].items() if k != "_ocid"},
                                       "roles": sorted(parties[key]["roles"])} for key in sorted(parties)]
            processes = sorted(self._processes.pop(local_id, []), key=lambda p: p["id"])
            if processes:
                project["contractingProcesses"] = processes
            totals = aggregates(project, self.warnings)
            if project.get("status") == "completion" and totals.final_value is not None:
                project["completion"] = {"finalValue": {"amount": totals.final_value, "currency": totals.currency}}
                if totals.latest_contract_end:
                    project["completion"]["endDate"] = totals.latest_contract_end
            yield project, totals


def aggregates_csv(rows: Iterable[tuple[str, str, Aggregates]]) -> bytes:
    """projects.csv: one row per project, from its id, title and totals (UTF-8 with BOM, for Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(Aggregates.CSV_COLUMNS)
    for project_id, title, totals in rows:
        values = {"project_id": project_id, "title": title, **totals.__dict__}
        writer.writerow(["" if values.get(c) is None else values[c] for c in Aggregates.CSV_COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
