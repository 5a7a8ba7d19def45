"""Each mapping transform on its own, against values written out by hand."""

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from ocds_pipeline.codelists import CodelistError
from ocds_pipeline.mapping.transforms import DESCRIPTIONS, TRANSFORMS, number, rfc3339
from ocds_pipeline.sources.casting import ECUADOR


def apply(name, value, **args):
    return TRANSFORMS[name](value, args)


def test_every_transform_is_described_for_the_generated_docs():
    assert set(DESCRIPTIONS) == set(TRANSFORMS)


@pytest.mark.parametrize("value,expected", [
    (Decimal("345000"), 345000), (Decimal("345000.00"), 345000), (Decimal("1234.56"), 1234.56),
    (Decimal("-0.5"), -0.5), (7, 7), (None, None),
])
def test_numbers_keep_integers_as_integers(value, expected):
    assert number(value) == expected
    assert type(number(value)) is type(expected)
    assert apply("amount", value) == expected


@pytest.mark.parametrize("value,args,expected", [
    (date(2024, 3, 5), {}, "2024-03-05T00:00:00-05:00"),
    (date(2024, 3, 5), {"end_of_day": True}, "2024-03-05T23:59:59-05:00"),
    (date(2024, 3, 5), {"end_of_day": False}, "2024-03-05T00:00:00-05:00"),
    (datetime(2024, 3, 5, 14, 30), {}, "2024-03-05T14:30:00-05:00"),           # naive: Ecuador time
    (datetime(2024, 3, 5, 14, 30), {"end_of_day": True}, "2024-03-05T14:30:00-05:00"),  # a time is kept
    (datetime(2024, 3, 6, 3, 0, tzinfo=timezone.utc), {}, "2024-03-05T22:00:00-05:00"),
    (None, {}, None),
])
def test_date_times_are_rfc3339_in_ecuador(value, args, expected):
    assert apply("datetime", value, **args) == expected
    assert rfc3339(value, args) == expected
    if not args:
        assert rfc3339(value) == expected


@pytest.mark.parametrize("value,args,expected", [
    ("  Hospital  del\r\nSur \n", {}, "Hospital  del\r\nSur"),
    ("  Hospital  del\r\nSur \n", {"collapse": True}, "Hospital del Sur"),
    ("  \r\n ", {}, None), ("  \r\n ", {"collapse": True}, None),
    (123, {}, "123"), (None, {}, None),
])
def test_text(value, args, expected):
    assert apply("text", value, **args) == expected


def test_strings_and_integers():
    assert apply("string", 12) == "12" and apply("string", "") == "" and apply("string", None) is None
    assert apply("integer", Decimal("240")) == 240 and apply("integer", "15") == 15 and apply("integer", None) is None


def test_values_and_organisation_ids():
    assert apply("value", Decimal("1500.25")) == {"amount": 1500.25, "currency": "USD"}
    assert apply("value", None) is None
    assert apply("org_id", "0992231815001") == "EC-RUC-0992231815001"
    assert apply("org_id", "") is None and apply("org_id", None) is None


def test_codelists_by_column_and_as_lists():
    assert apply("codelist", "Bien", codelist="purchase_type") == "goods"
    assert apply("codelist", "Consultoría", codelist="purchase_type", column="additional") == "consultingServices"
    assert apply("codelist", "Bien", codelist="purchase_type", column="additional") is None
    assert apply("codelist", "Consultoría", codelist="purchase_type", column="additional",
                 as_list=True) == ["consultingServices"]
    assert apply("codelist", "Bien", codelist="purchase_type", column="additional", as_list=True) is None
    assert apply("codelist", "Salud", codelist="project_sector", source="oc4ids", as_list=True) == ["health"]
    with pytest.raises(CodelistError, match="'Salud' is not in codelist purchase_type"):
        apply("codelist", "Salud", codelist="purchase_type")


def test_procedure_types_by_field():
    assert apply("procedure_type", "Contratación de Seguros", field="regime") == "special"
    assert apply("procedure_type", "Subasta Inversa Electrónica", field="procurement_method") == "open"
    assert apply("procedure_type", "Ínfima Cuantía", field="regime") is None


def test_points_are_longitude_first():
    assert apply("point", (Decimal("-0.1807"), Decimal("-78.4678"))) == {"type": "Point",
                                                                         "coordinates": [-78.4678, -0.1807]}
    assert apply("point", (None, Decimal("-78.4678"))) is None
    assert apply("point", (Decimal("-0.1807"), None)) is None


def test_ecuador_is_five_hours_behind_utc():
    assert datetime(2024, 1, 1, tzinfo=ECUADOR).utcoffset().total_seconds() == -5 * 3600
