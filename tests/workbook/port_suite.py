"""Tests every implementation of the workbook port must pass.

Subclass :class:`PortSuite` in a ``test_*.py`` module and provide the ``make_port`` fixture: a factory that
takes a folder (pytest's ``tmp_path``) and returns a fresh, writable workbook. Override ``reopen`` when the
port lives in a file, so round trips go through the saved file and not only through memory. The suite assumes
nothing about the sheets a fresh workbook already has (a new Excel workbook has one, a new ``.xlsx`` none).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from custmgr.errors import WorkbookError
from custmgr.workbook.port import CellValue, Formula, WorkbookPort

MakePort = Callable[[Path], WorkbookPort]
Reopen = Callable[[WorkbookPort], WorkbookPort]

#: Text that Excel or openpyxl would turn into a formula, a number, a boolean or an error if not kept as text.
TRICKY_TEXT = [
    "=1+2",
    '=HYPERLINK("http://x")',
    "+1 555",
    "-- note",
    "@home",
    "007",
    "02134",
    "1e5",
    "TRUE",
    "#N/A",
    "'quoted",
    " padded ",
    "line one\nline two",
    "Zoë Ångström – 李",
    "😀 emoji",
]

#: Values the port must refuse (with sheet, row and column) instead of crashing or writing a broken file.
REFUSED_TEXT = {
    "U+FFFE": "a\ufffeb",
    "U+FFFF": "a\uffffb",
    "lone surrogate": "a\ud800b",
    "40,000 characters": "x" * 40_000,
}


#: Control characters Excel keeps in a cell (saving them as ``_xHHHH_``), and text that looks like such an escape.
CONTROL_TEXT = {
    "nul": "a\x00b",
    "bell": "555\x070100",
    "vertical tab": "a\x0bb",
    "form feed": "a\x0cb",
    "unit separator": "a\x1fb",
    "escape look-alike": "_x0041_ stays _x0041_",
    "escaped underscore look-alike": "_x005F_x0041_",
}


class PortSuite:
    """The workbook port's contract, as tests. Not collected by itself (the name does not start with Test)."""

    # ------------------------------------------------------------------------------------------ fixtures

    @pytest.fixture
    def make_port(self) -> MakePort:
        raise NotImplementedError("a PortSuite subclass must provide the make_port fixture")

    @pytest.fixture
    def reopen(self) -> Reopen:
        """Save, then return the workbook as it is now read back (the same object for a live workbook)."""

        def _reopen(port: WorkbookPort) -> WorkbookPort:
            port.save()
            return port

        return _reopen

    @pytest.fixture
    def port(self, make_port: MakePort, tmp_path: Path) -> WorkbookPort:
        """A fresh workbook with a visible, empty sheet named Data."""
        port = make_port(tmp_path)
        port.add_sheet("Data")
        return port

    # ------------------------------------------------------------------------------------------ values

    def test_every_value_type_round_trips(self, port: WorkbookPort, reopen: Reopen) -> None:
        row: list[CellValue] = [
            "text",
            42,
            -1.25,
            True,
            False,
            dt.date(2024, 2, 29),
            dt.datetime(2024, 2, 29, 13, 45, 30),
            dt.time(8, 30),
            Formula("=B2*2"),
            None,
            "last",
        ]
        grid = [[f"H{i}" for i in range(len(row))], row]
        port.write("Data", grid)
        assert port.read("Data") == grid
        back = reopen(port).read("Data")
        assert back == grid
        assert [type(v) for v in back[1]] == [type(v) for v in row]

    @pytest.mark.parametrize("text", TRICKY_TEXT)
    def test_text_stays_text(self, port: WorkbookPort, reopen: Reopen, text: str) -> None:
        port.write("Data", [["Value"], [text]])
        assert port.read("Data") == [["Value"], [text]]
        assert reopen(port).read("Data") == [["Value"], [text]]

    def test_text_stays_text_when_a_loaded_cell_is_rewritten(
        self, port: WorkbookPort, reopen: Reopen
    ) -> None:
        port.write("Data", [["A", "B", "C"], ["=1+2", "plain", Formula("=1+2")]])
        port = reopen(port)
        # Same text again, new formula-like text over plain text, and text over a real formula.
        port.write("Data", [["A", "B", "C"], ["=1+2", "=2+3", "=1+2"]])
        assert reopen(port).read("Data") == [["A", "B", "C"], ["=1+2", "=2+3", "=1+2"]]

    def test_a_users_formula_stays_a_formula(self, port: WorkbookPort, reopen: Reopen) -> None:
        port.write("Data", [["Qty", "Price", "Total"], [2, 3.5, Formula("=A2*B2")]])
        port = reopen(port)
        grid = port.read("Data")
        assert grid[1][2] == Formula("=A2*B2")
        grid[1][0] = 4  # the engine changes another cell and writes the grid back
        port.write("Data", grid)
        assert reopen(port).read("Data")[1] == [4, 3.5, Formula("=A2*B2")]

    def test_empty_text_is_an_empty_cell(self, port: WorkbookPort, reopen: Reopen) -> None:
        port.write("Data", [["A", "B"], ["", "x"]])
        assert reopen(port).read("Data") == [["A", "B"], [None, "x"]]

    @pytest.mark.parametrize("bad", list(REFUSED_TEXT.values()), ids=list(REFUSED_TEXT))
    def test_text_excel_cannot_store_is_refused_with_its_place(
        self, port: WorkbookPort, reopen: Reopen, bad: str
    ) -> None:
        before = [["Name", "Notes"], ["Ann", "ok"], ["Bob", "fine"]]
        port.write("Data", before)
        with pytest.raises(WorkbookError) as caught:
            port.write("Data", [["Name", "Notes"], ["Ann", "changed"], ["Bob", bad]])
        err = caught.value
        assert (err.sheet, err.row, err.field) == ("Data", 3, "B")
        assert "sheet Data" in str(err) and "row 3" in str(err) and "column B" in str(err)
        assert port.read("Data") == before  # nothing of the refused grid was written, not even row 2
        assert reopen(port).read("Data") == before

    @pytest.mark.parametrize("text", list(CONTROL_TEXT.values()), ids=list(CONTROL_TEXT))
    def test_control_characters_round_trip_as_excel_keeps_them(
        self, port: WorkbookPort, reopen: Reopen, text: str
    ) -> None:
        port.write("Data", [["Notes"], [text]])
        assert port.read("Data") == [["Notes"], [text]]
        port = reopen(port)
        assert port.read("Data") == [["Notes"], [text]]
        port.write("Data", [["Notes"], [text], ["more"]])  # written back unchanged around a new row
        assert reopen(port).read("Data") == [["Notes"], [text], ["more"]]

    @pytest.mark.parametrize(
        "bad", [float("nan"), float("inf"), object(), b"bytes"], ids=["nan", "inf", "object", "bytes"]
    )
    def test_values_excel_cannot_store_are_refused(self, port: WorkbookPort, bad: object) -> None:
        with pytest.raises(WorkbookError) as caught:
            port.write("Data", [["A"], [bad]])  # type: ignore[list-item]
        assert (caught.value.row, caught.value.field) == (2, "A")

    def test_refused_formula_text(self, port: WorkbookPort) -> None:
        with pytest.raises(WorkbookError):
            port.write("Data", [[Formula("SUM(A1)")]])

    # ------------------------------------------------------------------------------------------ grids

    def test_shrinking_the_grid_clears_the_old_cells(self, port: WorkbookPort, reopen: Reopen) -> None:
        port.write("Data", [[f"r{r}c{c}" for c in range(5)] for r in range(6)])
        port = reopen(port)
        port.write("Data", [["a", "b"], ["c", "d"]])
        assert port.read("Data") == [["a", "b"], ["c", "d"]]
        assert reopen(port).read("Data") == [["a", "b"], ["c", "d"]]

    def test_ragged_rows_are_padded_and_trailing_empties_dropped(self, port: WorkbookPort) -> None:
        port.write("Data", [["a", "b", None], ["c"], [None, None], []])
        assert port.read("Data") == [["a", "b"], ["c", None]]

    def test_writing_nothing_empties_the_sheet(self, port: WorkbookPort, reopen: Reopen) -> None:
        port.write("Data", [["a", "b"], ["c", "d"]])
        port.write("Data", [])
        assert port.read("Data") == []
        assert reopen(port).read("Data") == []

    def test_writing_what_was_read_changes_nothing(self, port: WorkbookPort, reopen: Reopen) -> None:
        grid = [["Name", "Zip", "When", "Total"], ["Ann", "02134", dt.date(2024, 1, 5), Formula("=1+1")]]
        port.write("Data", grid)
        port = reopen(port)
        port.write("Data", port.read("Data"))
        assert reopen(port).read("Data") == grid

    def test_unknown_sheet_is_named_in_the_error(self, port: WorkbookPort) -> None:
        calls = [
            lambda: port.read("Nope"),
            lambda: port.write("Nope", [["x"]]),
            lambda: port.visibility("Nope"),
            lambda: port.set_visibility("Nope", "hidden"),
            lambda: port.remove_sheet("Nope"),
            lambda: port.set_table("Nope", "T", 2, 1),
            lambda: port.set_column("Nope", 1, width=10),
            lambda: port.set_dropdown("Nope", 1, 2, 3, ["a"]),
            lambda: port.freeze_header("Nope"),
        ]
        for call in calls:
            with pytest.raises(WorkbookError, match="Nope"):
                call()

    # ------------------------------------------------------------------------------------------ sheets

    def test_sheets_are_added_at_the_end_and_removed(self, port: WorkbookPort) -> None:
        port.add_sheet("Second")
        port.add_sheet("_state", "veryHidden")
        assert port.sheet_names()[-3:] == ["Data", "Second", "_state"]
        assert port.visibility("_state") == "veryHidden"
        port.remove_sheet("Second")
        assert "Second" not in port.sheet_names()
        assert port.sheet_names()[-2:] == ["Data", "_state"]

    def test_adding_an_existing_sheet_is_refused(self, port: WorkbookPort) -> None:
        with pytest.raises(WorkbookError):
            port.add_sheet("Data")
        with pytest.raises(WorkbookError):
            port.add_sheet("DATA")  # Excel's sheet names ignore case

    @pytest.mark.parametrize("name", ["", "a/b", "what?", "x" * 32, "History"])
    def test_sheet_names_excel_refuses_are_refused(self, port: WorkbookPort, name: str) -> None:
        with pytest.raises(WorkbookError):
            port.add_sheet(name)

    @pytest.mark.parametrize("visibility", ["visible", "hidden", "veryHidden"])
    def test_visibility_survives_saving(self, port: WorkbookPort, reopen: Reopen, visibility: str) -> None:
        port.add_sheet("Other", visibility)  # type: ignore[arg-type]
        port.write("Other", [["kept"]])
        port = reopen(port)
        assert port.visibility("Other") == visibility
        assert port.read("Other") == [["kept"]]

    def test_visibility_changes(self, port: WorkbookPort, reopen: Reopen) -> None:
        port.add_sheet("Other")
        port.set_visibility("Other", "veryHidden")
        port = reopen(port)
        assert port.visibility("Other") == "veryHidden"
        port.set_visibility("Other", "visible")
        assert reopen(port).visibility("Other") == "visible"

    def test_the_last_visible_sheet_cannot_be_hidden_or_removed(self, port: WorkbookPort) -> None:
        for name in port.sheet_names():
            if name != "Data" and port.visibility(name) == "visible":
                port.set_visibility(name, "hidden")
        with pytest.raises(WorkbookError):
            port.set_visibility("Data", "veryHidden")
        with pytest.raises(WorkbookError):
            port.remove_sheet("Data")
        assert port.visibility("Data") == "visible"

    def test_hiding_the_active_sheet_still_saves(self, port: WorkbookPort, reopen: Reopen) -> None:
        port.add_sheet("Other")
        port.set_visibility("Data", "hidden")
        port = reopen(port)
        assert port.visibility("Data") == "hidden"

    # ------------------------------------------------------------------------------------------ tables

    def test_a_table_is_created_and_resized(self, port: WorkbookPort, reopen: Reopen) -> None:
        grid = [["Name", "Email"], ["Ann", "a@x"], ["Bob", "b@x"]]
        port.write("Data", grid)
        port.set_table("Data", "Contacts", 3, 2)
        port = reopen(port)
        grid = [["Name", "Email", "Phone"], ["Ann", "a@x", "1"]]
        port.write("Data", grid)
        port.set_table("Data", "Contacts", 2, 3)
        assert reopen(port).read("Data") == grid

    def test_a_header_only_table_saves(self, port: WorkbookPort, reopen: Reopen) -> None:
        port.write("Data", [["Name", "Email"]])
        port.set_table("Data", "Contacts", 1, 2)
        assert reopen(port).read("Data") == [["Name", "Email"]]

    @pytest.mark.parametrize(
        ("header", "field"),
        [(["Name", None], "B"), (["Name", 3], "B"), (["Name", "name"], "B"), (["", "Email"], "A")],
        ids=["empty", "number", "duplicate", "blank"],
    )
    def test_table_headers_must_be_unique_text(
        self, port: WorkbookPort, header: list[CellValue], field: str
    ) -> None:
        port.write("Data", [header, ["a", "b"]])
        with pytest.raises(WorkbookError) as caught:
            port.set_table("Data", "Contacts", 2, 2)
        assert caught.value.field == field

    @pytest.mark.parametrize("name", ["", "has space", "1st", "A1"])
    def test_table_names_excel_refuses_are_refused(self, port: WorkbookPort, name: str) -> None:
        port.write("Data", [["Name"], ["Ann"]])
        with pytest.raises(WorkbookError):
            port.set_table("Data", name, 2, 1)

    def test_dropdowns_are_set_replaced_and_removed(self, port: WorkbookPort, reopen: Reopen) -> None:
        port.write("Data", [["Accept"], [None]])
        port.set_dropdown("Data", 1, 2, 10, ["Yes", "No"])
        port.set_dropdown("Data", 1, 2, 20, ["Left", "Right"])
        port = reopen(port)
        port.set_dropdown("Data", 1, 2, 20, [])
        assert reopen(port).read("Data") == [["Accept"]]

    @pytest.mark.parametrize(
        "choices", [["x" * 200, "y" * 60], ["a,b"], [""]], ids=["too long", "comma", "empty"]
    )
    def test_dropdowns_excel_cannot_hold_are_refused(self, port: WorkbookPort, choices: list[str]) -> None:
        with pytest.raises(WorkbookError):
            port.set_dropdown("Data", 1, 2, 10, choices)

    def test_columns_and_freezing_leave_values_alone(self, port: WorkbookPort, reopen: Reopen) -> None:
        grid = [["Row ID", "Name"], ["id-1", "Ann"]]
        port.write("Data", grid)
        port.set_column("Data", 1, width=12, hidden=True)
        port.set_column("Data", 2, width=30)
        port.set_column("Data", 1, hidden=False)
        port.freeze_header("Data")
        assert reopen(port).read("Data") == grid
