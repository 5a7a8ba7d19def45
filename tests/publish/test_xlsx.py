"""The streaming Excel writer: what goes in comes back out of openpyxl (Excel's rules applied)."""

import io
import zipfile
from datetime import datetime

import openpyxl
import pytest

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
