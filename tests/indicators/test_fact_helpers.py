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
