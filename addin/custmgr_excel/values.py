"""Cell values between the engine's port and Excel, as xlwings hands them over.

What Excel does with a value decides the rules here:

* Excel has one number type: every number comes back as a float (a Decimal for a currency-formatted cell on
  Windows). A whole number becomes an ``int`` again, as openpyxl reads one from a file, so both ports give the
  engine the same types.
* A date comes back as a ``datetime``. One at midnight is read as a ``date``, and one on Excel's day zero
  (1899-12-30) as a ``time``: the number format that would tell them apart would take one call per cell.
* Text assigned to a cell is parsed as if typed: ``=1+2`` becomes a formula, ``007`` the number 7, ``TRUE`` a
  boolean, ``3-4`` a date, and what counts as a date or a boolean depends on the user's language. So every
  text is written with Excel's text marker, a leading apostrophe (as when typing ``'007``): Excel stores the
  text exactly and shows the apostrophe only in the formula bar.
* A formula is told from text by reading both the values and the formulas of a range: a formula cell's value
  is its result, a text cell's "formula" is the text itself. An error value typed as a constant (``#N/A``)
  reads as an empty value and its text as the formula, so it is read as that text, on both platforms.
* The shape of what comes back differs: a scalar for one cell; on a Mac a one-row range may come back as one
  flat list. Every read is made rows of cells here, whatever the shape.

The checks on values (characters Excel cannot store, text too long, NaN, dates before 1900) are the file
port's own, so both ports refuse the same values with the same messages.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from custmgr.errors import WorkbookError
from custmgr.workbook.port import CellValue, Formula, Grid
from custmgr.workbook.rules import column_letter, value_problem

TEXT_MARKER = "'"
EXCEL_DAY_ZERO = _dt.date(1899, 12, 30)
_MIDNIGHT = _dt.time()
_EXACT_FLOAT = 2.0**53
#: What COM hands over for an error value (xlwings' ``cell_errors``); Excel's numbers always come as floats.
COM_ERRORS = frozenset({-2146826281, -2146826246, -2146826259, -2146826288, -2146826252, -2146826265,
                        -2146826273})
_KNOWN = (str, bool, int, float, Decimal, _dt.datetime, _dt.date, _dt.time)
ERROR_VALUES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})


def to_excel(value: CellValue) -> Any:
    """One port value as the value to assign through xlwings (checked beforehand by :func:`check_grid`)."""
    kind = type(value)
    if kind is str:
        return TEXT_MARKER + value if value else None  # type: ignore[operator]
    if kind is Formula:
        return value.text  # type: ignore[union-attr]
    if kind is _dt.date:
        return _dt.datetime.combine(value, _MIDNIGHT)  # type: ignore[arg-type]
    if kind is _dt.time:
        return _dt.datetime.combine(EXCEL_DAY_ZERO, value)  # type: ignore[arg-type]
    return value


def from_excel(value: Any, formula: Any) -> CellValue:
    """One cell as the port's value, from its value as Excel hands it over (raw) and its formula.

    An empty cell is None on Windows and "" on a Mac; an error value is its COM error code (an int) on
    Windows and ``missing value`` on a Mac: all of these read as no value (or the error's text).
    """
    if isinstance(formula, str) and formula.startswith("=") and len(formula) > 1 and value != formula:
        return Formula(formula)
    if (value is None or value == "" or (type(value) is int and value in COM_ERRORS)
            or not isinstance(value, _KNOWN)):
        return formula if formula in ERROR_VALUES else None
    if isinstance(value, bool | str):
        return value
    if isinstance(value, Decimal):  # pywin32 reads a cell formatted as currency as a Decimal
        value = float(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < _EXACT_FLOAT else value
    if isinstance(value, _dt.datetime):  # pywin32 hands over its own timezone-aware subclass
        value = _dt.datetime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                             value.microsecond)
        if value.date() == EXCEL_DAY_ZERO:
            return value.time()
        return value.date() if value.time() == _MIDNIGHT else value
    return value  # type: ignore[no-any-return]


def grid_from_excel(values: Any, formulas: Any, n_rows: int, n_cols: int) -> Grid:
    """A range read back as a rectangular grid without trailing empty rows and columns."""
    values = as_2d(values, n_rows, n_cols)
    formulas = as_2d(formulas, n_rows, n_cols)
    grid: Grid = [[from_excel(v, f) for v, f in zip(vrow, frow, strict=True)]
                  for vrow, frow in zip(values, formulas, strict=True)]
    return trim(grid)


def as_2d(data: Any, n_rows: int, n_cols: int) -> list[list[Any]]:
    """What xlwings returns for a range (a scalar for one cell, rows of tuples for formulas) as a list of rows."""
    if n_rows == 1 and n_cols == 1 and not isinstance(data, list | tuple):
        return [[data]]
    if n_rows == 1 and isinstance(data, list | tuple) and not any(isinstance(v, list | tuple) for v in data):
        data = [data]  # one row as one flat list (Excel for Mac)
    rows = [list(row) if isinstance(row, list | tuple) else [row] for row in data]
    if len(rows) != n_rows or any(len(row) != n_cols for row in rows):
        raise WorkbookError(f"Excel returned {len(rows)} rows for a range of {n_rows} rows and {n_cols} "
                            "columns; close any dialog box open in Excel and try again.")
    return rows


def trim(grid: Grid) -> Grid:
    """Drop trailing empty rows, then trailing columns empty in every row."""
    while grid and all(v is None for v in grid[-1]):
        grid.pop()
    width = max((i + 1 for row in grid for i, v in enumerate(row) if v is not None), default=0)
    return [row[:width] for row in grid]


def rectangle(rows: Sequence[Sequence[CellValue]]) -> Grid:
    """``rows`` as reading them back from Excel will give them: one width, each value as Excel keeps it,
    trailing empty rows and columns dropped."""
    width = max((len(row) for row in rows), default=0)
    return trim([[stored(v) for v in row] + [None] * (width - len(row)) for row in rows])


def stored(value: CellValue) -> CellValue:
    """What reading ``value`` back gives once Excel holds it (42.0 -> 42, a datetime at midnight -> a date)."""
    kind = type(value)
    if kind is str:
        return value or None
    if value is None or kind is Formula or kind is bool or kind is int:
        return value
    return from_excel(to_excel(value), None)


def check_grid(sheet: str, rows: Sequence[Sequence[CellValue]]) -> None:
    """Refuse, with sheet, row and column, the first value Excel cannot store as given."""
    header = rows[0] if rows else ()
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row, 1):
            if value is None or (type(value) is str and _plain(value)):
                continue
            problem = value_problem(value)
            if problem:
                name = header[c - 1] if c <= len(header) and r > 1 else None
                what = f"the {name} value" if isinstance(name, str) and name else "the value"
                raise WorkbookError(f"{what} {problem}.", sheet=sheet, row=r, field=column_letter(c))


def _plain(text: str) -> bool:
    """Short printable text, the common case, needs no closer look."""
    return len(text) < 1000 and text.isprintable()
