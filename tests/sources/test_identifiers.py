import random

import pytest
from hypothesis import given, strategies as st

from ocds_pipeline.generate.parties import make_ruc
from ocds_pipeline.sources.identifiers import InvalidIdentifier, ruc_kind, validate_cedula, validate_ruc

# Real identifiers: SERCOP's sample party 1768007200001, org-id.guide's EC-RUC example 0992231815001.
REAL = {"1768007200001": "public", "0992231815001": "company", "1760001550001": "public"}


@pytest.mark.parametrize("ruc,kind", REAL.items())
def test_real_rucs_are_valid(ruc, kind):
    assert validate_ruc(ruc) == ruc
    assert ruc_kind(ruc) == kind


@pytest.mark.parametrize("value,message", [
    ("176800720001", "a RUC has exactly 13 digits"),
    ("17680072000A1", "a RUC has exactly 13 digits"),
    ("9968007200001", "province code 99 is not 01-24 or 30"),
    ("1768007210001", "check digit does not match (public entity, modulo 11)"),
    ("0992231816001", "check digit does not match (company, modulo 11)"),
    ("0992231815000", "establishment number 000 is not valid"),
    ("1778007200001", "third digit 7 is not a known RUC type (0-5, 6 or 9)"),
    ("1710034066001", "check digit does not match (modulo 10)"),
])
def test_invalid_rucs_say_why(value, message):
    with pytest.raises(InvalidIdentifier) as error:
        validate_ruc(value)
    assert str(error.value) == message


def test_cedula():
    assert validate_cedula("1710034065") == "1710034065"
    with pytest.raises(InvalidIdentifier, match="the third digit of a cédula is 0-5"):
        validate_cedula("1790034065")


@given(seed=st.integers(0, 2**32), province=st.integers(1, 24), kind=st.sampled_from(["natural", "public", "company"]))
def test_generated_rucs_validate_and_one_digit_change_is_caught(seed, province, kind):
    ruc = make_ruc(random.Random(seed), f"{province:02d}", kind)
    assert validate_ruc(ruc) == ruc
    assert ruc_kind(ruc) == kind
    check_position = {"natural": 9, "public": 8, "company": 9}[kind]
    wrong = ruc[:check_position] + str((int(ruc[check_position]) + 1) % 10) + ruc[check_position + 1:]
    with pytest.raises(InvalidIdentifier):
        validate_ruc(wrong)
