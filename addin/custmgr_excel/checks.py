"""Excel's rules for names, columns, dropdowns and values, shared with the file port.

Excel refuses the same things whether the workbook is a closed file or open on screen, so the live port
checks with the file port's own rules (``custmgr.workbook.xlsx``) and gives the same messages. They are
gathered here so that this is the only module that reaches into that one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from openpyxl.utils import get_column_letter

from custmgr.errors import WorkbookError
from custmgr.workbook.port import CellValue, Visibility
from custmgr.workbook.xlsx import (
    MAX_COL,
    MAX_DROPDOWN,
    MAX_ROW,
    TABLE_STYLE,
)
from custmgr.workbook.xlsx import _sheet_name_problem as sheet_name_problem
from custmgr.workbook.xlsx import _table_name_problem as table_name_problem
from custmgr.workbook.xlsx import _value_problem as value_problem

__all__ = ["MAX_COL", "MAX_ROW", "TABLE_STYLE", "check_column", "check_dropdown", "check_visibility",
           "header_problem", "sheet_name_problem", "table_name_problem", "value_problem"]

VISIBILITIES: tuple[Visibility, ...] = ("visible", "hidden", "veryHidden")
_BAD_CHOICE = re.compile('[,;"\x00-\x1f]')  # xlwings refuses ';' too: it separates items in some languages


def check_visibility(visibility: str) -> None:
    if visibility not in VISIBILITIES:
        raise WorkbookError(f"visibility must be one of {', '.join(VISIBILITIES)} (got {visibility!r}).")


def check_column(column: int, sheet: str) -> None:
    if not isinstance(column, int) or isinstance(column, bool) or not 1 <= column <= MAX_COL:
        raise WorkbookError(f"{column!r} is not a column number (1 to {MAX_COL}).", sheet=sheet)


def check_dropdown(sheet: str, column: int, first_row: int, last_row: int, choices: Sequence[str]) -> None:
    """A list dropdown Excel can hold: non-empty choices without commas or quotes, 255 characters in all."""
    check_column(column, sheet)
    letter = get_column_letter(column)
    if not 1 <= first_row <= last_row <= MAX_ROW:
        raise WorkbookError(f"rows {first_row} to {last_row} are not a valid range for a dropdown.",
                            sheet=sheet, field=letter)
    for choice in choices:
        if not isinstance(choice, str) or not choice.strip():
            raise WorkbookError(f"dropdown choice {choice!r} must be non-empty text.", sheet=sheet, field=letter)
        if _BAD_CHOICE.search(choice) or value_problem(choice):
            raise WorkbookError(f"dropdown choice {choice!r} cannot contain a comma, a semicolon, a quote "
                                "or a control character.", sheet=sheet, field=letter)
    joined = ",".join(choices)
    if len(joined) > MAX_DROPDOWN:
        raise WorkbookError(f"the dropdown choices take {len(joined)} characters; Excel allows {MAX_DROPDOWN}. "
                            "Use fewer or shorter choices.", sheet=sheet, field=letter)


def header_problem(header: Sequence[CellValue], n_cols: int, table: str) -> tuple[str, int]:
    """Why the first ``n_cols`` cells cannot head table ``table`` (Excel needs unique text), and the column."""
    seen: dict[str, str] = {}
    for col in range(1, n_cols + 1):
        value = header[col - 1] if col <= len(header) else None
        letter = get_column_letter(col)
        if not isinstance(value, str) or not value.strip():
            shown = "empty" if value is None else f"{value!r}, not text"
            return f"the header of table {table} must be text in every column; this one is {shown}.", col
        key = value.casefold()
        if key in seen:
            return (f"table {table} has two columns named {value!r} ({seen[key]} and {letter}); header names "
                    "must be unique."), col
        seen[key] = letter
    return "", 0
