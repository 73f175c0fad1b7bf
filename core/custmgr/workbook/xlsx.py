"""The workbook port on a closed ``.xlsx``/``.xlsm`` file, through openpyxl.

Why the code looks the way it does (hazards measured with openpyxl 3.1.5):

* Cells are read and written in ``xlsx_cells.py``: text stays text (openpyxl would make ``=...`` a formula and
  ``#N/A`` an error), every value is checked before any cell is assigned, and only the cells that differ are
  assigned. Tables, column widths and dropdowns are kept as Excel wants them in ``xlsx_tables.py``.
* ``save`` writes a temporary file beside the workbook, fsyncs it and renames it over the original, so a
  crash or a full disk leaves the old file whole; it refuses to write while Excel or LibreOffice holds it, or
  when the file is no longer the version it read (another program saved it meanwhile). The file rules live in
  ``disk.py``, shared with any other file port.
* ``check_write``, ``check_table`` and ``check_save`` raise what ``write``, ``set_table`` and ``save`` would,
  without changing anything: a sync asks them before it writes to QuickBooks.
* Python's garbage collector is paused while openpyxl loads and saves, and while a sheet is read or
  written: these allocate millions of small objects that are never garbage, and each full collection would
  rescan them all (~15% of a load+save; a third of a 100,000-row first write).
"""

from __future__ import annotations

import io
import os
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl.cell.text import Text
from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from ..errors import WorkbookError
from . import xlsx_tables
from .disk import (
    Fingerprint,
    atomic_replace,
    check_file,
    check_not_busy,
    check_unchanged,
    lock_files,
    read_with_fingerprint,
)
from .port import CellValue, Grid, Visibility, WorkbookPort
from .rules import (
    check_column,
    check_leaves_a_visible_sheet,
    check_new_sheet,
    check_visibility,
    column_letter,
    existing_sheet,
    find_sheet,
)
from .speed import gc_paused
from .xlsx_cells import check_merged, checked_changes, read_cells, write_cells

__all__ = ["XlsxWorkbook", "check_not_busy", "lock_files"]  # the lock-file checks live in .disk


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
        return find_sheet(self._book._sheets, sheet, lambda ws: ws.title)

    def _sheet(self, sheet: str) -> Any:
        return existing_sheet(self._find(sheet), sheet, self.label)

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
        check_new_sheet(self.label, sheet, visibility, self.sheet_names())
        ws = self._book.create_sheet(title=sheet)
        ws.sheet_state = visibility
        if visibility != "visible":
            ws.sheet_view.tabSelected = False

    def remove_sheet(self, sheet: str) -> None:
        ws = self._sheet(sheet)
        check_leaves_a_visible_sheet(sheet, ws.sheet_state == "visible", self._other_visible(ws))
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
        if visibility != "visible":
            check_leaves_a_visible_sheet(sheet, ws.sheet_state == "visible", self._other_visible(ws))
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
            return read_cells(ws)

    def write(self, sheet: str, rows: Sequence[Sequence[CellValue]]) -> None:
        """Make ``sheet`` hold exactly ``rows`` from A1, assigning only the cells whose value or type changes.

        All values are checked before any cell is assigned: on a WorkbookError the sheet is unchanged. ``''``
        is stored as an empty cell (Excel does not keep empty text). Text is kept as given, control
        characters and carriage returns included (saved as Excel saves them, ``_x000D_``).
        """
        ws = self._worksheet(sheet)
        with gc_paused():  # a first import creates millions of cells; collections would rescan them all
            self.changed_cells = write_cells(ws, rows)
        self._touched.add(ws.title)

    # ----------------------------------------------------------------------------------------- tables

    def set_table(self, sheet: str, name: str, n_rows: int, n_cols: int) -> None:
        """Create or resize table ``name`` over A1:(n_rows, n_cols). Write the header row first.

        A header-only table (``n_rows == 1``) covers one empty data row too: Excel cannot open a table
        without one.
        """
        ws = self._worksheet(sheet)
        xlsx_tables.set_table(self._book, ws, name, n_rows, n_cols)
        self._touched.add(ws.title)

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
        dim = xlsx_tables.column_dimension(ws, column)
        if width is not None:
            dim.width = float(width)
        if hidden is not None:
            dim.hidden = bool(hidden)

    def set_dropdown(
        self, sheet: str, column: int, first_row: int, last_row: int, choices: Sequence[str]
    ) -> None:
        """Put a list dropdown on the column's cells, replacing any validation on those cells."""
        xlsx_tables.set_dropdown(self._worksheet(sheet), column, first_row, last_row, choices)

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
        xlsx_tables.match_table_headers(self._book, self._touched)
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
            check_merged(ws, rows, keep_top)
            checked_changes(ws, rows)

    def check_table(self, sheet: str, name: str, n_rows: int, header: Sequence[CellValue]) -> None:
        """Raise the WorkbookError :meth:`set_table` would raise once ``header`` is the sheet's first row."""
        ws = self._find(sheet)
        if isinstance(ws, Worksheet):
            xlsx_tables.table_target(self._book, ws, name, n_rows, len(header), header)


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
