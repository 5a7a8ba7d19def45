"""Indicators: hand-computed cases for every registered indicator, and independent counts."""

import json
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocds_pipeline.indicators import compute, load_registry
from ocds_pipeline.indicators.facts import tenderer_count
from tests.conftest import read_table
from tests.procedure_law import expected


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
    assert {i.code for i in load_registry()} == set(EXPECTED) | set(EXPECTED_TIMED)


@pytest.mark.parametrize("code", sorted(set(EXPECTED) - {"NC-BUYER", "SUP-BUYER"}))
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


def independent_counts():
    """Single-bidder and Régimen Especial counts straight from the source tables, with pandas."""
    procedures = pd.DataFrame(read_table("procedimientos"))
    # method and regime from the law (tests/procedure_law.py), not from the codelist the code reads
    procedures[["procurement_method", "regime"]] = [expected(name) for name in procedures["tipo_procedimiento"]]
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


def timed(ocid, start, end, award_date, signed=None, budget=None, award=100, contract=None, paid=(), amended=False,
          suppliers=("S1",), year="2024", cpc="4523", tenderers=()):
    release = process(ocid, "open", "Cotización", n=len(tenderers) or 1, tenderers=list(tenderers) or None,
                      awards=(("active", award),), year=year)
    release["tender"]["tenderPeriod"] = {"startDate": start, "endDate": end}
    release["tender"]["items"] = [{"id": "1", "classification": {"scheme": "CPC", "id": cpc}}]
    if budget is not None:
        release["tender"]["value"] = {"amount": budget, "currency": "USD"}
    release["awards"][0].update(date=award_date, suppliers=[{"id": s} for s in suppliers])
    if contract is not None:
        release["contracts"] = [{"id": "C", "awardID": "0", "dateSigned": signed, "value": {"amount": contract, "currency": "USD"},
                                 "implementation": {"transactions": [{"id": str(i), "value": {"amount": v, "currency": "USD"}}
                                                                     for i, v in enumerate(paid)]},
                                 **({"amendments": [{"id": "1", "rationale": "Ampliación de plazo"}]} if amended else {})}]
    return release


# Four processes written out by hand (dates at midnight Ecuador time; "d" = whole days):
#   t1: period 10 d (short: < 15), decision 5 d, signature 3 d, budget 200 / award 100,
#       contract 120 (amended), paid 130 (over), supplier S1, year 2023, tenderers A,B
#   t2: period 20 d, decision 10 d, signature 7 d, budget 100 / award 100, contract 100, paid 50,
#       supplier S2 (year 2024), tenderers A,C
#   t3: period unknown (no end), no decision, award 300 to S1 (2024), no contract, no budget
#   t4: period 30 d, decision 2 d, award 600 jointly to S3 and S4 (300 each), year 2024
D = "T00:00:00-05:00"
TIMED = [
    timed("t1", f"2023-01-01{D}", f"2023-01-11{D}", f"2023-01-16{D}", f"2023-01-19{D}", budget=200, contract=120,
          paid=(60, 70), amended=True, year="2023", tenderers=("A", "B")),
    timed("t2", f"2024-01-01{D}", f"2024-01-21{D}", f"2024-01-31{D}", f"2024-02-07{D}", budget=100, contract=100,
          paid=(50,), suppliers=("S2",), tenderers=("A", "C")),
    timed("t3", f"2024-02-01{D}", None, None, award=300),
    timed("t4", f"2024-03-01{D}", f"2024-03-31{D}", f"2024-04-02{D}", award=600, suppliers=("S3", "S4")),
]
TIMED[2]["tender"]["tenderPeriod"].pop("endDate")
TIMED[2]["awards"][0].pop("date")

EXPECTED_TIMED = {  # indicator: (numerator, denominator, value)
    "PER-MEAN": (60, 3, 20.0),
    "PER-SHORT": (1, 3, 1 / 3),
    "DEC-MEAN": (17, 3, 17 / 3),
    "SIGN-MEAN": (10, 2, 5.0),
    "AMD": (1, 2, 0.5),
    "CTR-INC": (20, 200, 0.1),             # (120 - 100) + (100 - 100) over 100 + 100
    "PAY-OVER": (1, 2, 0.5),               # t1 paid 130 > 120; t2 paid 50 <= 100
    "SAV": (100, 300, 1 / 3),              # (200 - 100) + (100 - 100) over 200 + 100
    "TEN-N": (3, None, 3),                 # A, B, C (t3 and t4 have n=1 without ids)
    "SUP-N": (4, None, 4),                 # S1, S2, S3, S4
    "SUP-NEW": (4, 4, 1.0),                # every supplier is first seen in the year of one of its awards
    "HHI": (None, 1100, (400**2 + 100**2 + 300**2 + 300**2) / 1100**2),  # S1 100+300, S2 100, S3 300, S4 300
    "TOP10": (1100, 1100, 1.0),
}


