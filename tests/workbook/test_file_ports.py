"""What both file ports (openpyxl's and the lossless one) must do alike beyond the port suite: Excel's
``_xHHHH_`` escapes, and the check-only methods the rehearsal asks before QuickBooks is written."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from custmgr.errors import WorkbookError
from custmgr.workbook.lossless import LosslessWorkbook
from custmgr.workbook.rules import text_problem
from custmgr.workbook.xlsx import XlsxWorkbook

FilePort = XlsxWorkbook | LosslessWorkbook


@pytest.fixture(params=[XlsxWorkbook, LosslessWorkbook], ids=["openpyxl", "lossless"])
def port(request: pytest.FixtureRequest) -> type[FilePort]:
    return request.param


def saved(tmp_path: Path, port: type[FilePort], grid: list[list[object]]) -> FilePort:
    """A one-sheet workbook (sheet Data) written by openpyxl, as Excel would have it, opened by ``port``."""
    path = tmp_path / "book.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    for row in grid:
        wb.active.append(row)
    wb.save(path)
    return port.open(path)


def sheet_text(path: Path) -> str:
    """The first sheet's XML and the shared strings, as saved."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        text = archive.read("xl/worksheets/sheet1.xml").decode()
        if "xl/sharedStrings.xml" in names:
            text += archive.read("xl/sharedStrings.xml").decode()
    return text


# ---------------------------------------------------------------------------------------------- Excel's escapes


def test_excel_escapes_are_decoded_on_read(tmp_path: Path, port: type[FilePort]) -> None:
    """Excel saves a bell typed into a phone as ``555_x0007_0100``; that is what the engine must see decoded."""
    book = saved(tmp_path, port, [["555_x0007_0100"], ["_x005F_x0041_"], ["a_x000D_b"]])  # as Excel saves them
    assert book.read("Data") == [["555\x070100"], ["_x0041_"], ["a\rb"]]
    book.write("Data", book.read("Data"))
    assert book.changed_cells == 0  # what was read is what is there


def test_excel_escapes_in_shared_strings_are_decoded_on_read(tmp_path: Path, port: type[FilePort]) -> None:
    """Excel (and xlsxwriter) keep text in sharedStrings.xml, escaped the same way."""
    path = tmp_path / "shared.xlsx"
    with xlsxwriter.Workbook(path) as wb:
        ws = wb.add_worksheet("Data")
        for row, text in enumerate(["555\x070100", "_x0041_", "a\rb"]):
            ws.write_string(row, 0, text)
    with zipfile.ZipFile(path) as archive:
        assert "555_x0007_0100" in archive.read("xl/sharedStrings.xml").decode()
    book = port.open(path)
    assert book.read("Data") == [["555\x070100"], ["_x0041_"], ["a\rb"]]
    book.write("Data", book.read("Data"))
    assert book.changed_cells == 0


def test_a_carriage_return_round_trips(tmp_path: Path, port: type[FilePort]) -> None:
    """XML reads a bare carriage return back as a line feed; Excel saves it as _x000D_, and so do the ports."""
    book = saved(tmp_path, port, [["Notes"], ["old"]])
    book.write("Data", [["Notes"], ["line one\r\nline two"]])
    book.save()
    again = port.open(book.path)
    assert again.read("Data") == [["Notes"], ["line one\r\nline two"]]
    again.write("Data", [["Notes"], ["line one\r\nline two"]])
    assert again.changed_cells == 0


def test_control_characters_are_saved_as_excel_saves_them(tmp_path: Path, port: type[FilePort]) -> None:
    book = saved(tmp_path, port, [["Phone", "Notes"], ["old", "old"]])
    book.write("Data", [["Phone", "Notes"], ["555\x070100", "_x0041_"]])
    book.save()
    xml = sheet_text(book.path)
    assert "555_x0007_0100" in xml and "_x005F_x0041_" in xml
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", xml)
    assert openpyxl.load_workbook(book.path)["Data"]["A2"].value == "555_x0007_0100"
    assert port.open(book.path).read("Data") == [["Phone", "Notes"], ["555\x070100", "_x0041_"]]


