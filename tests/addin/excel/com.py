"""Excel for Windows' COM object model over the fake Excel, as pywin32's late binding hands it to xlwings.

Each member read, written or called is one round trip to Excel and is counted in ``Excel.calls`` (as
``Class.Member``), so a test sees the calls the real xlwings makes, below its API. Values come back as
pywin32 gives them: a scalar for one cell, a tuple of row tuples for more; numbers as floats; a date as a
timezone-aware ``pywintypes.TimeType``; an error value as its COM error code; an empty cell as None.
A refusal is a ``com_error`` with Excel's message.

A member Excel has not got raises ``com_error`` (unknown name) rather than pywin32's AttributeError: xlwings'
retry wrapper retries an AttributeError forever, which would hang a test instead of failing it.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from collections.abc import Iterator
from typing import Any

from openpyxl.utils import column_index_from_string

from .cells import CellError, Refused
from .model import INTERNATIONAL, Excel, ListObject, Workbook, Worksheet, address, rename_table
from .platforms import CDispatch, TimeType, com_error, ole_error

ERROR_CODES = {"#DIV/0!": -2146826281, "#N/A": -2146826246, "#NAME?": -2146826259, "#NULL!": -2146826288,
               "#NUM!": -2146826252, "#REF!": -2146826265, "#VALUE!": -2146826273}
_VISIBLE_TO_XL = {"visible": -1, "hidden": 0, "veryHidden": 2}
_CALCULATION = {"automatic": -4105, "manual": -4135, "semiautomatic": 2}
_UNKNOWN_NAME = -2147352570


def refused(err: Exception) -> com_error:
    return com_error(-2147352567, "Exception occurred.", (0, "Microsoft Excel", str(err), None, 0, -2146827284),
                     None)


class _OleObj:
    def GetIDsOfNames(self, lcid: int, name: str) -> int:  # noqa: N802 - pywin32's name
        raise ole_error(_UNKNOWN_NAME, "Unknown name.", None, None)


class Com(CDispatch):
    """A COM object: every PascalCase member access is a counted call; Excel's refusals are com_errors."""

    _oleobj_ = _OleObj()

    def __init__(self, excel: Excel) -> None:
        object.__setattr__(self, "_excel", excel)

    def __getattribute__(self, name: str) -> Any:
        if not name[:1].isupper():
            return object.__getattribute__(self, name)
        excel: Excel = object.__getattribute__(self, "_excel")
        excel.count(f"{type(self).__name__}.{name}")
        try:
            value = object.__getattribute__(self, name)
        except Refused as err:
            raise refused(err) from None
        except AttributeError:
            raise com_error(_UNKNOWN_NAME, f"Unknown name: {type(self).__name__}.{name}", None, None) from None
        if inspect.ismethod(value):
            return _guarded(value)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        kind = type(self)
        member = getattr(kind, name, None)
        if not name[:1].isupper() or not isinstance(member, property) or member.fset is None:
            raise com_error(_UNKNOWN_NAME, f"Property {kind.__name__}.{name} can not be set.", None, None)
        object.__getattribute__(self, "_excel").count(f"{kind.__name__}.{name}=")
        try:
            member.fset(self, value)
        except Refused as err:
            raise refused(err) from None

    def __call__(self, *args: Any) -> Any:
        object.__getattribute__(self, "_excel").count(f"{type(self).__name__}.Item")
        try:
            return self._item(*args)
        except Refused as err:
            raise refused(err) from None

    def _item(self, *args: Any) -> Any:
        raise com_error(_UNKNOWN_NAME, "This object has no default member.", None, None)


def _unwrap(value: Any) -> Any:
    """An argument as Excel receives it: xlwings' retry wrapper is Python's side of the line only."""
    if type(value).__name__ == "COMRetryObjectWrapper":
        return object.__getattribute__(value, "_inner")
    return value


def _guarded(method: Any) -> Any:
    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        args = tuple(_unwrap(a) for a in args)
        kwargs = {key: _unwrap(v) for key, v in kwargs.items()}
        try:
            return method(*args, **kwargs)
        except Refused as err:
            raise refused(err) from None

    return call