@pytest.mark.parametrize("code", sorted(EXPECTED_TIMED))
def test_hand_computed_timing_contracts_and_markets(code):
    row = compute(TIMED).set_index("indicator").loc[code]
    numerator, denominator, value = EXPECTED_TIMED[code]
    assert (pd.isna(row["numerator"]) if numerator is None else row["numerator"] == pytest.approx(numerator))
    assert (pd.isna(row["denominator"]) if denominator is None else row["denominator"] == pytest.approx(denominator))
    assert row["value"] == pytest.approx(value)


def test_markers_of_deleted_objects_do_not_count():
    """docs/store.md: a deleted payment or amendment keeps only its id; a cancelled contract has no value;
    a party whose roles were emptied is no longer a tenderer or supplier."""
    marked = timed("m", f"2024-01-01{D}", f"2024-01-21{D}", f"2024-01-31{D}", f"2024-02-07{D}", budget=100,
                   contract=100, paid=(50, 80), amended=True, suppliers=("S1", "S2"), tenderers=("A", "B"))
    marked["tender"].pop("numberOfTenderers")
    contract = marked["contracts"][0]
    contract["implementation"]["transactions"][1] = {"id": "1", "value": {}, "payee": {}}
    contract["amendments"][0] = {"id": "1", "rationale": None}
    marked["contracts"].append({"id": "C2", "awardID": "0", "status": "cancelled", "value": {"amount": 900, "currency": "USD"}})
    marked["parties"] = [{"id": "B", "roles": []}, {"id": "S2", "name": "S2", "roles": ["tenderer"]}, {"id": "S1"}]
    facts_row = compute([marked], processes=None).set_index("indicator")
    assert facts_row.loc["PAY-OVER", "numerator"] == 0 and facts_row.loc["PAY-OVER", "denominator"] == 1  # 50 <= 100
    assert facts_row.loc["AMD", "numerator"] == 0 and facts_row.loc["AMD", "denominator"] == 1
    assert facts_row.loc["CTR-INC", "numerator"] == 0                     # C2 is cancelled: 100 - 100
    assert facts_row.loc["TEN-N", "value"] == 1                          # A; B's party has no roles left
    assert facts_row.loc["SUP-N", "value"] == 1                          # S1 (no roles stated); S2 is only a tenderer
    assert facts_row.loc["TOP10", "denominator"] == 100                   # the award's value, all to S1


def test_new_entrants_by_year():
    table = compute(TIMED, by=["year"])
    new = table[table.indicator == "SUP-NEW"].set_index("year")
    # 2023: S1 is new. 2024: S1 was seen in 2023 (not new); S2, S3, S4 are new.
    assert (new.loc[2023, "numerator"], new.loc[2023, "denominator"]) == (1, 1)
    assert (new.loc[2024, "numerator"], new.loc[2024, "denominator"]) == (3, 4)


def test_markets_group_by_cpc_division():
    table = compute(TIMED, by=["market"])
    assert set(table["market"]) == {"45"}


def buyer_process(ocid, buyer, method, supplier, value):
    release = process(ocid, method, awards=(("active", value),))
    release["buyer"] = {"id": buyer}
    release["awards"][0]["suppliers"] = [{"id": supplier}]
    return release


BUYERS = (
    # B1..B4: 5 processes each, 1 non-competitive (share 0.2); B5: 5 of 5 (1.0); B6: 2 processes (not assessed)
    [buyer_process(f"{b}-{i}", b, "direct" if i == 0 else "open", "S1" if i < 3 else "S2", 100)
     for b in ("B1", "B2", "B3", "B4") for i in range(5)]
    + [buyer_process(f"B5-{i}", "B5", "direct", "S9", 100 * (i + 1)) for i in range(5)]
    + [buyer_process(f"B6-{i}", "B6", "direct", "S1", 100) for i in range(2)]
)
EXPECTED.update({
    # Shares 0.2, 0.2, 0.2, 0.2, 1.0 (R-8, n = 5): Q1 = 0.2, Q3 = 0.2 + (1/3)·0.8 = 0.4667,
    # upper fence = 0.4667 + 1.5·0.2667 = 0.8667: only B5 is flagged, 1 of 5 assessed buyers.
    "NC-BUYER": (1, 5, 6, 1),
    # B1..B4: S1 has 300 of 500 (0.6); B5: S9 has everything (1.0) -> (0.6 * 4 + 1.0) / 5
    "SUP-BUYER": (3.4, 5, 6, 1),
})


