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

from custmgr.errors import WorkbookError
from custmgr.workbook.lossless import LosslessWorkbook

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

STRICT = [(b"http://schemas.openxmlformats.org/spreadsheetml/2006/main", b"http://purl.oclc.org/ooxml/spreadsheetml/main"),
          (b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
           b"http://purl.oclc.org/ooxml/officeDocument/relationships")]


def strict(path: Path) -> Path:
    """``path`` as Excel saves a Strict Open XML Spreadsheet: the same parts in Strict's namespaces."""
    def edit(name: str, data: bytes) -> bytes:
        for usual, theirs in STRICT:
            data = data.replace(usual, theirs)
        return data
    return rewritten(path, edit)


def test_a_strict_workbook_is_read_but_never_saved(tmp_path: Path) -> None:
    book = strict(xlsxwriter_book(tmp_path / "strict.xlsx"))
    before = book.read_bytes()
    port = LosslessWorkbook.open(book, writable=False)
    assert port.read("Contacts") == [["Name", "Phone"], ["Acme", "555-0100"]]
    with pytest.raises(WorkbookError, match=r"Strict Open XML.*Save As.*Excel Workbook \(\*\.xlsx\).*Nothing was"):
        LosslessWorkbook.open(book)
    with pytest.raises(WorkbookError, match="Strict Open XML"):
        port.writable = True
        port.check_save()
    assert book.read_bytes() == before


def test_a_strict_workbook_is_refused_before_setup_or_sync_change_anything(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from custmgr.cli import main
    from custmgr.company import create_company

    book = strict(xlsxwriter_book(tmp_path / "strict.xlsx"))
    company = tmp_path / "company.qbsandbox"
    create_company(company, name="Strict Co")
    before = book.read_bytes()
    for args in (["setup", str(book), "--connector", "sandbox", "--company", str(company)], ["sync", str(book)]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, result.output
        assert "Strict Open XML" in result.output and "Traceback" not in result.output
    assert book.read_bytes() == before


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