# ------------------------------------------------------------------------------------------------ application


class Application(Com):
    def __init__(self, excel: Excel) -> None:
        super().__init__(excel)
        object.__setattr__(self, "x", excel)

    @property
    def Application(self) -> Application:
        return self

    @property
    def Hwnd(self) -> int:
        return self.x.id

    @property
    def Workbooks(self) -> Workbooks:
        return Workbooks(self.x)

    @property
    def ActiveWorkbook(self) -> Workbook_:
        return Workbook_(self.x.active_book)

    @property
    def ActiveSheet(self) -> Worksheet_:
        return Worksheet_(self.x.active_book.active)

    @property
    def ActiveWindow(self) -> Window:
        return Window(self.x.active_book)

    @property
    def StatusBar(self) -> str | bool:
        return self.x.status_bar

    @StatusBar.setter
    def StatusBar(self, value: str | bool) -> None:
        self.x.set_status(value)

    @property
    def ScreenUpdating(self) -> bool:
        return self.x.screen_updating

    @ScreenUpdating.setter
    def ScreenUpdating(self, value: bool) -> None:
        self.x.screen_updating = bool(value)

    @property
    def DisplayAlerts(self) -> bool:
        return self.x.display_alerts

    @DisplayAlerts.setter
    def DisplayAlerts(self, value: bool) -> None:
        self.x.display_alerts = bool(value)

    @property
    def Calculation(self) -> int:
        return _CALCULATION[self.x.calculation]

    @Calculation.setter
    def Calculation(self, value: int) -> None:
        self.x.calculation = {v: k for k, v in _CALCULATION.items()}[value]

    @property
    def International(self) -> Any:
        """``Application.International``: all its arguments are optional, so pywin32 may read the whole array."""
        array = list(INTERNATIONAL)
        array[4] = self.x.list_separator
        if self.x.readings["international"] == "array":
            return tuple(array)
        return _Indexed(lambda index: array[index - 1])

    def Intersect(self, first: Range, second: Range) -> Range | None:
        if first.sheet is not second.sheet:
            raise Refused("Method 'Intersect' of object '_Application' failed")
        r1, c1 = max(first.r1, second.r1), max(first.c1, second.c1)
        r2, c2 = min(first.r2, second.r2), min(first.c2, second.c2)
        return Range(first.sheet, r1, c1, r2, c2) if r1 <= r2 and c1 <= c2 else None


class _Indexed:
    """A parametrised property read one item at a time (``International(5)`` or ``International[5]``)."""

    def __init__(self, item: Any) -> None:
        self._item = item

    def __call__(self, index: int) -> Any:
        return self._item(index)

    def __getitem__(self, index: int) -> Any:
        return self._item(index)


class Window(Com):
    def __init__(self, book: Workbook) -> None:
        super().__init__(book.excel)
        object.__setattr__(self, "book", book)
        object.__setattr__(self, "split_row", book.active.frozen_rows if book.active else 0)

    @property
    def FreezePanes(self) -> bool:
        return bool(self.book.active.frozen_rows)

    @FreezePanes.setter
    def FreezePanes(self, value: bool) -> None:
        self.book.active.frozen_rows = self.split_row if value else 0

    @property
    def SplitColumn(self) -> int:
        return 0

    @SplitColumn.setter
    def SplitColumn(self, value: int) -> None:
        if value:
            raise Refused("the fake Excel freezes rows only")

    @property
    def SplitRow(self) -> int:
        return self.split_row

    @SplitRow.setter
    def SplitRow(self, value: int) -> None:
        object.__setattr__(self, "split_row", int(value))


class Workbooks(Com):
    def __init__(self, excel: Excel) -> None:
        super().__init__(excel)
        object.__setattr__(self, "x", excel)

    @property
    def Count(self) -> int:
        return len(self.x.books)

    def _item(self, key: int | str) -> Workbook_:
        if isinstance(key, int):
            return Workbook_(self.x.books[key - 1])
        return Workbook_(next(b for b in self.x.books if b.name.casefold() == key.casefold()))

    def __iter__(self) -> Iterator[Workbook_]:
        for book in list(self.x.books):
            self.x.count("Workbooks.Next")
            yield Workbook_(book)