@pytest.mark.parametrize("code", ["NC-BUYER", "SUP-BUYER"])
def test_hand_computed_buyer_indicators(code):
    row = compute(BUYERS).set_index("indicator").loc[code]
    numerator, denominator, eligible, not_computable = EXPECTED[code]
    assert row["numerator"] == pytest.approx(numerator) and row["denominator"] == denominator
    assert (row["eligible"], row["not_computable"]) == (eligible, not_computable)


def indicator(table, code, column="value"):
    return table.set_index("indicator").loc[code, column]


def test_a_supplier_that_only_bid_before_is_new_when_first_awarded():
    """SUP-NEW: "no earlier award" — bidding in an earlier year does not count."""
    bid_2023 = process("a", "open", tenderers=["S9"], awards=(("active", 100),), year="2023")
    bid_2023["awards"][0]["suppliers"] = [{"id": "S1"}]
    won_2024 = process("b", "open", n=1, awards=(("active", 100),), year="2024")
    won_2024["awards"][0]["suppliers"] = [{"id": "S9"}]
    table = compute([bid_2023, won_2024], by=["year"])
    new = table[table.indicator == "SUP-NEW"].set_index("year")
    assert (new.loc[2024, "numerator"], new.loc[2024, "denominator"]) == (1, 1)  # S9: first award in 2024


def test_an_award_split_into_two_contracts_counts_once():
    """CTR-INC: one award of 100 in two contracts of 50 is no increase (it used to give -0.5)."""
    split = timed("s", f"2024-01-01{D}", f"2024-01-11{D}", f"2024-01-16{D}", f"2024-01-19{D}", award=100, contract=50)
    split["contracts"].append({**split["contracts"][0], "id": "C2"})
    row = compute([split]).set_index("indicator").loc["CTR-INC"]
    assert (row["numerator"], row["denominator"], row["value"]) == (0.0, 100.0, 0.0)


@pytest.mark.parametrize("null", ["tender", "buyer", "awards", "contracts", "parties", "bids"])
def test_null_sections_are_absent_sections(null):
    """A compiled release with "tender": null (or any section null) crashed indicators."""
    release = {**process("n", "open", n=1), null: None}
    table = compute([release])
    assert indicator(table, "PROC") == 1


def test_the_buyer_is_found_in_parties_despite_sercops_suffix():
    """SERCOP's catálogo bodies: buyer.id lacks the suffix that its parties[].id carries."""
    from ocds_pipeline.indicators.facts import buyer_party

    release = process("c", "open", n=1)
    release["buyer"] = {"id": "EC-RUC-1760001120001", "name": "MSP"}
    release["parties"] = [{"id": "EC-RUC-1792569397001-598626", "roles": ["supplier"], "address": {"region": "GUAYAS"}},
                          {"id": "EC-RUC-1760001120001-2455", "roles": ["buyer"], "address": {"region": "PICHINCHA"}}]
    assert buyer_party(release)["id"] == "EC-RUC-1760001120001-2455"
    assert compute([release], by=["province"])["province"].unique().tolist() == ["PICHINCHA"]
    release["parties"][1]["id"] = "EC-RUC-1760001120001"
    assert buyer_party(release)["id"] == "EC-RUC-1760001120001"  # an exact id first
    release["parties"][1]["id"] = "EC-RUC-17600011200012"        # not a suffix: no match
    release["parties"][1]["roles"] = []
    assert buyer_party(release) == {}


def test_real_sercop_catalogo_bodies_have_their_province():
    from tests.conftest import shared_samples

    path = shared_samples() / "sercop-api-record_catalogo-2026.json"
    assert compute(path, by=["province"])["province"].unique().tolist() == ["PICHINCHA"]


def test_money_is_printed_in_cents(tmp_path):
    """Money printed as 236802.83000000002; amounts are rounded to cents where they are written."""
    releases = [process("m1", "open", n=1, awards=(("active", 0.1), ("active", 0.2))),
                process("m2", "open", n=1, awards=(("active", 236802.53),))]
    table = compute(releases, processes=tmp_path / "p.csv")
    assert indicator(table, "AWARD-V") == 236802.83 and indicator(table, "AWARD-V", "numerator") == 236802.83
    assert "236802.8300000" not in table.to_csv(index=False)
    written = (tmp_path / "p.csv").read_text(encoding="utf-8-sig")
    assert "0.30000000000000004" not in written
    assert pd.read_csv(tmp_path / "p.csv", encoding="utf-8-sig")["award_value"].tolist() == [0.3, 236802.53]


