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

import functools
import inspect
from collections.abc import Iterator
from typing import Any

from .cells import Refused
from .model import INTERNATIONAL, Excel, Workbook, Worksheet
from .platforms import CDispatch, com_error, ole_error

_VISIBLE_TO_XL = {"visible": -1, "hidden": 0, "veryHidden": 2}
_CALCULATION = {"automatic": -4105, "manual": -4135, "semiautomatic": 2}
_UNKNOWN_NAME = -2147352570


def refused(err: Exception) -> com_error:
    return com_error(-2147352567, "Exception occurred.", (0, "Microsoft Excel", str(err), None, 0, -2146827284),
                     None)


class _OleObj:
    def GetIDsOfNames(self, lcid: int, name: str) -> int:
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


class Workbook_(Com):
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

    def Add(self, Before: Worksheet_ | None = None, After: Worksheet_ | None = None) -> Worksheet_:
        return Worksheet_(self.book.add_sheet(Before.sheet if Before else None, After.sheet if After else None))


class Worksheet_(Com):
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
        states = {-1: "visible", 1: "visible", 0: "hidden", 2: "veryHidden"}  # True and False are 1 and 0
        if value not in states:
            raise Refused("Unable to set the Visible property of the Worksheet class")
        self.sheet.set_visibility(states[value])

    @property
    def Cells(self) -> Cells:
        return Cells(self.sheet)

    def Range(self, first: Any, second: Any = None) -> Range:
        a = corner(self.sheet, first)
        b = corner(self.sheet, second) if second is not None else a
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

    def Move(self, Before: Worksheet_ | None = None, After: Worksheet_ | None = None) -> None:
        sheets = self.sheet.book.sheets
        sheets.remove(self.sheet)
        where = sheets.index(Before.sheet) if Before else sheets.index(After.sheet) + 1 if After else len(sheets)
        sheets.insert(where, self.sheet)


def workbook(book: Workbook) -> Any:
    """The xlwings ``Book`` for ``book``, on the real Windows backend."""
    import xlwings

    from .platforms import windows_backend

    backend = windows_backend()
    return xlwings.Book(impl=backend.Book(xl=backend.COMRetryObjectWrapper(Workbook_(book))))


from .com_cells import Cells, ListObjects, Range, corner  # noqa: E402 - they build on Com, defined above
