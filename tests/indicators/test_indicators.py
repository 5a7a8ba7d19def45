"""Indicators: hand-computed cases for every registered indicator, and independent counts."""

import math

import pandas as pd
import pytest

from ocds_pipeline.config import Config
from ocds_pipeline.indicators import compute, load_registry
from ocds_pipeline.indicators.facts import tenderer_count
from ocds_pipeline.pipeline import run
from ocds_pipeline.schemas import SchemaResolver
from tests.conftest import FIXTURES, read_table


def process(ocid, method=None, details=None, n=None, tenderers=None, bids=None, awards=(("active", 100),),
            status="complete", regime=None, year="2024"):
    tender = {"id": ocid, "status": status, "tenderPeriod": {"startDate": f"{year}-03-01T00:00:00-05:00"}}
    if method:
        tender["procurementMethod"] = method
    if details:
        tender["procurementMethodDetails"] = details
    if n is not None:
        tender["numberOfTenderers"] = n
    if tenderers:
        tender["tenderers"] = [{"id": t} for t in tenderers]
    if regime:
        tender["procurementRegime"] = regime
    release = {"ocid": ocid, "date": f"{year}-06-01T00:00:00-05:00", "tender": tender, "buyer": {"id": "B1"},
               "awards": [{"id": str(i), **({"status": s} if s else {}), "value": {"amount": v, "currency": "USD"}}
                          for i, (s, v) in enumerate(awards)]}
    if bids:
        release["bids"] = {"details": [{"id": str(i), "tenderers": [{"id": t}], **({"status": st} if st else {})}
                                       for i, (t, st) in enumerate(bids)]}
    return release


# Ten processes whose facts are written out by hand:
#   p1 open, n=1 (numberOfTenderers), 100 USD                  -> competitive, open, single
#   p2 open, tenderers A,B,C, 300 USD                          -> competitive, open, n=3
#   p3 selective, bids by A and A (one bidder), 50 USD         -> competitive, single
#   p4 selective, no tenderer information, 70 USD              -> competitive, n not computable
#   p5 direct, Régimen Especial by name, 200 USD               -> non-competitive, special
#   p6 limited, regime field says special, 400 USD             -> non-competitive, special
#   p7 open, n=2, award without status (SERCOP), 500 USD       -> counted as awarded
#   p8 open, n=1, award cancelled only                         -> not awarded
#   p9 open, n=1, tender cancelled                             -> excluded everywhere
#   p10 unknown procedure type, no method, 1000 USD            -> regime and method not computable
PROCESSES = [
    process("p1", "open", "Subasta Inversa Electrónica", n=1, awards=(("active", 100),)),
    process("p2", "open", "Cotización", tenderers=["A", "B", "C"], awards=(("active", 300),)),
    process("p3", "selective", "Menor Cuantía", bids=[("A", None), ("A", "valid"), ("B", "withdrawn")], awards=(("active", 50),)),
    process("p4", "selective", "Catálogo electrónico - Mejor oferta en el convenio X\r\n", awards=(("active", 70),)),
    process("p5", "direct", "Comunicación Social - Contratación Directa", awards=(("active", 200),)),
    process("p6", "limited", "Lista corta", regime="special", awards=(("active", 400),)),
    process("p7", "open", "Licitación", n=2, awards=((None, 500),)),
    process("p8", "open", "Licitación", n=1, awards=(("cancelled", 900),)),
    process("p9", "open", "Licitación", n=1, status="cancelled", awards=(("active", 800),)),
    process("p10", None, "Ínfima Cuantía", awards=(("active", 1000),)),
]

# indicator: (numerator, denominator, eligible, not_computable)
EXPECTED = {
    "SB-C": (2, 4, 5, 1),              # C = p1 p2 p3 p4 p7; known n: p1 p2 p3 p7; single: p1 p3
    "SB-C-V": (150, 950, 5, 1),        # single: 100 + 50; known: 100 + 300 + 50 + 500
    "SB-O": (1, 3, 3, 0),              # open awarded: p1 p2 p7
    "SB-O-V": (100, 900, 3, 0),
    "RE-A": (2, 7, 8, 1),              # awarded (not cancelled): p1-p7, p10; regime unknown: p10; special: p5 p6
    "RE-A-V": (600, 1620, 8, 1),       # special 200 + 400; known 100+300+50+70+200+400+500
    "RE-P": (2, 8, 9, 1),              # P = all but p9 (cancelled); p8 known (common)
    "TEN-MEAN": (1 + 3 + 1 + 2, 4, 5, 1),
    "TEN-MEDIAN": (None, 4, 5, 1),
    "TEN-3": (1, 4, 5, 1),
    "NC-A": (2, 7, 8, 1),              # awarded p1-p7 + p10; p10 has no method
    "NC-A-V": (600, 1620, 8, 1),
    "PROC": (9, None, 9, 0),
    "AWARD-V": (2620, None, 8, 0),     # p1-p7 (1620) + p10 (1000)
}


