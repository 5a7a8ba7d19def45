"""The small decisions behind every fact: which party is the buyer, which date sets the period, which
market a process is in. Each case is written by hand from the rule in docs/indicators.md."""

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocds_pipeline.indicators.facts import _date, _market, buyer_party, ocid_order, party_rows

BUYER = {"id": "EC-RUC-1760013210001", "name": "Municipio", "roles": ["buyer", "procuringEntity"]}
OTHER = {"id": "EC-RUC-0990017514001", "name": "Proveedor", "roles": ["supplier"]}


def release(buyer_id, *parties):
    return {"buyer": {"id": buyer_id} if buyer_id is not ... else {}, "parties": list(parties)}


def test_the_buyer_is_the_party_with_its_id_before_any_other_rule():
    decoy = {"id": "X", "roles": ["buyer"]}
    assert buyer_party(release("EC-RUC-1760013210001", decoy, BUYER)) is BUYER
    assert buyer_party(release("EC-RUC-0990017514001", BUYER, OTHER)) is OTHER  # the id wins over the role


def test_a_buyer_id_without_the_parties_suffix_finds_the_one_party_that_has_it():
    # SERCOP's catálogo bodies: buyer.id "EC-RUC-1760013210001", party id "EC-RUC-1760013210001-1234"
    suffixed = {**BUYER, "id": "EC-RUC-1760013210001-1234", "roles": ["procuringEntity"]}
    assert buyer_party(release("EC-RUC-1760013210001", OTHER, suffixed)) is suffixed
    by_identifier = {"id": "P1", "identifier": {"id": "1760013210001-77"}}
    assert buyer_party(release("1760013210001", OTHER, by_identifier)) is by_identifier
    # Two candidates: ambiguous, so the only party with the buyer role decides.
    second = {**suffixed, "id": "EC-RUC-1760013210001-99", "roles": ["buyer"]}
    assert buyer_party(release("EC-RUC-1760013210001", suffixed, second)) is second
    # A longer RUC that merely starts with the same digits is not a suffix.
    assert buyer_party(release("EC-RUC-176", {"id": "EC-RUC-1760013210001", "roles": []})) == {}


@pytest.mark.parametrize("buyer_id", [None, "", ...])
def test_without_a_buyer_id_only_a_single_buyer_role_decides(buyer_id):
    nameless = {"name": "sin id", "roles": ["supplier"]}
    dash = {"id": "-1", "roles": []}
    assert buyer_party(release(buyer_id, nameless, dash, OTHER)) == {}
    assert buyer_party(release(buyer_id, nameless, BUYER)) is BUYER
    assert buyer_party(release(buyer_id, BUYER, {**BUYER, "id": "B2"})) == {}  # two buyers: none
    assert buyer_party(release(buyer_id, {"id": "B3", "roles": "buyer"})) == {}  # roles must be a list


def test_the_period_comes_from_the_tender_period_then_the_release_date():
    assert _date({"date": "2024-05-01", "tender": {"tenderPeriod": {"startDate": "2023-12-30"}}}) == "2023-12-30"
    assert _date({"date": "2024-05-01", "tender": {"tenderPeriod": {"startDate": ""}}}) == "2024-05-01"
    assert _date({"date": "2024-05-01", "tender": {"tenderPeriod": {}}}) == "2024-05-01"
    assert _date({"date": "2024-05-01", "tender": None}) == "2024-05-01"
    assert _date({"date": 20240501}) is None
    assert _date({"tender": {"tenderPeriod": {"startDate": 2023}}, "date": None}) is None


def test_the_market_is_the_cpc_division_of_the_first_classified_item():
    def items(*classifications):
        return [{"id": str(n), "classification": c} for n, c in enumerate(classifications)]

    tender_first = {"tender": {"items": items({"scheme": "UNSPSC", "id": "43211500"}, {"scheme": "CPC", "id": "45210"})},
                    "awards": [{"items": items({"scheme": "CPC", "id": "53129"})}]}
    assert _market(tender_first) == "45"
    assert _market({"awards": [{"items": items({"scheme": "CPC", "id": "AB1"}, {"scheme": "CPC", "id": 8431})}]}) == "84"
    assert _market({"tender": {"items": items({"scheme": "cpc", "id": "45210"}, {"id": "45210"})}}) is None
    assert _market({"tender": {"items": items({"scheme": "CPC", "id": "4"})}}) is None
    assert _market({}) is None


