"""An in-memory double of the xlwings objects the add-in uses (App, Book, Sheets, Sheet, Range, tables,
dropdowns), over fake_excel's model of what Excel does with values.

Faithful to xlwings 0.37 and Excel for the calls the add-in makes, strict where they are strict:

* ``Range.value`` gives a scalar for one cell, a flat list for one row or column and a list of rows
  otherwise, unless ``options(ndim=2)``; numbers as floats; error values as None (their text with
  ``err_to_str=True``). Assigning None empties a cell; a ``datetime.time`` cannot be sent, as in pywin32.
* ``Range.formula``: a string for one cell, a tuple of row tuples for more (a COM array; lists on a Mac).
* ``Sheets.add`` refuses a name in use and activates the new sheet; Excel refuses to hide the last visible
  sheet, to delete a very hidden one, to activate a hidden one, or to select on an inactive sheet.
* ``Tables`` and ``Range.data_validation`` as xlwings has them, Excel's rules on table names included.
* ``.api``: the COM members on Windows (``Visible`` -1/0/2, ``ActiveWindow``), the AppleScript ones on a
  Mac (``visible.get()``/``.set(keyword)``, ``active_window``), for the ``platform`` the app was made with.

Every call that is a round trip to Excel in real xlwings is counted in ``app.calls``, by name.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from openpyxl.utils import column_index_from_string, get_column_letter

from .fake_excel import Cell, CellError, ComError, from_com, value_of

MAC_KEYWORDS = SimpleNamespace(sheet_visible=object(), sheet_hidden=object(), sheet_very_hidden=object())
_WIN_VISIBLE = {"visible": -1, "hidden": 0, "veryHidden": 2}


class XlwingsError(Exception):
    """What xlwings raises for a call it refuses itself."""


class App:
    """The Excel application: status bar, alerts, screen updating, calculation, and the call counter."""

    def __init__(self, platform: str = "win", list_separator: str = ",") -> None:
        self.platform = platform
        self.list_separator = list_separator
        self.calls: Counter[str] = Counter()
        self.books: list[Book] = []
        self.alerts: list[dict[str, Any]] = []
        self.answers: list[str] = []  # what the user clicks in the next message boxes
        self.status_history: list[str | bool] = []
        self._status_bar: str | bool = False
        self._screen_updating = True
        self._calculation = "automatic"
        self.fail_alerts = False

    def count(self, what: str) -> None:
        self.calls[what] += 1

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def book(self, name: str = "Book1", folder: Path | None = None) -> Book:
        book = Book(self, name, folder)
        self.books.append(book)
        return book

    @property
    def status_bar(self) -> str | bool:
        self.count("App.status_bar")
        return self._status_bar

    @status_bar.setter
    def status_bar(self, value: str | bool) -> None:
        self.count("App.status_bar=")
        self._status_bar = value
        self.status_history.append(value)

    @property
    def screen_updating(self) -> bool:
        self.count("App.screen_updating")
        return self._screen_updating

    @screen_updating.setter
    def screen_updating(self, value: bool) -> None:
        self.count("App.screen_updating=")
        self._screen_updating = bool(value)

    @property
    def calculation(self) -> str:
        self.count("App.calculation")
        return self._calculation

    @calculation.setter
    def calculation(self, value: str) -> None:
        if value not in ("automatic", "manual", "semiautomatic"):
            raise ValueError(value)
        self.count("App.calculation=")
        self._calculation = value

    def alert(self, prompt: str, title: str | None = None, buttons: str = "ok", mode: str | None = None,
              callback: str | None = None) -> str:
        self.count("App.alert")
        if self.fail_alerts:
            raise ComError("Excel is not responding")
        if buttons not in ("ok", "ok_cancel", "yes_no", "yes_no_cancel") or mode not in (None, "info", "critical"):
            raise ValueError((buttons, mode))
        self.alerts.append({"prompt": prompt, "title": title, "buttons": buttons, "mode": mode})
        default = {"ok": "ok", "ok_cancel": "ok", "yes_no": "yes", "yes_no_cancel": "yes"}[buttons]
        return self.answers.pop(0) if self.answers else default

    @property
    def api(self) -> Any:
        return _WinAppApi(self) if self.platform == "win" else _MacAppApi(self)

    @property
    def active_book(self) -> Book:
        return self.books[-1]


class Name:
    def __init__(self, book: Book, name: str) -> None:
        self._book, self._name = book, name

    @property
    def name(self) -> str:
        self._book.app.count("Name.name")
        return self._name


class Book:
    def __init__(self, app: App, name: str, folder: Path | None) -> None:
        self.app = app
        self._name = name
        self._folder = folder
        self._sheets: list[Sheet] = [Sheet(self, "Sheet1")]
        self._active = self._sheets[0]
        self.defined_names: list[str] = []
        self.saves = 0
        self.fail_save: str | None = None

    @property
    def name(self) -> str:
        self.app.count("Book.name")
        return self._name

    @property
    def fullname(self) -> str:
        self.app.count("Book.fullname")
        return str(self._folder / self._name) if self._folder else self._name

    @property
    def sheets(self) -> Sheets:
        self.app.count("Book.sheets")
        return Sheets(self)

    @property
    def names(self) -> list[Name]:
        self.app.count("Book.names")
        return [Name(self, n) for n in self.defined_names]

    def save(self, path: str | None = None) -> None:
        self.app.count("Book.save")
        if self.fail_save:
            raise ComError(self.fail_save)
        self.saves += 1

    # test helpers (no Excel call)
    def sheet(self, name: str) -> Sheet:
        return next(s for s in self._sheets if s._name.casefold() == name.casefold())

    def sheet_names(self) -> list[str]:
        return [s._name for s in self._sheets]

    def _all_tables(self) -> list[Table]:
        return [t for s in self._sheets for t in s._tables]


class Sheets:
    def __init__(self, book: Book) -> None:
        self._book = book

    def __len__(self) -> int:
        self._book.app.count("Sheets.count")
        return len(self._book._sheets)

    def __iter__(self) -> Iterator[Sheet]:
        for sheet in list(self._book._sheets):
            self._book.app.count("Sheets.item")
            yield sheet

    def __getitem__(self, key: int | str) -> Sheet:
        self._book.app.count("Sheets.item")
        sheets = self._book._sheets
        if isinstance(key, int):
            return sheets[key]
        for sheet in sheets:
            if sheet._name.casefold() == key.casefold():
                return sheet
        raise ComError(f"Subscript out of range: no sheet {key!r}")

    @property
    def active(self) -> Sheet:
        self._book.app.count("Sheets.active")
        return self._book._active

    def add(self, name: str | None = None, before: Sheet | None = None, after: Sheet | None = None) -> Sheet:
        book = self._book
        if name is not None and name.lower() in (s._name.lower() for s in book._sheets):
            raise ValueError(f"Sheet named '{name}' already present in workbook")
        book.app.count("Sheets.add")
        sheet = Sheet(book, name or f"Sheet{len(book._sheets) + 1}")
        if after is not None:
            book._sheets.insert(book._sheets.index(after) + 1, sheet)
        elif before is not None:
            book._sheets.insert(book._sheets.index(before), sheet)
        else:
            book._sheets.insert(book._sheets.index(book._active), sheet)
        book._active = sheet
        return sheet


class Sheet:
    def __init__(self, book: Book, name: str) -> None:
        self.book = book
        self._name = name
        self.state = "visible"
        self.cells: dict[tuple[int, int], Cell] = {}
        self.widths: dict[int, float] = {}
        self.hidden_columns: set[int] = set()
        self.validations: dict[tuple[int, int], tuple[str, str]] = {}  # cell -> (type, formula1)
        self._tables: list[Table] = []
        self.frozen_rows = 0
        self.selection: tuple[int, int] | None = None

    def __repr__(self) -> str:
        return f"<Sheet [{self.book._name}]{self._name}>"

    @property
    def name(self) -> str:
        self.book.app.count("Sheet.name")
        return self._name

    @property
    def api(self) -> Any:
        return _WinSheetApi(self) if self.book.app.platform == "win" else _MacSheetApi(self)

    @property
    def tables(self) -> Tables:
        self.book.app.count("Sheet.tables")
        return Tables(self)

    @property
    def used_range(self) -> Range:
        self.book.app.count("Sheet.used_range")
        keys = [*self.cells, *self.validations]
        if not keys:
            return Range(self, 1, 1, 1, 1)
        rows, cols = [r for r, _ in keys], [c for _, c in keys]
        return Range(self, min(rows), min(cols), max(rows), max(cols))

    def range(self, cell1: tuple[int, int] | str, cell2: tuple[int, int] | None = None) -> Range:
        self.book.app.count("Sheet.range")
        if isinstance(cell1, str):
            raise NotImplementedError("the double takes (row, column) tuples")
        r1, c1 = cell1
        r2, c2 = cell2 or cell1
        if min(r1, c1, r2, c2) < 1:
            raise ComError(f"Method 'Range' of object '_Worksheet' failed ({cell1}, {cell2})")
        return Range(self, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))

    def activate(self) -> None:
        self.book.app.count("Sheet.activate")
        if self.state != "visible":
            raise ComError("Activate method of Worksheet class failed")
        self.book._active = self

    def delete(self) -> None:
        self.book.app.count("Sheet.delete")
        if self.state == "veryHidden":
            raise ComError("Delete method of Worksheet class failed")
        others = [s for s in self.book._sheets if s is not self and s.state == "visible"]
        if not others:
            raise ComError("A workbook must contain at least one visible worksheet")
        self.book._sheets.remove(self)
        if self.book._active is self:
            self.book._active = others[0]

    # helpers (no Excel call)
    def set_state(self, state: str) -> None:
        if state != "visible" and not any(s is not self and s.state == "visible" for s in self.book._sheets):
            raise ComError("Unable to set the Visible property of the Worksheet class")
        self.state = state
        if state != "visible" and self.book._active is self:
            self.book._active = next(s for s in self.book._sheets if s.state == "visible")

    def value_at(self, letters: str, row: int) -> Any:
        value = value_of(self.cells.get((row, column_index_from_string(letters))), self.value_at)
        if isinstance(value, CellError):
            raise value
        return value

    def typed(self, grid: list[list[Any]], row: int = 1, column: int = 1) -> None:
        """Type values in as a user would (text parsed by Excel), from ``row``, ``column`` (no Excel call)."""
        Range(self, row, column, row + len(grid) - 1, column + max(len(r) for r in grid) - 1).set_raw(grid)

    def grid(self) -> list[list[Any]]:
        """The sheet's values from A1, as ``Range.value`` shows them (no Excel call)."""
        if not self.cells:
            return []
        rows, cols = max(r for r, _ in self.cells), max(c for _, c in self.cells)
        return Range(self, 1, 1, rows, cols, {"ndim": 2}).read_values()


