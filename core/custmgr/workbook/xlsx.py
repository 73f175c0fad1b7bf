"""The workbook port on a closed ``.xlsx``/``.xlsm`` file, through openpyxl.

Why the code looks the way it does (hazards measured with openpyxl 3.1.5, see DESIGN.md §4):

* Every cell assignment goes through :func:`_assign`. openpyxl turns any string of two or more characters
  that starts with ``=`` into a formula, and ``'#N/A'`` and friends into error cells, even when re-assigning
  a cell that was loaded as text. ``_assign`` stores text as text and sets ``quotePrefix`` where Excel would
  otherwise re-interpret the text when the user edits the cell.
* Values are checked before anything is assigned: characters openpyxl refuses, characters that produce a
  file it cannot reopen, and text longer than Excel keeps are reported with sheet, row and column instead of
  crashing or being cut silently, and a refused ``write`` leaves the sheet as it was.
* ``write`` compares the new grid with what the sheet holds and assigns only the cells that differ: a sync
  changes a few cells of a large sheet, and untouched cells keep their identity and formatting.
* ``save`` writes a temporary file beside the workbook, fsyncs it and renames it over the original, so a
  crash or a full disk leaves the old file whole; it refuses to write while Excel or LibreOffice holds it, or
  when the file is no longer the version it read (another program saved it meanwhile). The file rules live in
  ``disk.py``, shared with any other file port.
* Text is read as Excel shows it: the ``_xHHHH_`` escapes Excel saves control characters as are decoded, and
  written back the same way (``escapes.py``).
* ``check_write``, ``check_table`` and ``check_save`` raise what ``write``, ``set_table`` and ``save`` would,
  without changing anything: a sync asks them before it writes to QuickBooks.
* Python's garbage collector is paused while openpyxl loads and saves, and while a sheet is read or
  written: these allocate millions of small objects that are never garbage, and each full collection would
  rescan them all (~15% of a load+save; a third of a 100,000-row first write).
"""

from __future__ import annotations

import datetime as _dt
import io
import os
import warnings
import zipfile
from collections.abc import Sequence
from copy import copy
from pathlib import Path
from typing import Any

from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.cell.text import Text
from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader
from openpyxl.styles.numbers import is_datetime
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.dimensions import ColumnDimension
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from ..errors import WorkbookError
from . import escapes
from .disk import (
    Fingerprint,
    atomic_replace,
    check_file,
    check_not_busy,
    check_unchanged,
    lock_files,
    read_with_fingerprint,
)
from .port import CellValue, Formula, Grid, Visibility, WorkbookPort
from .rules import (
    MAX_COL,
    MAX_ROW,
    TABLE_STYLE,
    check_column,
    check_dropdown,
    check_visibility,
    column_letter,
    header_names,
    sheet_name_problem,
    table_name_problem,
    value_problem,
)
from .speed import gc_paused

__all__ = ["XlsxWorkbook", "check_not_busy", "lock_files"]  # the lock-file checks live in .disk

# Excel re-reads text starting with these as a formula or number when the cell is edited.
_QUOTE_PREFIXED = ("=", "+", "-", "@")
_MIDNIGHT = _dt.time()


class _Reader(ExcelReader):
    """openpyxl's loader, but shared strings are kept exactly as in the file.

    openpyxl drops every ``x005F_`` from shared strings (half of Excel's escape for a literal ``_xHHHH_``), so a
    literal ``_x0041_`` typed in Excel would read as ``A`` once the escapes are decoded (``escapes.py``); inline
    strings it leaves alone. Decoding is ours, the same for both.
    """

    def read_strings(self) -> None:
        ct = self.package.find(SHARED_STRINGS)
        if ct is None:
            return
        tag = f"{{{SHEET_MAIN_NS}}}si"
        strings: list[str] = []
        with self.archive.open(ct.PartName[1:]) as src:
            for _, node in iterparse(src):
                if node.tag == tag:
                    strings.append(Text.from_tree(node).content)
                    node.clear()
        self.shared_strings = strings


# --------------------------------------------------------------------------------------------- values


def _formula_text(value: Any) -> str:
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
        return Formula(_formula_text(value))
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
        return dtype == "f" and _formula_text(old) == new.text  # type: ignore[union-attr]
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