def test_a_process_row_with_everything_and_with_nothing():
    import math

    from ocds_pipeline.indicators.facts import fact_row
    from ocds_pipeline.procedure_types import default_procedure_types

    types = default_procedure_types()
    full = {"ocid": "ocds-x-1", "date": "2024-03-05T10:00:00-05:00",
            "buyer": {"id": "EC-RUC-1760013210001", "name": "Municipio"},
            "parties": [{"id": "EC-RUC-1760013210001", "roles": ["buyer"], "address": {"region": "Pichincha"}}],
            "tender": {"procurementMethod": "open", "procurementMethodDetails": " Subasta Inversa Electrónica ",
                       "mainProcurementCategory": "goods", "numberOfTenderers": 2,
                       "tenderPeriod": {"startDate": "2024-02-01T00:00:00Z", "endDate": "2024-02-11T12:00:00Z"}}}
    row = fact_row(full, types)
    assert {k: v for k, v in row.items() if not (isinstance(v, float) and math.isnan(v))} == {
        "ocid": "ocds-x-1", "year": 2024, "month": "2024-02", "buyer": "EC-RUC-1760013210001", "buyer_name": "Municipio",
        "province": "Pichincha", "procedure_type": "Subasta Inversa Electrónica", "method": "open", "regime": "common",
        "category": "goods", "cancelled": False, "awarded": False, "award_value": 0.0, "competitive": True,
        "open": True, "tenderers": 2.0, "tenderers_source": "tender.numberOfTenderers", "single_bidder": 0.0,
        "three_or_more_tenderers": 0.0, "single_bidder_why": None, "three_or_more_tenderers_why": None,
        "special_regime": 0.0, "special_regime_why": None, "non_competitive": 0.0, "non_competitive_why": None,
        "tender_days": 10.0, "short_period": 1.0, "market": None}
    empty = fact_row({"ocid": "ocds-x-2", "tender": {"procurementMethodDetails": " Compra rara "}}, types)
    nobody = "no tender.numberOfTenderers, tender.tenderers or bids.details tenderers"
    assert {k: v for k, v in empty.items() if not (isinstance(v, float) and math.isnan(v))} == {
        "ocid": "ocds-x-2", "year": None, "month": None, "buyer": None, "buyer_name": None, "province": None,
        "procedure_type": "Compra rara", "method": None, "regime": None, "category": None, "cancelled": False,
        "awarded": False, "award_value": 0.0, "competitive": False, "open": False, "tenderers_source": nobody,
        "single_bidder_why": nobody, "three_or_more_tenderers_why": nobody,
        "special_regime_why": "procedure type ' Compra rara ' is not in procedure_types.csv",
        "non_competitive_why": "no tender.procurementMethod", "market": None}


# Contracts and payments (PAY-OVER, SIGN-MEAN, CTR-INC), each case worked out by hand.

def contract_facts(contracts, awards=({"id": "A", "date": "2024-01-10T00:00:00-05:00", "value": {"amount": 100, "currency": "USD"}},)):
    from ocds_pipeline.indicators.facts import fact_row
    from ocds_pipeline.procedure_types import default_procedure_types

    compiled = {"ocid": "x", "tender": {"status": "complete"}, "awards": list(awards), "contracts": contracts}
    return fact_row(compiled, default_procedure_types())


def usd(amount):
    return {"amount": amount, "currency": "USD"}


def paid(*amounts):
    return {"transactions": [{"id": str(i), "value": usd(a) if a is not None else {"currency": "USD"}}
                             for i, a in enumerate(amounts)]}


@pytest.mark.parametrize("contract,payments,expected", [
    (100, (100,), 0.0),            # paid exactly the contract
    (100, (60, 40.005), 0.0),      # half a cent over is rounding, not an overpayment
    (100, (100.01,), 1.0),         # a cent over is
    (100, (100.5,), 1.0),
    (100, (), None),               # nothing paid yet: not computable
    (100, (50, None), None),       # a payment without an amount: the total is unknown
    (None, (50,), None),           # a contract without a value
])
def test_paid_over_the_contract(contract, payments, expected):
    row = contract_facts([{"id": "C", "awardID": "A", "value": usd(contract) if contract is not None else {"currency": "USD"},
                           "implementation": paid(*payments)}])
    assert (math.isnan(row["paid_over"]) if expected is None else row["paid_over"] == expected)


