"""Cells of an openpyxl sheet: read as the port's values, and written so that text stays text.

Why the code looks the way it does (hazards measured with openpyxl 3.1.5):

* Every cell assignment goes through :func:`assign`. openpyxl turns any string of two or more characters
  that starts with ``=`` into a formula, and ``'#N/A'`` and friends into error cells, even when re-assigning
  a cell that was loaded as text. ``assign`` stores text as text and sets ``quotePrefix`` where Excel would
  otherwise re-interpret the text when the user edits the cell.
* Values are checked before anything is assigned (``rules.value_problem``): characters openpyxl refuses,
  characters that produce a file it cannot reopen, and text longer than Excel keeps are reported with sheet,
  row and column instead of crashing or being cut silently, and a refused write leaves the sheet as it was.
* :func:`write_cells` compares the new grid with what the sheet holds and assigns only the cells that differ: a
  sync changes a few cells of a large sheet, and untouched cells keep their identity and formatting.
* Text is read as Excel shows it: the ``_xHHHH_`` escapes Excel saves control characters as are decoded, and
  written back the same way (``escapes.py``).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any

from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles.numbers import is_datetime
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import WorkbookError
from . import escapes
from .port import CellValue, Formula, Grid
from .rules import column_letter, value_refusal

# Excel re-reads text starting with these as a formula or number when the cell is edited.
_QUOTE_PREFIXED = ("=", "+", "-", "@")
_MIDNIGHT = _dt.time()


def formula_text(value: Any) -> str:
    """The text of a formula as openpyxl holds it: a str, an ArrayFormula or a DataTableFormula."""
    if isinstance(value, str):
        return value
    if isinstance(value, ArrayFormula):
        return value.text or ""
    if isinstance(value, DataTableFormula):
        return f"=TABLE({value.r1 or ''},{value.r2 or ''})"
    return str(value)


def _cell_value(cell: Cell) -> CellValue:
    """The port's view of a non-empty cell that is not plain text or a number (the slow path of ``read``)."""
    value = cell._value
    dtype = cell.data_type
    if dtype == "f":
        return Formula(formula_text(value))
    if dtype == "b":
        return bool(value)
    if dtype == "d":
        if (
            type(value) is _dt.datetime
            and value.time() == _MIDNIGHT
            and is_datetime(cell.number_format) == "date"
        ):
            return value.date()
        return value
    if dtype == "e":
        return str(value)
    return value


def _same(cell: Cell, new: CellValue) -> bool:
    """Whether ``cell`` already holds ``new``, with the same type (text vs formula vs number)."""
    old = cell._value
    dtype = cell.data_type
    kind = type(new)
    if new is None or (kind is str and new == ""):
        return old is None or old == ""
    if kind is str:
        # An error cell (#N/A) read as text and written back unchanged stays an error cell.
        return (dtype == "s" or dtype == "e") and old == escapes.encode(new)
    if kind is Formula:
        return dtype == "f" and formula_text(old) == new.text  # type: ignore[union-attr]
    if kind is bool:
        return dtype == "b" and old == new
    if kind is int or kind is float:
        return dtype == "n" and type(old) in (int, float) and old == new
    if isinstance(new, (_dt.date, _dt.time, _dt.timedelta)):
        if dtype != "d":
            return False
        if type(new) is _dt.date and type(old) is _dt.datetime:
            return old.time() == _MIDNIGHT and old.date() == new
        return type(old) is type(new) and old == new
    return False


def assign(cell: Cell, value: CellValue) -> None:
    """The one place a cell gets a value. Text stays text; only a ``Formula`` becomes a formula.

    ``value`` must have passed ``rules.value_problem``.
    """
    if type(value) is str:
        if value == "":
            cell.value = None
            return
        # Setting ``_value`` directly skips openpyxl's type guessing (which turns "=..." into a formula and
        # "#N/A" into an error) and its silent truncation; the text was checked by value_problem. Control
        # characters are saved as Excel saves them (_xHHHH_).
        cell._value = escapes.encode(value) if escapes.needs_encoding(value) else value
        cell.data_type = "s"
        if value.startswith(_QUOTE_PREFIXED):
            cell.quotePrefix = True
        return
    if type(value) is Formula:
        cell.value = value.text
        cell.data_type = "f"
    else:
        cell.value = value
    if cell._style is not None and cell._style.quotePrefix:
        cell.quotePrefix = False