def _assign(cell: Cell, value: CellValue) -> None:
    """The one place a cell gets a value. Text stays text; only a ``Formula`` becomes a formula.

    ``value`` must have passed :func:`_value_problem`.
    """
    if type(value) is str:
        if value == "":
            cell.value = None
            return
        # Setting ``_value`` directly skips openpyxl's type guessing (which turns "=..." into a formula and
        # "#N/A" into an error) and its silent truncation; the text was checked by _value_problem. Control
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


def _read_cells(ws: Worksheet) -> Grid:
    """:meth:`XlsxWorkbook.read`: one pass over the sheet's cells, a slow path only for the rare types."""
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


def _checked_changes(ws: Worksheet, rows: Sequence[Sequence[CellValue]]) -> tuple[list[Change], list[int]]:
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
        problem = value_problem(new)
        if problem:
            name = header[c - 1] if c <= len(header) and r > 1 else None
            what = f"the {name} value" if isinstance(name, str) and name else "the value"
            raise WorkbookError(f"{what} {problem}.", sheet=ws.title, row=r, field=column_letter(c))
    return changes, widths


def _check_merged(ws: Worksheet, rows: Sequence[Sequence[CellValue]], keep_top: int = 0) -> None:
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


def _write_cells(ws: Worksheet, rows: Sequence[Sequence[CellValue]]) -> int:
    """:meth:`XlsxWorkbook.write`; returns how many cells were assigned (changed, added or cleared)."""
    cells = ws._cells
    changes, widths = _checked_changes(ws, rows)
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
        _assign(cell, new)
    if n_rows > ws._current_row:
        ws._current_row = n_rows
    for key, cell in stale:
        if isinstance(cell, MergedCell):
            continue
        _assign(cell, None)
        if not cell.has_style and cell._comment is None and cell._hyperlink is None:
            del cells[key]  # keeps the sheet's used range (and the saved file) from growing
    return len(changes) + len(stale)


# --------------------------------------------------------------------------------------------- the port


