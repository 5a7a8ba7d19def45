"""Indicators summarised per group: whole rows worked out by hand, groups with nothing in them,
the boundaries of the buyer indicators, rounding, and the table's shape whatever the input."""

import copy
import math

import pandas as pd
import pytest

from ocds_pipeline.indicators import compute, load_registry
from ocds_pipeline.indicators.summary import Indicator
from tests.indicators.test_indicators import D, TIMED, buyer_process, process, timed

N = None  # an empty cell: pandas reads it as NaN

# Processes by year, each year a different situation for the party indicators:
#   2021: only a cancelled tender (no process in any population)
#   2022: one live process whose only award was cancelled (a process, but nothing awarded)
#   2023: t1 (tenderers A, B; S1 wins 100) and u (S5 wins an award without a value)
#   2024: t2 (tenderers A, C; S2 100), t3 (S1 300), t4 (S3 and S4 share 600)
cancelled = process("c", "open", n=1, status="cancelled", year="2021")
not_awarded = process("y0", "open", n=1, awards=(("cancelled", 100),), year="2022")
unvalued = process("u", "open", n=1, awards=(("active", None),), year="2023")
unvalued["awards"][0]["suppliers"] = [{"id": "S5"}]
BY_YEAR = [cancelled, not_awarded, unvalued] + copy.deepcopy(TIMED)

# (year, indicator): numerator, denominator, value, eligible, coverage, not_computable
ROWS = {
    (2021, "PROC"): (0, N, 0, 0, N, 0),
    (2021, "AWARD-V"): (0, N, 0, 0, N, 0),
    (2021, "TEN-MEDIAN"): (N, 0, N, 0, N, 0),
    (2021, "TEN-N"): (0, N, 0, 0, N, 0),
    (2021, "HHI"): (N, 0, N, 0, N, 0),
    (2021, "TOP10"): (0, 0, N, 0, N, 0),
    (2021, "NC-BUYER"): (0, 0, N, 0, N, 0),        # no buyer with a process in the population
    (2021, "SUP-BUYER"): (0, 0, N, 0, N, 0),
    (2022, "PROC"): (1, N, 1, 1, 1.0, 0),
    (2022, "TEN-N"): (0, N, 0, 1, N, 0),           # a process, no tenderer named
    (2022, "SUP-N"): (0, N, 0, 0, N, 0),           # nothing awarded
    (2022, "SUP-NEW"): (0, 0, N, 0, N, 0),
    (2022, "HHI"): (N, 0, N, 0, N, 0),
    (2022, "TOP10"): (0, 0, N, 0, N, 0),
    (2023, "AWARD-V"): (100, N, 100, 2, 0.5, 1),   # u's award has no value
    (2023, "TEN-MEDIAN"): (N, 2, 1.5, 2, 1.0, 0),  # t1 2 tenderers, u 1
    (2023, "TEN-N"): (2, N, 2, 2, N, 0),           # A, B
    (2023, "SUP-N"): (2, N, 2, 2, N, 0),           # S1, S5 (a supplier counts without a value)
    (2023, "SUP-NEW"): (2, 2, 1.0, 2, N, 0),
    (2023, "HHI"): (N, 100, 1.0, 2, N, 1),         # S5's value unknown
    (2023, "TOP10"): (100, 100, 1.0, 2, N, 1),
    (2024, "TEN-N"): (2, N, 2, 3, N, 0),           # A, C (t3, t4 give a count, not ids)
    (2024, "SUP-N"): (4, N, 4, 3, N, 0),           # S1, S2, S3, S4
    (2024, "SUP-NEW"): (3, 4, 0.75, 3, N, 0),      # S1 was first awarded in 2023
    (2024, "HHI"): (N, 1000, 0.28, 3, N, 0),       # 0.3² + 0.1² + 0.3² + 0.3²
    (2024, "TOP10"): (1000, 1000, 1.0, 3, N, 0),
}
COLUMNS = ["numerator", "denominator", "value", "eligible", "coverage", "not_computable"]


def assert_row(row: pd.Series, expected: tuple) -> None:
    for column, want in zip(COLUMNS, expected):
        got = row[column]
        assert (pd.isna(got) if want is None else got == pytest.approx(want)), (column, got, want)


@pytest.fixture
def by_year():
    # Per test, not per module: mutation testing maps each function to the tests that call it.
    return compute(BY_YEAR, by=["year"]).set_index(["year", "indicator"])


