"""A workbook kept in memory: the same port by the same Excel rules, without a file.

It lives here, beside the file ports, rather than in ``custmgr.testing``: the engine opens a ``memory:NAME``
location as it opens a file (``custmgr.sync.open_book``), just as a sandbox company may live at ``memory:NAME``
(``custmgr.company.memory_company``), so the two together give a whole sync that never touches the disk. Tests that
pair many short-lived workbooks with many companies (the sync's state machine) use it to run fast and isolated.

What a file does, it does: reopening a location gives what was last saved there (not what an unsaved port holds),
a save is all or nothing, a save over a version saved by someone else since this one was read is refused, and every
value, sheet name, table, column and dropdown is checked with the rules in ``rules.py`` before anything changes, with
the messages the file ports give. The content at a location lasts as long as one workbook opened there is alive
(usually the one ``MemoryWorkbook.new`` returned), and is gone with the last of them.

Rows of a stored grid are never changed in place (a write stores new rows), so a save or an open copies only
the lists that hold them.
"""

from __future__ import annotations

import os
import uuid
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ..errors import WorkbookError
from .disk import ChangedOnDisk
from .port import CellValue, Grid, Visibility, WorkbookPort
from .reading import calamine_grid
from .rules import (
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
    value_refusal,
)
from .sheetxml import changed_cells

MEMORY = "memory:"  # a location naming a workbook kept in memory, not a file


def in_memory(location: object) -> bool:
    """Whether ``location`` names a workbook kept in memory (``memory:NAME``) rather than a file."""
    return isinstance(location, str) and location.startswith(MEMORY)


@dataclass(frozen=True)
class Table:
    """An Excel table: from A1 to (``n_rows``, ``n_cols``), header row included."""

    name: str
    n_rows: int
    n_cols: int


@dataclass(frozen=True)
class Dropdown:
    """A list dropdown on rows ``first_row`` to ``last_row`` of one column; ``choices`` as Excel keeps them."""

    first_row: int
    last_row: int
    choices: str


@dataclass(frozen=True)
class Sheet:
    """One sheet as saved: values and the formatting facts the port sets (rows of ``grid`` are never changed)."""

    name: str
    visibility: Visibility = "visible"
    grid: tuple[list[CellValue], ...] = ()
    tables: tuple[Table, ...] = ()
    widths: tuple[tuple[int, float], ...] = ()
    hidden: frozenset[int] = frozenset()
    dropdowns: tuple[tuple[int, Dropdown], ...] = ()  # (column, dropdown), in the order they were set
    frozen_header: bool = False


@dataclass
class _Saved:
    """What was last saved at one location, shared by every workbook open there (changed in place, so that the
    registry's entry stays alive for as long as any of them does)."""

    sheets: tuple[Sheet, ...] | None = None  # None: made by ``new`` and not saved yet
    generation: int = 0


_SAVED: weakref.WeakValueDictionary[str, _Saved] = weakref.WeakValueDictionary()


@dataclass
class _Open:
    """A sheet being edited: the saved ``Sheet`` fields, changeable."""

    name: str
    visibility: Visibility
    grid: list[list[CellValue]]
    tables: list[Table] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)
    hidden: set[int] = field(default_factory=set)
    dropdowns: list[tuple[int, Dropdown]] = field(default_factory=list)
    frozen_header: bool = False

    @classmethod
    def of(cls, s: Sheet) -> _Open:
        return cls(s.name, s.visibility, list(s.grid), list(s.tables), dict(s.widths), set(s.hidden),
                   list(s.dropdowns), s.frozen_header)

    def saved(self) -> Sheet:
        return Sheet(self.name, self.visibility, tuple(self.grid), tuple(self.tables), tuple(self.widths.items()),
                     frozenset(self.hidden), tuple(self.dropdowns), self.frozen_header)


