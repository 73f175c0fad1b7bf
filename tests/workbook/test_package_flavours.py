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
    from custmgr_sandbox.store import create_company

    book = strict(xlsxwriter_book(tmp_path / "strict.xlsx"))
    company = tmp_path / "company.qbsandbox"
    create_company(company, name="Strict Co")
    before = book.read_bytes()
    for args in (["setup", str(book), "--connector", "sandbox", "--company", str(company)], ["sync", str(book)]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, result.output
        assert "Strict Open XML" in result.output and "Traceback" not in result.output
    assert book.read_bytes() == before