def read_cells(ws: Worksheet) -> Grid:
    """The sheet's values from A1 (``XlsxWorkbook.read``): one pass over its cells, a slow path only for the rare
    types."""
    cells = ws._cells
    if not cells:
        return []
    width = max(c for _, c in cells)
    grid: Grid = [[None] * width for _ in range(max(r for r, _ in cells))]
    last_row = last_col = 0
    for (r, c), cell in cells.items():
        value = cell._value
        if value is None:
            continue
        dtype = cell.data_type
        if dtype == "s":
            if value == "":
                continue
            if "_x" in value:
                value = escapes.decode(value)
        elif dtype != "n":
            value = _cell_value(cell)
        grid[r - 1][c - 1] = value
        if r > last_row:
            last_row = r
        if c > last_col:
            last_col = c
    del grid[last_row:]
    if last_col < width:
        for row in grid:
            del row[last_col:]
    return grid


Change = tuple[int, int, "Cell | None", CellValue]


def checked_changes(ws: Worksheet, rows: Sequence[Sequence[CellValue]]) -> tuple[list[Change], list[int]]:
    """The cells ``rows`` would change on ``ws``, and each row's width; raises the WorkbookError a write would."""
    cells = ws._cells
    changes: list[tuple[int, int, Cell | None, CellValue]] = []
    widths: list[int] = []
    for r, row in enumerate(rows, 1):
        widths.append(len(row))
        for c, new in enumerate(row, 1):
            cell = cells.get((r, c))
            if cell is None:
                if new is None or new == "":
                    continue
            elif type(new) is str and cell.data_type == "s" and cell._value == new and "_x" not in new:
                continue  # the common case, kept inline for speed
            elif _same(cell, new):
                continue
            changes.append((r, c, cell, new))

    header = rows[0] if rows else ()
    for r, c, cell, new in changes:
        if isinstance(cell, MergedCell) and new is not None and new != "":
            raise WorkbookError(
                f"the cell {column_letter(c)}{r} is inside merged cells; unmerge them and try again.",
                sheet=ws.title, row=r, field=column_letter(c),
            )
        refused = value_refusal(new, header, r, c, ws.title)
        if refused is not None:
            raise refused
    return changes, widths


def check_merged(ws: Worksheet, rows: Sequence[Sequence[CellValue]], keep_top: int = 0) -> None:
    """Refuse merged cells anywhere in the area a grid covers (or covered before): rows move between syncs, so
    a merged range there would be cut through sooner or later. Excel itself allows none inside a table. The
    ``keep_top`` rows above a list never move (a title): merged cells there may stay."""
    last_row = max(len(rows), ws.max_row if ws._cells else 0)
    last_col = max([len(r) for r in rows] + [0])
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= last_row and rng.min_col <= last_col and rng.max_row > keep_top:
            raise WorkbookError(f"the cells {rng.coord} are merged; unmerge them (Excel: Home > Merge & Center) "
                                "and try again. Nothing was changed.", sheet=ws.title, row=rng.min_row,
                                field=column_letter(rng.min_col))


def write_cells(ws: Worksheet, rows: Sequence[Sequence[CellValue]]) -> int:
    """Make ``ws`` hold exactly ``rows`` (``XlsxWorkbook.write``); returns how many cells were assigned (changed,
    added or cleared)."""
    cells = ws._cells
    changes, widths = checked_changes(ws, rows)
    n_rows = len(widths)
    stale = [
        (key, cell)
        for key, cell in cells.items()
        if (key[0] > n_rows or key[1] > widths[key[0] - 1]) and cell._value is not None
    ]

    for r, c, cell, new in changes:
        if cell is None:
            # What ws.cell() does, without its per-call checks (a first import creates every cell).
            cell = cells[(r, c)] = Cell(ws, row=r, column=c)
        elif isinstance(cell, MergedCell):
            continue
        assign(cell, new)
    if n_rows > ws._current_row:
        ws._current_row = n_rows
    for key, cell in stale:
        if isinstance(cell, MergedCell):
            continue
        assign(cell, None)
        if not cell.has_style and cell._comment is None and cell._hyperlink is None:
            del cells[key]  # keeps the sheet's used range (and the saved file) from growing
    return len(changes) + len(stale)