class Range:
    def __init__(self, sheet: Sheet, r1: int, c1: int, r2: int, c2: int, options: dict[str, Any] | None = None
                 ) -> None:
        self.sheet = sheet
        self.r1, self.c1, self.r2, self.c2 = r1, c1, r2, c2
        self._options = options or {}

    def _count(self, what: str) -> None:
        self.sheet.book.app.count(what)

    def options(self, **options: Any) -> Range:
        unknown = set(options) - {"ndim", "err_to_str"}
        if unknown:
            raise NotImplementedError(unknown)
        return Range(self.sheet, self.r1, self.c1, self.r2, self.c2, {**self._options, **options})

    def _positions(self) -> list[list[tuple[int, int]]]:
        return [[(r, c) for c in range(self.c1, self.c2 + 1)] for r in range(self.r1, self.r2 + 1)]

    def _shape(self, rows: list[list[Any]]) -> Any:
        if self._options.get("ndim") == 2:
            return rows
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        if len(rows) == 1:
            return rows[0]
        if all(len(r) == 1 for r in rows):
            return [r[0] for r in rows]
        return rows

    @property
    def value(self) -> Any:
        self._count("Range.value")
        return self.read_values()

    def read_values(self) -> Any:
        err_to_str = self._options.get("err_to_str", False)

        def read(pos: tuple[int, int]) -> Any:
            value = value_of(self.sheet.cells.get(pos), self.sheet.value_at)
            if isinstance(value, CellError):
                return value.code if err_to_str else None
            if value == "":
                return None
            return value

        return self._shape([[read(p) for p in row] for row in self._positions()])

    @value.setter
    def value(self, data: Any) -> None:
        self._count("Range.value=")
        self.set_raw(data)

    def set_raw(self, data: Any) -> None:
        if not isinstance(data, list | tuple):
            rows = [[data]]
        elif data and isinstance(data[0], list | tuple):
            rows = [list(r) for r in data]
        else:
            rows = [list(data)]
        if len({len(r) for r in rows}) > 1:
            raise ComError("a COM array must be rectangular")
        cells = [[from_com(_prepared(v)) for v in row] for row in rows]  # all checked before any is written
        for i, row in enumerate(cells):
            for j, cell in enumerate(row):
                key = (self.r1 + i, self.c1 + j)
                if cell is None:
                    self.sheet.cells.pop(key, None)
                else:
                    self.sheet.cells[key] = cell

    @property
    def formula(self) -> Any:
        self._count("Range.formula")
        rows = [[_formula(self.sheet.cells.get(p)) for p in row] for row in self._positions()]
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        if self.sheet.book.app.platform == "win":
            return tuple(tuple(r) for r in rows)
        return rows

    def clear_contents(self) -> None:
        self._count("Range.clear_contents")
        for row in self._positions():
            for pos in row:
                self.sheet.cells.pop(pos, None)

    @property
    def last_cell(self) -> Range:
        self._count("Range.last_cell")
        return Range(self.sheet, self.r2, self.c2, self.r2, self.c2)

    @property
    def row(self) -> int:
        self._count("Range.row")
        return self.r1

    @property
    def column(self) -> int:
        self._count("Range.column")
        return self.c1

    @property
    def shape(self) -> tuple[int, int]:
        self._count("Range.shape")
        return (self.r2 - self.r1 + 1, self.c2 - self.c1 + 1)

    @property
    def address(self) -> str:
        self._count("Range.address")
        first = f"${get_column_letter(self.c1)}${self.r1}"
        last = f"${get_column_letter(self.c2)}${self.r2}"
        return first if (self.r1, self.c1) == (self.r2, self.c2) else f"{first}:{last}"

    @property
    def column_width(self) -> float | None:
        self._count("Range.column_width")
        widths = {self.sheet.widths.get(c, 8.43) for c in range(self.c1, self.c2 + 1)}
        return widths.pop() if len(widths) == 1 else None

    @column_width.setter
    def column_width(self, value: float) -> None:
        self._count("Range.column_width=")
        if not 0 <= value <= 255:
            raise ComError("Unable to set the ColumnWidth property of the Range class")
        for c in range(self.c1, self.c2 + 1):
            self.sheet.widths[c] = float(value)

    @property
    def columns(self) -> _RangeColumns:
        return _RangeColumns(self)

    @property
    def data_validation(self) -> DataValidation:
        return DataValidation(self)

    def select(self) -> None:
        self._count("Range.select")
        if self.sheet.book._active is not self.sheet:
            raise ComError("Select method of Range class failed")
        self.sheet.selection = (self.r1, self.c1)


