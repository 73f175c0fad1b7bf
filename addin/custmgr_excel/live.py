"""The workbook port on a workbook open in Excel, through xlwings.

Three rules shape it:

* Every call to Excel is a round trip to another process. A sheet is read with one call for its values and
  one for its formulas (one more of each per million cells); a write sends only the blocks of cells that
  changed, each in one call per 100,000 cells (xlwings' own budget per call). Nothing loops over rows or
  cells.
* Nothing reaches Excel before :meth:`LiveWorkbook.save`. Reads are kept; writes and sheet changes are
  staged, checked at once (so a value Excel cannot store is refused with its place, as the file port does),
  and applied in order by ``save``, which then saves the file. An error while the engine works (QuickBooks
  refusing a write, a bad setting) therefore leaves the open workbook exactly as it was, as the file port
  leaves the file; if Excel fails part way through ``save``, what was applied is taken back where it can
  be (see changes.py), and the file on disk is still the old one.
* Cells the sync did not change are never written, so the bookkeeper's own columns, formulas and their
  spills stay exactly as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from custmgr.errors import WorkbookError
from custmgr.workbook.port import CellValue, Grid, Visibility, WorkbookPort
from custmgr.workbook.rules import (
    MAX_COL,
    MAX_ROW,
    check_column,
    check_dropdown,
    check_leaves_a_visible_sheet,
    check_new_sheet,
    check_visibility,
    column_letter,
    existing_sheet,
    find_sheet,
    header_names,
    table_name_problem,
)

from . import ranges
from .changes import ExcelChanges
from .native import Native, native_for
from .values import check_grid, grid_from_excel, rectangle


@dataclass
class _Sheet:
    """A sheet as the engine sees it: the Excel sheet, or what it will be once the staged changes are applied."""

    name: str
    visibility: Visibility
    grid: Grid | None = None  # None: not read yet
    new: bool = False  # added since the workbook was opened: not in Excel before save


class LiveWorkbook(WorkbookPort):
    """An open Excel workbook (an xlwings ``Book``) behind the engine's workbook port."""

    def __init__(self, book: Any, native: Native | None = None) -> None:
        self._book = book
        self._native = native if native is not None else native_for()
        self.label = str(book.name)
        self.path, self._no_file = local_file(book)
        self._sheets: list[_Sheet] | None = None
        self._tables: dict[str, str] | None = None  # table or workbook name (casefold) -> sheet, '' for a name
        self._staged: list[tuple[Any, ...]] = []
        self._held: dict[str, Grid] = {}  # sheet (casefold) -> the values Excel holds, where known
        self._xs: dict[str, Any] = {}  # sheet (casefold) -> xlwings Sheet
        self._unmerged: dict[tuple[str, int], tuple[int, int]] = {}  # (sheet, rows kept) -> area found unmerged
        #: Called first and last thing in :meth:`save` (the ribbon pauses its QuickBooks timeout in between).
        self.on_save: Callable[[], None] = lambda: None
        self.after_save: Callable[[], None] = lambda: None

    def __repr__(self) -> str:
        return f"LiveWorkbook({self.label!r})"

    @property
    def book(self) -> Any:
        """The xlwings ``Book`` behind this port."""
        return self._book

    @property
    def native(self) -> Native:
        """The object model used for what xlwings has no call for (very hidden sheets, panes)."""
        return self._native

    # ----------------------------------------------------------------------------------------- sheets

    def _all(self) -> list[_Sheet]:
        if self._sheets is None:
            self._sheets = [_Sheet(str(xs.name), self._native.visibility(xs)) for xs in self._book.sheets]
        return self._sheets

    def _find(self, sheet: str) -> _Sheet | None:
        return find_sheet(self._all(), sheet, lambda s: s.name)

    def _sheet(self, sheet: str) -> _Sheet:
        return existing_sheet(self._find(sheet), sheet, self.label)

    def _excel_sheet(self, name: str) -> Any:
        """The xlwings sheet, looked up once (each lookup is a call) until the next save changes the sheets."""
        key = name.casefold()
        if key not in self._xs:
            self._xs[key] = self._book.sheets[name]
        return self._xs[key]

    def sheet_names(self) -> list[str]:
        return [s.name for s in self._all()]

    def visibility(self, sheet: str) -> Visibility:
        return self._sheet(sheet).visibility

    def add_sheet(self, sheet: str, visibility: Visibility = "visible") -> None:
        check_new_sheet(self.label, sheet, visibility, self.sheet_names())
        self._all().append(_Sheet(sheet, visibility, [], new=True))
        self._staged.append(("add", sheet, visibility))

    def remove_sheet(self, sheet: str) -> None:
        found = self._sheet(sheet)
        check_leaves_a_visible_sheet(sheet, found.visibility == "visible", self._other_visible(found))
        self._all().remove(found)
        if self._tables is not None:
            self._tables = {k: v for k, v in self._tables.items() if v.casefold() != found.name.casefold()}
        self._staged.append(("remove", found.name))

    def set_visibility(self, sheet: str, visibility: Visibility) -> None:
        check_visibility(visibility)
        found = self._sheet(sheet)
        if visibility != "visible":
            check_leaves_a_visible_sheet(sheet, found.visibility == "visible", self._other_visible(found))
        if visibility != found.visibility:
            found.visibility = visibility
            self._staged.append(("visibility", found.name, visibility))

    def _other_visible(self, sheet: _Sheet) -> bool:
        return any(s is not sheet and s.visibility == "visible" for s in self._all())

    # ----------------------------------------------------------------------------------------- cells

    def read(self, sheet: str) -> Grid:
        """All values from A1 to the last used cell: two calls to Excel the first time, none after."""
        found = self._sheet(sheet)
        if found.grid is None:
            found.grid = self._load(found.name)
        return [list(row) for row in found.grid]

    def _load(self, name: str) -> Grid:
        xs = self._excel_sheet(name)
        n_rows, n_cols = ranges.last_cell(self._native.used_address(xs))
        # Raw, not err_to_str: that fails on a Mac for any range of two rows or more (xlwings 0.37). An error
        # value is told from its formula instead (values.from_excel).
        grid = grid_from_excel(ranges.read_raw(xs, n_rows, n_cols), ranges.read_raw(xs, n_rows, n_cols, "formula"),
                               n_rows, n_cols)
        self._held[name.casefold()] = [list(row) for row in grid]
        return grid

    def write(self, sheet: str, rows: Sequence[Sequence[CellValue]]) -> None:
        """Stage ``rows`` as the sheet's whole content; checked now, and by :meth:`save` only the cells that
        differ from what Excel holds are written."""
        found = self._sheet(sheet)
        check_grid(found.name, rows)
        if found.grid is None and not found.new:
            self.read(found.name)  # what Excel holds, so that only what changes is sent
        found.grid = rectangle(rows)
        self._staged.append(("write", found.name, found.grid))

    # ----------------------------------------------------------------------------------------- formatting

    def set_table(self, sheet: str, name: str, n_rows: int, n_cols: int) -> None:
        """Stage table ``name`` over A1:(n_rows, n_cols); a header-only table keeps one empty row, as Excel needs."""
        found = self._sheet(sheet)
        grid = found.grid if found.grid is not None else self.read(found.name)
        self._check_table(found.name, name, n_rows, n_cols, grid[0] if grid else [])
        self._table_index()[name.casefold()] = found.name
        self._staged.append(("table", found.name, name, max(n_rows, 2), n_cols))

    def _check_table(self, sheet: str, name: str, n_rows: int, n_cols: int, header: Sequence[CellValue]) -> None:
        """What Excel requires of table ``name`` on ``sheet`` with ``header`` as its first row."""
        if not 1 <= n_rows <= MAX_ROW or not 1 <= n_cols <= MAX_COL:
            raise WorkbookError(f"table {name} cannot have {n_rows} rows and {n_cols} columns.", sheet=sheet)
        problem = table_name_problem(name)
        if problem:
            raise WorkbookError(f"{name!r} cannot be a table name: {problem}.", sheet=sheet)
        header_names(header, n_cols, name, sheet)
        home = self._table_index().get(name.casefold())
        if home == "":
            raise WorkbookError(f"{name!r} is already used as a name in this workbook.", sheet=sheet)
        if home is not None and home.casefold() != sheet.casefold():
            raise WorkbookError(f"a table named {name} already exists on sheet {home}.", sheet=sheet)

    def _table_index(self) -> dict[str, str]:
        """Every table's name, and the workbook's names, which a table name must not repeat."""
        if self._tables is None:
            index = {str(n.name).casefold(): "" for n in self._book.names if "!" not in str(n.name)}
            for sheet in self._all():
                if sheet.new:
                    continue
                for table in self._excel_sheet(sheet.name).tables:
                    index[str(table.name).casefold()] = sheet.name
            self._tables = index
        return self._tables

    def set_column(self, sheet: str, column: int, *, width: float | None = None, hidden: bool | None = None) -> None:
        found = self._sheet(sheet)
        check_column(column, found.name)
        if width is not None and not 0 <= width <= 255:
            raise WorkbookError(f"a column width must be between 0 and 255 (got {width}).",
                                sheet=found.name, field=column_letter(column))
        if width is not None or hidden is not None:
            self._staged.append(("column", found.name, column, width, hidden))

    def set_dropdown(self, sheet: str, column: int, first_row: int, last_row: int, choices: Sequence[str]) -> None:
        found = self._sheet(sheet)
        check_dropdown(found.name, column, first_row, last_row, choices)
        self._staged.append(("dropdown", found.name, column, first_row, last_row, tuple(choices)))

    def freeze_header(self, sheet: str) -> None:
        self._staged.append(("freeze", self._sheet(sheet).name))

    def keep_as_text(self, sheet: str, row: int, column: int) -> None:
        """Stage the Text format on one cell, so that what the bookkeeper types there stays as typed (an ID of
        more than 15 digits would otherwise become a number and lose its last digits)."""
        self._staged.append(("text", self._sheet(sheet).name, row, column))

    # ----------------------------------------------------------------------------------------- saving

    def check_can_save(self) -> None:
        """Refuse, with what to do, a workbook whose changes could not be saved: run before QuickBooks is
        contacted, so that a sync never writes to QuickBooks what the workbook then cannot keep."""
        if self.path is None:
            raise WorkbookError(self._no_file)
        try:
            read_only = self._native.read_only(self._book)
        except Exception:  # Excel could not say: saving will tell
            read_only = False
        if read_only:
            raise WorkbookError(f"{self.label} is open read-only (it was opened read-only, or someone else has "
                                "it open), so Customer Manager could not save the sync in it. Close it, open "
                                "it for editing (or ask who has it open to close it), then click the button "
                                "again. Nothing was changed.")

    # ----------------------------------------------------------------------------------------- checks only
    # The engine rehearses a sync's save with these before QuickBooks is written (custmgr.rehearsal), so that
    # what Excel would refuse in save() stops the sync while nothing is written anywhere.

    def check_write(self, sheet: str, rows: Sequence[Sequence[CellValue]], *, keep_top: int = 0) -> None:
        """Raise what :meth:`write` and then :meth:`save` would raise for ``rows``: a value Excel cannot store,
        or merged cells anywhere in the area the write covers below the ``keep_top`` rows that never move (rows
        move between syncs, so a merged area there would be cut through sooner or later, and Excel refuses to
        change part of one). One call to Excel per sheet when nothing is merged; none for a sheet not in Excel
        yet."""
        found = self._find(sheet)
        check_grid(found.name if found else sheet, rows)
        if found is None or found.new:
            return
        held = self._held.get(found.name.casefold())
        if held is not None:
            n_rows, n_cols = len(held), max((len(r) for r in held), default=0)
        else:  # not read: as far as Excel uses the sheet
            n_rows, n_cols = ranges.last_cell(self._native.used_address(self._excel_sheet(found.name)))
        n_rows, n_cols = max(n_rows, len(rows)), max([n_cols] + [len(r) for r in rows])
        key = (found.name.casefold(), keep_top)
        checked = self._unmerged.get(key, (0, 0))
        if n_rows <= checked[0] and n_cols <= checked[1]:
            return
        merged = ranges.first_merged(self._excel_sheet(found.name), n_rows, n_cols, keep_top + 1)
        if merged is None:
            self._unmerged[key] = (n_rows, n_cols)
            return
        first = merged.split(":")[0]
        letters = first.rstrip("0123456789")
        raise WorkbookError(f"the cells {merged} are merged, and Excel cannot change part of merged cells. "
                            "Unmerge them (Home > Merge & Center > Unmerge Cells) and click the button again. "
                            "Nothing was changed.", sheet=found.name, row=int(first[len(letters):]), field=letters)

    def check_table(self, sheet: str, name: str, n_rows: int, header: Sequence[CellValue]) -> None:
        """Raise what :meth:`set_table` would raise once ``header`` is the sheet's first row."""
        found = self._find(sheet)
        self._check_table(found.name if found else sheet, name, n_rows, len(header), header)

    def check_save(self) -> None:
        """Raise what :meth:`save` would raise before changing anything: no file, or open read-only."""
        self.check_can_save()

    def save(self) -> None:
        """Apply the staged changes to the open workbook, then save its file."""
        if self.path is None:
            raise WorkbookError(self._no_file)
        self.on_save()
        try:
            self._apply_staged()
            self._book.save()
        except WorkbookError:
            raise
        except Exception as exc:  # COM and AppleScript errors have no common type
            raise WorkbookError(f"Excel could not save {self.label} ({exc}). The changes are in the open "
                                "workbook: save it with File > Save As under another name.") from exc
        finally:
            self.after_save()

    def _apply_staged(self) -> None:
        staged, self._staged = self._staged, []
        self._unmerged.clear()
        self._xs.clear()
        if not staged:
            return
        changes = ExcelChanges(self._book, self._native, self._held)
        try:
            changes.apply(staged)
        except Exception as exc:
            self._sheets, self._tables = None, None  # read Excel afresh
            self._held.clear()
            if changes.undone:
                raise WorkbookError(f"Excel stopped while updating {self.label} ({exc}); what had been "
                                    "changed was taken back. Click the button again.") from exc
            raise WorkbookError(f"Excel stopped while updating {self.label} ({exc}). Close it without saving "
                                "and open it again: the file on disk is unchanged. Then try again.") from exc