@pytest.mark.parametrize("key", sorted(ROWS))
def test_whole_rows_by_year(by_year, key):
    assert_row(by_year.loc[key], ROWS[key])


def test_every_year_has_every_indicator_in_order():
    table = compute(list(reversed(BY_YEAR)), by=["year"])
    codes = [indicator.code for indicator in load_registry()]
    assert table["year"].tolist() == [year for year in (2021, 2022, 2023, 2024) for _ in codes]
    assert table["indicator"].tolist() == codes * 4
    names = {indicator.code: indicator.name_en for indicator in load_registry()}
    assert table["name_en"].tolist() == [names[code] for code in codes] * 4


def test_an_empty_input_still_has_the_columns():
    table = compute([], by=["year"])
    assert table.empty
    assert table.columns.tolist() == ["year", "indicator", "name_en"] + COLUMNS


def test_the_top_ten_are_the_ten_largest():
    releases = [buyer_process(f"p{i}", "B1", "open", f"S{i:02d}", i) for i in range(1, 13)]
    row = compute(releases).set_index("indicator").loc["TOP10"]
    assert_row(row, (sum(range(3, 13)), 78, 75 / 78, 12, N, 0))


def outlier_buyers(shares: dict[str, int]) -> list[dict]:
    """Five awarded processes per buyer, ``direct`` (non-competitive) in as many as its number."""
    return [buyer_process(f"{buyer}-{i}", buyer, "direct" if i < direct else "open", "S1", 100)
            for buyer, direct in shares.items() for i in range(5)]


@pytest.mark.parametrize("direct,flagged", [
    ({"B1": 1, "B2": 1, "B3": 1, "B4": 1, "B5": 1}, 5),  # all 0.2: Q1 = Q3 = fence = 0.2, each is "at or above"
    ({"B1": 0, "B2": 0, "B3": 0, "B4": 0, "B5": 0}, 0),  # a fence of 0 flags no one
    # 0, 0, 0, 0, 1: Q1 = 0, Q3 = 0 + (1/3)·1 = 1/3, fence = 1/3 + 1.5·1/3 = 5/6: B5 only
    ({"B1": 0, "B2": 0, "B3": 0, "B4": 0, "B5": 5}, 1),
])
def test_buyer_outliers_at_the_fence(direct, flagged):
    row = compute(outlier_buyers(direct)).set_index("indicator").loc["NC-BUYER"]
    assert_row(row, (flagged, 5, flagged / 5, 5, 1.0, 0))


def test_largest_supplier_share_counts_only_awarded_value():
    releases = [buyer_process(f"B1-{i}", "B1", "open", "S1" if i < 3 else "S2", 100) for i in range(5)]
    # B1's cancelled tender awarded 1000 to S3 is outside the population: S1 keeps 300 of 500
    lost = buyer_process("B1-x", "B1", "open", "S3", 1000)
    lost["tender"]["status"] = "cancelled"
    releases.append(lost)
    releases += [buyer_process(f"B2-{i}", "B2", "open", "S1", 0.1) for i in range(5)]  # 0.5 in all: share 1.0
    releases += [buyer_process(f"B3-{i}", "B3", "open", "S1", 0) for i in range(5)]    # nothing awarded: no share
    row = compute(releases).set_index("indicator").loc["SUP-BUYER"]
    assert_row(row, (1.6, 2, 0.8, 3, 2 / 3, 1))


def test_a_group_without_an_assessed_buyer():
    releases = [buyer_process(f"B1-{i}", "B1", "direct", "S1", 100) for i in range(5)]
    few = buyer_process("B2-0", "B2", "direct", "S1", 100)
    for release in releases + [few]:
        release["tender"]["tenderPeriod"]["startDate"] = f"2024-03-01{D}"
    few["date"] = few["tender"]["tenderPeriod"]["startDate"] = f"2023-03-01{D}"
    table = compute(releases + [few], by=["year"]).set_index(["year", "indicator"])
    assert_row(table.loc[(2023, "NC-BUYER")], (0, 0, N, 1, 0.0, 1))
    assert_row(table.loc[(2023, "SUP-BUYER")], (0, 0, N, 1, 0.0, 1))
    # one buyer, all direct: Q1 = Q3 = 1.0, so the fence is its own share and it is flagged
    assert_row(table.loc[(2024, "NC-BUYER")], (1, 1, 1.0, 1, 1.0, 0))
    assert_row(table.loc[(2024, "SUP-BUYER")], (1.0, 1, 1.0, 1, 1.0, 0))