class _RangeColumns:
    def __init__(self, rng: Range) -> None:
        self._rng = rng

    @property
    def hidden(self) -> bool | None:
        self._rng._count("RangeColumns.hidden")
        states = {c in self._rng.sheet.hidden_columns for c in range(self._rng.c1, self._rng.c2 + 1)}
        return states.pop() if len(states) == 1 else None

    @hidden.setter
    def hidden(self, value: bool) -> None:
        if not isinstance(value, bool):
            raise TypeError("hidden must be a boolean")
        self._rng._count("RangeColumns.hidden=")
        for c in range(self._rng.c1, self._rng.c2 + 1):
            (self._rng.sheet.hidden_columns.add if value else self._rng.sheet.hidden_columns.discard)(c)


class DataValidation:
    """``Range.data_validation`` (xlwings 0.37.5): list rules joined with the list separator of Excel's locale."""

    def __init__(self, rng: Range) -> None:
        self._rng = rng

    def _cells(self) -> list[tuple[int, int]]:
        return [p for row in self._rng._positions() for p in row]

    @property
    def type(self) -> str:
        self._rng._count("DataValidation.type")
        rules = {self._rng.sheet.validations.get(p) for p in self._cells()}
        if rules == {None}:
            return "none"
        if None in rules:
            return "mixed_criteria"
        return "inconsistent" if len(rules) > 1 else rules.pop()[0]  # type: ignore[index]

    def delete(self) -> None:
        self._rng._count("DataValidation.delete")
        for p in self._cells():
            self._rng.sheet.validations.pop(p, None)

    def set_list(self, source: list[str], *, in_cell_dropdown: bool = True) -> None:
        if isinstance(source, str) or not source:
            raise TypeError("source must be a non-empty sequence, Range, or Name")
        if any("," in s or ";" in s for s in source):
            raise ValueError("list values cannot contain the list separator")
        formula = self._rng.sheet.book.app.list_separator.join(source)
        if len(formula) > 255:
            raise ValueError("the Excel data validation source cannot exceed 255 characters")
        if self.type in ("mixed_criteria", "inconsistent"):
            raise XlwingsError("Cannot update data validation because the target cells have different "
                               "validation rules.")
        self._rng._count("DataValidation.add")
        self._rng._count("DataValidation.in_cell_dropdown=")
        for p in self._cells():
            self._rng.sheet.validations[p] = ("list", formula)

    def choices(self) -> list[str] | None:
        """Test helper: the list on the range's first cell (no Excel call)."""
        rule = self._rng.sheet.validations.get((self._rng.r1, self._rng.c1))
        return None if rule is None else rule[1].split(self._rng.sheet.book.app.list_separator)