class XlsxWorkbook(WorkbookPort):
    """A workbook file, loaded whole into memory with openpyxl and written back atomically by :meth:`save`.

    Make one with :meth:`open` or :meth:`new`. Rows and columns are 1-based, as in Excel.
    """

    def __init__(self, book: Workbook, path: Path, *, writable: bool, is_new: bool = False) -> None:
        self._book = book
        self.path = path
        self.label = path.name
        self.writable = writable
        self._is_new = is_new
        #: Cells assigned by the last :meth:`write` (changed, added or cleared).
        self.changed_cells = 0
        #: What openpyxl said while loading: content it does not support and will drop when saving.
        self.warnings: list[str] = []
        self._touched: set[str] = set()  # sheets whose table headers must be re-checked before saving
        #: The version of the file this workbook was read from (None: a new file); a save must replace exactly it.
        self.loaded: Fingerprint | None = None

    # ----------------------------------------------------------------------------------------- constructors

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, writable: bool = True) -> XlsxWorkbook:
        """Load ``path``. If ``writable``, refuse up front when it is open elsewhere or read-only."""
        path = Path(path)
        check_file(path)
        suffix = path.suffix.lower()
        if writable:
            check_not_busy(path)
        try:
            data, loaded = read_with_fingerprint(path)
        except OSError as exc:
            raise WorkbookError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
        try:
            with warnings.catch_warnings(record=True) as caught, gc_paused():
                warnings.simplefilter("always")
                reader = _Reader(io.BytesIO(data), keep_vba=suffix == ".xlsm", data_only=False, rich_text=False)
                reader.read()
                book = reader.wb
        except Exception as exc:  # openpyxl raises many kinds of errors on damaged parts
            raise WorkbookError(
                f"{path.name} cannot be read as an Excel workbook ({type(exc).__name__}: {exc}). It may be "
                "damaged: open it in Excel and save it again, or restore a backup copy."
            ) from exc
        _close_vba_archive(book)
        workbook = cls(book, path, writable=writable)
        workbook.loaded = loaded
        workbook.warnings = [str(w.message) for w in caught]
        return workbook

    @classmethod
    def new(cls, path: str | os.PathLike[str]) -> XlsxWorkbook:
        """An empty workbook (no sheets yet) that :meth:`save` writes to ``path``; never overwrites a file."""
        path = Path(path)
        if path.suffix.lower() != ".xlsx":
            raise WorkbookError(f"{path.name}: a new workbook must be an .xlsx file.")
        if os.path.lexists(path):
            raise WorkbookError(f"{path} already exists. Choose another name, or open the existing workbook.")
        if not path.parent.is_dir():
            raise WorkbookError(f"The folder {path.parent} does not exist. Create it or choose another.")
        book = Workbook()
        book.remove(book.active)
        return cls(book, path, writable=True, is_new=True)

    def __repr__(self) -> str:
        return f"XlsxWorkbook({str(self.path)!r}, writable={self.writable})"

    # ----------------------------------------------------------------------------------------- sheets

    def _find(self, sheet: str) -> Any:
        """The sheet named ``sheet`` (Excel's names ignore case), or None."""
        book = self._book
        if sheet in book.sheetnames:
            return book[sheet]
        folded = sheet.casefold()
        for ws in book._sheets:
            if ws.title.casefold() == folded:
                return ws
        return None

    def _sheet(self, sheet: str) -> Any:
        ws = self._find(sheet)
        if ws is None:
            raise WorkbookError(f"there is no such sheet in {self.label}.", sheet=sheet)
        return ws

    def _worksheet(self, sheet: str) -> Worksheet:
        ws = self._sheet(sheet)
        if not isinstance(ws, Worksheet):
            raise WorkbookError("this is a chart sheet, not a sheet of cells.", sheet=sheet)
        return ws

    def sheet_names(self) -> list[str]:
        return list(self._book.sheetnames)

    def visibility(self, sheet: str) -> Visibility:
        return self._sheet(sheet).sheet_state  # type: ignore[no-any-return]

    def add_sheet(self, sheet: str, visibility: Visibility = "visible") -> None:
        check_visibility(visibility)
        problem = sheet_name_problem(sheet)
        if problem:
            raise WorkbookError(f"{sheet!r} cannot be a sheet name: {problem}.", sheet=sheet)
        if self._find(sheet) is not None:
            raise WorkbookError(f"{self.label} already has a sheet named {sheet!r}.", sheet=sheet)
        ws = self._book.create_sheet(title=sheet)
        ws.sheet_state = visibility
        if visibility != "visible":
            ws.sheet_view.tabSelected = False

    def remove_sheet(self, sheet: str) -> None:
        ws = self._sheet(sheet)
        if ws.sheet_state == "visible" and not self._other_visible(ws):
            raise WorkbookError("this is the only visible sheet; Excel needs at least one.", sheet=sheet)
        active = self._book.active
        self._book.remove(ws)
        self._touched.discard(ws.title)
        if active is not ws and active in self._book._sheets:
            self._book.active = self._book._sheets.index(active)
        else:
            self._fix_active()

    def set_visibility(self, sheet: str, visibility: Visibility) -> None:
        check_visibility(visibility)
        ws = self._sheet(sheet)
        if visibility != "visible" and ws.sheet_state == "visible" and not self._other_visible(ws):
            raise WorkbookError("this is the only visible sheet; Excel needs at least one.", sheet=sheet)
        ws.sheet_state = visibility
        self._fix_active()

    def _other_visible(self, ws: object) -> bool:
        return any(other is not ws and other.sheet_state == "visible" for other in self._book._sheets)

    def _fix_active(self) -> None:
        """Make a visible sheet the active one and the only selected tab.

        openpyxl refuses to save with a hidden active sheet, and Excel opens a workbook whose several tabs are
        selected with those sheets grouped, where a typed value lands on every sheet of the group.
        """
        sheets = self._book._sheets
        visible = [i for i, ws in enumerate(sheets) if ws.sheet_state == "visible"]
        if not visible:
            return
        active = self._book.active
        if active is None or active.sheet_state != "visible":
            self._book.active = visible[0]
            active = sheets[visible[0]]
        for ws in sheets:
            if ws is not active and ws.sheet_view.tabSelected:
                ws.sheet_view.tabSelected = False
        active.sheet_view.tabSelected = True
        for view in self._book.views:  # the first tab shown in the tab bar
            if view.firstSheet is not None and not (
                0 <= view.firstSheet < len(sheets) and sheets[view.firstSheet].sheet_state == "visible"
            ):
                view.firstSheet = visible[0]

    # ----------------------------------------------------------------------------------------- cells

    def read(self, sheet: str) -> Grid:
        """All values from A1, rectangular, without trailing empty rows/columns (one pass over the cells)."""
        ws = self._worksheet(sheet)
        with gc_paused():  # building 100,000 row lists would otherwise trigger full collections
            return _read_cells(ws)

    def write(self, sheet: str, rows: Sequence[Sequence[CellValue]]) -> None:
        """Make ``sheet`` hold exactly ``rows`` from A1, assigning only the cells whose value or type changes.

        All values are checked before any cell is assigned: on a WorkbookError the sheet is unchanged. ``''``
        is stored as an empty cell (Excel does not keep empty text). Text is kept as given, control
        characters and carriage returns included (saved as Excel saves them, ``_x000D_``).
        """
        ws = self._worksheet(sheet)
        with gc_paused():  # a first import creates millions of cells; collections would rescan them all
            self.changed_cells = _write_cells(ws, rows)
        self._touched.add(ws.title)

    # ----------------------------------------------------------------------------------------- tables

    def set_table(self, sheet: str, name: str, n_rows: int, n_cols: int) -> None:
        """Create or resize table ``name`` over A1:(n_rows, n_cols). Write the header row first.

        A header-only table (``n_rows == 1``) covers one empty data row too: Excel cannot open a table
        without one.
        """
        ws = self._worksheet(sheet)
        table, ref, names = self._table_target(ws, name, n_rows, n_cols)
        if table is None:
            table = Table(
                displayName=name,
                ref=ref,
                autoFilter=AutoFilter(ref=ref),
                tableStyleInfo=TableStyleInfo(name=TABLE_STYLE, showRowStripes=True, showColumnStripes=False,
                                              showFirstColumn=False, showLastColumn=False),
            )
            ws.add_table(table)
        elif table.ref != ref:
            table.ref = ref
            if table.autoFilter is None:
                table.autoFilter = AutoFilter(ref=ref)
            else:
                table.autoFilter.ref = ref
                table.autoFilter.filterColumn = [
                    f for f in table.autoFilter.filterColumn if f.colId is not None and f.colId < n_cols
                ]
            table.sortState = None  # its ranges refer to the old size; it only records the last sort
        if not table.headerRowCount:
            table.headerRowCount = 1
        _set_table_columns(table, names)
        self._touched.add(ws.title)

    def _table_target(self, ws: Worksheet, name: str, n_rows: int, n_cols: int,
                      header: Sequence[CellValue] | None = None) -> tuple[Table | None, str, list[str]]:
        """Check a table ``name`` over A1:(n_rows, n_cols) can be made: the existing table of that name (or None),
        its range and its column names (from ``header``, or the sheet's first row)."""
        if not 1 <= n_rows <= MAX_ROW or not 1 <= n_cols <= MAX_COL:
            raise WorkbookError(f"table {name} cannot have {n_rows} rows and {n_cols} columns.",
                                sheet=ws.title)
        problem = table_name_problem(name)
        if problem:
            raise WorkbookError(f"{name!r} cannot be a table name: {problem}.", sheet=ws.title)
        names = _header_names(ws, 1, 1, n_cols, name, header)
        ref = f"A1:{column_letter(n_cols)}{max(n_rows, 2)}"
        table, home = None, None
        for other in self._book.worksheets:
            for existing in other.tables.values():
                if existing.displayName.casefold() == name.casefold():
                    table, home = existing, other
        if table is not None and home is not ws:
            raise WorkbookError(f"a table named {table.displayName} already exists on sheet {home.title}.",
                                sheet=ws.title)
        if table is None and self._book._duplicate_name(name):
            raise WorkbookError(f"{name!r} is already used as a name in this workbook.", sheet=ws.title)
        wanted = CellRange(ref)
        for other in ws.tables.values():
            if other is not table and not wanted.isdisjoint(CellRange(other.ref)):
                raise WorkbookError(f"table {name} would overlap table {other.displayName} ({other.ref}). "
                                    "Move that table away from this one and try again.", sheet=ws.title)
        return table, ref, names

    def _sync_table_headers(self) -> None:
        """Before saving, give every table on a written sheet column names equal to its header cells.

        Excel requires them to match exactly and "repairs" (drops) the table otherwise.
        """
        for ws in self._book.worksheets:
            if ws.title not in self._touched:
                continue
            for table in ws.tables.values():
                if table.headerRowCount == 0:
                    continue
                min_col, min_row, max_col, _ = CellRange(table.ref).bounds
                names = _header_names(ws, min_row, min_col, max_col, table.displayName)
                _set_table_columns(table, names)

    # ----------------------------------------------------------------------------------------- formatting

    def set_column(
        self, sheet: str, column: int, *, width: float | None = None, hidden: bool | None = None
    ) -> None:
        ws = self._worksheet(sheet)
        check_column(column, ws.title)
        if width is not None and not 0 <= width <= 255:
            raise WorkbookError(f"a column width must be between 0 and 255 (got {width}).",
                                sheet=ws.title, field=column_letter(column))
        if width is None and hidden is None:
            return
        dim = _column_dimension(ws, column)
        if width is not None:
            dim.width = float(width)
        if hidden is not None:
            dim.hidden = bool(hidden)

    def set_dropdown(
        self, sheet: str, column: int, first_row: int, last_row: int, choices: Sequence[str]
    ) -> None:
        """Put a list dropdown on the column's cells, replacing any validation on those cells."""
        ws = self._worksheet(sheet)
        joined = check_dropdown(ws.title, column, first_row, last_row, choices)
        letter = column_letter(column)
        _remove_column_validations(ws, column, first_row, last_row)
        if choices:
            dv = DataValidation(type="list", formula1=f'"{joined}"', allow_blank=True,
                                showErrorMessage=True, showInputMessage=True)
            dv.add(f"{letter}{first_row}:{letter}{last_row}")
            ws.add_data_validation(dv)

    def freeze_header(self, sheet: str) -> None:
        self._worksheet(sheet).freeze_panes = "A2"

    # ----------------------------------------------------------------------------------------- saving

    def check_save(self) -> None:
        """Raise the error :meth:`save` would raise before writing anything: read-only, no visible sheet, open in
        Excel or LibreOffice, or saved by another program since it was read."""
        self._check_saveable()
        if self.loaded is not None:
            check_unchanged(self.path, self.loaded)
        elif self._is_new and os.path.lexists(os.path.realpath(self.path)):
            raise WorkbookError(f"{self.path} was created by someone else meanwhile; nothing was saved. "
                                "Choose another name.")

    def _check_saveable(self) -> None:
        if not self.writable:
            raise WorkbookError(f"{self.label} was opened read-only; it cannot be saved.")
        book = self._book
        if not book._sheets:
            raise WorkbookError(f"{self.label} has no sheets; add one before saving.")
        if not any(ws.sheet_state == "visible" for ws in book._sheets):
            raise WorkbookError(f"{self.label} has no visible sheet; Excel needs at least one.")
        check_not_busy(self.path)

    def save(self) -> None:
        """Write the workbook to :attr:`path` atomically (temp file, fsync, rename): on any failure the old
        file stays whole. Refuses if the file was opened in Excel/LibreOffice meanwhile, or saved by another
        program since it was read (that version is kept, and this one beside it: see ``disk.atomic_replace``)."""
        self._check_saveable()  # whether it changed on disk is checked right before the rename
        self._sync_table_headers()
        self._fix_active()

        def write(tmp: Path) -> None:
            with open(tmp, "wb") as f, gc_paused():
                self._book.save(f)

        try:
            self.loaded = atomic_replace(self.path, write, self.loaded)
        except (WorkbookError, KeyboardInterrupt, SystemExit, MemoryError):
            raise
        except OSError as exc:
            raise WorkbookError(f"{self.label} could not be saved ({exc.strerror or exc}); the file on "
                                "disk is unchanged.") from exc
        except Exception as exc:
            raise WorkbookError(f"{self.label} could not be saved ({type(exc).__name__}: {exc}); the "
                                "file on disk is unchanged.") from exc
        self._is_new = False

    # ----------------------------------------------------------------------------------------- checks only

    def check_write(self, sheet: str, rows: Sequence[Sequence[CellValue]], *, keep_top: int = 0) -> None:
        """Raise the WorkbookError :meth:`write` would raise for ``rows`` (and refuse merged cells anywhere in
        their area below the ``keep_top`` rows that never move), changing nothing. A sheet that does not exist yet
        is checked as an empty one."""
        ws = self._find(sheet)
        if ws is None:
            ws = Workbook().create_sheet(sheet[:31] or "Sheet")
        elif not isinstance(ws, Worksheet):
            raise WorkbookError("this is a chart sheet, not a sheet of cells.", sheet=sheet)
        with gc_paused():
            _check_merged(ws, rows, keep_top)
            _checked_changes(ws, rows)

    def check_table(self, sheet: str, name: str, n_rows: int, header: Sequence[CellValue]) -> None:
        """Raise the WorkbookError :meth:`set_table` would raise once ``header`` is the sheet's first row."""
        ws = self._find(sheet)
        if isinstance(ws, Worksheet):
            self._table_target(ws, name, n_rows, len(header), header)


