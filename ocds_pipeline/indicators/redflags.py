"""Cardinal's red flags (R003 … R058) over compiled releases, after cardinal-rs's documented rules.

Semantics follow the cardinal documentation as collected in the project's reference notes:
cancelled tenders, non-string ocids and excluded ``procurementMethodDetails`` are skipped; a bid
is *submitted* when it has a status other than invited or withdrawn (a bid without status is not);
money in another currency than the first one seen is ignored; fences are Tukey fences on R-8
(median-unbiased) quartiles, with cardinal's guards. Output has cardinal's shape:
``{"OCID": {ocid: {code: value}}, "Buyer": …, "ProcuringEntity": …, "Tenderer": …, "Meta": …}``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

import numpy as np

NOT_SUBMITTED = {"invited", "withdrawn"}
FINAL_AWARD = {"active", "cancelled", "unsuccessful"}


CODES = ("R003", "R018", "R024", "R025", "R028", "R030", "R035", "R036", "R038", "R048", "R058")


@dataclass
class Settings:
    """cardinal's settings, with its defaults; ``enabled`` names the indicators to run (None: all)."""

    enabled: set[str] | None = None
    excluded_procurement_method_details: set[str] = field(default_factory=set)
    currency: str | None = None                       # default: the first currency seen
    price_comparison_procurement_methods: set[str] | None = None
    no_price_comparison_procurement_methods: set[str] = field(default_factory=set)
    r003_threshold: int = 15
    r003_procurement_method_details: dict[str, int] = field(default_factory=dict)
    r003_procurement_methods: set[str] | None = None
    r018_procurement_methods: set[str] = field(default_factory=lambda: {"open", "selective"})
    r025_percentile: int = 75
    r035_threshold: int = 1
    r038_minimum_submitted_bids: int = 2
    r038_minimum_contracting_processes: int = 2
    r048_digits: int = 2
    r048_minimum_contracting_processes: int = 20
    # A fixed fence replaces the computed one (cardinal's `threshold` key in each section).
    thresholds: dict[str, float] = field(default_factory=dict)


def load_settings(path: Path) -> Settings:
    """Read a cardinal settings file (INI): each ``[Rxxx]`` section present enables that indicator.

    Supported keys: top-level ``currency``; ``[exclusions] procurement_method_details = A|B``;
    ``price_comparison_procurement_methods`` / ``no_price_comparison_procurement_methods``;
    ``[R003] threshold``, ``procurement_methods`` and ``[R003.procurement_method_details]``;
    ``[R018] procurement_methods``; ``[R025] percentile``; ``[R035] threshold``;
    ``[R038] minimum_submitted_bids`` / ``minimum_contracting_processes``; ``[R048] digits`` /
    ``minimum_contracting_processes``; ``threshold`` under R024, R025, R038, R048, R058.
    """
    import configparser

    parser = configparser.ConfigParser(default_section="__no_defaults__", interpolation=None)
    parser.optionxform = str  # keep the case of procedure names
    text = path.read_text(encoding="utf-8")
    parser.read_string("[__top__]\n" + text)
    pipes = lambda value: {v.strip() for v in value.split("|") if v.strip()}  # noqa: E731
    top = parser["__top__"]
    settings = Settings(enabled={s for s in parser.sections() if s in CODES})  # "__top__" holds top-level keys
    settings.currency = top.get("currency") or None
    if parser.has_section("exclusions"):
        settings.excluded_procurement_method_details = pipes(parser["exclusions"].get("procurement_method_details", ""))
    if top.get("price_comparison_procurement_methods"):
        settings.price_comparison_procurement_methods = pipes(top["price_comparison_procurement_methods"])
    settings.no_price_comparison_procurement_methods = pipes(top.get("no_price_comparison_procurement_methods", ""))
    section = lambda name: parser[name] if parser.has_section(name) else {}  # noqa: E731
    r003 = section("R003")
    if "threshold" in r003:
        settings.r003_threshold = int(r003["threshold"])
    if r003.get("procurement_methods"):
        settings.r003_procurement_methods = pipes(r003["procurement_methods"])
    if parser.has_section("R003.procurement_method_details"):
        settings.r003_procurement_method_details = {k: int(v) for k, v in parser["R003.procurement_method_details"].items()}
    if section("R018").get("procurement_methods"):
        settings.r018_procurement_methods = pipes(section("R018")["procurement_methods"])
    settings.r025_percentile = int(section("R025").get("percentile", settings.r025_percentile))
    settings.r035_threshold = int(section("R035").get("threshold", settings.r035_threshold))
    r038, r048 = section("R038"), section("R048")
    settings.r038_minimum_submitted_bids = int(r038.get("minimum_submitted_bids", settings.r038_minimum_submitted_bids))
    settings.r038_minimum_contracting_processes = int(r038.get("minimum_contracting_processes", settings.r038_minimum_contracting_processes))
    settings.r048_digits = int(r048.get("digits", settings.r048_digits))
    settings.r048_minimum_contracting_processes = int(r048.get("minimum_contracting_processes", settings.r048_minimum_contracting_processes))
    settings.thresholds = {code: float(section(code)["threshold"]) for code in ("R024", "R025", "R038", "R048", "R058")
                           if "threshold" in section(code)}
    return settings


