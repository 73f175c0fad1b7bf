"""The live-workbook port: the port suite through the real xlwings on a fake Excel (Windows and Mac backends),
and what only a workbook open in Excel has: staged changes, whole-range calls, the text marker."""

from __future__ import annotations

from pathlib import Path

import pytest

from custmgr.errors import WorkbookError
from custmgr.workbook.port import Formula, WorkbookPort
from custmgr_excel.live import LiveWorkbook, local_path
from workbook.port_suite import MakePort, PortSuite, Reopen

from .conftest import PLATFORMS, live
from .excel import Excel
from .excel import Workbook as Book
from .excel.cells import Refused


class TestLiveWorkbook(PortSuite):
    """The shared port contract; every round trip reads the fake Excel afresh through a new port."""

    @pytest.fixture
    def books(self) -> dict[int, Book]:
        return {}

    @pytest.fixture(params=PLATFORMS)
    def make_port(self, request: pytest.FixtureRequest, books: dict[int, Book]) -> MakePort:
        def _make(folder: Path) -> WorkbookPort:
            book = Excel(request.param).open("book.xlsx", folder)
            port = live(book)
            books[id(port)] = book
            return port

        return _make

    @pytest.fixture
    def reopen(self, books: dict[int, Book]) -> Reopen:
        def _reopen(port: WorkbookPort) -> WorkbookPort:
            assert isinstance(port, LiveWorkbook)
            port.save()
            again = live(books[id(port)])
            books[id(again)] = books[id(port)]
            return again

        return _reopen


# ---------------------------------------------------------------------------------------------- staging


def test_nothing_reaches_excel_before_save(book: Book) -> None:
    port = live(book)
    port.add_sheet("Data")
    port.write("Data", [["Name", "Zip"], ["Ann", "02134"]])
    port.set_table("Data", "People", 2, 2)
    port.set_dropdown("Data", 1, 2, 10, ["Yes", "No"])
    port.set_column("Data", 2, width=20, hidden=True)
    port.add_sheet("_state", "veryHidden")
    port.remove_sheet("Sheet1")
    assert port.sheet_names() == ["Data", "_state"]
    assert book.sheet_names() == ["Sheet1"] and book.saves == 0
    port.save()
    assert book.sheet_names() == ["Data", "_state"] and book.saves == 1
    data = book.sheet("Data")
    assert data.cells[(2, 2)].value == "02134" and data.cells[(2, 2)].kind == "text"
    assert [t.bounds() for t in data.tables] == [(1, 1, 2, 2)] and 2 in data.hidden_columns
    assert book.sheet("_state").visibility == "veryHidden"


def test_a_refused_value_leaves_excel_alone(book: Book) -> None:
    port = live(book)
    port.write("Sheet1", [["ok"]])
    with pytest.raises(WorkbookError, match=r"sheet Sheet1, row 2, column B"):
        port.write("Sheet1", [["Name", "Notes"], ["Ann", "not a character \uffff"]])
    assert port.read("Sheet1") == [["ok"]]
    port.save()
    assert live(book).read("Sheet1") == [["ok"]]


def test_a_grid_read_is_a_copy(book: Book) -> None:
    port = live(book)
    port.write("Sheet1", [["a", "b"]])
    grid = port.read("Sheet1")
    grid[0][0] = "changed"
    assert port.read("Sheet1") == [["a", "b"]]


# ---------------------------------------------------------------------------------------------- Excel calls


def test_a_sheet_is_read_with_one_call_for_values_and_one_for_formulas(book: Book) -> None:
    calls = []
    for rows in (10, 1000):
        book.sheet("Sheet1").typed([["Name", "Phone", "Total"], *[[f"n{i}", "'555", f"={i}*2"] for i in range(rows)]])
        book.excel.calls.clear()
        grid = live(book).read("Sheet1")
        assert len(grid) == rows + 1 and grid[1] == ["n0", "555", Formula("=0*2")]
        assert book.excel.cell_calls("values") == 1 and book.excel.cell_calls("formulas") == 1
        calls.append(book.excel.total_calls)
    assert calls[0] == calls[1]


def test_only_the_cells_that_change_are_written(book: Book) -> None:
    port = live(book)
    port.write("Sheet1", [["Name", "Zip"], *[[f"n{i}", f"{i:05}"] for i in range(500)]])
    port.save()
    book.excel.calls.clear()
    port = live(book)
    grid = port.read("Sheet1")
    port.write("Sheet1", grid)
    port.save()
    assert book.excel.cell_calls("writes") == 0  # nothing changed, nothing written
    grid[300][1] = "99999"
    grid[10][0] = "Ann"
    port = live(book)
    port.write("Sheet1", grid)
    book.excel.calls.clear()
    port.save()
    assert book.excel.cell_calls("writes") == 1  # one block, rows 11 to 301 of columns A and B
    assert book.sheet("Sheet1").value(301, 2) == "99999" and book.sheet("Sheet1").value(11, 1) == "Ann"


