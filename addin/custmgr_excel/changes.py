"""The live port's staged changes, applied to the workbook open in Excel.

A sheet's new values are compared with what Excel holds, and only the blocks of cells that changed are
sent, each in one call per 100,000 cells (ranges.py): a no-change sync writes nothing, a sync that changes
one phone writes one cell, an import writes the whole table. A block never covers a column that did not
change and holds anything, nor a formula the sync did not change, so the bookkeeper's own columns and
formulas (and their spills) are left alone. Excel neither redraws nor recalculates until all are in.

If Excel fails part way, what was applied is taken back where it can be: sheets added are deleted,
values written are written back, sheets hidden or shown are put back. Sheets are removed last, so a
failure before then loses none. Tables, widths and dropdowns on sheets that were already there stay as
applied; ``undone`` says whether everything was taken back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from custmgr.workbook.port import CellValue, Formula, Grid, Visibility
from custmgr.workbook.rules import TABLE_STYLE

from . import ranges
from .native import Native
from .values import to_excel

Block = tuple[int, int, int, int]  # first row, first column, last row, last column


class ExcelChanges:
    """Applies staged changes (``("write", sheet, grid)``, ...) to an xlwings ``Book``.

    ``held`` maps each sheet (casefold) to the values Excel holds, where known; it is kept up to date, so a
    sheet written twice is compared with what the first write left.
    """

    def __init__(self, book: Any, native: Native, held: dict[str, Grid]) -> None:
        self._book = book
        self._native = native
        self._held = held
        self._undo: list[Callable[[], None]] = []
        self._added: set[str] = set()
        self._complete = True  # every change applied so far can be taken back
        self._app_api: Any = None
        self._xs: dict[str, Any] = {}  # sheet (casefold) -> xlwings Sheet, looked up once
        self.undone = False

    def apply(self, staged: list[tuple[Any, ...]]) -> None:
        app = self._book.app
        updating, calculation = app.screen_updating, app.calculation
        app.screen_updating = False
        app.calculation = "manual"
        try:
            for op, *args in _removals_last(staged):
                getattr(self, op)(*args)
        except Exception:
            self.undone = self._take_back()
            raise
        finally:
            app.calculation = calculation
            app.screen_updating = updating

    def _take_back(self) -> bool:
        try:
            for undo in reversed(self._undo):
                undo()
        except Exception:
            return False
        return self._complete

    def _sheet(self, name: str) -> Any:
        key = name.casefold()
        if key not in self._xs:
            self._xs[key] = self._book.sheets[name]
        return self._xs[key]

    def _on_existing(self, sheet: str) -> None:
        if sheet.casefold() not in self._added:
            self._complete = False

    # ------------------------------------------------------------------------------------------- sheets

    def add(self, name: str, visibility: Visibility) -> None:
        sheets = self._book.sheets
        xs = sheets.add(name=name, after=sheets[len(sheets) - 1])
        self._xs[name.casefold()] = xs
        self._added.add(name.casefold())
        self._undo.append(lambda: self._delete(name))
        if visibility != "visible":
            self._native.set_visibility(xs, visibility)
        self._held[name.casefold()] = []

    def remove(self, name: str) -> None:
        self._complete = False
        self._delete(name)
        self._held.pop(name.casefold(), None)

    def _delete(self, name: str) -> None:
        xs = self._sheet(name)
        self._xs.pop(name.casefold(), None)
        if self._native.visibility(xs) == "veryHidden":
            self._native.set_visibility(xs, "hidden")  # Excel refuses to delete a very hidden sheet
        xs.delete()

    def visibility(self, name: str, visibility: Visibility) -> None:
        xs = self._sheet(name)
        before = self._native.visibility(xs)
        self._native.set_visibility(xs, visibility)
        self._undo.append(lambda: self._native.set_visibility(self._sheet(name), before))

    # ------------------------------------------------------------------------------------------- values

    def write(self, name: str, grid: Grid) -> None:
        xs = self._sheet(name)
        before = self._held.get(name.casefold())
        if before is None:  # never read: every cell Excel uses is sent, and cannot be taken back
            before = _unknown(xs, self._native)
            self._complete = False
        for block in changed_blocks(before, grid):
            self._put(xs, block, grid)
            self._undo.append(lambda block=block: self._put(self._sheet(name), block, before))
        self._held[name.casefold()] = [list(row) for row in grid]

    def _put(self, xs: Any, block: Block, grid: Grid) -> None:
        """The block's values from ``grid``: one call per 100,000 cells; through Formula2 when it holds a
        formula, so a dynamic array formula spills as typed instead of being read as an implicit
        intersection."""
        r1, c1, r2, c2 = block
        cells = [[_value(grid, r, c) for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]
        if all(v is None for row in cells for v in row):
            ranges.block(xs, r1, c1, r2 - r1 + 1, c2 - c1 + 1).clear_contents()
            return
        formulas = any(type(v) is Formula for row in cells for v in row)
        ranges.write(xs, self._native, r1, c1, [[to_excel(v) for v in row] for row in cells], formulas=formulas)

    # ------------------------------------------------------------------------------------------- formatting

    def text(self, sheet: str, row: int, column: int) -> None:
        cell = self._sheet(sheet).range((row, column))
        before = cell.number_format
        cell.number_format = "@"
        self._undo.append(lambda: setattr(self._sheet(sheet).range((row, column)), "number_format", before))

    def table(self, sheet: str, name: str, n_rows: int, n_cols: int) -> None:
        self._on_existing(sheet)
        xs = self._sheet(sheet)
        target = ranges.at(xs, 1, 1, n_rows, n_cols)
        table = next((t for t in xs.tables if str(t.name).casefold() == name.casefold()), None)
        if table is None:
            xs.tables.add(source=target, name=name, table_style_name=TABLE_STYLE)
        elif table.range.address != target.address:
            table.resize(target)

    def column(self, sheet: str, column: int, width: float | None, hidden: bool | None) -> None:
        self._on_existing(sheet)
        rng = ranges.at(self._sheet(sheet), 1, column)
        if width is not None:
            rng.column_width = width
        if hidden is not None:
            rng.columns.hidden = bool(hidden)

    def dropdown(self, sheet: str, column: int, first: int, last: int, choices: tuple[str, ...]) -> None:
        self._on_existing(sheet)
        if self._app_api is None:
            self._app_api = self._book.app.api
        rng = ranges.at(self._sheet(sheet), first, column, last, column)
        self._native.set_dropdown(self._app_api, rng, choices)

    def freeze(self, sheet: str) -> None:
        xs = self._sheet(sheet)
        if self._native.visibility(xs) == "visible":  # panes belong to a window: a hidden sheet has none
            self._native.freeze_header(xs)


def _removals_last(staged: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Removing a sheet cannot be taken back, so it is done last, unless a later change adds a sheet of the
    same name (then the order matters)."""
    early, late = [], []
    for i, change in enumerate(staged):
        readded = change[0] == "remove" and any(
            c[0] == "add" and c[1].casefold() == change[1].casefold() for c in staged[i + 1:])
        (late if change[0] == "remove" and not readded else early).append(change)
    return early + late


