"""Who is a natural person: the source's flag, a personal identifier scheme, or a RUC's digits."""

import random

import pytest

from ocds_pipeline.generate.parties import make_ruc
from ocds_pipeline.privacy import Recognition, declared, natural_ruc
from tests.conftest import read_table

RECOGNITION = Recognition.of(declared()["natural_persons"])
NATURAL = "1710034065001"  # a valid cédula (mod 10) + 001
PUBLIC = make_ruc(random.Random(1), "17", "public")
COMPANY = make_ruc(random.Random(1), "09", "company")


@pytest.mark.parametrize("value, expected", [
    (NATURAL, True),
    (NATURAL[:10], True),                    # a cédula alone
    (NATURAL[:9] + "9" + "001", False),       # a wrong check digit: not a cédula
    (NATURAL[:10] + "000", False),            # establishment 000 is no RUC
    (PUBLIC, False),                          # third digit 6 with the public check digit
    (PUBLIC[:8] + str((int(PUBLIC[8]) + 1) % 10) + PUBLIC[9:], True),  # 6 without it: a foreign resident
    (COMPANY, False),
    ("171003406500", False), ("17100340650011", False), ("17100340650a1", False), ("", False),
])
def test_a_rucs_digits_say_whether_it_is_a_natural_persons(value, expected):
    assert natural_ruc(value) is expected


@pytest.mark.parametrize("party, expected", [
    ({"id": f"EC-RUC-{NATURAL}"}, True),                                               # the id alone
    ({"id": "7", "identifier": {"scheme": "EC-RUC", "id": NATURAL}}, True),
    ({"id": "7", "identifier": {"scheme": "EC-RUC", "id": int(NATURAL)}}, True),      # a number, as some publishers write it
    ({"id": "7", "identifier": {"scheme": "PY-RUC", "id": NATURAL}}, False),          # another country's numbers say nothing
    ({"id": "7", "additionalIdentifiers": [{"scheme": "ECU-IDCARD", "id": "x"}]}, True),
    ({"id": "7", "identifier": {"scheme": "GBR-PASSPORT", "id": "x"}}, True),
    ({"id": f"EC-RUC-{COMPANY}", "details": {"legalEntityTypeDetail": "Persona natural"}}, True),  # the source's flag
    ({"id": "7", "details": {"legalEntityTypeDetail": "PERSONA FÍSICA"}}, True),        # case and accents ignored
    ({"id": "7", "details": {"legalEntityTypeDetail": {"id": "1", "description": "Individual"}}}, True),
    ({"id": "7", "details": {"legalEntityTypeDetail": "Persona jurídica"}}, False),
    ({"id": f"EC-RUC-{COMPANY}", "identifier": {"scheme": "EC-RUC", "id": COMPANY}}, False),
    ({"id": f"EC-RUC-{PUBLIC}", "details": "free text"}, False),
    ({"id": "7", "identifier": {"scheme": [{"releaseID": "1", "value": "EC-RUC"}], "id": [{"value": NATURAL}]}}, False),  # versioned: read from the compiled release
])
def test_a_party_is_a_natural_person_by_any_one_sign(party, expected):
    assert RECOGNITION.natural(party) is expected


def test_the_generated_suppliers_flag_and_digits_agree():
    """The fixtures' proveedores say natural exactly when their RUC is a cédula + 001."""
    suppliers = read_table("proveedores")
    assert {row["tipo_persona"] for row in suppliers} == {"natural", "juridica"}
    for row in suppliers:
        assert natural_ruc(row["ruc"]) is (row["tipo_persona"] == "natural"), row