class Workbook_(Com):  # noqa: N801 - Excel's class is Workbook; the model's is taken
    def __init__(self, book: Workbook) -> None:
        super().__init__(book.excel)
        object.__setattr__(self, "book", book)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Workbook_) and other.book is self.book

    def __hash__(self) -> int:
        return id(self.book)

    @property
    def Application(self) -> Application:
        return Application(self.book.excel)

    Parent = Application

    @property
    def Name(self) -> str:
        return self.book.name

    @property
    def FullName(self) -> str:
        return self.book.full_name

    @property
    def Path(self) -> str:
        return self.book.path

    @property
    def ReadOnly(self) -> bool:
        return self.book.read_only

    @property
    def FileFormat(self) -> int:
        return 51  # xlOpenXMLWorkbook

    @property
    def Worksheets(self) -> Worksheets:
        return Worksheets(self.book)

    Sheets = Worksheets

    @property
    def ActiveSheet(self) -> Worksheet_:
        return Worksheet_(self.book.active)

    @property
    def Names(self) -> Names:
        return Names(self.book)

    def Save(self) -> None:
        self.book.save()

    def Windows(self, index: int) -> Window:
        return Window(self.book)


class Names(Com):
    def __init__(self, book: Workbook) -> None:
        super().__init__(book.excel)
        object.__setattr__(self, "book", book)

    @property
    def Count(self) -> int:
        return len(self.book.names)

    def _item(self, key: int | str) -> Name:
        if isinstance(key, int):
            return Name(self.book, self.book.names[key - 1])
        found = next((n for n in self.book.names if n.casefold() == key.casefold()), None)
        if found is None:
            raise Refused(f"Subscript out of range ({key!r})")
        return Name(self.book, found)

    def __iter__(self) -> Iterator[Name]:
        for name in list(self.book.names):
            self.book.excel.count("Names.Next")
            yield Name(self.book, name)


class Name(Com):
    def __init__(self, book: Workbook, name: str) -> None:
        super().__init__(book.excel)
        object.__setattr__(self, "text", name)

    @property
    def Name(self) -> str:
        return self.text


class Worksheets(Com):
    def __init__(self, book: Workbook) -> None:
        super().__init__(book.excel)
        object.__setattr__(self, "book", book)

    @property
    def Parent(self) -> Workbook_:
        return Workbook_(self.book)

    @property
    def Count(self) -> int:
        return len(self.book.sheets)

    def _item(self, key: int | str) -> Worksheet_:
        return Worksheet_(self.book.item(key))

    def __iter__(self) -> Iterator[Worksheet_]:
        for sheet in list(self.book.sheets):
            self.book.excel.count("Worksheets.Next")
            yield Worksheet_(sheet)

    def Add(self, Before: Worksheet_ | None = None, After: Worksheet_ | None = None) -> Worksheet_:  # noqa: N803
        return Worksheet_(self.book.add_sheet(Before.sheet if Before else None, After.sheet if After else None))