def _unknown(xs: Any, native: Native) -> Grid:
    """A sheet whose values were not read: as many cells as Excel uses, each assumed different."""
    rows, cols = ranges.last_cell(native.used_address(xs))
    return [[_Unknown()] * cols for _ in range(rows)]


class _Unknown:
    def __eq__(self, other: object) -> bool:
        return False

    __hash__ = None  # type: ignore[assignment]


def _at(grid: Grid, r: int, c: int) -> CellValue:
    return grid[r - 1][c - 1] if r <= len(grid) and c <= len(grid[r - 1]) else None


def changed_blocks(before: Grid, after: Grid) -> list[Block]:
    """The blocks of cells to send to turn ``before`` into ``after``: few, and never over an unchanged formula."""
    rows = max(len(before), len(after))
    cols = max((len(row) for row in (*before, *after)), default=0)
    changed = {c: [r for r in range(1, rows + 1) if _at(before, r, c) != _at(after, r, c)]
               for c in range(1, cols + 1)}
    blocks: list[Block] = []
    for run in _runs(before, changed):
        first = min(changed[c][0] for c in run if changed[c])
        last = max(changed[c][-1] for c in run if changed[c])
        block = (first, run[0], last, run[-1])
        if _keeps_formulas(before, after, block):
            blocks.extend(_column_blocks(changed, run))
        else:
            blocks.append(block)
    return blocks


def _runs(before: Grid, changed: dict[int, list[int]]) -> list[list[int]]:
    """Changed columns in runs. An unchanged column between two runs joins them only if it is empty over the
    rows the joined block covers: one that holds anything there may be the bookkeeper's own, with formatting
    inside a cell that a write would lose."""
    runs: list[list[int]] = []
    gap: list[int] = []
    for c, rows in changed.items():
        if not rows:
            if runs:
                gap.append(c)
            continue
        if runs:
            first = min(rows[0], *(changed[x][0] for x in runs[-1] if changed[x]))
            last = max(rows[-1], *(changed[x][-1] for x in runs[-1] if changed[x]))
            if all(_at(before, r, g) is None for g in gap for r in range(first, last + 1)):
                runs[-1].extend(gap)
                runs[-1].append(c)
                gap = []
                continue
        runs.append([c])
        gap = []
    return runs


def _keeps_formulas(before: Grid, after: Grid, block: Block) -> bool:
    r1, c1, r2, c2 = block
    return any(type(_at(before, r, c)) is Formula and _at(before, r, c) == _at(after, r, c)
               for r in range(r1, r2 + 1) for c in range(c1, c2 + 1))


def _column_blocks(changed: dict[int, list[int]], run: list[int]) -> list[Block]:
    """A run around an unchanged formula, as blocks of changed cells only: each column's unbroken stretches."""
    blocks: list[Block] = []
    for c in run:
        segment: list[int] = []
        for r in changed[c]:
            if segment and (r != segment[-1] + 1):
                blocks.append((segment[0], c, segment[-1], c))
                segment = []
            segment.append(r)
        if segment:
            blocks.append((segment[0], c, segment[-1], c))
    return blocks


def _value(grid: Grid, r: int, c: int) -> CellValue:
    value = _at(grid, r, c)
    return None if isinstance(value, _Unknown) else value