def test_a_ratio_over_nothing_has_no_value():
    """CTR-INC with an award of 0: an increase of 50 over 0 is not infinite, it is not computable."""
    free = timed("z", f"2024-01-01{D}", f"2024-01-11{D}", f"2024-01-16{D}", f"2024-01-19{D}", award=0, contract=50)
    # A cancelled process's contract is outside the population, whatever its values.
    gone = timed("y", f"2024-01-01{D}", f"2024-01-11{D}", f"2024-01-16{D}", f"2024-01-19{D}", award=100, contract=300)
    gone["tender"]["status"] = "cancelled"
    assert_row(compute([free, gone]).set_index("indicator").loc["CTR-INC"], (50, 0, N, 1, 1.0, 0))


def test_money_is_rounded_to_cents_and_nothing_else_is():
    releases = [process("m1", "open", n=1, awards=(("active", 1.234),)), process("m2", "open", n=2, awards=(("active", 1),))]
    table = compute(releases).set_index("indicator")
    assert table.loc["AWARD-V", "value"] == 2.23 and table.loc["AWARD-V", "numerator"] == 2.23
    assert table.loc["SB-C-V", "numerator"] == 1.23 and table.loc["SB-C-V", "denominator"] == 2.23
    assert table.loc["SB-C-V", "value"] == 1.234 / 2.234  # a share keeps the unrounded quotient
    exact = Indicator(code="MEAN-V", name_en="Mean awarded value", name_es="Valor medio adjudicado", kind="mean",
                      population="awarded", unit="USD", fields=("awards.value",), source="test", measure="award_value")
    row = compute(releases, registry=[exact]).set_index("indicator").loc["MEAN-V"]
    assert row["numerator"] == 2.234  # not declared money: not rounded


def test_a_custom_registry_is_what_is_computed(tmp_path):
    chosen = [indicator for indicator in load_registry() if indicator.code in ("PROC", "SB-C")]
    table = compute([process("a", "open", n=1)], registry=chosen, processes=tmp_path / "processes.csv")
    assert table["indicator"].tolist() == ["SB-C", "PROC"]  # in the registry's order
    written = pd.read_csv(tmp_path / "processes.csv", encoding="utf-8-sig")
    assert written.columns[0] == "ocid" and written["ocid"].tolist() == ["a"]


def test_the_processes_file_has_cents(tmp_path):
    compute([process("m", "open", n=1, awards=(("active", 1.234),))], processes=tmp_path / "p.csv")
    assert pd.read_csv(tmp_path / "p.csv", encoding="utf-8-sig")["award_value"].tolist() == [1.23]


def test_registry_errors_and_defaults(tmp_path):
    path = tmp_path / "registry.yaml"
    path.write_text("indicators:\n  - {code: X, name_en: x, name_es: x, kind: count, population: processes,"
                    " unit: n, source: test}\n", encoding="utf-8")
    (loaded,) = load_registry(path)
    assert loaded.fields == () and loaded.kind == "count"
    path.write_text("indicators:\n  - {code: Y, name_en: y, name_es: y, kind: count, population: everyone,"
                    " unit: n, source: test, fields: [a, b]}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"^indicator Y: unknown population 'everyone'$"):
        load_registry(path)


def test_every_indicator_is_defined_in_words_in_both_languages():
    for indicator in load_registry():
        assert indicator.definition_es.endswith(".") and indicator.definition_en.endswith("."), indicator.code
        assert indicator.definition_es != indicator.definition_en, indicator.code


def test_every_registered_field_list_is_a_tuple_of_paths():
    for indicator in load_registry():
        assert isinstance(indicator.fields, tuple) and indicator.fields, indicator.code
        assert all(isinstance(field, str) and "." in field or field in ("ocid", "date") for field in indicator.fields)


def test_unknown_groupings_are_named_with_the_choices():
    expected = ("unknown grouping colour, size (choose from year, month, buyer, province, procedure_type, "
                "method, regime, category, market)")
    with pytest.raises(ValueError) as error:
        compute([process("a", "open", n=1)], by=["year", "colour", "size"])
    assert str(error.value) == expected


def test_a_column_of_nothing_but_unknowns_is_not_computable():
    """A facts column whose rows are all None comes as objects; it is read as NaN, not refused."""
    row = compute([process("n", "open", n=1, awards=(("active", None),))]).set_index("indicator").loc["AWARD-V"]
    assert_row(row, (0, N, 0, 1, 0.0, 1))
    assert not math.isnan(row["eligible"])
