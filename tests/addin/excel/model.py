"""A fake Excel: the state both platform object models (``com.py``, ``applescript.py``) act on.

Excel's rules the add-in meets are kept here, once for both platforms: a workbook keeps one visible sheet,
a very hidden sheet cannot be deleted or activated, a table needs unique text headers and a data row and
cannot overlap another, a selection needs the active sheet, text assigned to a cell is parsed as typed
(``cells.py``), a read-only workbook cannot be saved under its own name. What differs between the
platforms (how values come back, how calls are counted) is in the object models.

Where only a real Excel can say which of two behaviours it has, ``Excel.readings`` picks one, and the
tests run under each (see docs/excel-addin.md, "What is verified without Excel").
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from .cells import TEXT, Cell, CellError, Refused, from_com, typed, value_of
from .platforms import RUNNING

VISIBILITIES = ("visible", "hidden", "veryHidden")
#: What only a real Excel can settle (issue "work under every reading"), and the readings the tests try.
READINGS = {
    "international": ("item", "array"),  # Windows: Application.International[5] is the separator / the 45-array
    "intersect": ("range", "missing"),  # Mac: intersect of disjoint ranges gives a range / missing value
    "one_row": ("rows", "flat"),  # Mac: a one-row, many-column range reads as [[...]] / a flat [...]
}
#: Windows' Application.International array, 0-based as pywin32 hands it over (xlListSeparator is item 5).
INTERNATIONAL = ("1", "0", ".", ",", ",", "R", "C", "r", "c", "[", "]", "{", "}", "/", ":", "/", "/", "/")
_ids = itertools.count(0x1000)


class Excel:
    """The application: its workbooks, status bar, message boxes, and every call made to it, counted."""

    def __init__(self, platform: str, **readings: str) -> None:
        if platform not in ("win", "mac"):
            raise ValueError(platform)
        self.platform = platform
        self.readings = {key: choices[0] for key, choices in READINGS.items()}
        for key, value in readings.items():
            if value not in READINGS[key]:
                raise ValueError((key, value))
            self.readings[key] = value
        self.id = next(_ids)  # the window handle on Windows, the process id on a Mac
        RUNNING[self.id] = self
        self.calls: Counter[str] = Counter()
        self.books: list[Workbook] = []
        self.alerts: list[dict[str, Any]] = []
        self.answers: list[str] = []  # what the bookkeeper clicks in the next message boxes
        self.status_history: list[str | bool] = []
        self.status_bar: str | bool = False
        self.screen_updating = True
        self.calculation = "automatic"
        self.display_alerts = True
        self.list_separator = ","
        self.fail_alerts = False

    def count(self, call: str) -> None:
        self.calls[call] += 1

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def cell_calls(self, kind: str) -> int:
        """Calls that read values, read formulas or write cells ("values", "formulas", "writes")."""
        names = {"win": {"values": ("Range.Value",), "formulas": ("Range.Formula",),
                         "writes": ("Range.Value=", "Range.Formula=", "Range.Formula2=")},
                 "mac": {"values": ("Rng.value.get",), "formulas": ("Rng.formula.get",),
                         "writes": ("Rng.value.set", "Rng.formula.set", "Rng.formula2.set")}}
        return sum(self.calls[name] for name in names[self.platform][kind])

    def open(self, name: str = "Book1", folder: Path | None = None, *, url: str | None = None,
             read_only: bool = False) -> Workbook:
        """A workbook open in Excel, with one empty sheet: saved in ``folder``, kept at ``url``, or never saved."""
        book = Workbook(self, name, folder, url, read_only)
        self.books.append(book)
        return book

    def set_status(self, value: str | bool) -> None:
        self.status_bar = value
        self.status_history.append(value)

    def alert(self, prompt: str, title: str, buttons: str, mode: str) -> str:
        """A message box: recorded, answered with the next of ``answers`` (OK or Yes when none is given)."""
        if self.fail_alerts:
            raise Refused("Excel is not responding")
        self.alerts.append({"prompt": prompt, "title": title, "buttons": buttons, "mode": mode})
        default = {"ok": "ok", "ok_cancel": "ok", "yes_no": "yes", "yes_no_cancel": "yes"}[buttons]
        answer = self.answers.pop(0) if self.answers else default
        if answer not in buttons.split("_"):
            raise AssertionError(f"{answer!r} is not a button of a {buttons} message box")
        return answer

    def message_box(self, prompt: str, title: str, style: int) -> int:
        """win32api.MessageBox, as xlwings' Windows ``alert`` calls it."""
        buttons = {0: "ok", 1: "ok_cancel", 3: "yes_no_cancel", 4: "yes_no"}[style & 0x0F]
        mode = {0x40: "info", 0x30: "critical", 0: "info"}[style & 0xF0]
        self.count("MessageBox")
        return {"ok": 1, "cancel": 2, "yes": 6, "no": 7}[self.alert(prompt, title, buttons, mode)]

    def display_alert(self, title: str, message: str, buttons: Any, as_: Any) -> str:
        """Standard Additions' ``display alert``, as xlwings' Mac ``alert`` calls it."""
        self.count("display_alert")
        names = [buttons] if isinstance(buttons, str) else list(buttons)
        kind = {("OK",): "ok", ("Cancel", "OK"): "ok_cancel", ("No", "Yes"): "yes_no",
                ("Cancel", "No", "Yes"): "yes_no_cancel"}[tuple(names)]
        mode = {"informational": "info", "critical": "critical"}[as_.name]
        answer = self.alert(message, title, kind, mode)
        return "OK" if answer == "ok" else answer.capitalize()

    @property
    def active_book(self) -> Workbook:
        return self.books[-1]