def quartiles(values: list[float]) -> tuple[float, float]:
    """Q1 and Q3 by the R-8 (median-unbiased) definition, as statrs computes them."""
    q1, q3 = np.quantile(np.asarray(values, dtype=float), [0.25, 0.75], method="median_unbiased")
    return float(q1), float(q3)


def _days(start: Any, end: Any) -> int | None:
    try:
        delta = datetime.fromisoformat(str(end)) - datetime.fromisoformat(str(start))  # "Z" read since 3.11
    except ValueError:
        return None
    return int(delta.total_seconds() / 86400)  # whole days, truncated toward zero (chrono num_days)


_TENDER_KEYS = ("status", "procurementMethod", "procurementMethodDetails", "numberOfTenderers", "procuringEntity",
                "tenderPeriod")
_BID_KEYS = ("status", "tenderers", "value", "date")


def _award(award: dict[str, Any]) -> dict[str, Any]:
    """What the rules read of an award: status, suppliers, value, and its items' classification."""
    kept = {key: award[key] for key in ("status", "suppliers", "value") if key in award}
    if "items" in award:
        kept["items"] = [{"classification": item.get("classification")} for item in award["items"] or []
                         if isinstance(item, dict)]
    return kept


class _Process:
    """The parts of one compiled release the flags read, with cardinal's definitions applied."""

    def __init__(self, compiled: dict[str, Any], currency: str | None) -> None:
        tender = compiled.get("tender") or {}
        self.ocid = compiled["ocid"]
        self.tender = {key: tender[key] for key in _TENDER_KEYS if key in tender}
        self.buyer = (compiled.get("buyer") or {}).get("id")
        self.procuring_entity = (self.tender.get("procuringEntity") or {}).get("id")
        self.details = self.tender.get("procurementMethodDetails")
        self.awards = [_award(a) for a in compiled.get("awards") or [] if isinstance(a, dict)]
        self.active = [a for a in self.awards if a.get("status") == "active"]
        self.bids = [{key: b[key] for key in _BID_KEYS if key in b}
                     for b in (compiled.get("bids") or {}).get("details") or [] if isinstance(b, dict)]
        self.currency = currency

    @staticmethod
    def tenderers(bid: dict[str, Any]) -> tuple[str, ...]:
        return tuple(sorted(str(t["id"]) for t in bid.get("tenderers") or [] if isinstance(t, dict) and t.get("id") is not None))

    def amount(self, value: Any) -> float | None:
        if isinstance(value, dict) and isinstance(value.get("amount"), (int, float)) and value.get("currency") == self.currency:
            return float(value["amount"])
        return None

    def submitted(self) -> list[dict[str, Any]]:
        return [b for b in self.bids if b.get("status") and b["status"] not in NOT_SUBMITTED]

    def with_status(self, status: str) -> list[dict[str, Any]]:
        return [b for b in self.bids if b.get("status") == status]

    def suppliers(self, awards: list[dict[str, Any]]) -> set[str]:
        return {str(s["id"]) for a in awards for s in a.get("suppliers") or [] if isinstance(s, dict) and s.get("id") is not None}

    def awards_final(self) -> bool:
        return all(a["status"] in FINAL_AWARD for a in self.awards if a.get("status"))

    def single_winner(self) -> str | None:
        """The one supplier of the one active award, when awards are final and nothing is shared."""
        if not self.awards_final() or len(self.active) != 1 or any(len(self.tenderers(b)) > 1 for b in self.bids):
            return None
        suppliers = self.suppliers(self.active)
        return next(iter(suppliers)) if len(suppliers) == 1 else None