def test_signature_days_are_the_mean_over_the_contracts():
    row = contract_facts([{"id": "C1", "awardID": "A", "dateSigned": "2024-01-13T00:00:00-05:00"},
                          {"id": "C2", "awardID": "A", "dateSigned": "2024-01-15T00:00:00-05:00"}])
    assert row["signature_days"] == 4.0  # 3 and 5 days after the award


def test_a_contract_of_an_unknown_award_has_no_linked_value():
    row = contract_facts([{"id": "C", "awardID": "nope", "value": usd(120)}])
    assert math.isnan(row["linked_award_value"]) and row["contract_value"] == 120


def test_an_object_with_data_below_its_ids_is_not_a_deletion_marker():
    from ocds_pipeline.indicators.facts import live

    marker = {"id": "A", "suppliers": [{"id": "S1"}], "items": []}
    alive = {"id": "B", "items": [{"id": "1", "quantity": 2}]}
    assert live([marker, alive]) == [alive]


def test_procedure_types_are_named_as_in_the_codelist():
    from ocds_pipeline.indicators.facts import fact_row
    from ocds_pipeline.procedure_types import default_procedure_types

    types = default_procedure_types()
    row = fact_row({"ocid": "x", "tender": {"procurementMethodDetails": "  LICITACIÓN "}, "buyer": {"id": "B", "name": "Municipio"},
                    "parties": [{"id": "B", "name": "Municipio", "roles": ["buyer"]}]}, types)
    assert row["procedure_type"] == "Licitación" and row["buyer_name"] == "Municipio"
    unknown = fact_row({"ocid": "y", "tender": {"procurementMethodDetails": " Trueque "}}, types)
    assert unknown["procedure_type"] == "Trueque"       # kept as published, trimmed
    odd = fact_row({"ocid": "z", "tender": {"procurementMethodDetails": 12}}, types)
    assert odd["procedure_type"] is None                 # not text: no type


def test_a_procedure_type_listed_with_its_own_minimum_period(monkeypatch):
    """minimum_tender_days.csv lists only the default today; a type SERCOP lists gets its own minimum."""
    from ocds_pipeline import codelists
    from ocds_pipeline.indicators import facts

    rows = {"*": {"target": "15"}, "Licitación": {"target": "22"}}
    monkeypatch.setattr(codelists, "load_codelist", lambda name, source="sercop": rows)
    assert facts._minimum_days("Licitación") == 22.0
    assert facts._minimum_days("Cotización") == 15.0
    assert facts._minimum_days(None) == 15.0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=6), st.none()), max_size=40), st.booleans())
def test_ocids_are_ordered_as_python_orders_their_text_ties_kept_in_place(ocids, as_objects):
    """Arrow's order (text held by Arrow: pandas' strings) and the objects' order are Python's: by code point,
    a missing ocid as "None", equal ocids in the order they came."""
    column = pd.Series(ocids, dtype=object if as_objects else None)
    expected = sorted(range(len(ocids)), key=lambda row: (str(ocids[row]), row))
    assert ocid_order(column).tolist() == expected


def test_a_party_row_does_not_repeat_its_process_ocid():
    compiled = {"ocid": "ocds-x-1", "parties": [{"id": "EC-1", "roles": ["tenderer", "supplier"]}],
                "tender": {"tenderers": [{"id": "EC-1"}]},
                "awards": [{"id": "a", "status": "active", "suppliers": [{"id": "EC-1"}],
                            "value": {"amount": 10, "currency": "USD"}}]}
    rows = party_rows(compiled)
    assert [sorted(row) for row in rows] == [["org", "role", "value"]] * 2
    assert [(row["role"], row["org"]) for row in rows] == [("tenderer", "EC-1"), ("supplier", "EC-1")]
    assert math.isnan(rows[0]["value"]) and rows[1]["value"] == 10.0