class Tables:
    def __init__(self, sheet: Sheet) -> None:
        self._sheet = sheet

    def __iter__(self) -> Iterator[Table]:
        for table in list(self._sheet._tables):
            self._sheet.book.app.count("Tables.item")
            yield table

    def add(self, source: Range | None = None, name: str | None = None, source_type: str | None = None,
            link_source: bool | None = None, has_headers: bool = True, destination: Range | None = None,
            table_style_name: str = "TableStyleMedium2") -> Table:
        if not isinstance(source, Range):
            raise TypeError("'source' must be a Range")
        book = self._sheet.book
        book.app.count("Tables.add")
        taken = {t._name.casefold() for t in book._all_tables()} | {n.casefold() for n in book.defined_names}
        if name is not None and name.casefold() in taken:
            raise ComError(f"A table cannot overlap... the name {name!r} is already taken")
        for other in self._sheet._tables:
            if not (source.r2 < other.r1 or other.r2 < source.r1 or source.c2 < other.c1 or other.c2 < source.c1):
                raise ComError("A table cannot overlap another table.")
        r2 = max(source.r2, source.r1 + 1)  # a table has at least one data row
        seen: set[str] = set()
        for c in range(source.c1, source.c2 + 1):  # Excel makes every header unique text
            cell = self._sheet.cells.get((source.r1, c))
            text = "" if cell is None else cell.formula_text
            if not text or text.casefold() in seen:
                text = f"Column{c - source.c1 + 1}"
                self._sheet.cells[(source.r1, c)] = Cell("text", text)
            seen.add(text.casefold())
        table = Table(self._sheet, name or f"Table{len(book._all_tables()) + 1}", source.r1, source.c1, r2,
                      source.c2, table_style_name)
        self._sheet._tables.append(table)
        return table


