from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from ocds_pipeline.generate.writers import DIALECTS
from ocds_pipeline.sources.casting import (
    ECUADOR, PARSERS, coerce_native, parse_date, parse_datetime, parse_integer, parse_number, parse_string,
)


@pytest.mark.parametrize("text,decimal_char,expected", [
    ("1234.56", ".", "1234.56"),
    ("1234,56", ".", "1234.56"),
    ("1.234,56", ".", "1234.56"),
    ("1,234.56", ",", "1234.56"),
    ("1.234.567", ".", "1234567"),
    ("1.234", ",", "1234"),      # ';' files: the dot groups thousands
    ("1.234", ".", "1.234"),     # ',' files: the dot is the decimal mark
    ("1,234", ".", "1234"),
    (" 45 000,5 ", ",", "45000.5"),
    ("-3,5", ",", "-3.5"),
    # A first group of zeros never starts thousands: these are all an eighth, never 125.
    ("0.125", ".", "0.125"),
    ("0.125", ",", "0.125"),
    ("0,125", ".", "0.125"),
    ("0,125", ",", "0.125"),
    ("-0,125", ",", "-0.125"),
    ("-0.125", ".", "-0.125"),
    ("00,125", ".", "0.125"),
    ("-0,125", ".", "-0.125"),
    ("+0.125", ",", "0.125"),
    ("45\u00a0000,5", ",", "45000.5"),   # a no-break space between thousands, as spreadsheets write them
    ("1.234.567,5", ".", "1234567.5"),
])
def test_numbers_in_both_conventions(text, decimal_char, expected):
    assert parse_number(text, decimal_char) == Decimal(expected)


@pytest.mark.parametrize("text,message", [
    ("12,34,56", "more than one decimal separator"),
    ("12.34,5.6", "misplaced thousands separators"),
    ("0.125,5", "misplaced thousands separators"),
    ("0,125.5", "misplaced thousands separators"),
    ("0.125.000", "more than one decimal separator"),
    ("1,234.5,6", "misplaced thousands separators"),   # the last mark decides: ',' here
    ("1.234,567.5", "misplaced thousands separators"),
    ("1,234.5.6", "misplaced thousands separators"),   # everything before the last mark is the integer part
    ("diez", "not a number"),
    ("", "empty number"),
    (" \u00a0", "empty number"),
])
def test_bad_numbers(text, message):
    with pytest.raises(ValueError) as error:
        parse_number(text)
    assert str(error.value) == message


def test_integers_follow_the_files_decimal_mark():
    assert parse_integer("240") == 240
    assert parse_integer("1.234", ",") == 1234
    assert parse_number("1.234") == Decimal("1.234")   # by default the dot is the decimal mark
    with pytest.raises(ValueError) as error:
        parse_integer("1.234")
    assert str(error.value) == "not a whole number"
    with pytest.raises(ValueError) as error:
        parse_integer("2,5")
    assert str(error.value) == "not a whole number"


@pytest.mark.parametrize("text,expected", [
    ("05/03/2024", datetime(2024, 3, 5, tzinfo=ECUADOR)),
    ("5/3/2024 14:30", datetime(2024, 3, 5, 14, 30, tzinfo=ECUADOR)),
    ("05/03/2024 14:30:15", datetime(2024, 3, 5, 14, 30, 15, tzinfo=ECUADOR)),
    ("2024-03-05 14:30:15", datetime(2024, 3, 5, 14, 30, 15, tzinfo=ECUADOR)),
    ("2024-03-05T19:30:00Z", datetime(2024, 3, 5, 14, 30, tzinfo=ECUADOR)),
])
def test_datetimes(text, expected):
    assert parse_datetime(text) == expected
    assert parse_datetime(text, ",") == expected   # the file's decimal mark does not matter to dates


@pytest.mark.parametrize("text,expected", [
    ("29/02/2024", date(2024, 2, 29)),
    ("2024-01-05", date(2024, 1, 5)),
    ("2024-01-05 00:00:00", date(2024, 1, 5)),       # how SQL exports write a DATE
    ("2024-06-10 15:30", date(2024, 6, 10)),
    ("2024-01-05T00:00:00", date(2024, 1, 5)),
    ("2024-01-05T00:00:00-05:00", date(2024, 1, 5)),
    ("2024-01-05T03:00:00Z", date(2024, 1, 4)),      # 22:00 of the day before in Ecuador
    ("05/01/2024 23:59", date(2024, 1, 5)),
])
def test_dates_take_date_times_as_their_day_in_ecuador(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/2024", "2024-02-30 00:00:00", "2024-13-01", "ayer"])
def test_impossible_dates(text):
    with pytest.raises(ValueError, match="not a date"):
        parse_date(text)


UTC = timezone.utc


@pytest.mark.parametrize("value,type_,expected", [
    # What PostgreSQL drivers hand over for NUMERIC, INTEGER, TIMESTAMP and DATE columns.
    (Decimal("345000.5000000000"), "number", Decimal("345000.5")),
    (Decimal("345000.0000"), "number", Decimal("345000")),
    (Decimal("1E+3"), "number", Decimal("1000")),
    (12, "number", Decimal("12")),
    (0.1, "number", Decimal("0.1")),            # through str(): never 0.1000000000000000055…
    (True, "number", True),                     # a boolean is not a number: left for the check to refuse
    (Decimal("240.000"), "integer", 240),
    (Decimal("2.5"), "integer", Decimal("2.5")),  # a fraction stays a Decimal: the integer check refuses it
    (datetime(2024, 3, 5, 14, 30), "datetime", datetime(2024, 3, 5, 14, 30, tzinfo=ECUADOR)),
    (datetime(2024, 3, 5, 19, 30, tzinfo=UTC), "datetime", datetime(2024, 3, 5, 19, 30, tzinfo=UTC)),
    (date(2024, 3, 5), "datetime", datetime(2024, 3, 5, tzinfo=ECUADOR)),
    (datetime(2024, 3, 5, 23, 59), "date", date(2024, 3, 5)),
    (date(2024, 3, 5), "date", date(2024, 3, 5)),
    ("texto", "string", "texto"),
    (Decimal("7"), "string", Decimal("7")),
])
def test_values_typed_by_a_sql_driver(value, type_, expected):
    coerced = coerce_native(value, type_)
    assert coerced == expected
    assert type(coerced) is type(expected)
    if isinstance(expected, Decimal):
        assert str(coerced) == str(expected)   # the written precision, not only the same quantity
    if isinstance(expected, datetime):
        assert coerced.utcoffset() == expected.utcoffset()


def test_every_declared_type_has_its_parser():
    assert PARSERS == {"string": parse_string, "number": parse_number, "integer": parse_integer,
                       "date": parse_date, "datetime": parse_datetime}
    assert parse_string(" tal cual ", ",") == " tal cual "


amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@given(amount=amounts, dialect=st.sampled_from(sorted(DIALECTS)))
def test_number_round_trip_through_each_dialect(amount, dialect):
    written = DIALECTS[dialect].format(amount)
    assert parse_number(written, DIALECTS[dialect].decimal_char) == amount


@given(moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2035, 1, 1)),
       dialect=st.sampled_from(sorted(DIALECTS)))
def test_datetime_round_trip_through_each_dialect(moment, dialect):
    moment = moment.replace(second=0, microsecond=0, tzinfo=ECUADOR)
    assert parse_datetime(DIALECTS[dialect].format(moment)) == moment
