"""The lossless port's tables, dropdowns, columns and sheet views, read back by openpyxl."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.dimensions import ColumnDimension

from custmgr.errors import WorkbookError
from custmgr.workbook.lossless import LosslessWorkbook
from custmgr.workbook.xlsx import XlsxWorkbook

from .ooxml import check_package
from .test_xlsx import tables, validations


def saved(tmp_path: Path, grid: list[list[object]]) -> LosslessWorkbook:
    """A one-sheet workbook (sheet Data) laid out by openpyxl, holding ``grid``, opened with the lossless port."""
    book = XlsxWorkbook.new(tmp_path / "book.xlsx")
    book.add_sheet("Data")
    book.write("Data", grid)  # type: ignore[arg-type]
    book.save()
    return LosslessWorkbook.open(book.path)


def reopened(book: LosslessWorkbook) -> LosslessWorkbook:
    book.save()
    assert check_package(book.path) == []
    book.close()
    return LosslessWorkbook.open(book.path)


def test_table_is_created_resized_and_its_columns_follow_the_header(tmp_path: Path) -> None:
    book = saved(tmp_path, [["Name", "Email"], ["Ann", "a@x"], ["Bob", "b@x"]])
    book.set_table("Data", "Contacts", 3, 2)
    book = reopened(book)
    assert tables(book.path) == {"Contacts": ("A1:B3", ["Name", "Email"])}
    book.write("Data", [["Name", "Email", "Phone"]] + [[f"n{i}", "e", "p"] for i in range(9)])
    book.set_table("Data", "Contacts", 10, 3)
    book = reopened(book)
    assert tables(book.path) == {"Contacts": ("A1:C10", ["Name", "Email", "Phone"])}
    book.write("Data", [["Name", "Mail"], ["Ann", "a"]])
    book.set_table("Data", "contacts", 2, 2)  # table names ignore case, like Excel's
    book = reopened(book)
    assert tables(book.path) == {"Contacts": ("A1:B2", ["Name", "Mail"])}
    table = openpyxl.load_workbook(book.path)["Data"].tables["Contacts"]
    assert table.autoFilter.ref == "A1:B2"
    assert len({c.id for c in table.tableColumns}) == 2


def test_a_table_name_is_unique_and_tables_may_not_overlap(tmp_path: Path) -> None:
    book = saved(tmp_path, [["Name", "Email", "X", "Y"], ["Ann", "a", "b", "c"]])
    book.set_table("Data", "Contacts", 2, 2)
    book.add_sheet("Other")
    book.write("Other", [["Name"], ["Ann"]])
    with pytest.raises(WorkbookError, match="already exists on sheet Data"):
        book.set_table("Other", "CONTACTS", 2, 1)
    book = reopened(book)
    with pytest.raises(WorkbookError, match="overlap"):
        book.set_table("Data", "Second", 2, 3)


def test_a_dropdown_is_replaced_not_duplicated(tmp_path: Path) -> None:
    book = saved(tmp_path, [["Accept Left", "Accept Right"]])
    book.set_dropdown("Data", 1, 2, 10, ["x"])
    book.set_dropdown("Data", 2, 2, 10, ["x"])
    book = reopened(book)
    book.set_dropdown("Data", 1, 2, 50, ["Accept", "Skip"])
    book = reopened(book)
    assert validations(book.path) == [("A2:A50", '"Accept,Skip"', "list"), ("B2:B10", '"x"', "list")]
    before = book.path.read_bytes()
    book.set_dropdown("Data", 1, 2, 50, ["Accept", "Skip"])  # already there: nothing to write
    book = reopened(book)
    assert book.path.read_bytes() == before
    book.set_dropdown("Data", 1, 2, 50, [])
    book = reopened(book)
    assert validations(book.path) == [("B2:B10", '"x"', "list")]


def test_a_validation_spanning_columns_is_split(tmp_path: Path) -> None:
    path = tmp_path / "dv.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    dv = DataValidation(type="whole", operator="greaterThan", formula1="0")
    dv.add("A2:C9")
    wb.active.add_data_validation(dv)
    wb.save(path)
    book = LosslessWorkbook.open(path)
    book.set_dropdown("Data", 2, 2, 9, ["Y", "N"])
    reopened(book)
    assert validations(path) == [("A2:A9 C2:C9", "0", "whole"), ("B2:B9", '"Y,N"', "list")]


def test_column_width_hidden_and_frozen_header(tmp_path: Path) -> None:
    book = saved(tmp_path, [["Row ID", "Name"]])
    book.set_column("Data", 1, width=38, hidden=True)
    book.set_column("Data", 2, width=24)
    book.freeze_header("Data")
    book = reopened(book)
    ws = openpyxl.load_workbook(book.path)["Data"]
    assert ws.column_dimensions["A"].hidden and ws.column_dimensions["A"].width == 38
    assert ws.column_dimensions["B"].width == 24 and not ws.column_dimensions["B"].hidden
    assert ws.freeze_panes == "A2"


def test_a_column_inside_a_loaded_span_is_split_out(tmp_path: Path) -> None:
    path = tmp_path / "cols.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    wb.active.column_dimensions["B"] = ColumnDimension(wb.active, index="B", width=20, min=2, max=5)
    wb.save(path)
    book = LosslessWorkbook.open(path)
    book.set_column("Data", 3, width=40)
    reopened(book)
    ws = openpyxl.load_workbook(path)["Data"]
    spans = sorted((d.min, d.max, d.width) for d in ws.column_dimensions.values() if d.min)
    assert spans == [(2, 2, 20), (3, 3, 40), (4, 5, 20)]


def test_hiding_the_active_sheet_makes_a_visible_one_active(tmp_path: Path) -> None:
    book = saved(tmp_path, [["x"]])
    book.add_sheet("Other")
    book.set_visibility("Data", "veryHidden")
    reopened(book)
    wb = openpyxl.load_workbook(book.path)
    assert wb.active.title == "Other"
    assert wb["Data"].sheet_state == "veryHidden" and not wb["Data"].sheet_view.tabSelected