class _Flags:
    def __init__(self) -> None:
        self.result: dict[str, dict[str, dict[str, float]]] = {k: defaultdict(dict) for k in ("OCID", "Buyer", "ProcuringEntity", "Tenderer")}
        self.meta: dict[str, dict[str, float]] = {}

    def flag(self, group: str, key: str, code: str, value: float) -> None:
        self.result[group][key][code] = value


def red_flags(compiled_releases: Iterable[dict[str, Any]], settings: Settings | None = None) -> dict[str, Any]:
    """Compute every red flag over compiled releases (in ocid order); only flagged entities appear."""
    tallies = RedFlagTallies(settings or Settings())
    for compiled in compiled_releases:
        tallies.add(compiled)
    return flagged([tallies])


class RedFlagTallies:
    """What the red flags take from processes, one compiled release at a time in ocid order: each process is
    flagged by the per-process rules as it comes, and leaves only what the dataset-wide rules count (a winning
    difference, per-organisation tallies), so memory grows with organisations and price-compared processes.

    Tallies of disjoint sets of processes (a publication's years, counted in its workers) give, together
    (:func:`flagged`), the flags of one pass over all of them. cardinal reads money in the first currency
    seen: ``start`` (ocid, currency) gives that currency from that ocid on, when it was seen in another set.
    """

    def __init__(self, settings: Settings, start: tuple[str, str | None] | None = None) -> None:
        self.settings, self.start = settings, start
        self.on = set(CODES) if settings.enabled is None else set(settings.enabled)
        self.flags = _Flags()
        self.tallies: list[Any] = [_WinningDifferences(settings, self.on)] if self.on & {"R024", "R058"} else []
        self.tallies += [tally(settings) for code, tally in (("R025", _BidsWon), ("R038", _Disqualified),
                                                              ("R048", _SupplierVariety)) if code in self.on]
        self.currency = settings.currency
        self.first_currency: tuple[str, str] | None = None  # (ocid, currency) where this set first saw one
        self.last_without: str | None = None  # the last eligible ocid read before a currency was known

    def add(self, compiled: dict[str, Any]) -> None:
        settings, tender = self.settings, compiled.get("tender") or {}
        ocid = compiled.get("ocid")
        if not isinstance(ocid, str) or tender.get("status") == "cancelled" \
                or tender.get("procurementMethodDetails") in settings.excluded_procurement_method_details:
            return
        if self.start is not None:
            self.currency = self.start[1] if ocid >= self.start[0] else None
        elif self.currency is None:
            self.currency = _first_currency(compiled)
            if self.currency is None:
                self.last_without = ocid
            else:
                self.first_currency = (ocid, self.currency)
        process = _Process(compiled, self.currency)
        for code, rule in _PER_PROCESS:
            if code in self.on:
                rule(process, settings, self.flags)
        if _price_comparison(process, settings):
            for code, rule in _PRICED:
                if code in self.on:
                    rule(process, settings, self.flags)
        for tally in self.tallies:
            tally.add(process)

    def exact(self, first: tuple[str, str] | None) -> bool:
        """Whether these tallies read money as one pass over every set would, ``first`` being where that pass
        first saw a currency: the same currency, and no process of this set read without one after it."""
        if self.start is not None or self.settings.currency is not None or first is None:
            return True
        return (self.first_currency is None or self.first_currency[1] == first[1]) \
            and (self.last_without is None or self.last_without < first[0])

    def merge(self, other: "RedFlagTallies") -> None:
        for group, entries in other.flags.result.items():
            for key, codes in entries.items():
                self.flags.result[group][key].update(codes)
        for mine, theirs in zip(self.tallies, other.tallies):
            mine.merge(theirs)


def first_currency(parts: Iterable[RedFlagTallies]) -> tuple[str, str] | None:
    """Where one pass over every part's processes would first see a currency (the lowest ocid of theirs)."""
    return min((part.first_currency for part in parts if part.first_currency is not None), default=None)


