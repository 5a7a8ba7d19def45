"""The streaming Excel writer: what goes in comes back out of openpyxl (Excel's rules applied)."""

import io
import zipfile
from datetime import datetime

import openpyxl
import pytest
from hypothesis import given, settings, strategies as st

from ocds_pipeline.publish.xlsx import MAX_CELL_CHARACTERS, XlsxWriter, column_letters


def test_column_letters():
    assert [column_letters(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == \
        ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]


def written(tmp_path, sheets, dated=datetime(2024, 5, 1, 10, 30)):
    book = XlsxWriter(tmp_path / "book.xlsx", dated)
    for name, rows in sheets.items():
        book.sheet(name, rows[0])
        for row in rows[1:]:
            book.add(name, row)
    buffer = io.BytesIO()
    book.save(buffer)
    assert not list(tmp_path.glob(".book.xlsx.sheet*"))  # temporary sheet files removed
    return buffer.getvalue(), book


def test_values_come_back_as_written(tmp_path):
    text = 'A & B <c> "d" \'e\' ñandú\r\nlínea'
    data, book = written(tmp_path, {"uno": [["Texto", "Número", "Entero", "Sí", "Vacío", "RUC"],
                                            [text, 42738.13, 7, True, None, "0990017514001"],
                                            ["con\x01control", -0.5, 10**15, False, "", "x"]],
                                    "dos": [["solo"], [1]]})
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["uno", "dos"]
    sheet = workbook["uno"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Texto", "Número", "Entero", "Sí", "Vacío", "RUC"]
    assert rows[1] == [text, 42738.13, 7, True, None, "0990017514001"]
    assert rows[2] == ["concontrol", -0.5, 10**15, False, None, "x"]
    assert sheet["A1"].font.b and not sheet["A2"].font.b and sheet.freeze_panes == "A2"
    assert [[c.value for c in row] for row in workbook["dos"].iter_rows()] == [["solo"], [1]]
    assert book.cut == 0


def test_the_same_rows_give_the_same_bytes_stamped_with_the_given_date(tmp_path):
    sheets = {"hoja": [["a", "b"], ["x", 1.5]]}
    first, _ = written(tmp_path, sheets)
    second, _ = written(tmp_path, sheets)
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2024, 5, 1, 10, 30, 0)}
        assert b"2024-05-01T10:30:00Z" in archive.read("docProps/core.xml")


def test_text_longer_than_excel_takes_is_cut_and_counted(tmp_path):
    data, book = written(tmp_path, {"hoja": [["largo"], ["x" * (MAX_CELL_CHARACTERS + 5)], ["corto"]]})
    assert book.cut == 1
    assert openpyxl.load_workbook(io.BytesIO(data))["hoja"]["A2"].value == "x" * MAX_CELL_CHARACTERS


@pytest.mark.parametrize("name", ["a" * 32, "uno/dos", "¿qué?", "[x]"])
def test_names_excel_refuses_are_refused(tmp_path, name):
    with pytest.raises(ValueError, match="cannot name an Excel sheet"):
        XlsxWriter(tmp_path / "book.xlsx", datetime(2024, 1, 1)).sheet(name, ["a"])


_ILLEGAL_IN_XML = {chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32)]} | {"\ufffe", "\uffff"}
cell_values = st.one_of(st.none(), st.booleans(), st.integers(-10**15, 10**15),
                        st.floats(allow_nan=False, allow_infinity=False, width=32),
                        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
                        st.sampled_from(["=SUM(A1)", "-5", "a & b < c > d", "x\r\ny", "\x01", "\x00=1", ""]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(cell_values, min_size=1, max_size=6), min_size=1, max_size=5))
def test_any_row_comes_back_as_excel_keeps_it(tmp_path_factory, rows):
    """Whatever the cells, openpyxl reads back each one as Excel keeps it: text without the characters XML cannot
    hold (empty text is an empty cell), a formula's start guarded with an apostrophe, numbers and booleans as they
    are; and the cells of a row stay in their columns."""
    tmp_path = tmp_path_factory.mktemp("book")
    book = XlsxWriter(tmp_path / "book.xlsx", datetime(2024, 1, 1), guarded=("=", "-"))
    width = max(len(row) for row in rows)
    book.sheet("hoja", [f"c{n}" for n in range(width)])
    for row in rows:
        book.add("hoja", row)
    buffer = io.BytesIO()
    book.save(buffer)

    def kept(value):
        if not isinstance(value, str):
            return value
        text = "".join(character for character in value if character not in _ILLEGAL_IN_XML)
        text = "'" + text if text.startswith(("=", "-")) else text
        return text or None

    read = [[cell.value for cell in row] for row in openpyxl.load_workbook(buffer)["hoja"].iter_rows(
        min_row=2, max_row=len(rows) + 1, max_col=width)]
    assert read == [[kept(value) for value in row] + [None] * (width - len(row)) for row in rows]