@dataclass(eq=False)
class Workbook:
    excel: Excel
    name: str
    folder: Path | None
    url: str | None
    read_only: bool
    sheets: list[Worksheet] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # workbook-level defined names
    saves: int = 0
    fail_save: str = ""  # Excel refuses to save with this message
    active: Worksheet | None = None

    def __post_init__(self) -> None:
        self.sheets.append(Worksheet(self, "Sheet1"))
        self.active = self.sheets[0]

    @property
    def full_name(self) -> str:
        """``Workbook.FullName``: the file, the web address of a cloud workbook, or just the name if never saved."""
        if self.url:
            return f"{self.url.rstrip('/')}/{self.name}"
        return str(self.folder / self.name) if self.folder else self.name

    @property
    def path(self) -> str:
        """``Workbook.Path``: the folder, or '' for a workbook never saved."""
        if self.url:
            return self.url
        return str(self.folder) if self.folder else ""

    def sheet(self, name: str) -> Worksheet:
        """The sheet called ``name`` (test helper: no call)."""
        found = self.find(name)
        if found is None:
            raise KeyError(name)
        return found

    def find(self, name: str) -> Worksheet | None:
        return next((s for s in self.sheets if s.name.casefold() == str(name).casefold()), None)

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.sheets]

    def item(self, key: int | str) -> Worksheet:
        if isinstance(key, int):
            if not 1 <= key <= len(self.sheets):
                raise Refused(f"Subscript out of range ({key})")
            return self.sheets[key - 1]
        found = self.find(key)
        if found is None:
            raise Refused(f"Subscript out of range ({key!r})")
        return found

    def add_sheet(self, before: Worksheet | None = None, after: Worksheet | None = None) -> Worksheet:
        taken = {s.name.casefold() for s in self.sheets}
        n = next(i for i in itertools.count(len(self.sheets) + 1) if f"sheet{i}" not in taken)
        sheet = Worksheet(self, f"Sheet{n}")
        where = self.sheets.index(before) if before else self.sheets.index(after) + 1 if after else 0
        self.sheets.insert(where, sheet)
        self.active = sheet  # Excel shows a new sheet
        return sheet

    def tables(self) -> list[ListObject]:
        return [t for s in self.sheets for t in s.tables]

    def save(self) -> None:
        if self.fail_save:
            raise Refused(self.fail_save)
        if self.read_only:
            raise Refused(f"Cannot save as that name. Document was opened as read-only ({self.name}).")
        if not self.folder and not self.url:
            raise Refused("A workbook never saved has no file to save to.")
        self.saves += 1


@dataclass(eq=False)
class Validation:
    r1: int
    c1: int
    r2: int
    c2: int
    formula1: str
    type: str = "list"
    in_cell_dropdown: bool = True

    def covers(self, r: int, c: int) -> bool:
        return self.r1 <= r <= self.r2 and self.c1 <= c <= self.c2


@dataclass(eq=False)
class ListObject:
    sheet: Worksheet
    name: str
    r1: int
    c1: int
    r2: int
    c2: int
    style: str

    def bounds(self) -> tuple[int, int, int, int]:
        return self.r1, self.c1, self.r2, self.c2