def test_a_write_is_one_call_per_100000_cells(book: Book) -> None:
    calls = {}
    for rows in (10, 2_000, 3_000):  # 36 columns: past 100,000 cells from 2,778 rows
        port = live(book)
        port.read("Sheet1")
        port.write("Sheet1", [[f"H{c}" for c in range(36)], *[[f"{rows}:r{r}c{c}" for c in range(36)]
                                                              for r in range(rows)]])
        book.excel.calls.clear()
        port.save()
        calls[rows] = book.excel.cell_calls("writes")
        assert len(book.sheet("Sheet1").grid()) == rows + 1
    assert calls == {10: 1, 2_000: 1, 3_000: 2}


def test_the_bookkeeper_s_own_formulas_are_never_rewritten(book: Book) -> None:
    book.sheet("Sheet1").typed([["Name", "Phone", "Mine"], ["Ann", "'555", "=SORT(A2:A3)"], ["Bob", "'556", None]])
    port = live(book)
    grid = port.read("Sheet1")
    assert grid[1][2] == Formula("=SORT(A2:A3)")
    grid[1][1], grid[2][1] = "617", "618"  # the sync changes the phones on both sides of the formula's row
    port.write("Sheet1", grid)
    formula_cell = book.sheet("Sheet1").cells[(2, 3)]
    port.save()
    assert book.sheet("Sheet1").cells[(2, 3)] is formula_cell  # the very same cell: not written at all
    assert book.sheet("Sheet1").value(3, 2) == "618"


def test_a_written_formula_goes_in_as_typed(book: Book) -> None:
    port = live(book)
    port.write("Sheet1", [["Total"], [Formula("=SEQUENCE(3)")]])
    book.excel.calls.clear()
    port.save()
    assert book.excel.calls["Range.Formula2=" if book.excel.platform == "win" else "Rng.formula2.set"] == 1
    assert book.sheet("Sheet1").cells[(2, 1)].kind == "formula"


def test_text_is_written_with_the_text_marker_and_formulas_as_formulas(book: Book) -> None:
    port = live(book)
    port.write("Sheet1", [["007", "=1+2", "TRUE", "3/4", Formula("=2*3")]])
    port.save()
    cells = book.sheet("Sheet1").cells
    assert [(cells[(1, c)].kind, cells[(1, c)].prefix) for c in range(1, 5)] == [("text", True)] * 4
    assert cells[(1, 5)].kind == "formula"
    assert live(book).read("Sheet1") == [["007", "=1+2", "TRUE", "3/4", Formula("=2*3")]]


def test_what_a_user_typed_reads_back_as_excel_holds_it(book: Book) -> None:
    book.sheet("Sheet1").typed([[None, None, None], [None, None, None], [None, "'007", "#N/A"], [None, "=1/0", "42"]])
    assert live(book).read("Sheet1") == [[None, None, None], [None, None, None], [None, "007", "#N/A"],
                                          [None, Formula("=1/0"), 42]]


@pytest.mark.parametrize("clicks", [1, 2, 3])
def test_a_sheet_of_many_rows_reads_on_every_click(book: Book, clicks: int) -> None:
    """On a Mac, xlwings' err_to_str read fails on any range of two rows or more (from the second Set Up Sync
    on); the port reads without it."""
    book.sheet("Sheet1").typed([["Name", "Phone"], ["Ann", "'555"], ["Bob", "#N/A"]])
    for _ in range(clicks):
        assert live(book).read("Sheet1") == [["Name", "Phone"], ["Ann", "555"], ["Bob", "#N/A"]]


@pytest.mark.parametrize("reading", ["rows", "flat"])
@pytest.mark.parametrize("width", [1, 11])
def test_a_one_row_sheet_reads_under_either_mac_reading(tmp_path: Path, reading: str, width: int) -> None:
    """Excel for Mac may hand a one-row range back as one flat list (issue: "Excel returned 11 rows for a range
    of 1 rows"); a header-only table must read either way."""
    book = Excel("mac", one_row=reading).open("contacts.xlsx", tmp_path)
    header = [f"H{i}" for i in range(width)]
    book.sheet("Sheet1").typed([header])
    assert live(book).read("Sheet1") == [header]


# ---------------------------------------------------------------------------------------------- saving


def test_a_workbook_never_saved_is_refused_before_anything_changes(excel: Excel) -> None:
    book = excel.open("Book1")
    port = live(book)
    assert port.path is None and port.label == "Book1"
    with pytest.raises(WorkbookError, match=r"Book1 has never been saved.*File > Save As.*Nothing was changed"):
        port.check_can_save()
    port.write("Sheet1", [["x"]])
    with pytest.raises(WorkbookError, match="never been saved"):
        port.save()
    assert book.saves == 0 and book.sheet("Sheet1").grid() == []