class Worksheet_(Com):  # noqa: N801
    def __init__(self, sheet: Worksheet) -> None:
        super().__init__(sheet.book.excel)
        object.__setattr__(self, "sheet", sheet)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Worksheet_) and other.sheet is self.sheet

    def __hash__(self) -> int:
        return id(self.sheet)

    @property
    def Application(self) -> Application:
        return Application(self.sheet.book.excel)

    @property
    def Parent(self) -> Workbook_:
        return Workbook_(self.sheet.book)

    @property
    def Name(self) -> str:
        return self.sheet.name

    @Name.setter
    def Name(self, value: str) -> None:
        self.sheet.rename(value)

    @property
    def Index(self) -> int:
        return self.sheet.book.sheets.index(self.sheet) + 1

    @property
    def Visible(self) -> int:
        return _VISIBLE_TO_XL[self.sheet.visibility]

    @Visible.setter
    def Visible(self, value: int) -> None:
        states = {-1: "visible", 1: "visible", True: "visible", 0: "hidden", False: "hidden", 2: "veryHidden"}
        if value not in states:
            raise Refused("Unable to set the Visible property of the Worksheet class")
        self.sheet.set_visibility(states[value])

    @property
    def Cells(self) -> Cells:
        return Cells(self.sheet)

    def Range(self, first: Any, second: Any = None) -> Range:
        a = _corner(self.sheet, first)
        b = _corner(self.sheet, second) if second is not None else a
        return Range(self.sheet, min(a.r1, b.r1), min(a.c1, b.c1), max(a.r2, b.r2), max(a.c2, b.c2))

    @property
    def UsedRange(self) -> Range:
        return Range(self.sheet, *self.sheet.used_range())

    @property
    def ListObjects(self) -> ListObjects:
        return ListObjects(self.sheet)

    def Activate(self) -> None:
        self.sheet.activate()

    def Delete(self) -> None:
        self.sheet.delete()

    def Move(self, Before: Worksheet_ | None = None, After: Worksheet_ | None = None) -> None:  # noqa: N803
        sheets = self.sheet.book.sheets
        sheets.remove(self.sheet)
        where = sheets.index(Before.sheet) if Before else sheets.index(After.sheet) + 1 if After else len(sheets)
        sheets.insert(where, self.sheet)


def _corner(sheet: Worksheet, ref: Any) -> Range:
    if isinstance(ref, Range):
        return ref
    if isinstance(ref, str):
        parts = [p.replace("$", "") for p in ref.split(":")]
        corners = []
        for part in parts:
            letters = "".join(ch for ch in part if ch.isalpha())
            corners.append((int(part[len(letters):]), column_index_from_string(letters)))
        (r1, c1), (r2, c2) = corners[0], corners[-1]
        return Range(sheet, r1, c1, r2, c2)
    raise Refused(f"Method 'Range' of object '_Worksheet' failed ({ref!r})")


class Cells(Com):
    """``Worksheet.Cells``: called with a row and a column, one cell."""

    def __init__(self, sheet: Worksheet) -> None:
        super().__init__(sheet.book.excel)
        object.__setattr__(self, "sheet", sheet)

    def _item(self, row: int, column: int) -> Range:
        if not (1 <= row <= 1_048_576 and 1 <= column <= 16_384):
            raise Refused("Application-defined or object-defined error")
        return Range(self.sheet, row, column, row, column)