def flagged(parts: Iterable[RedFlagTallies]) -> dict[str, Any]:
    """The red flags of the tallies of disjoint sets of processes, each :meth:`RedFlagTallies.exact`, in
    cardinal's shape (each entity's codes in the order of :data:`CODES`). The first part takes in the others as
    they come (given lazily, only the first and the one coming are held), and gives up each entity's codes as
    they are put in order."""
    parts = iter(parts)
    whole = next(parts, None) or RedFlagTallies(Settings())
    for part in parts:
        whole.merge(part)
    for tally in whole.tallies:
        tally.flag(whole.flags)
    out: dict[str, Any] = {}
    for group, entries in whole.flags.result.items():
        if entries:
            out[group] = {key: _in_order(entries.pop(key)) for key in sorted(entries)}
    out["Meta"] = whole.flags.meta
    return out


def _in_order(codes: dict[str, float]) -> dict[str, float]:
    return {code: codes[code] for code in CODES if code in codes}


def _first_currency(compiled: dict[str, Any]) -> str | None:
    values = [(compiled.get("tender") or {}).get("value")]
    values += [b.get("value") for b in (compiled.get("bids") or {}).get("details") or [] if isinstance(b, dict)]
    values += [a.get("value") for a in compiled.get("awards") or [] if isinstance(a, dict)]
    for value in values:
        if isinstance(value, dict) and value.get("currency"):
            return value["currency"]
    return None


def _price_comparison(process: _Process, settings: Settings) -> bool:
    if process.details in settings.no_price_comparison_procurement_methods:
        return False
    allowed = settings.price_comparison_procurement_methods
    return allowed is None or process.details in allowed


def _r003(process: _Process, settings: Settings, flags: _Flags) -> None:
    methods = settings.r003_procurement_methods
    if methods is not None and process.tender.get("procurementMethod") not in methods:
        return
    period = process.tender.get("tenderPeriod") or {}
    if not period.get("startDate") or not period.get("endDate"):
        return
    days = _days(period["startDate"], period["endDate"])
    threshold = settings.r003_procurement_method_details.get(process.details, settings.r003_threshold)
    if days is not None and days < threshold:
        flags.flag("OCID", process.ocid, "R003", 1.0)


def _r018(process: _Process, settings: Settings, flags: _Flags) -> None:
    if process.tender.get("procurementMethod") in settings.r018_procurement_methods and process.tender.get("numberOfTenderers") == 1:
        flags.flag("OCID", process.ocid, "R018", 1.0)


def _r028(process: _Process, settings: Settings, flags: _Flags) -> None:
    by_price: dict[tuple[float, str], set[tuple[str, ...]]] = defaultdict(set)
    for bid in process.submitted():
        value = bid.get("value") or {}
        if isinstance(value.get("amount"), (int, float)) and value.get("currency"):
            by_price[(float(value["amount"]), value["currency"])].add(process.tenderers(bid))
    for sets in by_price.values():
        if len(sets) > 1:
            flags.flag("OCID", process.ocid, "R028", 1.0)
            for tenderer in {t for group in sets for t in group}:
                flags.flag("Tenderer", tenderer, "R028", 1.0)


def _r030(process: _Process, settings: Settings, flags: _Flags) -> None:
    end = (process.tender.get("tenderPeriod") or {}).get("endDate")
    if not end:
        return
    winners = process.suppliers(process.active)
    for bid in process.with_status("valid"):
        late_winners = set(process.tenderers(bid)) & winners
        if bid.get("date") and str(bid["date"]) > str(end) and late_winners:
            flags.flag("OCID", process.ocid, "R030", 1.0)
            for tenderer in late_winners:
                flags.flag("Tenderer", tenderer, "R030", 1.0)


def _r035(process: _Process, settings: Settings, flags: _Flags) -> None:
    valid = {t for b in process.with_status("valid") for t in process.tenderers(b)}
    if len(valid) != 1 or valid != process.suppliers(process.active):
        return
    disqualified = {t for b in process.with_status("disqualified") for t in process.tenderers(b)} - valid
    if len(disqualified) >= settings.r035_threshold:
        flags.flag("OCID", process.ocid, "R035", float(len(disqualified)))
        flags.flag("Tenderer", next(iter(valid)), "R035", 0.0)


def _r036(process: _Process, settings: Settings, flags: _Flags) -> None:
    if not process.active:
        return
    if not any(process.amount(b.get("value")) is not None for b in process.with_status("valid")):
        return
    priced = [(process.amount(b.get("value")), b.get("status")) for b in process.submitted()]
    priced = [(amount, status) for amount, status in priced if amount is not None]
    lowest = min(amount for amount, _ in priced)
    if any(amount == lowest and status == "disqualified" for amount, status in priced):
        flags.flag("OCID", process.ocid, "R036", 1.0)