def test_every_indicator_has_a_hand_computed_case():
    assert {i.code for i in load_registry()} == set(EXPECTED)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_hand_computed(code):
    table = compute(PROCESSES).set_index("indicator")
    numerator, denominator, eligible, not_computable = EXPECTED[code]
    row = table.loc[code]
    assert (row["eligible"], row["not_computable"]) == (eligible, not_computable)
    if numerator is None:
        assert pd.isna(row["numerator"])
    else:
        assert row["numerator"] == pytest.approx(numerator)
    if denominator is None:
        assert pd.isna(row["denominator"])
    else:
        assert row["denominator"] == pytest.approx(denominator)
        assert row["coverage"] == pytest.approx((eligible - not_computable) / eligible)
    if code == "TEN-MEDIAN":
        assert row["value"] == 1.5


def test_tenderer_count_sources_and_never_a_guess():
    assert tenderer_count(PROCESSES[0]) == (1.0, "tender.numberOfTenderers")
    assert tenderer_count(PROCESSES[1]) == (3.0, "tender.tenderers")
    assert tenderer_count(PROCESSES[2]) == (1.0, "bids.details")  # A twice; B withdrew
    count, why = tenderer_count(PROCESSES[3])
    assert math.isnan(count) and why.startswith("no tender.numberOfTenderers")


def test_grouping_and_unknown_groupings():
    by_year = compute([process("a", "open", n=1, year="2023"), process("b", "open", n=2, year="2024")], by=["year"])
    single = by_year[by_year.indicator == "SB-C"].set_index("year")["value"]
    assert single.to_dict() == {2023: 1.0, 2024: 0.0}
    with pytest.raises(ValueError, match="unknown grouping colour"):
        compute(PROCESSES, by=["colour"])


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    out = tmp_path_factory.mktemp("pub")
    run(FIXTURES, out, Config(), SchemaResolver.from_env(), store_url=str(out / "store.sqlite"))
    return out


def independent_counts():
    """Single-bidder and Régimen Especial counts straight from the source tables, with pandas."""
    procedures = pd.DataFrame(read_table("procedimientos"))
    types = pd.DataFrame(read_table("procedure_types", FIXTURES.parent.parent / "mappings" / "sercop" / "codelists"))
    procedures["type"] = procedures["tipo_procedimiento"].str.split(" en el convenio").str[0].str.strip()
    procedures = procedures.merge(types, left_on="type", right_on="procedure_type", how="left")
    assert procedures["procurement_method"].notna().all()
    awards = pd.DataFrame(read_table("adjudicaciones"))
    awarded = set(awards.loc[awards["estado"].isin(["Adjudicado", ""]), "codigo_procedimiento"])
    bids = pd.DataFrame(read_table("ofertas")).groupby("codigo_procedimiento")["ruc_proveedor"].nunique()
    live = procedures[(procedures["estado"] != "Cancelado") & procedures["codigo"].isin(awarded)]
    competitive = live[live["procurement_method"].isin(["open", "selective"])]
    known = competitive[competitive["codigo"].isin(bids.index)]
    single = int((bids[known["codigo"]] == 1).sum())
    special = int((live["regime"] == "special").sum())
    return single, len(known), len(competitive), special, len(live)


def test_fixture_shares_match_an_independent_count(published):
    single, known, competitive, special, awarded = independent_counts()
    table = compute(published / "compiled.jsonl").set_index("indicator")
    assert (table.loc["SB-C", "numerator"], table.loc["SB-C", "denominator"], table.loc["SB-C", "eligible"]) == (single, known, competitive)
    assert (table.loc["RE-A", "numerator"], table.loc["RE-A", "denominator"]) == (special, awarded)


def test_any_ocds_input_gives_the_same_indicators(published):
    from_compiled = compute(published / "compiled.jsonl")
    for other in ("releases.json", "records.json"):
        pd.testing.assert_frame_equal(compute(published / other), from_compiled)
