"""The live-workbook port: the port suite on the xlwings double (Windows and Mac object models), and what
only a workbook open in Excel has: staged changes, whole-range calls, the text marker."""

from __future__ import annotations

from pathlib import Path

import pytest

from custmgr.errors import WorkbookError
from custmgr.workbook.port import Formula, WorkbookPort
from custmgr_excel.live import LiveWorkbook, local_path
from workbook.port_suite import MakePort, PortSuite, Reopen

from .conftest import PLATFORMS, live
from .fake_xlwings import App, Book


class TestLiveWorkbook(PortSuite):
    """The shared port contract; every round trip reads the double afresh through a new port."""

    @pytest.fixture(params=PLATFORMS)
    def make_port(self, request: pytest.FixtureRequest) -> MakePort:
        return lambda folder: live(App(request.param).book("book.xlsx", folder))

    @pytest.fixture
    def reopen(self) -> Reopen:
        def _reopen(port: WorkbookPort) -> WorkbookPort:
            assert isinstance(port, LiveWorkbook)
            port.save()
            return live(port.book)

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
    assert [t.bounds() for t in data._tables] == [(1, 1, 2, 2)] and 2 in data.hidden_columns
    assert book.sheet("_state").state == "veryHidden"


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
        book.app.calls.clear()
        grid = live(book).read("Sheet1")
        assert len(grid) == rows + 1 and grid[1] == ["n0", "555", Formula("=0*2")]
        assert book.app.calls["Range.value"] == 1 and book.app.calls["Range.formula"] == 1
        calls.append(book.app.total_calls)
    assert calls[0] == calls[1]


def test_a_sheet_is_written_with_one_call_whatever_its_size(book: Book) -> None:
    calls = []
    for rows in (10, 1000):
        port = live(book)
        port.read("Sheet1")
        port.write("Sheet1", [["Name", "Zip"], *[[f"n{i}", f"{i:05}"] for i in range(rows)]])
        book.app.calls.clear()
        port.save()
        assert book.app.calls["Range.value="] == 1
        calls.append(book.app.total_calls)
    assert calls[0] == calls[1]


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


# ---------------------------------------------------------------------------------------------- saving


def test_a_workbook_never_saved_is_not_saved_by_the_port(excel: App) -> None:
    book = excel.book("Book1")
    port = live(book)
    assert port.path is None and port.label == "Book1"
    port.write("Sheet1", [["x"]])
    port.save()
    assert book.saves == 0 and not port.saved_to_disk
    assert live(book).read("Sheet1") == [["x"]]


def test_a_saved_workbook_is_saved_after_the_changes(book: Book, tmp_path: Path) -> None:
    port = live(book)
    assert port.path == tmp_path / "contacts.xlsx"
    port.write("Sheet1", [["x"]])
    port.save()
    assert book.saves == 1 and port.saved_to_disk


def test_excel_refusing_to_save_is_a_plain_message(book: Book) -> None:
    book.fail_save = "The file is read-only"
    port = live(book)
    port.write("Sheet1", [["x"]])
    with pytest.raises(WorkbookError, match=r"Excel could not save contacts\.xlsx \(The file is read-only\).*Save As"):
        port.save()
    assert live(book).read("Sheet1") == [["x"]]  # the changes are in the open workbook


def test_excel_stopping_part_way_leaves_the_file_on_disk_alone(book: Book, monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    port = live(book)
    port.add_sheet("First")
    port.write("First", [["one"]])
    port.add_sheet("Second")
    port.write("Second", [["two"]])
    from . import fake_xlwings

    real = fake_xlwings.Range.set_raw

    def refuse_second(rng: fake_xlwings.Range, data: object) -> None:
        if rng.sheet._name == "Second":
            raise fake_xlwings.ComError("Excel is busy")
        real(rng, data)

    monkeypatch.setattr(fake_xlwings.Range, "set_raw", refuse_second)
    with pytest.raises(WorkbookError, match=r"Excel stopped while updating contacts\.xlsx \(Excel is busy\)\. "
                                            r"Close it without saving.*the file on disk is unchanged"):
        port.save()
    assert book.saves == 0
    assert book.app._screen_updating and book.app._calculation == "automatic"
    assert port.sheet_names() == ["Sheet1", "First", "Second"]  # read again from Excel


def test_screen_updating_and_calculation_are_restored(book: Book) -> None:
    book.app._calculation = "semiautomatic"
    port = live(book)
    port.write("Sheet1", [["x"]])
    port.save()
    assert book.app._screen_updating and book.app._calculation == "semiautomatic"


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


def test_dropdowns_use_the_list_separator_of_excel_s_language(tmp_path: Path) -> None:
    book = App("win", list_separator=";").book("contacts.xlsx", tmp_path)
    port = live(book)
    port.set_dropdown("Sheet1", 2, 2, 10, ["Yes", "No"])
    port.save()
    assert book.sheet("Sheet1").validations[(5, 2)] == ("list", "Yes;No")


def test_a_dropdown_over_cells_with_different_rules_replaces_them(book: Book) -> None:
    port = live(book)
    port.set_dropdown("Sheet1", 1, 2, 10, ["Yes", "No"])
    port.save()
    port = live(book)
    port.set_dropdown("Sheet1", 1, 5, 20, ["Left", "Right"])
    port.set_dropdown("Sheet1", 1, 30, 30, [])
    port.save()
    rules = book.sheet("Sheet1").validations
    assert rules[(4, 1)] == ("list", "Yes,No") and rules[(5, 1)] == rules[(20, 1)] == ("list", "Left,Right")


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
        book.defined_names.append("People")
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
