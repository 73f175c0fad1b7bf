"""The cells side of the fake Excel's COM object model (com.py): ranges, their validation and the sheet's tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from openpyxl.utils import column_index_from_string

from . import com
from .cells import CellError, Refused
from .com import Com
from .model import Excel, ListObject, Worksheet, address, rename_table
from .platforms import TimeType

ERROR_CODES = {"#DIV/0!": -2146826281, "#N/A": -2146826246, "#NAME?": -2146826259, "#NULL!": -2146826288,
               "#NUM!": -2146826252, "#REF!": -2146826265, "#VALUE!": -2146826273}


def corner(sheet: Worksheet, ref: Any) -> Range:
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
    def Application(self) -> com.Application:
        return com.Application(self.sheet.book.excel)

    @property
    def Worksheet(self) -> com.Worksheet_:
        return com.Worksheet_(self.sheet)

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
    def MergeCells(self) -> bool | None:
        """True, False, or None: pywin32 hands over Null (the range is partly merged) as None."""
        return self.sheet.merge_cells(self.r1, self.c1, self.r2, self.c2)

    @MergeCells.setter
    def MergeCells(self, value: bool) -> None:
        if value:
            self.sheet.merge(self.r1, self.c1, self.r2, self.c2)
        else:
            self.sheet.unmerge(self.r1, self.c1, self.r2, self.c2)

    @property
    def MergeArea(self) -> Range:
        return Range(self.sheet, *self.sheet.merge_area(self.r1, self.c1))

    def Merge(self, Across: bool = False) -> None:
        self.sheet.merge(self.r1, self.c1, self.r2, self.c2, bool(Across))

    def UnMerge(self) -> None:
        self.sheet.unmerge(self.r1, self.c1, self.r2, self.c2)

    @property
    def NumberFormat(self) -> str | None:
        codes = {self.sheet.number_format(r, c) for row in self._cells() for r, c in row}
        return codes.pop() if len(codes) == 1 else None

    @NumberFormat.setter
    def NumberFormat(self, code: str) -> None:
        self.sheet.set_number_format(self.r1, self.c1, self.r2, self.c2, code)

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

    def Add(self, Type: int, AlertStyle: int = 1, Operator: int = 1, Formula1: str = "",
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

    def Add(self, SourceType: int = 1, Source: Range | None = None, LinkSource: Any = None,
            XlListObjectHasHeaders: int = 1, Destination: Any = None, TableStyleName: str = "") -> ListObject_:
        if Source is None or Source.sheet is not self.sheet:
            raise Refused("Method 'Add' of object 'ListObjects' failed")
        return ListObject_(self.sheet.add_table(None, Source.r1, Source.c1, Source.r2, Source.c2, TableStyleName))


class ListObject_(Com):
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