# --------------------------------------------------------------------------------------------- helpers


def _header_names(ws: Worksheet, row: int, first_col: int, last_col: int, table: str,
                  header: Sequence[CellValue] | None = None) -> list[str]:
    """The header cells of a table (or ``header``, the values about to be written there), checked by Excel's
    rules (``rules.header_names``)."""
    if header is not None:
        values = [header[c - 1] if c <= len(header) else None for c in range(first_col, last_col + 1)]
    else:
        cells = [ws._cells.get((row, col)) for col in range(first_col, last_col + 1)]
        values = [None if cell is None else Formula(_formula_text(cell._value)) if cell.data_type == "f"
                  else cell._value for cell in cells]  # a formula's text is not a header
    return header_names(values, last_col - first_col + 1, table, ws.title, row, first_col)


def _set_table_columns(table: Table, names: list[str]) -> None:
    """Make the table's column list match ``names``, keeping the settings of columns whose name survives."""
    current = list(table.tableColumns)
    if [c.name for c in current] == names:
        return
    by_name = {c.name: c for c in current}
    columns = []
    for i, name in enumerate(names, 1):
        column = by_name.pop(name, None) or TableColumn(id=i, name=name)
        column.id = i
        columns.append(column)
    table.tableColumns = columns


def _column_dimension(ws: Worksheet, column: int) -> ColumnDimension:
    """The width/hidden record of exactly one column, splitting a loaded record that spans several
    (``<col min=2 max=5>``): openpyxl would otherwise write overlapping records, which Excel calls damage."""
    dims = ws.column_dimensions
    letter = column_letter(column)
    for key, dim in list(dims.items()):
        dim.reindex()
        lo, hi = dim.min, dim.max
        if lo <= column <= hi:
            if (lo, hi) == (column, column):
                return dim
            del dims[key]
            for first, last in ((lo, column - 1), (column, column), (column + 1, hi)):
                if first <= last:
                    part = ColumnDimension(
                        ws, index=column_letter(first), width=dim.width, bestFit=dim.bestFit,
                        hidden=dim.hidden, outlineLevel=dim.outlineLevel, collapsed=dim.collapsed,
                        min=first, max=last,
                    )
                    part._style = copy(dim._style)
                    dims[part.index] = part
            return dims[letter]
    # A new record: width 0 means "not set" (openpyxl would otherwise write its default of 13 characters).
    dim = dims[letter] = ColumnDimension(ws, index=letter, width=0, min=column, max=column)
    return dim