@dataclass(eq=False)
class Worksheet:
    book: Workbook
    name: str
    visibility: str = "visible"
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    tables: list[ListObject] = field(default_factory=list)
    validations: list[Validation] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)
    hidden_columns: set[int] = field(default_factory=set)
    frozen_rows: int = 0
    selection: tuple[int, int] = (1, 1)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # merged areas: r1, c1, r2, c2
    formats: dict[tuple[int, int], str] = field(default_factory=dict)  # number formats other than General

    def number_format(self, r: int, c: int) -> str:
        return self.formats.get((r, c), "General")

    def set_number_format(self, r1: int, c1: int, r2: int, c2: int, code: str) -> None:
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if code == "General":
                    self.formats.pop((r, c), None)
                else:
                    self.formats[(r, c)] = code

    def rename(self, name: str) -> None:
        if not name or len(name) > 31 or any(ch in name for ch in "[]:*?/\\"):
            raise Refused(f"You typed an invalid name for a sheet ({name!r}).")
        other = self.book.find(name)
        if other is not None and other is not self:
            raise Refused("That name is already taken. Try a different one.")
        self.name = name

    def set_visibility(self, visibility: str) -> None:
        if visibility not in VISIBILITIES:
            raise Refused(f"Unable to set the Visible property ({visibility!r})")
        if visibility != "visible" and not self._others_visible():
            raise Refused("Unable to set the Visible property of the Worksheet class")
        self.visibility = visibility
        if visibility != "visible" and self.book.active is self:
            self.book.active = next(s for s in self.book.sheets if s.visibility == "visible")

    def _others_visible(self) -> bool:
        return any(s is not self and s.visibility == "visible" for s in self.book.sheets)

    def activate(self) -> None:
        if self.visibility != "visible":
            raise Refused("Activate method of Worksheet class failed")
        self.book.active = self

    def delete(self) -> None:
        if self.visibility == "veryHidden":
            raise Refused("Delete method of Worksheet class failed")
        if not self._others_visible() and self.visibility == "visible":
            raise Refused("A workbook must contain at least one visible worksheet.")
        self.book.sheets.remove(self)
        if self.book.active is self:
            self.book.active = next(s for s in self.book.sheets if s.visibility == "visible")

    def used_range(self) -> tuple[int, int, int, int]:
        """``UsedRange``: from the first to the last cell holding a value, a rule or a table (A1 if none)."""
        rows = [r for r, _ in self.cells] + [v.r1 for v in self.validations] + [v.r2 for v in self.validations]
        cols = [c for _, c in self.cells] + [v.c1 for v in self.validations] + [v.c2 for v in self.validations]
        for t in self.tables:
            rows += [t.r1, t.r2]
            cols += [t.c1, t.c2]
        if not rows:
            return 1, 1, 1, 1
        return min(rows), min(cols), max(rows), max(cols)

    # ------------------------------------------------------------------------------------------- values

    def value(self, r: int, c: int) -> Any:
        """What ``Range.Value`` holds for one cell: a CellError for an error value."""
        return value_of(self.cells.get((r, c)), self._ref_value)

    def _ref_value(self, letters: str, row: int) -> Any:
        from openpyxl.utils import column_index_from_string

        value = self.value(row, column_index_from_string(letters))
        if isinstance(value, CellError):
            raise value
        return value

    def formula(self, r: int, c: int) -> str:
        cell = self.cells.get((r, c))
        return "" if cell is None else cell.formula_text

    def assign(self, r1: int, c1: int, r2: int, c2: int, data: Any) -> None:
        """Assign ``data`` (a scalar, or rows) to the range as Excel does: a scalar fills it, rows fill it from
        its first cell (a row or column too short leaves #N/A, as Excel does)."""
        rows = data if isinstance(data, list | tuple) else None
        if rows is not None and rows and not isinstance(rows[0], list | tuple):
            rows = [rows]  # a flat sequence fills one row
        new: dict[tuple[int, int], Cell | None] = {}
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if rows is None:
                    item = data
                else:
                    i, j = r - r1, c - c1
                    item = rows[i][j] if i < len(rows) and j < len(rows[i]) else "#N/A"
                new[(r, c)] = from_com(item, as_text=self.number_format(r, c) == TEXT)
        self._check_merged(r1, c1, r2, c2)
        self._check_tables(new)
        for key, cell in new.items():
            if cell is None:
                self.cells.pop(key, None)
            else:
                self.cells[key] = cell

    def _check_tables(self, new: dict[tuple[int, int], Cell | None]) -> None:
        for t in self.tables:
            for c in range(t.c1, t.c2 + 1):
                if (t.r1, c) in new:
                    cell = new[(t.r1, c)]
                    if cell is None or cell.kind != "text":  # Excel puts back a ColumnN header
                        new[(t.r1, c)] = Cell("text", f"Column{c - t.c1 + 1}")

    def clear(self, r1: int, c1: int, r2: int, c2: int) -> None:
        self._check_merged(r1, c1, r2, c2)
        for key in [k for k in self.cells if r1 <= k[0] <= r2 and c1 <= k[1] <= c2]:
            if any(t.r1 == key[0] and t.c1 <= key[1] <= t.c2 for t in self.tables):
                self.cells[key] = Cell("text", f"Column{key[1]}")
            else:
                del self.cells[key]

    def typed(self, grid: list[list[Any]], row: int = 1, column: int = 1) -> None:
        """The bookkeeper types ``grid`` in from ``row``, ``column`` (test helper: no call)."""
        for i, values in enumerate(grid):
            for j, value in enumerate(values):
                as_text = self.number_format(row + i, column + j) == TEXT
                cell = (None if value is None else typed(value, as_text) if isinstance(value, str)
                        else from_com(value))
                if cell is None:
                    self.cells.pop((row + i, column + j), None)
                else:
                    self.cells[(row + i, column + j)] = cell

    def grid(self) -> list[list[Any]]:
        """The sheet's values from A1 as the bookkeeper sees them, errors as their text (test helper)."""
        if not self.cells:
            return []
        rows, cols = max(r for r, _ in self.cells), max(c for _, c in self.cells)
        out = []
        for r in range(1, rows + 1):
            row = []
            for c in range(1, cols + 1):
                value = self.value(r, c)
                if isinstance(value, CellError):
                    value = value.code
                elif isinstance(value, float) and value.is_integer():
                    value = int(value)
                row.append(value)
            out.append(row)
        return out

    # ------------------------------------------------------------------------------------------- merged cells

    def _check_merged(self, r1: int, c1: int, r2: int, c2: int) -> None:
        """Excel refuses to change part of a merged area ("We can't do that to a merged cell", error 1004).
        A write over whole merged areas or to a merged area's single first cell is refused here too: what a
        real Excel does then (keep the first value, or ignore the write) is not settled, and the add-in
        writes no merged cells either way."""
        if any(_meets(area, r1, c1, r2, c2) for area in self.merged):
            raise Refused("We can't do that to a merged cell.")

    def merge(self, r1: int, c1: int, r2: int, c2: int, across: bool = False) -> None:
        """Home > Merge & Center: the areas the range meets become one (one per row ``across``), keeping the
        first cell's value only."""
        for area in [a for a in self.merged if _meets(a, r1, c1, r2, c2)]:
            self.merged.remove(area)
            r1, c1, r2, c2 = min(r1, area[0]), min(c1, area[1]), max(r2, area[2]), max(c2, area[3])
        for rows in ([(r, r) for r in range(r1, r2 + 1)] if across else [(r1, r2)]):
            if (rows[0], c1) == (rows[1], c2):
                continue  # one cell: nothing to merge
            for key in [k for k in self.cells if rows[0] <= k[0] <= rows[1] and c1 <= k[1] <= c2
                        and k != (rows[0], c1)]:
                del self.cells[key]
            self.merged.append((rows[0], c1, rows[1], c2))

    def unmerge(self, r1: int, c1: int, r2: int, c2: int) -> None:
        """Unmerge Cells: every merged area the range meets becomes single cells again."""
        self.merged = [a for a in self.merged if not _meets(a, r1, c1, r2, c2)]

    def merge_cells(self, r1: int, c1: int, r2: int, c2: int) -> bool | None:
        """``Range.MergeCells``: True if the range is inside one merged area or made of whole ones that cover
        it, False if it meets none, None (Null) when partly merged."""
        met = [a for a in self.merged if _meets(a, r1, c1, r2, c2)]
        if not met:
            return False
        covered = sum((min(r2, a[2]) - max(r1, a[0]) + 1) * (min(c2, a[3]) - max(c1, a[1]) + 1) for a in met)
        return True if covered == (r2 - r1 + 1) * (c2 - c1 + 1) else None

    def merge_area(self, r: int, c: int) -> tuple[int, int, int, int]:
        """``Range.MergeArea`` of one cell: its merged area, or the cell itself."""
        return next((a for a in self.merged if _meets(a, r, c, r, c)), (r, c, r, c))

    # ------------------------------------------------------------------------------------------- rules

    def add_table(self, name: str | None, r1: int, c1: int, r2: int, c2: int, style: str) -> ListObject:
        book = self.book
        taken = {t.name.casefold() for t in book.tables()} | {n.casefold() for n in book.names}
        for other in self.tables:
            if not (r2 < other.r1 or other.r2 < r1 or c2 < other.c1 or other.c2 < c1):
                raise Refused("A table cannot overlap another table.")
        seen: set[str] = set()
        for c in range(c1, c2 + 1):  # Excel makes every header unique text
            text = self.formula(r1, c)
            if not text or text.casefold() in seen:
                text = f"Column{c - c1 + 1}"
                self.cells[(r1, c)] = Cell("text", text)
            seen.add(text.casefold())
        n = next(i for i in itertools.count(len(book.tables()) + 1) if f"table{i}" not in taken)
        table = ListObject(self, f"Table{n}", r1, c1, max(r2, r1 + 1), c2, style)
        self.tables.append(table)
        if name is not None:
            rename_table(table, name)
        return table

    def resize_table(self, table: ListObject, r1: int, c1: int, r2: int, c2: int) -> None:
        if r1 != table.r1:
            raise Refused("The header row must stay in the same row, and the table must overlap the original.")
        table.c1, table.r2, table.c2 = c1, max(r2, r1 + 1), c2

    def add_validation(self, r1: int, c1: int, r2: int, c2: int, formula1: str) -> None:
        if any(_overlaps(v, r1, c1, r2, c2) for v in self.validations):
            raise Refused("Application-defined or object-defined error (the cells already have a rule)")
        if not formula1 or len(formula1) > 255:
            raise Refused("Application-defined or object-defined error (Formula1)")
        self.validations.append(Validation(r1, c1, r2, c2, formula1))

    def delete_validation(self, r1: int, c1: int, r2: int, c2: int) -> None:
        kept = []
        for v in self.validations:
            if not _overlaps(v, r1, c1, r2, c2):
                kept.append(v)
                continue
            for rows, cols in (((v.r1, r1 - 1), (v.c1, v.c2)), ((r2 + 1, v.r2), (v.c1, v.c2)),
                               ((max(v.r1, r1), min(v.r2, r2)), (v.c1, c1 - 1)),
                               ((max(v.r1, r1), min(v.r2, r2)), (c2 + 1, v.c2))):
                if rows[0] <= rows[1] and cols[0] <= cols[1]:
                    kept.append(Validation(rows[0], cols[0], rows[1], cols[1], v.formula1))
        self.validations = kept

    def rule_at(self, r: int, c: int) -> Validation | None:
        return next((v for v in self.validations if v.covers(r, c)), None)

    def choices(self, r: int, c: int) -> list[str] | None:
        """The dropdown on a cell as Excel applies it, split by the locale's list separator (test helper)."""
        rule = self.rule_at(r, c)
        return None if rule is None else rule.formula1.split(self.book.excel.list_separator)


def rename_table(table: ListObject, name: str) -> None:
    book = table.sheet.book
    others = {t.name.casefold() for t in book.tables() if t is not table} | {n.casefold() for n in book.names}
    if not name or name.casefold() in others or not (name[0].isalpha() or name[0] in "_\\"):
        raise Refused(f"The name {name!r} is not valid or is already in use.")
    table.name = name


def _meets(area: tuple[int, int, int, int], r1: int, c1: int, r2: int, c2: int) -> bool:
    return not (r2 < area[0] or area[2] < r1 or c2 < area[1] or area[3] < c1)


def _overlaps(v: Validation, r1: int, c1: int, r2: int, c2: int) -> bool:
    return not (r2 < v.r1 or v.r2 < r1 or c2 < v.c1 or v.c2 < c1)


def address(r1: int, c1: int, r2: int | None = None, c2: int | None = None) -> str:
    """``$A$1`` or ``$A$1:$C$3``, as Excel writes an address."""
    first = f"${get_column_letter(c1)}${r1}"
    if r2 is None or c2 is None or (r1, c1) == (r2, c2):
        return first
    return f"{first}:${get_column_letter(c2)}${r2}"
