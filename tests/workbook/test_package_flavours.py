"""Packages other writers make differently: without ``styles.xml``, in Strict Open XML, and with a list of sheet
names in ``docProps/app.xml`` that must follow the sheets the sync adds and removes."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from custmgr.workbook.lossless import LosslessWorkbook

from .flavours import to_strict, to_transitional, transitional_leftovers
from .ooxml import check_package


def xlsxwriter_book(path: Path, sheets: tuple[str, ...] = ("Contacts",)) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    for name in sheets:
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, ["Name", "Phone"])
        ws.write_row(1, 0, ["Acme", "555-0100"])
    wb.close()
    return path


def rewritten(path: Path, edit) -> Path:
    """``path`` with every part passed through ``edit(name, data)`` (None drops the part)."""
    with zipfile.ZipFile(path) as z:
        items = [(name, z.read(name)) for name in z.namelist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in items:
            data = edit(name, data)
            if data is not None:
                z.writestr(name, data)
    return path


def part(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read(name)


def names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return z.namelist()


# ------------------------------------------------------------------------------------------- without styles.xml


def without_styles(path: Path) -> Path:
    def edit(name: str, data: bytes) -> bytes | None:
        if name == "xl/styles.xml":
            return None
        if name == "xl/_rels/workbook.xml.rels":
            return re.sub(rb'<Relationship [^>]*Target="styles.xml"/>', b"", data)
        if name == "[Content_Types].xml":
            return re.sub(rb'<Override PartName="/xl/styles.xml"[^>]*/>', b"", data)
        if name.startswith("xl/worksheets/sheet"):
            return re.sub(rb' s="\d+"', b"", data)
        return data
    return rewritten(path, edit)


def test_a_package_without_styles_gets_them_only_when_a_value_needs_a_format(tmp_path: Path) -> None:
    book = without_styles(xlsxwriter_book(tmp_path / "plain.xlsx"))
    assert "xl/styles.xml" not in names(book)
    port = LosslessWorkbook.open(book)
    port.write("Contacts", [["Name", "Phone"], ["Acme", "555-0199"], ["Bell", 5550100]])
    port.save()
    assert "xl/styles.xml" not in names(book)  # plain text and numbers need no format
    assert check_package(book) == []

    port = LosslessWorkbook.open(book)
    grid = [["Name", "Phone", "Since"], ["Acme", "=not a formula", dt.date(2024, 5, 1)]]
    port.write("Contacts", grid)
    port.save()
    assert "xl/styles.xml" in names(book)
    assert b'Target="styles.xml"' in part(book, "xl/_rels/workbook.xml.rels")
    assert b'PartName="/xl/styles.xml"' in part(book, "[Content_Types].xml")
    assert check_package(book) == []
    assert LosslessWorkbook.open(book, writable=False).read("Contacts") == grid
    ws = openpyxl.load_workbook(book)["Contacts"]
    assert ws["C2"].value == dt.datetime(2024, 5, 1) and ws["C2"].is_date
    assert ws["B2"].value == "=not a formula" and ws["B2"].data_type == "s" and ws["B2"].quotePrefix


# -------------------------------------------------------------------------------------------------- Strict OOXML
# A Strict workbook is saved in Strict: see flavours.py for what Excel writes there, test_strict.py for setup,
# syncs and undo on one.

STRICT_REL = "http://purl.oclc.org/ooxml/officeDocument/relationships"
STRICT_MAIN = b'xmlns="http://purl.oclc.org/ooxml/spreadsheetml/main"'


def test_a_strict_workbook_is_read_and_saved_in_strict(tmp_path: Path) -> None:
    book = tmp_path / "strict.xlsx"
    wb = xlsxwriter.Workbook(str(book))
    ws = wb.add_worksheet("Contacts")
    ws.write_row(0, 0, ["Name", "Phone", "Since"])
    ws.write_row(1, 0, ["Acme", "555-0100"])
    ws.write_datetime(1, 2, dt.date(2021, 3, 4), wb.add_format({"num_format": "yyyy-mm-dd"}))  # the user's own
    wb.close()
    to_strict(book)
    assert b't="d"><v>2021-03-04</v>' in part(book, "xl/worksheets/sheet1.xml")
    before = {name: part(book, name) for name in names(book)}
    port = LosslessWorkbook.open(book)
    assert port.read("Contacts") == [["Name", "Phone", "Since"], ["Acme", "555-0100", dt.date(2021, 3, 4)]]
    grid = [["Name", "Phone", "Since", "Seen"], ["Acme", "=not a formula", dt.date(2021, 3, 4), None],
            ["Bell", 5550100, dt.date(2024, 5, 1), dt.datetime(2024, 5, 1, 13, 45, 30)]]
    port.write("Contacts", grid)
    port.set_table("Contacts", "People", 3, 4)
    port.set_dropdown("Contacts", 2, 2, 3, ["Yes", "No"])
    port.freeze_header("Contacts")
    port.add_sheet("_cm_state", "veryHidden")
    port.write("_cm_state", [["Key", "Value"], ["when", dt.datetime(2024, 1, 2, 3, 4, 5)]])
    port.save()

    assert transitional_leftovers(book) == [] and check_package(book) == []
    assert LosslessWorkbook.open(book, writable=False).read("Contacts") == grid
    sheet = part(book, "xl/worksheets/sheet1.xml")
    assert b't="d"><v>2024-05-01</v>' in sheet
    assert b't="d"><v>2024-05-01T13:45:30</v>' in sheet
    assert f'<tablePart xmlns:r="{STRICT_REL}" r:id="rId1"/>'.encode() in sheet
    assert f'Type="{STRICT_REL}/table" Target="../tables/table1.xml"'.encode() in \
        part(book, "xl/worksheets/_rels/sheet1.xml.rels")
    assert part(book, "xl/tables/table1.xml").count(STRICT_MAIN) == 1
    assert f'Type="{STRICT_REL}/worksheet" Target="worksheets/sheet2.xml"'.encode() in \
        part(book, "xl/_rels/workbook.xml.rels")
    assert STRICT_MAIN in part(book, "xl/worksheets/sheet2.xml")
    assert b'conformance="strict"' in part(book, "xl/workbook.xml")
    assert b"<vt:lpstr>_cm_state</vt:lpstr>" in part(book, "docProps/app.xml")  # its Strict relationship is found
    for name in ("xl/sharedStrings.xml", "xl/theme/theme1.xml", "docProps/core.xml", "_rels/.rels"):
        assert part(book, name) == before[name]
    # openpyxl cannot read Strict: it finds no sheet at all (or fails, on files Excel saved). It reads the same
    # values from a transitional copy.
    with pytest.warns(UserWarning):
        assert openpyxl.load_workbook(book).sheetnames == []
    ws = openpyxl.load_workbook(to_transitional(book, tmp_path / "copy.xlsx"))["Contacts"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["Name", "Phone", "Since", "Seen"], ["Acme", "=not a formula", dt.date(2021, 3, 4), None],
        ["Bell", 5550100, dt.date(2024, 5, 1), dt.datetime(2024, 5, 1, 13, 45, 30)]]
    assert ws["B2"].data_type == "s" and ws["B2"].quotePrefix


def test_a_strict_workbook_without_styles_gets_strict_ones(tmp_path: Path) -> None:
    book = without_styles(to_strict(xlsxwriter_book(tmp_path / "plain.xlsx")))
    port = LosslessWorkbook.open(book)
    port.write("Contacts", [["Name", "Since"], ["Acme", dt.date(2024, 5, 1)]])
    port.save()
    styles = part(book, "xl/styles.xml")
    assert STRICT_MAIN in styles and b"<border><start/><end/><top/>" in styles and b"<left" not in styles
    assert f'Type="{STRICT_REL}/styles" Target="styles.xml"'.encode() in part(book, "xl/_rels/workbook.xml.rels")
    assert transitional_leftovers(book) == [] and check_package(book) == []
    assert LosslessWorkbook.open(book, writable=False).read("Contacts") == [["Name", "Since"],
                                                                            ["Acme", dt.date(2024, 5, 1)]]


def test_setup_sync_and_undo_on_a_strict_workbook_from_the_command_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from custmgr.cli import main
    from custmgr.company import create_company

    book = to_strict(xlsxwriter_book(tmp_path / "strict.xlsx"))  # a list of the user's own: setup adopts it
    company = tmp_path / "company.qbsandbox"
    create_company(company, name="Strict Co")
    sheets = []
    for args in (["setup", str(book), "--connector", "sandbox", "--company", str(company)], ["sync", str(book)],
                 ["undo", str(book)]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        assert transitional_leftovers(book) == [] and check_package(book) == []
        port = LosslessWorkbook.open(book, writable=False)
        sheets.append({name: port.visibility(name) for name in port.sheet_names()})
        header = port.read("Contacts")[0]
        port.close()
        assert header[:2] == ["Name", "Phone"] and "Row ID" in header
    laid_out = {"Contacts", "Review", "Sync Log", "Sync Changes", "Settings"}
    assert set(sheets[0]) == laid_out
    assert sheets[1].get("_cm_state") == "veryHidden" and any(n.startswith("_cm_backup") for n in sheets[1])
    assert not any(n.startswith("_cm_backup") for n in sheets[2])  # undo took the backup back


# ------------------------------------------------------------------------------------------- docProps/app.xml


def listed(path: Path) -> tuple[list[tuple[str, int]], list[str]]:
    """The (kind, count) pairs and the titles ``docProps/app.xml`` lists."""
    app = part(path, "docProps/app.xml").decode()
    headings = re.search(r"<HeadingPairs>(.*)</HeadingPairs>", app, re.DOTALL).group(1)
    pairs = list(zip(re.findall(r"<vt:lpstr>(.*?)</vt:lpstr>", headings),
                     [int(n) for n in re.findall(r"<vt:i4>(\d+)</vt:i4>", headings)], strict=True))
    titles_xml = re.search(r"<TitlesOfParts>(.*)</TitlesOfParts>", app, re.DOTALL).group(1)
    titles = re.findall(r"<vt:lpstr>(.*?)</vt:lpstr>", titles_xml)
    assert f'size="{len(titles)}"' in titles_xml
    return pairs, titles


def test_app_properties_list_the_sheets_as_sheets_are_added_and_removed(tmp_path: Path) -> None:
    book = tmp_path / "named.xlsx"
    wb = xlsxwriter.Workbook(str(book))
    for name in ("Contacts", "R&D <notes>"):
        wb.add_worksheet(name).write(0, 0, "x")
    wb.define_name("Contacts!Print_Area", "=Contacts!$A$1:$B$2")
    wb.close()
    assert listed(book) == ([("Worksheets", 2), ("Named Ranges", 1)], ["Contacts", "R&amp;D &lt;notes&gt;",
                                                                       "Contacts!Print_Area"])
    before = part(book, "docProps/app.xml")
    port = LosslessWorkbook.open(book)
    port.add_sheet("_cm_backup_1", "veryHidden")
    port.add_sheet("Fish & Chips")
    port.remove_sheet("R&D <notes>")
    port.save()
    assert listed(book) == ([("Worksheets", 3), ("Named Ranges", 1)],
                            ["Contacts", "_cm_backup_1", "Fish &amp; Chips", "Contacts!Print_Area"])
    app = part(book, "docProps/app.xml")
    outside = re.compile(rb"<HeadingPairs>.*</TitlesOfParts>", re.DOTALL)
    assert outside.sub(b"", app) == outside.sub(b"", before)  # the rest of the part as it was
    assert check_package(book) == []

    port = LosslessWorkbook.open(book)
    port.write("Contacts", [["y"]])  # the sheets stay as they are: the part is copied
    port.save()
    assert part(book, "docProps/app.xml") == app


def test_app_properties_listing_other_sheets_under_another_heading_are_left_alone(tmp_path: Path) -> None:
    book = xlsxwriter_book(tmp_path / "odd.xlsx", ("Contacts", "Notes"))

    def edit(name: str, data: bytes) -> bytes:  # a kind this cannot tell, listing other names
        if name != "docProps/app.xml":
            return data
        return data.replace(b"<vt:lpstr>Notes</vt:lpstr>", b"<vt:lpstr>Something else</vt:lpstr>") \
            .replace(b"<vt:lpstr>Worksheets</vt:lpstr>", b"<vt:lpstr>Arbeitsbl\xc3\xa4tter</vt:lpstr>")

    rewritten(book, edit)
    before = part(book, "docProps/app.xml")
    port = LosslessWorkbook.open(book)
    port.add_sheet("More")
    port.save()
    assert part(book, "docProps/app.xml") == before


def test_app_properties_under_a_heading_of_another_language_follow_the_sheets(tmp_path: Path) -> None:
    book = rewritten(xlsxwriter_book(tmp_path / "de.xlsx", ("Kontakte", "Notizen")), lambda name, data: data.replace(
        b"<vt:lpstr>Worksheets</vt:lpstr>", "<vt:lpstr>Arbeitsbl\u00e4tter</vt:lpstr>".encode()))
    port = LosslessWorkbook.open(book)
    port.remove_sheet("Notizen")
    port.save()
    pairs, titles = listed(book)
    assert pairs == [("Arbeitsbl\u00e4tter", 1)] and titles == ["Kontakte"]