@pytest.mark.parametrize("case,expected", [
    # (tenderers, awards, tender status) -> (SB-C numerator, denominator, eligible) worked out by hand
    ((0, (("active", 10),), "complete"), (0, 1, 1)),       # no tenderers is not a single bidder
    ((1, (("active", 10),), "complete"), (1, 1, 1)),
    ((2, (("active", 10),), "complete"), (0, 1, 1)),
    ((None, (("active", 10),), "complete"), (0, 0, 1)),    # unknown: eligible, not computable
    ((1, ((None, 10),), "complete"), (1, 1, 1)),           # no award status: awarded (SERCOP)
    ((1, (("pending", 10),), "complete"), (0, 0, 0)),      # only a pending award: not awarded
    ((1, (("cancelled", 10),), "complete"), (0, 0, 0)),
    ((1, (("active", 10),), "cancelled"), (0, 0, 0)),      # cancelled tender: out of every population
])
def test_single_bidding_at_the_edges(case, expected):
    n, awards, status = case
    row = compute([process("e", "open", n=n, awards=awards, status=status)]).set_index("indicator").loc["SB-C"]
    assert (row["numerator"], row["denominator"], row["eligible"]) == expected


def test_mixed_currencies_are_not_computable_in_usd():
    mixed = process("x", "open", n=1, awards=(("active", 100), ("active", 50)))
    mixed["awards"][1]["value"]["currency"] = "EUR"
    usd = process("u", "open", n=2, awards=(("active", 300),))
    table = compute([mixed, usd]).set_index("indicator")
    assert (table.loc["SB-C", "numerator"], table.loc["SB-C", "denominator"]) == (1, 2)   # counts need no currency
    assert (table.loc["SB-C-V", "numerator"], table.loc["SB-C-V", "denominator"]) == (0, 300)
    assert table.loc["SB-C-V", "not_computable"] == 1 and table.loc["AWARD-V", "value"] == 300


@pytest.mark.parametrize("by", [("province",), ("year", "regime"), ("market",), ("method", "category")])
def test_each_group_equals_the_indicators_of_its_processes_alone(published, by):
    """The grouped computation (all groups at once) against the oracle of one group at a time: each
    group's rows are the indicators of its processes taken alone. SUP-NEW is left out: whether a
    supplier is new depends on the years of the whole dataset, not of the group."""
    from ocds_pipeline.indicators.facts import facts
    from ocds_pipeline.indicators.summary import summarise

    releases = [json.loads(line) for line in (published / "compiled.jsonl").read_text(encoding="utf-8").splitlines()]
    tables = facts(releases)
    grouped = summarise(tables, by)
    grouped = grouped[grouped["indicator"] != "SUP-NEW"]
    keys = tables.processes[list(by)].astype(object).where(tables.processes[list(by)].notna(), None)
    members: dict[tuple, list[dict]] = {}
    for release, key in zip(releases_in_ocid_order(releases), keys.itertuples(index=False, name=None)):
        members.setdefault(key, []).append(release)
    assert len(members) == len(grouped) // (len(load_registry()) - 1) > 1
    for key, group in members.items():
        alone = summarise(facts(group), ())
        alone = alone[alone["indicator"] != "SUP-NEW"].reset_index(drop=True)
        mine = grouped
        for column, value in zip(by, key):
            mine = mine[mine[column].isna()] if value is None else mine[mine[column] == value]
        pd.testing.assert_frame_equal(mine.drop(columns=list(by)).reset_index(drop=True), alone, check_dtype=False)


def releases_in_ocid_order(releases):
    return sorted(releases, key=lambda release: release["ocid"])


def test_processes_without_a_group_value_are_a_group_of_their_own():
    classified = process("a", "open", n=1)
    classified["tender"]["items"] = [{"id": "1", "classification": {"scheme": "CPC", "id": "45210"}}]
    table = compute([process("b", "open", n=2), classified, process("c", "open", n=1)], by=["market"])
    single = table[table.indicator == "SB-C"]
    assert single["market"].tolist()[0] == "45" and pd.isna(single["market"].tolist()[1])
    assert single["eligible"].tolist() == [1, 2] and single["value"].tolist() == [1.0, 0.5]


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_fact_tables_of_parts_combine_to_those_of_the_whole(published, data):
    """Facts taken part by part (a publication's years, the Parquet partitions) and combined are exactly
    the facts of the whole, whatever the parts and the order of their processes."""
    from ocds_pipeline.indicators.facts import combine, facts

    releases = [json.loads(line) for line in (published / "compiled.jsonl").read_text(encoding="utf-8").splitlines()]
    count = data.draw(st.integers(1, 5), label="parts")
    assigned = data.draw(st.lists(st.integers(0, count - 1), min_size=len(releases), max_size=len(releases)))
    parts = [[r for r, n in zip(releases, assigned) if n == part] for part in range(count)]
    parts = [data.draw(st.permutations(part)) for part in parts]
    whole, combined = facts(releases), combine([facts(part) for part in parts])
    pd.testing.assert_frame_equal(combined.processes, whole.processes, check_exact=True)
    pd.testing.assert_frame_equal(combined.parties, whole.parties, check_exact=True)