class Range(Com):
    def __init__(self, sheet: Worksheet, r1: int, c1: int, r2: int, c2: int) -> None:
        super().__init__(sheet.book.excel)
        for key, value in (("sheet", sheet), ("r1", r1), ("c1", c1), ("r2", r2), ("c2", c2)):
            object.__setattr__(self, key, value)

    def __repr__(self) -> str:
        return f"<Range {self.sheet.name}!{address(self.r1, self.c1, self.r2, self.c2)}>"

    def _item(self, row: int, column: int | None = None) -> Range:
        if column is None:  # the n-th cell, row by row
            width = self.c2 - self.c1 + 1
            row, column = (row - 1) // width + 1, (row - 1) % width + 1
        r, c = self.r1 + row - 1, self.c1 + column - 1
        return Range(self.sheet, r, c, r, c)

    def _cells(self) -> list[list[tuple[int, int]]]:
        return [[(r, c) for c in range(self.c1, self.c2 + 1)] for r in range(self.r1, self.r2 + 1)]

    def _shaped(self, read: Any) -> Any:
        rows = tuple(tuple(read(r, c) for r, c in row) for row in self._cells())
        return rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 else rows

    @property
    def Application(self) -> Application:
        return Application(self.sheet.book.excel)

    @property
    def Worksheet(self) -> Worksheet_:
        return Worksheet_(self.sheet)

    @property
    def Value(self) -> Any:
        return self._shaped(lambda r, c: _to_com(self.sheet.value(r, c)))

    @Value.setter
    def Value(self, data: Any) -> None:
        self.sheet.assign(self.r1, self.c1, self.r2, self.c2, data)

    @property
    def Formula(self) -> Any:
        return self._shaped(self.sheet.formula)

    @Formula.setter
    def Formula(self, data: Any) -> None:
        self.sheet.assign(self.r1, self.c1, self.r2, self.c2, data)

    Formula2 = Formula

    @property
    def Row(self) -> int:
        return self.r1

    @property
    def Column(self) -> int:
        return self.c1

    @property
    def Count(self) -> int:
        return (self.r2 - self.r1 + 1) * (self.c2 - self.c1 + 1)

    CountLarge = Count

    @property
    def Rows(self) -> _Counted:
        return _Counted(self.sheet.book.excel, self.r2 - self.r1 + 1)

    @property
    def Columns(self) -> _Counted:
        return _Counted(self.sheet.book.excel, self.c2 - self.c1 + 1)

    @property
    def Cells(self) -> Range:
        return self

    @property
    def Address(self) -> str:
        return address(self.r1, self.c1, self.r2, self.c2)

    def GetAddress(self, row_absolute: bool = True, column_absolute: bool = True, reference_style: int = 1,
                   external: bool = False) -> str:
        text = address(self.r1, self.c1, self.r2, self.c2)
        return f"[{self.sheet.book.name}]{self.sheet.name}!{text}" if external else text

    def ClearContents(self) -> None:
        self.sheet.clear(self.r1, self.c1, self.r2, self.c2)

    @property
    def ColumnWidth(self) -> float | None:
        widths = {self.sheet.widths.get(c, 8.43) for c in range(self.c1, self.c2 + 1)}
        return widths.pop() if len(widths) == 1 else None

    @ColumnWidth.setter
    def ColumnWidth(self, value: float) -> None:
        if not 0 <= value <= 255:
            raise Refused("Unable to set the ColumnWidth property of the Range class")
        for c in range(self.c1, self.c2 + 1):
            self.sheet.widths[c] = float(value)

    @property
    def EntireColumn(self) -> EntireColumn:
        return EntireColumn(self.sheet, self.c1, self.c2)

    @property
    def Validation(self) -> Validation:
        return Validation(self)

    def Select(self) -> None:
        if self.sheet.book.active is not self.sheet:
            raise Refused("Select method of Range class failed")
        self.sheet.selection = (self.r1, self.c1)

    def SpecialCells(self, cell_type: int) -> Range:
        rules = [v for v in self.sheet.validations]
        if cell_type != -4174 or not rules:  # xlCellTypeAllValidation
            raise Refused("No cells were found.")
        return Range(self.sheet, min(v.r1 for v in rules), min(v.c1 for v in rules), max(v.r2 for v in rules),
                     max(v.c2 for v in rules))


def _to_com(value: Any) -> Any:
    if isinstance(value, CellError):
        return ERROR_CODES[value.code]
    if isinstance(value, dt.datetime):
        return TimeType(value.year, value.month, value.day, value.hour, value.minute, value.second,
                        tzinfo=dt.timezone.utc)
    return value


class _Counted(Com):
    def __init__(self, excel: Excel, n: int) -> None:
        super().__init__(excel)
        object.__setattr__(self, "n", n)

    @property
    def Count(self) -> int:
        return self.n


class EntireColumn(Com):
    def __init__(self, sheet: Worksheet, c1: int, c2: int) -> None:
        super().__init__(sheet.book.excel)
        for key, value in (("sheet", sheet), ("c1", c1), ("c2", c2)):
            object.__setattr__(self, key, value)

    @property
    def Hidden(self) -> bool | None:
        states = {c in self.sheet.hidden_columns for c in range(self.c1, self.c2 + 1)}
        return states.pop() if len(states) == 1 else None

    @Hidden.setter
    def Hidden(self, value: bool) -> None:
        for c in range(self.c1, self.c2 + 1):
            (self.sheet.hidden_columns.add if value else self.sheet.hidden_columns.discard)(c)