def _remove_column_validations(ws: Worksheet, column: int, first_row: int = 1, last_row: int = MAX_ROW) -> None:
    """Take rows ``first_row``..``last_row`` of ``column`` out of every data validation on ``ws``; drop
    validations left with no cells (other rows of the column keep theirs: Settings has one dropdown per row)."""
    kept = []
    for dv in ws.data_validations.dataValidation:
        ranges = []
        for rng in dv.sqref.ranges:
            hit = (rng.min_col <= column <= rng.max_col and rng.min_row <= last_row
                   and first_row <= rng.max_row)
            if not hit:
                ranges.append(rng)
                continue
            pieces = [(rng.min_col, column - 1, rng.min_row, rng.max_row),
                      (column + 1, rng.max_col, rng.min_row, rng.max_row),
                      (column, column, rng.min_row, first_row - 1),
                      (column, column, last_row + 1, rng.max_row)]
            for lo_c, hi_c, lo_r, hi_r in pieces:
                if lo_c <= hi_c and lo_r <= hi_r:
                    ranges.append(CellRange(min_col=lo_c, min_row=lo_r, max_col=hi_c, max_row=hi_r))
        if ranges:
            dv.sqref = MultiCellRange(ranges)
            kept.append(dv)
    ws.data_validations.dataValidation = kept


def _close_vba_archive(book: Workbook) -> None:
    """Swap the append-mode zip openpyxl keeps an .xlsm's macros in for a read-only one over the same bytes.

    openpyxl never closes it; when the garbage collector frees it, its buffer may already be closed and Python
    prints "Exception ignored in ZipFile.__del__" on the user's console.
    """
    archive = book.vba_archive
    if archive is None or archive.mode == "r":
        return
    buffer = archive.fp
    archive.close()  # writes the zip directory into the buffer; a passed-in buffer stays open
    buffer.seek(0)
    book.vba_archive = zipfile.ZipFile(buffer, "r")