def _winning_difference(process: _Process) -> tuple[float, str, str] | None:
    """d = (second-lowest valid bid − winning bid) / winning bid, with cardinal's exclusions."""
    winner = process.single_winner()
    if winner is None:
        return None
    valid = [(process.amount(b.get("value")), process.tenderers(b)) for b in process.with_status("valid")]
    valid = [(amount, tenderers[0]) for amount, tenderers in valid if amount is not None and len(tenderers) == 1]
    own = [amount for amount, tenderer in valid if tenderer == winner]
    others = sorted((amount, tenderer) for amount, tenderer in valid if tenderer != winner)
    if not own or not others:
        return None
    winning = min(own)
    if winning <= 0 or others[0][0] < winning:  # the rule assumes the lowest bid won
        return None
    return (others[0][0] - winning) / winning, winner, others[0][1]


class _WinningDifferences:
    """R024 and R058: the winning difference of each price-compared process, fenced once all are known."""

    def __init__(self, settings: Settings, on: set[str]) -> None:
        self.settings, self.on = settings, on
        self.differences: dict[str, tuple[float, str, str]] = {}

    def add(self, process: _Process) -> None:
        if _price_comparison(process, self.settings):
            found = _winning_difference(process)
            if found is not None:
                self.differences[process.ocid] = found

    def merge(self, other: "_WinningDifferences") -> None:
        self.differences.update(other.differences)

    def flag(self, flags: _Flags) -> None:
        settings, on, differences = self.settings, self.on, self.differences
        if not differences:
            return
        q1, q3 = quartiles([d for d, _, _ in differences.values()])
        lower = settings.thresholds.get("R024", q1 - 1.5 * (q3 - q1))
        upper = settings.thresholds.get("R058", q3 + 1.5 * (q3 - q1))
        fixed_lower, fixed_upper = "R024" in settings.thresholds, "R058" in settings.thresholds
        flags.meta["R024"] = {"q1": round(q1, 4), "q3": round(q3, 4), "lower_fence": round(lower, 4)}
        flags.meta["R058"] = {"q1": round(q1, 4), "q3": round(q3, 4), "upper_fence": round(upper, 4)}
        for ocid, (d, winner, second) in differences.items():
            if "R024" in on and (fixed_lower or (q1 > 0 and lower > 0)) and d <= lower:
                flags.flag("OCID", ocid, "R024", d)
                flags.flag("Tenderer", winner, "R024", 0.0)
                flags.flag("Tenderer", second, "R024", 0.0)
            if "R058" in on and (fixed_upper or upper > 0) and d >= upper:
                flags.flag("OCID", ocid, "R058", d)
                flags.flag("Tenderer", winner, "R058", 0.0)


