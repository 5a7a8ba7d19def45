"""Hostile values through a whole run and publication: codes with `..`, `/` and accents, titles that are
formulas or HTML. Nothing is written outside the run's folders, no CSV cell starts like a formula, no
workbook cell is a formula, and the values themselves are kept in the OCDS data."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile

from click.testing import CliRunner

from ocds_pipeline.cli import main
from ocds_pipeline.publish.spreadsheets import FORMULA_STARTS
from tests.conftest import BAD

HOSTILE = {  # procedure code: title
    "../../../etc/passwd": '=HYPERLINK("https://example.org","clic")',
    "SIE/GADMQ/2024/../00004": "+cmd|' /C calc'!A0",
    "SIE-GADMÑ-2024-00005 ": "<script>alert(1)</script>",
    "C:\\Windows\\system32": "@SUM(1+1)*cmd|' /C calc'!A0",
}


def hostile_source(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(BAD / "base", source)
    template = (BAD / "base" / "procedimientos.csv").read_text(encoding="utf-8").splitlines()[2]
    with open(source / "procedimientos.csv", "a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for code, title in HOSTILE.items():
            row = next(csv.reader([template]))
            row[0], row[3] = code, title
            writer.writerow(row)
    return source


def test_hostile_codes_and_titles_through_a_run_and_its_publication(tmp_path):
    work = tmp_path / "work"
    result = CliRunner().invoke(main, ["--quiet", "run", str(hostile_source(tmp_path)), "--out", str(work / "out"),
                                       "--store", str(work / "store.sqlite"), "--publication", str(work / "pub")])
    assert result.exit_code == 0, result.output
    written = [p for p in tmp_path.rglob("*") if p.is_file() and work not in p.parents and (tmp_path / "source") not in p.parents]
    assert written == []  # nothing beside the run's folders, whatever the codes say
    assert not (tmp_path / "etc").exists() and not list(tmp_path.glob("**/passwd"))

    compiled = [json.loads(line) for line in (work / "out" / "compiled.jsonl").read_text(encoding="utf-8").splitlines()]
    titles = {release["tender"]["id"]: release["tender"]["title"] for release in compiled}
    assert {code.strip(): title for code, title in HOSTILE.items()}.items() <= titles.items()  # kept as they are

    publication = (work / "pub").resolve()
    tables = list(publication.rglob("*.csv"))
    assert tables
    for table in tables:
        with open(table, encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle):
                assert not any(cell.startswith(FORMULA_STARTS) for cell in row), (table.name, row)
    books = list(publication.rglob("*.xlsx"))
    assert books
    for book in books:
        with zipfile.ZipFile(book) as archive:
            for name in archive.namelist():
                if name.startswith("xl/worksheets/"):
                    sheet = archive.read(name).decode("utf-8")
                    assert "<f>" not in sheet and "<f " not in sheet, (book.name, name)
                    assert "<script>" not in sheet  # XML-escaped like any text
    for page in publication.rglob("*.html"):  # the pages hold no data: it comes from scripts, shown as text
        assert "alert(1)" not in page.read_text(encoding="utf-8"), page
    data = []
    for script in (publication / "site" / "data").rglob("*.js"):  # OCDS_SITE.put(<key>, <JSON>): data, never code
        text = script.read_text(encoding="utf-8")
        assert text.startswith("OCDS_SITE.put(") and text.endswith(");\n"), script
        data.append(json.loads("[" + text[len("OCDS_SITE.put("):-len(");\n")] + "]"))
    assert "<script>alert(1)</script>" in json.dumps(data, ensure_ascii=False)  # the title is there, as a JSON string
