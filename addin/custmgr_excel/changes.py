"""The live port's staged changes, applied to the workbook open in Excel.

Each change takes a few calls to Excel whatever its size: a sheet's values go in one call, and what lies
outside them is emptied with at most two more. Excel neither redraws nor recalculates until all are in.
"""

from __future__ import annotations

from typing import Any

from custmgr.workbook.port import Grid, Visibility

from .checks import TABLE_STYLE
from .native import Native
from .values import to_excel


class ExcelChanges:
    """Applies staged changes (``("write", sheet, grid)``, ...) to an xlwings ``Book``.

    ``extent`` maps each sheet (casefold) to the rows and columns Excel holds values in, where known; it is
    kept up to date, so a sheet written twice is not measured twice.
    """

    def __init__(self, book: Any, native: Native, extent: dict[str, tuple[int, int]]) -> None:
        self._book = book
        self._native = native
        self._extent = extent

    def apply(self, staged: list[tuple[Any, ...]]) -> None:
        app = self._book.app
        updating, calculation = app.screen_updating, app.calculation
        app.screen_updating = False
        app.calculation = "manual"
        try:
            for op, *args in staged:
                getattr(self, op)(*args)
        finally:
            app.calculation = calculation
            app.screen_updating = updating

    def add(self, name: str, visibility: Visibility) -> None:
        sheets = self._book.sheets
        xs = sheets.add(name=name, after=sheets[len(sheets) - 1])
        if visibility != "visible":
            self._native.set_visibility(xs, visibility)
        self._extent[name.casefold()] = (0, 0)

    def remove(self, name: str) -> None:
        xs = self._book.sheets[name]
        if self._native.visibility(xs) == "veryHidden":
            self._native.set_visibility(xs, "hidden")  # Excel refuses to delete a very hidden sheet
        xs.delete()
        self._extent.pop(name.casefold(), None)

    def visibility(self, name: str, visibility: Visibility) -> None:
        self._native.set_visibility(self._book.sheets[name], visibility)

    def write(self, name: str, grid: Grid) -> None:
        xs = self._book.sheets[name]
        old_rows, old_cols = self._extent.get(name.casefold()) or used_extent(xs)
        rows, cols = len(grid), len(grid[0]) if grid else 0
        if rows and cols:
            xs.range((1, 1), (rows, cols)).value = [[to_excel(v) for v in row] for row in grid]
        if old_rows > rows and old_cols:
            xs.range((rows + 1, 1), (old_rows, max(old_cols, cols, 1))).clear_contents()
        if old_cols > cols and min(rows, old_rows):
            xs.range((1, cols + 1), (min(rows, old_rows), old_cols)).clear_contents()
        self._extent[name.casefold()] = (rows, cols)

    def table(self, sheet: str, name: str, n_rows: int, n_cols: int) -> None:
        xs = self._book.sheets[sheet]
        target = xs.range((1, 1), (n_rows, n_cols))
        table = next((t for t in xs.tables if str(t.name).casefold() == name.casefold()), None)
        if table is None:
            xs.tables.add(source=target, name=name, table_style_name=TABLE_STYLE)
        elif table.range.address != target.address:
            table.resize(target)

    def column(self, sheet: str, column: int, width: float | None, hidden: bool | None) -> None:
        rng = self._book.sheets[sheet].range((1, column))
        if width is not None:
            rng.column_width = width
        if hidden is not None:
            rng.columns.hidden = bool(hidden)

    def dropdown(self, sheet: str, column: int, first: int, last: int, choices: tuple[str, ...]) -> None:
        validation = self._book.sheets[sheet].range((first, column), (last, column)).data_validation
        validation.delete()  # xlwings refuses to replace a rule that differs between the cells
        if choices:
            validation.set_list(list(choices))

    def freeze(self, sheet: str) -> None:
        xs = self._book.sheets[sheet]
        if self._native.visibility(xs) == "visible":  # panes belong to a window: a hidden sheet has none
            self._native.freeze_header(xs)


def used_extent(xs: Any) -> tuple[int, int]:
    """The rows and columns of a sheet's used range, from A1."""
    last = xs.used_range.last_cell
    return int(last.row), int(last.column)