class _BidsWon:
    """R025: how often each tenderer bid validly and won, in processes with one winner per award."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.bid_in: dict[str, int] = defaultdict(int)
        self.won: dict[str, int] = defaultdict(int)

    def add(self, process: _Process) -> None:
        if not process.awards_final() or len(process.active) > 1 or any(len(process.suppliers([a])) > 1 for a in process.active) \
                or any(len(process.tenderers(b)) > 1 for b in process.bids):
            return
        tenderers = {t for b in process.with_status("valid") for t in process.tenderers(b)}
        winners = process.suppliers(process.active)
        for tenderer in tenderers:
            self.bid_in[tenderer] += 1
            self.won[tenderer] += tenderer in winners

    def merge(self, other: "_BidsWon") -> None:
        for tenderer, count in other.bid_in.items():
            self.bid_in[tenderer] += count
            self.won[tenderer] += other.won[tenderer]

    def flag(self, flags: _Flags) -> None:
        settings, bid_in, won = self.settings, self.bid_in, self.won
        if not bid_in:
            return
        ratios = {t: won[t] / bid_in[t] for t in bid_in}
        q1, q3 = quartiles(list(ratios.values()))
        lower = settings.thresholds.get("R025", q1 - 1.5 * (q3 - q1))
        gate = float(np.percentile(list(bid_in.values()), settings.r025_percentile, method="median_unbiased"))
        flags.meta["R025"] = {"q1": round(q1, 4), "q3": round(q3, 4), "lower_fence": round(lower, 4), "percentile": round(gate, 4)}
        if "R025" not in settings.thresholds and (q1 <= 0 or lower <= 0):
            return
        for tenderer, ratio in ratios.items():  # strictly above the percentile, strictly below the fence
            if bid_in[tenderer] > gate and ratio < lower:
                flags.flag("Tenderer", tenderer, "R025", ratio)


def _no_bids() -> list[int]:
    """Disqualified bids, submitted bids and processes of an organisation not yet seen (a function, not a
    lambda, so that tallies can be pickled: a publication's workers send theirs)."""
    return [0, 0, 0]


class _Disqualified:
    """R038: the share of submitted bids disqualified, per buyer, procuring entity and tenderer."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # disqualified, submitted, processes
        self.counts = {group: defaultdict(_no_bids) for group in ("Buyer", "ProcuringEntity", "Tenderer")}

    def add(self, process: _Process) -> None:
        submitted = process.submitted()
        if not submitted:
            return
        disqualified = sum(1 for b in submitted if b["status"] == "disqualified")
        for group, key in (("Buyer", process.buyer), ("ProcuringEntity", process.procuring_entity)):
            if key is not None:
                entry = self.counts[group][str(key)]
                entry[0] += disqualified
                entry[1] += len(submitted)
                entry[2] += 1
        for bid in submitted:
            for tenderer in process.tenderers(bid):
                entry = self.counts["Tenderer"][tenderer]
                entry[0] += bid["status"] == "disqualified"
                entry[1] += 1

    def merge(self, other: "_Disqualified") -> None:
        for group, entries in other.counts.items():
            for key, theirs in entries.items():
                mine = self.counts[group][key]
                for number, count in enumerate(theirs):
                    mine[number] += count

    def flag(self, flags: _Flags) -> None:
        settings = self.settings
        minimum = {"Buyer": (2, settings.r038_minimum_contracting_processes),
                   "ProcuringEntity": (2, settings.r038_minimum_contracting_processes),
                   "Tenderer": (1, settings.r038_minimum_submitted_bids)}
        for group, entries in self.counts.items():
            index, least = minimum[group]
            ratios = {key: e[0] / e[1] for key, e in entries.items() if e[index] >= least and e[1]}
            if not ratios:
                continue
            q1, q3 = quartiles(list(ratios.values()))
            upper = settings.thresholds.get("R038", q3 + 1.5 * (q3 - q1))
            flags.meta.setdefault("R038", {})[group] = {"q1": round(q1, 4), "q3": round(q3, 4), "upper_fence": round(upper, 4)}
            if "R038" not in settings.thresholds and upper <= 0:
                continue
            for key, ratio in ratios.items():
                if ratio >= upper:
                    flags.flag(group, key, "R038", ratio)


class _SupplierVariety:
    """R048: how many item classification prefixes each single supplier of an active award covers."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.prefixes: dict[str, set[str]] = defaultdict(set)
        self.awarded_in: dict[str, int] = defaultdict(int)

    def add(self, process: _Process) -> None:
        suppliers_here = set()
        for award in process.active:
            suppliers = process.suppliers([award])
            if len(suppliers) != 1:
                continue
            supplier = next(iter(suppliers))
            suppliers_here.add(supplier)
            for item in award.get("items") or []:
                code = str((item.get("classification") or {}).get("id") or "")
                if code:
                    self.prefixes[supplier].add(code[:self.settings.r048_digits])
        for supplier in suppliers_here:
            self.awarded_in[supplier] += 1

    def merge(self, other: "_SupplierVariety") -> None:
        for supplier, prefixes in other.prefixes.items():
            self.prefixes[supplier] |= prefixes
        for supplier, count in other.awarded_in.items():
            self.awarded_in[supplier] += count

    def flag(self, flags: _Flags) -> None:
        minimum = self.settings.r048_minimum_contracting_processes
        variety = {s: len(p) for s, p in self.prefixes.items() if self.awarded_in[s] >= minimum}
        if not variety:
            return
        q1, q3 = quartiles(list(variety.values()))
        upper = self.settings.thresholds.get("R048", q3 + 1.5 * (q3 - q1))
        flags.meta["R048"] = {"q1": round(q1, 4), "q3": round(q3, 4), "upper_fence": round(upper, 4)}
        for supplier, count in variety.items():
            if count >= upper:
                flags.flag("Tenderer", supplier, "R048", float(count))


_PER_PROCESS = (("R003", _r003), ("R018", _r018), ("R030", _r030), ("R035", _r035))
_PRICED = (("R028", _r028), ("R036", _r036))
