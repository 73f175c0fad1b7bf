"""The live port's checks (``check_write``, ``check_table``, ``check_save``): what Excel would refuse in ``save``
is found while nothing is written anywhere, with the sheet, the cells and what to do, at a bounded cost in
calls; and the fake Excel's merged cells behave as Excel's do under the real xlwings."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from custmgr.errors import WorkbookError
from custmgr_excel import ranges

from .conftest import live
from .excel import Excel, xlwings_book
from .excel import Workbook as Book
from .excel.platforms import CommandError, com_error, k

GRID = [["Name", "Phone", "Notes"], ["Ann", "555-0100", "ok"], ["Bob", "555-0101", ""], ["Cy", "555-0102", "x"]]
EXCEL_REFUSED = -2146827284  # 0x800A03EC, the scode of Excel's own refusals (error 1004 in VBA)


@pytest.fixture
def contacts(book: Book) -> Book:
    book.sheets[0].rename("Contacts")
    book.sheet("Contacts").typed(GRID)
    return book


def unchanged(book: Book) -> None:
    assert book.sheet("Contacts").grid() == [[v or None for v in row] for row in GRID]
    assert book.saves == 0 and not book.excel.cell_calls("writes")


# ---------------------------------------------------------------------------------------------- the fake's merged cells


def test_excel_refuses_a_write_over_part_of_merged_cells(contacts: Book) -> None:
    """What the checks stand in front of: Excel's own refusal, as each platform's bridge raises it."""
    xs = xlwings_book(contacts).sheets["Contacts"]
    xs.range("B3:C3").merge()
    assert contacts.sheet("Contacts").merged == [(3, 2, 3, 3)]
    assert contacts.sheet("Contacts").grid()[2] == ["Bob", "555-0101", None]  # merging keeps the first value
    partly = None if contacts.excel.platform == "win" else k.missing_value  # Excel's Null on each bridge
    assert xs.range("A1:C4").merge_cells == partly
    assert xs.range("B3:C3").merge_cells is True and xs.range("A1:A4").merge_cells is False
    assert xs.range("C3").merge_area.address == "$B$3:$C$3"
    with pytest.raises((com_error, CommandError)) as refused:
        xs.range("A3:B3").options("raw").value = [["Bo", "555"]]
    assert "We can't do that to a merged cell." in str(refused.value)
    if contacts.excel.platform == "win":
        assert refused.value.args[2][5] == EXCEL_REFUSED
    with pytest.raises((com_error, CommandError)):
        xs.range("C2:C4").clear_contents()
    xs.range("A1:C4").unmerge()
    xs.range("A3:B3").options("raw").value = [["Bo", "555"]]
    assert contacts.sheet("Contacts").merged == [] and contacts.sheet("Contacts").grid()[2][:2] == ["Bo", 555]


def test_a_save_into_merged_cells_fails_in_excel_and_is_taken_back(contacts: Book) -> None:
    """Without the checks, merged cells are found only by Excel, in save() (after QuickBooks was written)."""
    contacts.sheet("Contacts").merged.append((3, 2, 3, 3))
    port = live(contacts)
    port.write("Contacts", [*GRID[:2], ["Bob", "555-0199", ""], GRID[3]])
    with pytest.raises(WorkbookError, match="Excel stopped while updating"):
        port.save()
    assert contacts.saves == 0


# ---------------------------------------------------------------------------------------------- check_write


def test_check_write_names_merged_cells_anywhere_in_the_written_area(contacts: Book) -> None:
    contacts.sheet("Contacts").merged.append((3, 3, 4, 3))
    port = live(contacts)
    grid = port.read("Contacts")
    with pytest.raises(WorkbookError) as refused:
        port.check_write("Contacts", grid)  # even with nothing to change there: rows move between syncs
    assert str(refused.value).startswith("sheet Contacts, row 3, column C: the cells C3:C4 are merged")
    assert str(refused.value).endswith("Unmerge them (Home > Merge & Center > Unmerge Cells) and click the button "
                                       "again. Nothing was changed.")
    unchanged(contacts)
    port.read("Contacts")  # the check left the port as it was
    contacts.sheet("Contacts").merged.clear()
    live(contacts).check_write("Contacts", grid)


def test_merged_cells_beyond_the_written_area_are_left_alone(contacts: Book) -> None:
    sheet = contacts.sheet("Contacts")
    sheet.merged[:] = [(8, 1, 8, 3), (1, 5, 2, 6)]  # empty, below the table and to the right of every column
    port = live(contacts)
    grid = port.read("Contacts")
    port.check_write("Contacts", grid)
    with pytest.raises(WorkbookError, match=r"row 1, column E: the cells E1:F2 are merged"):
        port.check_write("Contacts", [[*row, "", "more"] for row in grid])  # the write grows into them
    with pytest.raises(WorkbookError, match=r"row 8, column A: the cells A8:C8 are merged"):
        port.check_write("Contacts", grid + [["Dee", "555-0103", ""]] * 5)
    sheet.typed([["a note"]], row=8)  # held by Excel there: a shorter write clears it
    sheet.merged[:] = [(8, 1, 8, 3)]
    port = live(contacts)
    with pytest.raises(WorkbookError, match=r"row 8, column A: the cells A8:C8 are merged"):
        port.check_write("Contacts", GRID)


def test_check_write_refuses_the_values_write_refuses(contacts: Book) -> None:
    port = live(contacts)
    with pytest.raises(WorkbookError, match=r"sheet Contacts, row 3, column C: the Notes value"):
        port.check_write("Contacts", [*GRID[:2], ["Bob", "", "not a character \uffff"]])
    with pytest.raises(WorkbookError, match=r"sheet New, row 1, column A"):
        port.check_write("New", [["\uffff"]])  # a sheet not there yet: its values only, no call
    unchanged(contacts)


def test_check_write_asks_excel_once_per_sheet_when_nothing_is_merged(excel: Excel, tmp_path: Path) -> None:
    calls = {}
    for rows in (100, 5_000):
        book = excel.open(f"b{rows}.xlsx", tmp_path)
        book.sheets[0].typed([[f"r{r}c{c}" for c in range(20)] for r in range(rows)])
        port = live(book)
        grid = port.read("Sheet1")
        excel.calls.clear()
        port.check_write("Sheet1", grid)
        calls[rows] = excel.total_calls
        excel.calls.clear()
        port.check_write("Sheet1", grid[:-1])  # an area already checked: no call
        port.add_sheet("Later")
        port.check_write("Later", grid)  # not in Excel yet: no call
        assert excel.total_calls == 0
    # one question (on Windows, naming the range is a call of its own), whatever the size
    assert calls[100] == calls[5_000] == {"win": 2, "mac": 1}[excel.platform]


def test_finding_the_merged_cells_takes_a_few_calls_per_halving(excel: Excel, tmp_path: Path) -> None:
    book = excel.open("big.xlsx", tmp_path)
    book.sheets[0].typed([[f"r{r}c{c}" for c in range(36)] for r in range(20_000)])
    book.sheets[0].merged[:] = [(17_001, 30, 17_001, 33), (19_000, 2, 19_003, 2)]
    port = live(book)
    grid = port.read("Sheet1")
    excel.calls.clear()
    with pytest.raises(WorkbookError, match=r"row 17001, column AD: the cells AD17001:AG17001 are merged"):
        port.check_write("Sheet1", grid)
    halvings = math.ceil(math.log2(20_000)) + math.ceil(math.log2(36)) + 1
    assert excel.total_calls <= 2 * halvings + 4


@pytest.mark.parametrize(("areas", "first"), [
    ([(1, 1, 1, 1)], None),  # one cell is not merged
    ([(1, 1, 3, 4)], "A1:D3"), ([(3, 4, 3, 5)], "D3:E3"), ([(2, 3, 9, 9)], "C2:I9"),
    ([(4, 1, 4, 2), (2, 4, 2, 4), (2, 6, 3, 6)], "F2:F3"),  # the first row met, then its first column
])
def test_first_merged_finds_the_first_area_row_by_row(book: Book, areas: list[tuple[int, int, int, int]],
                                                      first: str | None) -> None:
    sheet = book.sheets[0]
    for area in areas:
        if area[:2] != area[2:]:
            sheet.merge(*area)
    assert ranges.first_merged(xlwings_book(book).sheets[0], 5, 6) == first


# ---------------------------------------------------------------------------------------------- check_table, check_save


def test_check_table_applies_the_rules_set_table_applies_and_stages_nothing(contacts: Book) -> None:
    contacts.names.append("Clients")
    other = contacts.add_sheet(after=contacts.sheet("Contacts"))
    other.rename("Old")
    other.add_table("People", 1, 1, 2, 1, "")
    port = live(contacts)
    port.check_table("Contacts", "Contacts", 5, ["Name", "Phone", "Notes"])
    port.check_table("Later", "Later", 2, ["When"])  # a sheet the save will add
    for name, header, message in [
        ("Contacts", ["Name", "name", "Notes"], "two columns named"),
        ("Contacts", ["Name", 2024, "Notes"], "must be text"),
        ("Contact s", ["Name"], "cannot be a table name"),
        ("Clients", ["Name"], "is already used as a name in this workbook"),
        ("People", ["Name"], "a table named People already exists on sheet Old"),
    ]:
        with pytest.raises(WorkbookError, match=message) as refused:
            port.check_table("Contacts", name, 3, header)
        assert str(refused.value).startswith("sheet Contacts")
    with pytest.raises(WorkbookError, match="cannot have 0 rows"):
        port.check_table("Contacts", "Contacts", 0, ["Name"])
    port.save()  # nothing was staged by the checks
    assert not contacts.sheet("Contacts").tables and contacts.saves == 1


def test_check_save_refuses_what_save_would(excel: Excel, tmp_path: Path) -> None:
    live(excel.open("fine.xlsx", tmp_path)).check_save()
    with pytest.raises(WorkbookError, match="is open read-only"):
        live(excel.open("shared.xlsx", tmp_path, read_only=True)).check_save()
    with pytest.raises(WorkbookError, match="has never been saved"):
        live(excel.open("Book1")).check_save()