class MemoryWorkbook(WorkbookPort):
    """A workbook at a ``memory:NAME`` location, read and saved as a file port reads and saves its file."""

    path = None  # no file: files named in Settings are taken as they are written

    def __init__(self, location: str, saved: _Saved, *, writable: bool) -> None:
        self.location = self.label = location
        self.writable = writable
        self._saved = saved  # keeps the location's content alive while this workbook is
        self._loaded = saved.generation
        self._sheets = [_Open.of(s) for s in saved.sheets or ()]

    def __repr__(self) -> str:
        return f"MemoryWorkbook({self.location!r})"

    # ----------------------------------------------------------------------------------------- opening

    @classmethod
    def new(cls, location: str | None = None) -> MemoryWorkbook:
        """A new, empty workbook (no sheets) at ``location`` (default: a new ``memory:NAME``); reopening it gives
        nothing until it is saved. Refuses a location that holds a workbook already."""
        location = location or f"{MEMORY}{uuid.uuid4().hex}"
        _check_location(location)
        if location in _SAVED:
            raise WorkbookError(f"{location} already holds a workbook; choose another name.")
        saved = _Saved()
        _SAVED[location] = saved
        return cls(location, saved, writable=True)

    @classmethod
    def open(cls, location: str | os.PathLike[str], *, writable: bool = True) -> MemoryWorkbook:
        """The workbook last saved at ``location``."""
        location = os.fspath(location)
        _check_location(location)
        saved = _SAVED.get(location)
        if saved is None or saved.sheets is None:
            raise WorkbookError(f"There is no workbook in memory at {location}: one lasts only while a workbook "
                                "opened there is alive in this process, and exists once it was saved.")
        return cls(location, saved, writable=writable)

    # ----------------------------------------------------------------------------------------- sheets

    def _find(self, sheet: str) -> _Open | None:
        return find_sheet(self._sheets, sheet, lambda s: s.name)

    def _sheet(self, sheet: str) -> _Open:
        return existing_sheet(self._find(sheet), sheet, self.label)

    def _others_visible(self, s: _Open) -> bool:
        return any(o is not s and o.visibility == "visible" for o in self._sheets)

    def sheet_names(self) -> list[str]:
        return [s.name for s in self._sheets]

    def visibility(self, sheet: str) -> Visibility:
        return self._sheet(sheet).visibility

    def add_sheet(self, sheet: str, visibility: Visibility = "visible") -> None:
        check_new_sheet(self.label, sheet, visibility, self.sheet_names())
        self._sheets.append(_Open(sheet, visibility, []))

    def remove_sheet(self, sheet: str) -> None:
        s = self._sheet(sheet)
        check_leaves_a_visible_sheet(sheet, s.visibility == "visible", self._others_visible(s))
        self._sheets.remove(s)

    def set_visibility(self, sheet: str, visibility: Visibility) -> None:
        check_visibility(visibility)
        s = self._sheet(sheet)
        if visibility != "visible":
            check_leaves_a_visible_sheet(sheet, s.visibility == "visible", self._others_visible(s))
        s.visibility = visibility

    # ----------------------------------------------------------------------------------------- cells

    def read(self, sheet: str) -> Grid:
        return [list(r) for r in self._sheet(sheet).grid]

    def write(self, sheet: str, rows: Sequence[Sequence[CellValue]]) -> None:
        """Make ``sheet`` hold exactly ``rows``; every changed value is checked first (a refused write changes
        nothing). Stored as a file port reads it back: empty text as an empty cell, whole floats as ``int``."""
        s = self._sheet(sheet)
        new = [list(r) for r in rows]
        _check_cells(s.name, new, changed_cells(s.grid, new))
        s.grid = calamine_grid([["" if v is None else v for v in r] for r in new])

    def check_write(self, sheet: str, rows: Sequence[Sequence[CellValue]], *, keep_top: int = 0) -> None:
        """Raise the WorkbookError :meth:`write` would raise, changing nothing; a sheet that does not exist yet is
        checked as an empty one. (Nothing here merges cells, so ``keep_top`` changes nothing.)"""
        s = self._find(sheet)
        new = [list(r) for r in rows]
        _check_cells(s.name if s else sheet, new, changed_cells(s.grid if s else [], new))

    # ----------------------------------------------------------------------------------------- tables

    def set_table(self, sheet: str, name: str, n_rows: int, n_cols: int) -> None:
        s = self._sheet(sheet)
        mine = self._table_target(s, name, n_rows, n_cols, s.grid[0] if s.grid else [])
        table = Table(mine.name if mine else name, n_rows, n_cols)
        s.tables = [table if t is mine else t for t in s.tables] if mine else [*s.tables, table]

    def check_table(self, sheet: str, name: str, n_rows: int, header: Sequence[CellValue]) -> None:
        s = self._find(sheet)
        if s is not None:
            self._table_target(s, name, n_rows, len(header), header)

    def _table_target(self, s: _Open, name: str, n_rows: int, n_cols: int,
                      header: Sequence[CellValue]) -> Table | None:
        """Check a table ``name`` over A1:(n_rows, n_cols) can be made on ``s`` (as the file ports check it);
        the table of that name already there, or None."""
        sheet = s.name
        if not 1 <= n_rows <= MAX_ROW or not 1 <= n_cols <= MAX_COL:
            raise WorkbookError(f"table {name} cannot have {n_rows} rows and {n_cols} columns.", sheet=sheet)
        problem = table_name_problem(name)
        if problem:
            raise WorkbookError(f"{name!r} cannot be a table name: {problem}.", sheet=sheet)
        header_names(header, n_cols, name, sheet)
        folded = name.casefold()
        for other in self._sheets:
            for t in other.tables:
                if t.name.casefold() == folded and other is not s:
                    raise WorkbookError(f"a table named {t.name} already exists on sheet {other.name}.",
                                        sheet=sheet)
        mine = next((t for t in s.tables if t.name.casefold() == folded), None)
        for t in s.tables:  # every table here starts at A1, so any other one on the sheet is in the way
            if t is not mine:
                raise WorkbookError(f"table {name} would overlap table {t.name} "
                                    f"(A1:{column_letter(t.n_cols)}{max(t.n_rows, 2)}). Move that table away from "
                                    "this one and try again.", sheet=sheet)
        return mine

    def tables(self, sheet: str) -> list[Table]:
        """The tables on ``sheet`` (for tests: the port itself never reads formatting back)."""
        return list(self._sheet(sheet).tables)

    # ----------------------------------------------------------------------------------------- formatting

    def set_column(self, sheet: str, column: int, *, width: float | None = None,
                   hidden: bool | None = None) -> None:
        s = self._sheet(sheet)
        check_column(column, sheet)
        if width is not None and not 0 <= width <= 255:
            raise WorkbookError(f"a column width must be between 0 and 255 (got {width}).", sheet=sheet,
                                field=column_letter(column))
        if width is not None:
            s.widths[column] = width
        if hidden is not None:
            (s.hidden.add if hidden else s.hidden.discard)(column)

    def set_dropdown(self, sheet: str, column: int, first_row: int, last_row: int, choices: Sequence[str]) -> None:
        s = self._sheet(sheet)
        joined = check_dropdown(sheet, column, first_row, last_row, choices)
        kept: list[tuple[int, Dropdown]] = []
        for col, d in s.dropdowns:  # the rows outside the new range keep the dropdown they had
            if col != column or d.last_row < first_row or last_row < d.first_row:
                kept.append((col, d))
                continue
            if d.first_row < first_row:
                kept.append((col, replace(d, last_row=first_row - 1)))
            if last_row < d.last_row:
                kept.append((col, replace(d, first_row=last_row + 1)))
        if joined:
            kept.append((column, Dropdown(first_row, last_row, joined)))
        s.dropdowns = kept

    def dropdowns(self, sheet: str) -> list[tuple[int, Dropdown]]:
        """(column, dropdown) on ``sheet`` (for tests)."""
        return list(self._sheet(sheet).dropdowns)

    def columns(self, sheet: str) -> tuple[dict[int, float], set[int]]:
        """Column widths and hidden columns on ``sheet`` (for tests)."""
        s = self._sheet(sheet)
        return dict(s.widths), set(s.hidden)

    def freeze_header(self, sheet: str) -> None:
        self._sheet(sheet).frozen_header = True

    def header_frozen(self, sheet: str) -> bool:
        return self._sheet(sheet).frozen_header

    # ----------------------------------------------------------------------------------------- saving

    def check_save(self) -> None:
        """Raise the error :meth:`save` would raise: read-only, no visible sheet, or saved by another workbook
        open at the same location since this one was read."""
        self._check_saveable()
        if self._saved.generation != self._loaded:
            raise ChangedOnDisk(f"{self.label} was saved by someone else after Customer Manager read it; saving "
                                "now would lose the edits made there, so nothing was saved over it. Run the command "
                                "again: it starts from the version saved there.")

    def _check_saveable(self) -> None:
        if not self.writable:
            raise WorkbookError(f"{self.label} was opened read-only; it cannot be saved.")
        if not self._sheets:
            raise WorkbookError(f"{self.label} has no sheets; add one before saving.")
        if not any(s.visibility == "visible" for s in self._sheets):
            raise WorkbookError(f"{self.label} has no visible sheet; Excel needs at least one.")

    def save(self) -> None:
        """Keep the content at this location: whole, in one step, or not at all."""
        self.check_save()
        self._store(self._saved)

    def save_as(self, location: str) -> None:
        """Keep the content at ``location`` (a new one, or over what is there, as Excel's Save As replaces a
        file), which this workbook is open at from now on."""
        _check_location(location)
        self._check_saveable()
        saved = _SAVED.get(location)
        if saved is None:
            saved = _Saved()
            _SAVED[location] = saved
        self._store(saved)
        self.location = self.label = location

    def _store(self, saved: _Saved) -> None:
        saved.sheets = tuple(s.saved() for s in self._sheets)
        saved.generation += 1
        self._saved, self._loaded = saved, saved.generation


def _check_location(location: str) -> None:
    if not in_memory(location) or len(location) == len(MEMORY):
        raise WorkbookError(f"{location!r} is not a location in memory (memory:NAME).")


def _check_cells(sheet: str, new: list[list[CellValue]], changed: dict[int, list[int]]) -> None:
    header = new[0] if new else []
    for r, cols in changed.items():
        row = new[r - 1] if r <= len(new) else []
        for c in cols:
            refused = value_refusal(row[c - 1] if c <= len(row) else None, header, r, c, sheet)
            if refused is not None:
                raise refused