def local_file(book: Any) -> tuple[Path | None, str]:
    """The workbook's file on this computer; or None and what to do about it.

    xlwings maps a OneDrive or SharePoint address to the synced folder; where there is none it raises,
    and not always an ``XlwingsError`` (a SharePoint library not synced here gives an UnboundLocalError in
    xlwings 0.37), so any failure means "no local file".
    """
    label = _name(book)
    try:
        fullname = str(book.fullname)
    except Exception:
        return None, (f"{label} is kept online (SharePoint, Teams or OneDrive) and has no copy on this "
                      "computer, so Customer Manager cannot save a sync in it. Sync the library to this "
                      "computer (the Sync button in SharePoint or OneDrive, or Open in app from a synced "
                      "folder), open the workbook from that folder, then click the button again. Nothing "
                      "was changed.")
    path = local_path(fullname)
    if path is None:
        return None, (f"{label} has never been saved, so Customer Manager has nowhere to keep a sync. Save it "
                      "first (File > Save As, in a folder on this computer or a synced OneDrive or "
                      "SharePoint folder), then click the button again. Nothing was changed.")
    return path, ""


def _name(book: Any) -> str:
    try:
        return str(book.name)
    except Exception:
        return "This workbook"


def local_path(fullname: str) -> Path | None:
    """The workbook's file, or None for a workbook never saved ("Book1") or an address on the web."""
    if not fullname or "://" in fullname:
        return None
    path = Path(fullname)
    return path if path.is_absolute() else None
