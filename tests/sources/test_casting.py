from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from ocds_pipeline.generate.writers import DIALECTS
from ocds_pipeline.sources.casting import ECUADOR, parse_date, parse_datetime, parse_integer, parse_number


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
])
def test_numbers_in_both_conventions(text, decimal_char, expected):
    assert parse_number(text, decimal_char) == Decimal(expected)


@pytest.mark.parametrize("text,message", [
    ("12,34,56", "more than one decimal separator"),
    ("12.34,5.6", "misplaced thousands separators"),
    ("0.125,5", "misplaced thousands separators"),
    ("0,125.5", "misplaced thousands separators"),
    ("0.125.000", "more than one decimal separator"),
    ("diez", "not a number"),
    ("", "empty number"),
])
def test_bad_numbers(text, message):
    with pytest.raises(ValueError, match=message):
        parse_number(text)


def test_integer_rejects_fractions():
    assert parse_integer("240") == 240
    with pytest.raises(ValueError, match="not a whole number"):
        parse_integer("2,5")


@pytest.mark.parametrize("text,expected", [
    ("05/03/2024", datetime(2024, 3, 5, tzinfo=ECUADOR)),
    ("5/3/2024 14:30", datetime(2024, 3, 5, 14, 30, tzinfo=ECUADOR)),
    ("2024-03-05 14:30:15", datetime(2024, 3, 5, 14, 30, 15, tzinfo=ECUADOR)),
    ("2024-03-05T19:30:00Z", datetime(2024, 3, 5, 14, 30, tzinfo=ECUADOR)),
])
def test_datetimes(text, expected):
    assert parse_datetime(text) == expected


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