class Table:
    def __init__(self, sheet: Sheet, name: str, r1: int, c1: int, r2: int, c2: int, style: str) -> None:
        self._sheet, self._name, self.style = sheet, name, style
        self.r1, self.c1, self.r2, self.c2 = r1, c1, r2, c2

    @property
    def name(self) -> str:
        self._sheet.book.app.count("Table.name")
        return self._name

    @property
    def range(self) -> Range:
        self._sheet.book.app.count("Table.range")
        return Range(self._sheet, self.r1, self.c1, self.r2, self.c2)

    def resize(self, rng: Range) -> None:
        self._sheet.book.app.count("Table.resize")
        if rng.r1 != self.r1 or rng.sheet is not self._sheet:
            raise ComError("The header row must stay in the same row, on the same sheet.")
        self.c1, self.r2, self.c2 = rng.c1, max(rng.r2, rng.r1 + 1), rng.c2

    def bounds(self) -> tuple[int, int, int, int]:
        """Test helper (no Excel call)."""
        return self.r1, self.c1, self.r2, self.c2


def _prepared(value: Any) -> Any:
    """What xlwings makes of one value before COM sees it (``prepare_xl_data_element``)."""
    if value is None:
        return ""
    if type(value) is dt.date:
        return dt.datetime(value.year, value.month, value.day)
    return value


