"""RUC and cédula check digits, against hand-computed cases, real published RUCs and an
independent implementation of SRI's algorithms written here."""

import random

import pytest
from hypothesis import given, strategies as st

from ocds_pipeline.generate.parties import make_ruc
from ocds_pipeline.sources.identifiers import (
    PUBLIC_WEIGHTS, InvalidIdentifier, modulo11_check_digit, ruc_kind, validate_cedula, validate_ruc,
)
from tests.conftest import shared_samples

# Real RUCs: org-id.guide's EC-RUC example, and every RUC in SERCOP's four published api/record bodies.
# Two of the companies' (1793214353001, 1793227343001) do not follow the modulo-11 check digit: SRI
# has issued such RUCs, so a company's check digit is not a reason to reject.
REAL = {"0992231815001": "company", "0160007280001": "public", "1560001160001": "public", "1760001120001": "public",
        "1768156470001": "public", "1790013502001": "company", "1792569397001": "company", "1793214353001": "company",
        "1793227343001": "company", "1768007200001": "public"}


@pytest.mark.parametrize("ruc,kind", REAL.items())
def test_real_rucs_are_valid(ruc, kind):
    assert validate_ruc(ruc) == ruc
    assert ruc_kind(ruc) == kind


def test_the_samples_rucs_are_the_ones_above():
    import re

    found = {ruc for path in shared_samples().glob("sercop-api-record_*.json")
             for ruc in re.findall(r"EC-RUC-(\d{13})", path.read_text(encoding="utf-8"))}
    assert found and found <= set(REAL)


def test_check_digits_worked_by_hand():
    # Public entity 1760001120001: digits 1 7 6 0 0 0 1 1 × weights 3 2 7 6 5 4 3 2
    # = 3 + 14 + 42 + 0 + 0 + 0 + 3 + 2 = 64; 64 mod 11 = 9; 11 - 9 = 2, the ninth digit.
    assert validate_ruc("1760001120001")
    # Company 1790013502001: digits 1 7 9 0 0 1 3 5 0 × weights 4 3 2 7 6 5 4 3 2
    # = 4 + 21 + 18 + 0 + 0 + 5 + 12 + 15 + 0 = 75; 75 mod 11 = 9; 11 - 9 = 2, the tenth digit.
    assert validate_ruc("1790013502001")
    # Cédula 1710034065: digits 1 7 1 0 0 3 4 0 6 × 2 1 2 1 2 1 2 1 2 = 2 7 2 0 0 3 8 0 12→3;
    # sum 25; (10 - 25 mod 10) mod 10 = 5, the tenth digit. As a RUC: + establishment 001.
    assert validate_cedula("1710034065") and validate_ruc("1710034065001")
    # A company RUC that breaks modulo 11 is still accepted (1793214353001: the sum 116 gives 5, not 3).
    assert validate_ruc("1793214353001")


def cedula(province: int, body: str) -> str:
    """A valid cédula for a province, by the modulo-10 algorithm (written again here, independently)."""
    first9 = f"{province:02d}{body}"
    products = [int(d) * (2 if i % 2 == 0 else 1) for i, d in enumerate(first9)]
    return first9 + str(-sum(p - 9 if p > 9 else p for p in products) % 10)


@pytest.mark.parametrize("province", [*range(1, 25), 30])
def test_every_province_code_including_30_ecuadorians_abroad(province):
    value = cedula(province, "0123456")
    assert validate_cedula(value) == value and validate_ruc(value + "001") == value + "001"


@pytest.mark.parametrize("province", [0, 25, 26, 29, 31, 99])
def test_other_province_codes_are_refused(province):
    with pytest.raises(InvalidIdentifier, match=f"province code {province:02d} is not 01-24 or 30"):
        validate_ruc(cedula(province, "0123456") + "001")


@pytest.mark.parametrize("value", ["１７６０００１１２０００１", "١٧٦٠٠٠١١٢٠٠٠١", "176000112000١", "1760001120001\n"])
def test_digits_that_are_not_ascii_are_refused(value):
    with pytest.raises(InvalidIdentifier, match="a RUC has exactly 13 digits"):
        validate_ruc(value)