# ---------------------------------------------------------------------------------------------- checks only


def test_check_write_refuses_what_write_would_and_changes_nothing(tmp_path: Path, port: type[FilePort]) -> None:
    book = saved(tmp_path, port, [["Name", "Notes"], ["Ann", "ok"]])
    book.check_write("Data", [["Name", "Notes"], ["Ann", "changed"], ["Bob", "new"]])
    with pytest.raises(WorkbookError, match=r"row 3, column B.*32,767"):
        book.check_write("Data", [["Name", "Notes"], ["Ann", "ok"], ["Bob", "x" * 40_000]])
    book.check_write("Not yet there", [["A"], ["😀" * 16_000]])  # a sheet the save would add
    with pytest.raises(WorkbookError, match="sheet Not yet there, row 2"):
        book.check_write("Not yet there", [["A"], ["😀" * 16_400]])  # 32,800 UTF-16 units
    with pytest.raises(WorkbookError, match=r"sheet Data, row 2, column B: the Notes value"):
        book.check_write("Data", [["Name", "Notes"], ["Ann", "bad \uffff"]])
    assert book.read("Data") == [["Name", "Notes"], ["Ann", "ok"]]
    assert book.sheet_names() == ["Data"]
    book.save()  # nothing was changed by the checks
    assert port.open(book.path).read("Data") == [["Name", "Notes"], ["Ann", "ok"]]


def test_check_write_refuses_merged_cells_anywhere_in_the_grid(tmp_path: Path, port: type[FilePort]) -> None:
    path = tmp_path / "book.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    for row in [["Name", "Notes"], ["Ann", "ok"], ["Bob", "fine"]]:
        wb.active.append(row)
    wb.active.merge_cells("B2:B3")
    wb.save(path)
    book = port.open(path)
    grid = book.read("Data")
    with pytest.raises(WorkbookError, match=r"sheet Data, row 2, column B: the cells B2:B3 are merged; unmerge"):
        book.check_write("Data", grid)  # even with nothing to change in them: rows move between syncs
    book.check_write("Data", [row[:1] for row in grid])  # column B is not part of this grid
    with pytest.raises(WorkbookError, match=r"sheet Data, row 3, column B: the cell B3 is inside merged cells"):
        book.write("Data", [["Name", "Notes"], ["Ann", "ok"], ["Bob", "written"]])


def test_check_table_sees_the_header_about_to_be_written(tmp_path: Path, port: type[FilePort]) -> None:
    book = saved(tmp_path, port, [["Name"], ["Ann"]])
    book.set_table("Data", "People", 2, 1)
    book.check_table("Data", "People", 3, ["Name", "Notes"])
    with pytest.raises(WorkbookError, match="must be text"):
        book.check_table("Data", "People", 3, ["Name", 2024])
    with pytest.raises(WorkbookError, match="two columns named"):
        book.check_table("Data", "People", 3, ["Name", "name"])
    with pytest.raises(WorkbookError, match="cannot be a table name"):
        book.check_table("Data", "Two words", 3, ["Name"])


def test_check_save_refuses_a_read_only_workbook(tmp_path: Path, port: type[FilePort]) -> None:
    path = saved(tmp_path, port, [["Name"]]).path
    with pytest.raises(WorkbookError, match="read-only"):
        port.open(path, writable=False).check_save()
    port.open(path).check_save()


# Text a port must store exactly: anything but the characters Excel cannot hold.
STORABLE_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60
).filter(lambda text: not text_problem(text))


@settings(max_examples=25, deadline=None)
@given(texts=st.lists(STORABLE_TEXT, min_size=1, max_size=20))
def test_any_storable_text_written_by_the_lossless_port_reads_back_alike_in_both(
        tmp_path_factory: pytest.TempPathFactory, texts: list[str]) -> None:
    book = saved(tmp_path_factory.mktemp("text"), LosslessWorkbook, [["Notes"], ["old"]])
    grid = [["Notes"], *([t] for t in texts)]
    book.write("Data", grid)
    book.save()
    assert LosslessWorkbook.open(book.path).read("Data") == grid
    assert XlsxWorkbook.open(book.path).read("Data") == grid
