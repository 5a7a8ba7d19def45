"""The small decisions behind every fact: which party is the buyer, which date sets the period, which
market a process is in. Each case is written by hand from the rule in docs/indicators.md."""

import pytest

from ocds_pipeline.indicators.facts import _date, _market, buyer_party

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