def test_a_read_only_workbook_is_refused_before_anything_changes(excel: Excel, tmp_path: Path) -> None:
    book = excel.open("contacts.xlsx", tmp_path, read_only=True)
    with pytest.raises(WorkbookError, match=r"contacts\.xlsx is open read-only.*open it for editing"):
        live(book).check_can_save()


@pytest.mark.parametrize("url", [
    "https://d.docs.live.net/1234abcd/Documents",  # OneDrive, no local folder known
    "https://contoso.sharepoint.com/sites/Books/Shared Documents",  # SharePoint library not synced here
])
def test_a_cloud_workbook_without_a_local_copy_is_refused(excel: Excel, url: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Real xlwings never returns the address: it maps it to a synced folder, or raises (and not always an
    XlwingsError). Any failure means no local file."""
    for variable in ("OneDrive", "OneDriveConsumer", "OneDriveCommercial"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(Path, "home", lambda: tmp_path)
    book = excel.open("contacts.xlsx", url=url)
    port = live(book)
    assert port.path is None
    with pytest.raises(WorkbookError, match=r"kept online.*no copy on this computer.*Sync the library"):
        port.check_can_save()


def test_a_saved_workbook_is_saved_after_the_changes(book: Book, tmp_path: Path) -> None:
    port = live(book)
    assert port.path == tmp_path / "contacts.xlsx"
    port.check_can_save()
    port.write("Sheet1", [["x"]])
    port.save()
    assert book.saves == 1


def test_excel_refusing_to_save_is_a_plain_message(book: Book) -> None:
    book.fail_save = "The disk is full"
    port = live(book)
    port.write("Sheet1", [["x"]])
    with pytest.raises(WorkbookError, match=r"Excel could not save contacts\.xlsx \(.*The disk is full.*\).*Save As"):
        port.save()
    assert live(book).read("Sheet1") == [["x"]]  # the changes are in the open workbook


def test_excel_stopping_part_way_takes_back_what_it_had_done(book: Book, monkeypatch: pytest.MonkeyPatch) -> None:
    book.sheet("Sheet1").typed([["keep me"]])
    port = live(book)
    port.write("Sheet1", [["changed"]])
    port.add_sheet("First")
    port.write("First", [["one"]])
    port.add_sheet("Second")
    port.write("Second", [["two"]])
    real = book.sheets[0].__class__.assign

    def refuse_second(sheet: object, *args: object) -> None:
        if getattr(sheet, "name", "") == "Second":
            raise Refused("Excel is busy")
        real(sheet, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(book.sheets[0].__class__, "assign", refuse_second)
    with pytest.raises(WorkbookError, match=r"Excel stopped while updating contacts\.xlsx \(.*Excel is busy.*\); "
                                            r"what had been changed was taken back"):
        port.save()
    assert book.saves == 0 and book.sheet_names() == ["Sheet1"]
    assert book.sheet("Sheet1").grid() == [["keep me"]]
    assert book.excel.screen_updating and book.excel.calculation == "automatic"
    assert port.sheet_names() == ["Sheet1"]  # read again from Excel


def test_screen_updating_and_calculation_are_restored(book: Book) -> None:
    book.excel.calculation = "semiautomatic"
    port = live(book)
    port.write("Sheet1", [["x"]])
    port.save()
    assert book.excel.screen_updating and book.excel.calculation == "semiautomatic"


# ------------------------------------------------------------------------------ sheets, tables, dropdowns


def test_a_very_hidden_sheet_is_removed(book: Book) -> None:
    port = live(book)
    port.add_sheet("_cm_backup_1", "veryHidden")
    port.save()
    port = live(book)
    assert port.visibility("_cm_backup_1") == "veryHidden"
    port.remove_sheet("_cm_backup_1")
    port.save()
    assert book.sheet_names() == ["Sheet1"]


@pytest.mark.parametrize("separator", [",", ";"])
@pytest.mark.parametrize("reading", ["item", "array"])
def test_windows_dropdowns_use_the_list_separator_under_either_reading(tmp_path: Path, separator: str,
                                                                       reading: str) -> None:
    """pywin32 may read Application.International as its whole 0-based array, where index 5 is "R"
    (xlwings' set_list would make "YesRNo"); the dropdown holds the real separator under both readings."""
    excel = Excel("win", international=reading)
    excel.list_separator = separator
    book = excel.open("contacts.xlsx", tmp_path)
    port = live(book)
    port.set_dropdown("Sheet1", 2, 2, 10, ["Customer", "Vendor"])
    port.save()
    assert book.sheet("Sheet1").rule_at(5, 2).formula1 == f"Customer{separator}Vendor"
    assert book.sheet("Sheet1").choices(5, 2) == ["Customer", "Vendor"]


@pytest.mark.parametrize("reading", ["range", "missing"])
def test_mac_dropdowns_are_replaced_under_either_intersect_reading(tmp_path: Path, reading: str) -> None:
    """Excel for Mac may answer ``missing value`` for the intersection of disjoint ranges, which breaks xlwings'
    rule-type check on the second single-cell dropdown of a sheet; the port never asks it."""
    book = Excel("mac", intersect=reading).open("contacts.xlsx", tmp_path)
    port = live(book)
    port.set_dropdown("Sheet1", 2, 3, 3, ["Yes", "No"])
    port.set_dropdown("Sheet1", 2, 5, 5, ["Left", "Right"])
    port.save()
    port = live(book)
    port.set_dropdown("Sheet1", 2, 5, 5, ["Up", "Down"])
    port.save()
    assert book.sheet("Sheet1").choices(3, 2) == ["Yes", "No"] and book.sheet("Sheet1").choices(5, 2) == ["Up", "Down"]


def test_a_dropdown_over_cells_with_different_rules_replaces_them(book: Book) -> None:
    port = live(book)
    port.set_dropdown("Sheet1", 1, 2, 10, ["Yes", "No"])
    port.save()
    port = live(book)
    port.set_dropdown("Sheet1", 1, 5, 20, ["Left", "Right"])
    port.set_dropdown("Sheet1", 1, 30, 30, [])
    port.save()
    sheet = book.sheet("Sheet1")
    assert sheet.choices(4, 1) == ["Yes", "No"] and sheet.choices(5, 1) == sheet.choices(20, 1) == ["Left", "Right"]
    assert sheet.choices(30, 1) is None


@pytest.mark.parametrize("taken", ["table", "name"])
def test_a_table_name_used_elsewhere_is_refused(book: Book, taken: str) -> None:
    port = live(book)
    port.add_sheet("Other")
    port.write("Other", [["Name"], ["Ann"]])
    port.write("Sheet1", [["Name"], ["Bob"]])
    if taken == "table":
        port.set_table("Other", "People", 2, 1)
        port.save()
        port = live(book)
    else:
        book.names.append("People")
    with pytest.raises(WorkbookError, match=r"(?i)people.*(already used as a name|on sheet Other)"):
        port.set_table("Sheet1", "people", 2, 1)


def test_the_header_row_is_frozen_on_the_window_showing_the_sheet(book: Book) -> None:
    port = live(book)
    port.add_sheet("Contacts")
    port.add_sheet("_hidden", "veryHidden")
    port.freeze_header("Contacts")
    port.freeze_header("_hidden")  # a hidden sheet has no window: nothing to freeze, nothing refused
    port.save()
    assert book.sheet("Contacts").frozen_rows == 1 and book.sheet("_hidden").frozen_rows == 0


def test_local_path_is_a_file_on_this_computer(tmp_path: Path) -> None:
    assert local_path(str(tmp_path / "a.xlsx")) == tmp_path / "a.xlsx"
    assert local_path("Book1") is None
    assert local_path("https://d.docs.live.net/1234/Documents/contacts.xlsx") is None


# ---------------------------------------------------------------------------------------------- changed blocks


def test_changed_blocks_cover_only_what_changed() -> None:
    from custmgr_excel.changes import changed_blocks

    before = [["Name", "Mine", "Phone", "Notes"], ["Ann", "x", "1", None], ["Bob", "y", "2", None]]
    assert changed_blocks(before, [row[:] for row in before]) == []
    after = [["Name", "Mine", "Phone", "Notes"], ["Anne", "x", "1", None], ["Bob", "y", "3", None]]
    assert changed_blocks(before, after) == [(2, 1, 2, 1), (3, 3, 3, 3)]  # never over "Mine"
    after = [["Name", "Mine", "Phone", "Notes"], ["Ann", "x", "9", None], ["Bob", "y", "2", "n"]]
    assert changed_blocks(before, after) == [(2, 3, 3, 4)]  # adjacent columns, one block
    gap = [["Name", None, "Phone"], ["Ann", None, "1"]]
    assert changed_blocks(gap, [["Name", None, "Phone"], ["Anne", None, "2"]]) == [(2, 1, 2, 3)]  # empty gap joins


def test_changed_blocks_step_around_an_unchanged_formula() -> None:
    from custmgr_excel.changes import changed_blocks

    before = [["A"], ["1"], [Formula("=SEQUENCE(2)")], ["3"]]
    after = [["A"], ["one"], [Formula("=SEQUENCE(2)")], ["three"]]
    assert changed_blocks(before, after) == [(2, 1, 2, 1), (4, 1, 4, 1)]