@pytest.mark.parametrize("value,message", [
    ("176800720001", "a RUC has exactly 13 digits"),
    ("17680072000A1", "a RUC has exactly 13 digits"),
    ("9968007200001", "province code 99 is not 01-24 or 30"),
    ("1768007210001", "check digit does not match (public entity, modulo 11)"),
    ("0992231815000", "establishment number 000 is not valid"),
    ("1768007200000", "establishment number 0000 is not valid"),
    ("1778007200001", "third digit 7 is not a known RUC type (0-5, 6 or 9)"),
    ("1710034066001", "check digit does not match (modulo 10)"),
])
def test_invalid_rucs_say_why(value, message):
    with pytest.raises(InvalidIdentifier) as error:
        validate_ruc(value)
    assert str(error.value) == message


@pytest.mark.parametrize("value,message", [
    ("171003406", "a cédula has exactly 10 digits"),
    ("17100340651", "a cédula has exactly 10 digits"),
    ("2510034065", "province code 25 is not 01-24 or 30"),
    ("1790034065", "the third digit of a cédula is 0-5"),
    # Third digit 6 with a right modulo-10 digit: a cédula still cannot start like a public entity.
    ("1760034064", "the third digit of a cédula is 0-5"),
    ("1710034066", "check digit does not match (modulo 10)"),
])
def test_invalid_cedulas_say_why(value, message):
    with pytest.raises(InvalidIdentifier) as error:
        validate_cedula(value)
    assert str(error.value) == message


def test_cedula():
    assert validate_cedula("1710034065") == "1710034065"
    assert cedula(17, "6003406") == "1760034064"  # the third-digit-6 case above has a right check digit


def test_a_natural_persons_ruc_needs_an_establishment():
    assert validate_ruc("1710034065001") and validate_ruc("1710034065002")
    with pytest.raises(InvalidIdentifier) as error:
        validate_ruc("1710034065000")
    assert str(error.value) == "establishment number 000 is not valid"


@pytest.mark.parametrize("third,kind", [(0, "natural"), (3, "natural"), (5, "natural"), (6, "public"), (9, "company")])
def test_the_third_digit_says_who_holds_the_ruc(third, kind):
    assert ruc_kind(f"17{third}0034065001") == kind


def test_a_check_digit_needs_one_weight_per_digit():
    assert modulo11_check_digit("17600011", PUBLIC_WEIGHTS) == 2
    with pytest.raises(ValueError):
        modulo11_check_digit("176000112", PUBLIC_WEIGHTS)


def oracle(ruc: str) -> bool:
    """SRI's check digits, written independently of ocds_pipeline.sources.identifiers."""
    if not (len(ruc) == 13 and ruc.isascii() and ruc.isdigit()) or not (1 <= int(ruc[:2]) <= 24 or ruc[:2] == "30"):
        return False
    third = int(ruc[2])
    if third <= 5:
        return cedula(int(ruc[:2]), ruc[2:9]) == ruc[:10] and ruc[10:] != "000"
    if third == 9:  # companies: only the establishment number (SRI issues RUCs that break modulo 11)
        return ruc[10:] != "000"
    if third != 6:
        return False
    remainder = sum(int(d) * w for d, w in zip(ruc, (3, 2, 7, 6, 5, 4, 3, 2))) % 11
    check = 0 if remainder == 0 else 11 - remainder
    return check != 10 and check == int(ruc[8]) and ruc[9:] != "0000"


def valid(ruc: str) -> bool:
    try:
        return validate_ruc(ruc) == ruc
    except InvalidIdentifier:
        return False


@given(st.text(alphabet="0123456789", min_size=13, max_size=13))
def test_any_thirteen_digits_agree_with_the_oracle(ruc):
    assert valid(ruc) == oracle(ruc)


@given(seed=st.integers(0, 2**32), province=st.sampled_from([*range(1, 25), 30]),
       kind=st.sampled_from(["natural", "public", "company"]))
def test_generated_rucs_agree_with_the_oracle_and_one_digit_change_is_caught(seed, province, kind):
    ruc = make_ruc(random.Random(seed), f"{province:02d}", kind)
    assert valid(ruc) and oracle(ruc) and ruc_kind(ruc) == kind
    if kind != "company":  # a company's tenth digit is not checked
        check_position = {"natural": 9, "public": 8}[kind]
        wrong = ruc[:check_position] + str((int(ruc[check_position]) + 1) % 10) + ruc[check_position + 1:]
        assert not valid(wrong) and not oracle(wrong)