def _formula(cell: Cell | None) -> str:
    return "" if cell is None else cell.formula_text


class _Property:
    """An AppleScript property reference: ``.get()`` and ``.set(value)``."""

    def __init__(self, app: App, name: str, get: Any, set_: Any) -> None:
        self._app, self._name, self._get, self._set = app, name, get, set_

    def get(self) -> Any:
        self._app.count(f"{self._name}.get")
        return self._get()

    def set(self, value: Any) -> None:
        self._app.count(f"{self._name}.set")
        self._set(value)


class _WinSheetApi:
    def __init__(self, sheet: Sheet) -> None:
        self._sheet = sheet

    @property
    def Visible(self) -> int:  # COM names
        self._sheet.book.app.count("Worksheet.Visible")
        return _WIN_VISIBLE[self._sheet.state]

    @Visible.setter
    def Visible(self, value: int) -> None:
        self._sheet.book.app.count("Worksheet.Visible=")
        states = {-1: "visible", 1: "visible", 0: "hidden", 2: "veryHidden"}
        if value not in states:
            raise ComError("Unable to set the Visible property of the Worksheet class")
        self._sheet.set_state(states[int(value)])


class _MacSheetApi:
    def __init__(self, sheet: Sheet) -> None:
        self._sheet = sheet

    @property
    def visible(self) -> _Property:
        by_state = {"visible": MAC_KEYWORDS.sheet_visible, "hidden": MAC_KEYWORDS.sheet_hidden,
                    "veryHidden": MAC_KEYWORDS.sheet_very_hidden}

        def set_(value: Any) -> None:
            state = next((s for s, k in by_state.items() if k is value), None)
            if state is None:
                raise ComError(f"Can't make {value!r} into type constant")
            self._sheet.set_state(state)

        return _Property(self._sheet.book.app, "sheet.visible", lambda: by_state[self._sheet.state], set_)


class _Window:
    """The active window: its panes belong to the sheet it shows."""

    def __init__(self, app: App) -> None:
        self._app = app
        self._split_row = 0

    @property
    def _sheet(self) -> Sheet:
        return self._app.active_book._active


class _WinWindow(_Window):
    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
            return
        self._app.count(f"Window.{name}=")
        if name == "SplitRow":
            self._split_row = int(value)
        elif name == "FreezePanes":
            self._sheet.frozen_rows = self._split_row if value else 0
        elif name != "SplitColumn":
            raise AttributeError(name)


class _WinAppApi:
    def __init__(self, app: App) -> None:
        self._app = app

    @property
    def ActiveWindow(self) -> _WinWindow:
        self._app.count("Application.ActiveWindow")
        return _WinWindow(self._app)


class _MacAppApi:
    def __init__(self, app: App) -> None:
        self._app = app

    @property
    def active_window(self) -> SimpleNamespace:
        self._app.count("application.active_window")
        window = _Window(self._app)

        def freeze(value: bool) -> None:
            window._sheet.frozen_rows = window._split_row if value else 0

        return SimpleNamespace(
            freeze_panes=_Property(self._app, "window.freeze_panes", lambda: window._sheet.frozen_rows > 0, freeze),
            split_row=_Property(self._app, "window.split_row", lambda: window._split_row,
                                lambda v: setattr(window, "_split_row", int(v))),
            split_column=_Property(self._app, "window.split_column", lambda: 0, lambda v: None),
        )
