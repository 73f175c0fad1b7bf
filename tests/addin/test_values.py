"""Cell values between the port and what xlwings hands over, including what the double does not produce:
currency cells read as Decimal on Windows, time zones, the COM array shapes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from custmgr.errors import WorkbookError
from custmgr.workbook.port import Formula
from custmgr_excel.values import as_2d, check_grid, from_excel, rectangle, to_excel


@pytest.mark.parametrize(("value", "formula", "expected"), [
    (12.0, "12", 12),
    (Decimal("12.50"), "12.5", 12.5),
    (Decimal("3"), "3", 3),
    (2.0**60, "1.15292150460685E+18", 2.0**60),
    (dt.datetime(2024, 2, 29, tzinfo=dt.timezone.utc), "2/29/2024", dt.date(2024, 2, 29)),
    (dt.datetime(1899, 12, 30, 8, 30), "8:30:00 AM", dt.time(8, 30)),
    ("=1+2", "=1+2", "=1+2"),
    (3.0, "=1+2", Formula("=1+2")),
    (None, "=1/0", Formula("=1/0")),
    ("", "", None),
    ("=", "=", "="),
])
def test_from_excel(value: object, formula: object, expected: object) -> None:
    got = from_excel(value, formula)
    assert got == expected and type(got) is type(expected)


def test_to_excel_marks_text_and_sends_dates_and_times_as_date_times() -> None:
    assert to_excel("007") == "'007" and to_excel("") is None and to_excel(None) is None
    assert to_excel(Formula("=A1")) == "=A1"
    assert to_excel(dt.date(2024, 2, 29)) == dt.datetime(2024, 2, 29)
    assert to_excel(dt.time(8, 30)) == dt.datetime(1899, 12, 30, 8, 30)


def test_com_arrays_become_rows() -> None:
    assert as_2d("x", 1, 1) == [["x"]]
    assert as_2d((("a", "b"), ("c", "d")), 2, 2) == [["a", "b"], ["c", "d"]]
    with pytest.raises(WorkbookError, match="dialog"):
        as_2d([["a"]], 2, 1)


def test_rectangle_is_what_reading_back_gives() -> None:
    assert rectangle([["a", "", 3.0], [dt.datetime(2024, 1, 1)], [None]]) == [["a", None, 3],
                                                                               [dt.date(2024, 1, 1), None, None]]


def test_check_grid_names_the_column_by_its_header() -> None:
    with pytest.raises(WorkbookError, match=r"sheet S, row 2, column B: the Notes value is inf"):
        check_grid("S", [["Name", "Notes"], ["Ann", float("inf")]])