class Validation(Com):
    def __init__(self, rng: Range) -> None:
        super().__init__(rng.sheet.book.excel)
        object.__setattr__(self, "rng", rng)

    def _rules(self) -> set[Any]:
        r = self.rng
        return {id(r.sheet.rule_at(row, col)) if r.sheet.rule_at(row, col) else None
                for row in range(r.r1, r.r2 + 1) for col in range(r.c1, r.c2 + 1)}

    @property
    def Type(self) -> int:
        rules = self._rules()
        if None in rules or len(rules) != 1:
            raise Refused("Application-defined or object-defined error")
        return 3  # xlValidateList, the only kind the fake keeps

    @property
    def Formula1(self) -> str:
        self.Type  # noqa: B018 - refuses as Excel does
        rule = self.rng.sheet.rule_at(self.rng.r1, self.rng.c1)
        return rule.formula1 if rule else ""

    @property
    def InCellDropdown(self) -> bool:
        rule = self.rng.sheet.rule_at(self.rng.r1, self.rng.c1)
        return bool(rule and rule.in_cell_dropdown)

    @InCellDropdown.setter
    def InCellDropdown(self, value: bool) -> None:
        rule = self.rng.sheet.rule_at(self.rng.r1, self.rng.c1)
        if rule is None:
            raise Refused("Application-defined or object-defined error")
        rule.in_cell_dropdown = bool(value)

    def Add(self, Type: int, AlertStyle: int = 1, Operator: int = 1, Formula1: str = "",  # noqa: N803
            Formula2: Any = None) -> None:
        if Type != 3:
            raise Refused("the fake Excel keeps list rules only")
        r = self.rng
        r.sheet.add_validation(r.r1, r.c1, r.r2, r.c2, str(Formula1))

    def Delete(self) -> None:
        r = self.rng
        r.sheet.delete_validation(r.r1, r.c1, r.r2, r.c2)


class ListObjects(Com):
    def __init__(self, sheet: Worksheet) -> None:
        super().__init__(sheet.book.excel)
        object.__setattr__(self, "sheet", sheet)

    @property
    def Count(self) -> int:
        return len(self.sheet.tables)

    def Item(self, key: int | str) -> ListObject_:
        if isinstance(key, int):
            return ListObject_(self.sheet.tables[key - 1])
        found = next((t for t in self.sheet.tables if t.name.casefold() == key.casefold()), None)
        if found is None:
            raise Refused(f"Subscript out of range ({key!r})")
        return ListObject_(found)

    def __iter__(self) -> Iterator[ListObject_]:
        for table in list(self.sheet.tables):
            self.sheet.book.excel.count("ListObjects.Next")
            yield ListObject_(table)

    def Add(self, SourceType: int = 1, Source: Range | None = None, LinkSource: Any = None,  # noqa: N803
            XlListObjectHasHeaders: int = 1, Destination: Any = None, TableStyleName: str = "") -> ListObject_:
        if Source is None or Source.sheet is not self.sheet:
            raise Refused("Method 'Add' of object 'ListObjects' failed")
        return ListObject_(self.sheet.add_table(None, Source.r1, Source.c1, Source.r2, Source.c2, TableStyleName))


class ListObject_(Com):  # noqa: N801
    def __init__(self, table: ListObject) -> None:
        super().__init__(table.sheet.book.excel)
        object.__setattr__(self, "table", table)

    @property
    def Name(self) -> str:
        return self.table.name

    @Name.setter
    def Name(self, value: str) -> None:
        rename_table(self.table, value)

    @property
    def Range(self) -> Range:
        return Range(self.table.sheet, *self.table.bounds())

    def Resize(self, target: Range) -> None:
        self.table.sheet.resize_table(self.table, target.r1, target.c1, target.r2, target.c2)


def workbook(book: Workbook) -> Any:
    """The xlwings ``Book`` for ``book``, on the real Windows backend."""
    import xlwings

    from .platforms import windows_backend

    backend = windows_backend()
    return xlwings.Book(impl=backend.Book(xl=backend.COMRetryObjectWrapper(Workbook_(book))))
