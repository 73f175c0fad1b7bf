"""The workbook port: the only way the engine touches a workbook.

Implementations: ``custmgr.workbook.lossless.LosslessWorkbook`` (a closed ``.xlsx``/``.xlsm`` file, read by
values and saved by parts; what the command line uses), ``custmgr.workbook.xlsx.XlsxWorkbook`` (a file through
openpyxl: lays out new workbooks, and is the oracle of the lossless port's tests) and, in the add-in, a live
workbook open in Excel (through xlwings). The port is deliberately coarse: a sheet
is read and written as one 2-D grid, because every call on a live workbook is a round trip to Excel.

Rows and columns in this interface are 1-based like Excel's (row 1 is the header row of a table).
"""

from __future__ import annotations

import datetime as _dt
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Visibility = Literal["visible", "hidden", "veryHidden"]


@dataclass(frozen=True)
class Formula:
    """A formula a user typed into a cell (``text`` starts with ``=``).

    Read back as-is; never created from data.
    """

    text: str


CellValue = str | int | float | bool | _dt.datetime | _dt.date | _dt.time | Formula | None
Grid = list[list[CellValue]]


class WorkbookPort(ABC):
    """A workbook as the engine sees it: named sheets holding grids, plus the few formatting facts it owns."""

    #: Where the workbook lives, for messages ("clients.xlsx").
    label: str
    #: The workbook's file, if it has one yet (files named in Settings are found relative to its folder).
    path: Path | None = None

    @abstractmethod
    def sheet_names(self) -> list[str]:
        """Every sheet, hidden ones included, in workbook order."""

    @abstractmethod
    def visibility(self, sheet: str) -> Visibility:
        """Whether ``sheet`` is visible, hidden, or very hidden (only code can unhide it)."""

    @abstractmethod
    def add_sheet(self, sheet: str, visibility: Visibility = "visible") -> None:
        """Add an empty sheet at the end. Adding an existing name is an error."""

    @abstractmethod
    def remove_sheet(self, sheet: str) -> None:
        """Delete ``sheet`` and everything on it."""

    @abstractmethod
    def set_visibility(self, sheet: str, visibility: Visibility) -> None:
        """Show, hide or very-hide ``sheet``."""

    @abstractmethod
    def read(self, sheet: str) -> Grid:
        """All values from A1 to the last used cell, as a rectangular grid (rows padded with None).

        Text comes back as ``str`` exactly as stored, a formula as ``Formula``, numbers, booleans and dates as
        such, an empty cell as None. Trailing empty rows and columns are dropped.
        """

    @abstractmethod
    def write(self, sheet: str, rows: Sequence[Sequence[CellValue]]) -> None:
        """Make ``sheet`` hold exactly ``rows`` from A1; cells outside them become empty.

        Text is always stored as text, never as a formula or number (``'=1+2'`` stays the four characters,
        ``'007'`` keeps its zeros); only a ``Formula`` value becomes a formula. Cell formatting of kept cells
        is left alone.
        """

    @abstractmethod
    def set_table(self, sheet: str, name: str, n_rows: int, n_cols: int) -> None:
        """Make the Excel table ``name`` cover A1 to (``n_rows``, ``n_cols``), header row included.

        Create it if needed.
        """

    @abstractmethod
    def set_column(
        self, sheet: str, column: int, *, width: float | None = None, hidden: bool | None = None
    ) -> None:
        """Set a column's width (characters) and/or hide or show it; None leaves that property alone."""

    @abstractmethod
    def set_dropdown(
        self, sheet: str, column: int, first_row: int, last_row: int, choices: Sequence[str]
    ) -> None:
        """Make the cells of ``column`` from ``first_row`` to ``last_row`` a list of ``choices`` (replacing
        any dropdown already on those cells; other rows keep theirs). Empty ``choices`` removes it."""

    @abstractmethod
    def freeze_header(self, sheet: str) -> None:
        """Keep row 1 in view while scrolling."""

    # Checks only: the engine asks these before it writes to QuickBooks, so that a workbook that cannot take the
    # sync's result stops the sync while nothing is written yet. A port checks what it can; the defaults accept.

    def check_write(self, sheet: str, rows: Sequence[Sequence[CellValue]], *, keep_top: int = 0) -> None:
        """Raise the WorkbookError ``write(sheet, rows)`` would raise, changing nothing. ``sheet`` may not exist
        yet (it would be added first). ``keep_top``: leading rows the caller writes back as they are and never
        moves (the title above an adopted list), where merged cells are no obstacle."""
        return None  # nothing to check

    def check_table(self, sheet: str, name: str, n_rows: int, header: Sequence[CellValue]) -> None:
        """Raise the WorkbookError ``set_table`` would raise once ``header`` is the sheet's first row."""
        return None  # nothing to check

    def check_save(self) -> None:
        """Raise the error ``save()`` would raise before writing anything (open elsewhere, changed on disk)."""
        return None  # nothing to check

    @abstractmethod
    def save(self) -> None:
        """Write the workbook back.

        Atomic: either the new content is saved whole or the old file is untouched.
        """


#: Where a command finds its workbook: a file's path, a ``memory:NAME`` location (``.memory``), or a port already
#: open (a live workbook in Excel).
Workbook = Path | str | WorkbookPort
