"""Excel for Mac's AppleScript object model over the fake Excel, as appscript hands it to xlwings.

An appscript reference is lazy: ``app.workbooks["a.xlsx"].worksheets["Contacts"].cells["$A$1:$C$3"]`` is
only a path, resolved afresh by Excel in each Apple event (so a reference by name breaks when the sheet is
renamed). Commands (``get``, ``set``, ``count``, ``get_address``, ``make``, ...) are the Apple events, and
each is counted in ``Excel.calls``. Values come back as appscript gives them: a scalar for one cell, lists
of rows for more (a one-row range as one flat list under the "flat" reading); numbers as floats; an empty
cell as ""; an error value as ``missing value``. A refusal is a ``CommandError``.
"""

from __future__ import annotations

import datetime as dt
import struct
from types import SimpleNamespace
from typing import Any

from openpyxl.utils import column_index_from_string

from .cells import CellError, Refused
from .model import Excel, ListObject, Workbook, Worksheet, address, rename_table
from .platforms import CommandError, Keyword, Reference, k

_VISIBILITY = {"visible": k.sheet_visible, "hidden": k.sheet_hidden, "veryHidden": k.sheet_very_hidden}
_CALCULATION = {"automatic": k.calculation_automatic, "manual": k.calculation_manual,
                "semiautomatic": k.calculation_semiautomatic}


class Ref(Reference):
    """An appscript reference: attribute and item steps from the application, resolved at each event."""

    def __init__(self, excel: Excel, steps: tuple[tuple[str, Any], ...]) -> None:
        self._excel = excel
        self._steps = steps

    def __repr__(self) -> str:
        return "app('Microsoft Excel')" + "".join(f".{v}" if s == "prop" else f"[{v!r}]" for s, v in self._steps)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if name == "AS_appdata":  # how xlwings finds Excel's process id
            data = struct.pack("i", self._excel.id)
            return SimpleNamespace(target=lambda: SimpleNamespace(
                addressdesc=SimpleNamespace(coerce=lambda kind: SimpleNamespace(data=data))))
        return Ref(self._excel, (*self._steps, ("prop", name)))

    def __getitem__(self, key: Any) -> Ref:
        return Ref(self._excel, (*self._steps, ("item", key)))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        *path, (kind, command) = self._steps
        if kind != "prop":
            raise TypeError(f"{self!r} is not a command")
        try:
            target = resolve(self._excel, tuple(path))
            args = tuple(_arg(self._excel, a) for a in args)
            kwargs = {key: _arg(self._excel, value) for key, value in kwargs.items()}
            self._excel.count(f"{_kind(target)}.{command}")
            return _event(self._excel, target, command, args, kwargs)
        except Refused as err:
            raise CommandError(-50, str(err)) from None
        except (KeyError, IndexError, ValueError) as err:
            raise CommandError(-1728, f"Can't get reference ({err})") from None


def root(excel: Excel) -> Ref:
    return Ref(excel, ())


def _kind(target: Any) -> str:
    if isinstance(target, _Prop):
        return f"{type(target.owner).__name__}.{target.name}"
    return type(target).__name__


def _arg(excel: Excel, value: Any) -> Any:
    if isinstance(value, Ref):
        return resolve(excel, value._steps)
    if isinstance(value, dict):
        return {key: _arg(excel, v) for key, v in value.items()}
    return value


# ------------------------------------------------------------------------------------------------ objects


class _Prop:
    def __init__(self, owner: Any, name: str) -> None:
        self.owner, self.name = owner, name


class Rng:
    """A range of cells on one sheet."""

    def __init__(self, sheet: Worksheet, r1: int, c1: int, r2: int, c2: int) -> None:
        self.sheet, self.r1, self.c1, self.r2, self.c2 = sheet, r1, c1, r2, c2


class Position:
    def __init__(self, sheet: Worksheet, after: bool) -> None:
        self.sheet, self.after = sheet, after


class Col:
    def __init__(self, rng: Rng) -> None:
        self.rng = rng


class Val:
    def __init__(self, rng: Rng) -> None:
        self.rng = rng


class Win:
    def __init__(self, book: Workbook) -> None:
        self.book = book


class NamedItems:
    def __init__(self, book: Workbook) -> None:
        self.book = book


_OBJECTS = {
    Excel: {"workbooks": None, "active_workbook": lambda x: x.active_book,
            "active_window": lambda x: Win(x.active_book)},
    Workbook: {"worksheets": None, "sheets": None, "active_sheet": lambda b: b.active,
               "named_items": NamedItems, "windows": None},
    Worksheet: {"cells": None, "rows": None, "used_range": lambda s: Rng(s, *s.used_range()), "list_objects": None,
                "before": lambda s: Position(s, False), "after": lambda s: Position(s, True)},
    Rng: {"columns": None, "entire_column": Col, "validation": Val,
          "merge_area": lambda r: Rng(r.sheet, *r.sheet.merge_area(r.r1, r.c1))},
    Col: {"columns": lambda c: c},
    ListObject: {"range_object": lambda t: Rng(t.sheet, *t.bounds())},
}


def resolve(excel: Excel, steps: tuple[tuple[str, Any], ...]) -> Any:
    """What a reference points at now; a leaf property as a ``_Prop``."""
    target: Any = excel
    for i, (kind, key) in enumerate(steps):
        if kind == "item":
            target = _element(target, key)
            continue
        if isinstance(target, tuple):  # an element collection named by the previous step
            raise KeyError(f"{target[1]} needs an index")
        objects = _OBJECTS.get(type(target), {})
        if key in objects:
            make = objects[key]
            target = (target, key) if make is None else make(target)
        elif i == len(steps) - 1 or steps[i + 1][0] == "prop":
            target = _Prop(target, key)
        else:
            raise KeyError(key)
    return target


def _element(collection: Any, key: Any) -> Any:
    if not isinstance(collection, tuple):
        if isinstance(collection, NamedItems):
            names = collection.book.names
            return SimpleNamespace(book=collection.book, name=names[key - 1] if isinstance(key, int) else key)
        raise KeyError(key)
    owner, name = collection
    if isinstance(owner, Excel) and name == "workbooks":
        books = owner.books
        return books[key - 1] if isinstance(key, int) else next(b for b in books if b.name == key)
    if isinstance(owner, Workbook) and name in ("worksheets", "sheets"):
        return owner.item(key)
    if isinstance(owner, Workbook) and name == "windows":
        return Win(owner)
    if isinstance(owner, Worksheet) and name == "cells":
        return _parse(owner, key)
    if isinstance(owner, Worksheet) and name == "rows":
        return Rng(owner, key, 1, key, 16_384)
    if isinstance(owner, Rng) and name == "columns":
        return Rng(owner.sheet, owner.r1, owner.c1 + key - 1, owner.r2, owner.c1 + key - 1)
    if isinstance(owner, Worksheet) and name == "list_objects":
        tables = owner.tables
        if isinstance(key, int):
            return tables[key - 1]
        return next(t for t in tables if t.name.casefold() == str(key).casefold())
    raise KeyError(f"{name}[{key!r}]")


def _parse(sheet: Worksheet, text: str) -> Rng:
    corners = []
    for part in str(text).replace("$", "").split(":"):
        letters = "".join(ch for ch in part if ch.isalpha())
        corners.append((int(part[len(letters):]), column_index_from_string(letters)))
    (r1, c1), (r2, c2) = corners[0], corners[-1]
    return Rng(sheet, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))


# ------------------------------------------------------------------------------------------------ events


def _event(excel: Excel, target: Any, command: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if command == "get" and isinstance(target, _Prop):
        return _get(excel, target.owner, target.name)
    if command == "set" and isinstance(target, _Prop):
        _set(excel, target.owner, target.name, args[0] if args else kwargs["to"])
        return None
    if command == "exists":
        return True  # resolving it raised otherwise
    if command == "get" and isinstance(target, NamedItems):
        return list(target.book.names) or k.missing_value
    handler = _COMMANDS.get((type(target), command))
    if handler is None:
        raise Refused(f"{_kind(target)} does not understand the {command} message")
    return handler(excel, target, *args, **kwargs)


def _get(excel: Excel, owner: Any, name: str) -> Any:
    if isinstance(owner, Excel):
        return {"status_bar": lambda: excel.status_bar, "screen_updating": lambda: excel.screen_updating,
                "calculation": lambda: _CALCULATION[excel.calculation],
                "display_alerts": lambda: excel.display_alerts}[name]()
    if isinstance(owner, Workbook):
        return {"name": owner.name, "read_only": owner.read_only}[name]
    if isinstance(owner, Worksheet):
        return {"name": lambda: owner.name, "visible": lambda: _VISIBILITY[owner.visibility],
                "entry_index": lambda: owner.book.sheets.index(owner) + 1}[name]()
    if isinstance(owner, ListObject):
        return {"name": owner.name}[name]
    if isinstance(owner, NamedItems) and name == "name":
        return list(owner.book.names) or k.missing_value
    if isinstance(owner, SimpleNamespace) and name == "name":
        return owner.name
    if isinstance(owner, Rng):
        return _range_get(excel, owner, name)
    if isinstance(owner, Col) and name == "hidden":
        states = {c in owner.rng.sheet.hidden_columns for c in range(owner.rng.c1, owner.rng.c2 + 1)}
        return states.pop() if len(states) == 1 else [c in owner.rng.sheet.hidden_columns
                                                        for c in range(owner.rng.c1, owner.rng.c2 + 1)]
    if isinstance(owner, Val):
        rule = owner.rng.sheet.rule_at(owner.rng.r1, owner.rng.c1)
        if name == "validation_type":
            rules = {id(owner.rng.sheet.rule_at(r, c)) if owner.rng.sheet.rule_at(r, c) else None
                     for r in range(owner.rng.r1, owner.rng.r2 + 1) for c in range(owner.rng.c1, owner.rng.c2 + 1)}
            return k.validate_list if rule is not None and len(rules) == 1 else k.missing_value
        if name == "formula1":
            return rule.formula1 if rule else k.missing_value
    raise Refused(f"Can't get {name} of {_kind(owner)}")


def _range_get(excel: Excel, rng: Rng, name: str) -> Any:
    sheet = rng.sheet

    def shaped(read: Any) -> Any:
        rows = [[read(r, c) for c in range(rng.c1, rng.c2 + 1)] for r in range(rng.r1, rng.r2 + 1)]
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        if len(rows) == 1 and excel.readings["one_row"] == "flat":
            return rows[0]
        return rows

    if name == "value":
        return shaped(lambda r, c: _to_applescript(sheet.value(r, c)))
    if name == "string_value":
        return shaped(lambda r, c: _shown(sheet.value(r, c)))
    if name in ("formula", "formula2"):
        return shaped(sheet.formula)
    if name == "merge_cells":  # a range partly merged answers missing value
        merged = sheet.merge_cells(rng.r1, rng.c1, rng.r2, rng.c2)
        return k.missing_value if merged is None else merged
    if name == "first_row_index":
        return rng.r1
    if name == "first_column_index":
        return rng.c1
    if name == "number_format":
        codes = {sheet.number_format(r, c) for r in range(rng.r1, rng.r2 + 1) for c in range(rng.c1, rng.c2 + 1)}
        return codes.pop() if len(codes) == 1 else k.missing_value
    if name == "column_width":
        widths = {sheet.widths.get(c, 8.43) for c in range(rng.c1, rng.c2 + 1)}
        return widths.pop() if len(widths) == 1 else k.missing_value
    raise Refused(f"Can't get {name} of range")


def _to_applescript(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, CellError):
        return k.missing_value
    return value


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, CellError):
        return value.code
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return f"{value.month}/{value.day}/{value.year}"
    return str(value)


def _set(excel: Excel, owner: Any, name: str, value: Any) -> None:
    if isinstance(owner, Excel):
        if name == "status_bar":
            excel.set_status(value)
        elif name == "calculation":
            excel.calculation = {v: s for s, v in _CALCULATION.items()}[value]
        elif name in ("screen_updating", "display_alerts"):
            setattr(excel, name, bool(value))
        else:
            raise Refused(f"Can't set {name}")
    elif isinstance(owner, Worksheet) and name == "name":
        owner.rename(value)
    elif isinstance(owner, Worksheet) and name == "visible":
        states = {v: s for s, v in _VISIBILITY.items()}
        if not isinstance(value, Keyword) or value not in states:
            raise Refused(f"Can't make visible into {value!r}")
        owner.set_visibility(states[value])
    elif isinstance(owner, ListObject) and name == "name":
        rename_table(owner, value)
    elif isinstance(owner, Rng) and name in ("value", "formula", "formula2"):
        owner.sheet.assign(owner.r1, owner.c1, owner.r2, owner.c2, value)
    elif isinstance(owner, Rng) and name == "merge_cells":
        (owner.sheet.merge if value else owner.sheet.unmerge)(owner.r1, owner.c1, owner.r2, owner.c2)
    elif isinstance(owner, Rng) and name == "number_format":
        owner.sheet.set_number_format(owner.r1, owner.c1, owner.r2, owner.c2, str(value))
    elif isinstance(owner, Rng) and name == "column_width":
        for c in range(owner.c1, owner.c2 + 1):
            owner.sheet.widths[c] = float(value)
    elif isinstance(owner, Col) and name == "hidden":
        for c in range(owner.rng.c1, owner.rng.c2 + 1):
            (owner.rng.sheet.hidden_columns.add if value else owner.rng.sheet.hidden_columns.discard)(c)
    elif isinstance(owner, Val) and name == "in_cell_dropdown":
        rule = owner.rng.sheet.rule_at(owner.rng.r1, owner.rng.c1)
        if rule is None:
            raise Refused("Can't set in cell dropdown of a range without validation")
        rule.in_cell_dropdown = bool(value)
    elif isinstance(owner, Win) and name in ("freeze_panes", "split_column", "split_row"):
        sheet = owner.book.active
        if name == "split_row":
            sheet.__dict__["_split_row"] = int(value)
        elif name == "freeze_panes":
            sheet.frozen_rows = sheet.__dict__.get("_split_row", 0) if value else 0
        elif value:
            raise Refused("the fake Excel freezes rows only")
    else:
        raise Refused(f"Can't set {name} of {_kind(owner)}")


def _address(excel: Excel, rng: Rng, row_absolute: bool = True, column_absolute: bool = True,
             external: bool = False) -> str:
    text = address(rng.r1, rng.c1, rng.r2, rng.c2)
    return f"[{rng.sheet.book.name}]{rng.sheet.name}!{text}" if external else text


def _count(excel: Excel, target: Any, each: Keyword) -> int:
    if isinstance(target, Workbook) and each == k.worksheet:
        return len(target.sheets)
    if isinstance(target, Worksheet) and each == k.list_object:
        return len(target.tables)
    if isinstance(target, Rng) and each == k.row:
        return target.r2 - target.r1 + 1
    if isinstance(target, Rng) and each == k.column:
        return target.c2 - target.c1 + 1
    if isinstance(target, Rng) and each == k.cell:
        return (target.r2 - target.r1 + 1) * (target.c2 - target.c1 + 1)
    raise Refused(f"Can't count {each!r}")


def _make(excel: Excel, target: Any, new: Keyword, at: Any = None, with_properties: Any = None) -> Ref:
    if isinstance(target, Workbook) and new == k.worksheet:
        sheet = target.add_sheet(None if at.after else at.sheet, at.sheet if at.after else None)
        return Ref(excel, (("prop", "workbooks"), ("item", target.name), ("prop", "worksheets"),
                           ("item", sheet.name)))
    if isinstance(target, Worksheet) and new == k.list_object:
        source = with_properties[k.range_object]
        if not isinstance(source, Rng) or source.sheet is not target:
            raise Refused("the table's range must be on this sheet")
        table = target.add_table(None, source.r1, source.c1, source.r2, source.c2,
                                 with_properties.get(k.table_style) or "")
        return Ref(excel, (("prop", "workbooks"), ("item", target.book.name), ("prop", "worksheets"),
                           ("item", target.name), ("prop", "list_objects"), ("item", table.name)))
    raise Refused(f"Can't make {new!r}")


def _intersect(excel: Excel, target: Excel, range1: Rng, range2: Rng) -> Any:
    r1, c1 = max(range1.r1, range2.r1), max(range1.c1, range2.c1)
    r2, c2 = min(range1.r2, range2.r2), min(range1.c2, range2.c2)
    if r1 <= r2 and c1 <= c2 and range1.sheet is range2.sheet:
        return Ref(excel, (("prop", "workbooks"), ("item", range1.sheet.book.name), ("prop", "worksheets"),
                           ("item", range1.sheet.name), ("prop", "cells"), ("item", address(r1, c1, r2, c2))))
    if excel.readings["intersect"] == "missing":
        return k.missing_value
    raise Refused("The ranges do not intersect.")


def _special_cells(excel: Excel, rng: Rng, type: Keyword) -> Ref:
    rules = [v for v in rng.sheet.validations if not (v.r2 < rng.r1 or rng.r2 < v.r1 or v.c2 < rng.c1
                                                        or rng.c2 < v.c1)]
    if type != k.cell_type_all_validation or not rules:
        raise Refused("No cells were found.")
    box = address(min(v.r1 for v in rules), min(v.c1 for v in rules), max(v.r2 for v in rules),
                  max(v.c2 for v in rules))
    return Ref(excel, (("prop", "workbooks"), ("item", rng.sheet.book.name), ("prop", "worksheets"),
                       ("item", rng.sheet.name), ("prop", "cells"), ("item", box)))


def _properties(excel: Excel, book: Workbook) -> dict[Keyword, Any]:
    return {k.name: book.name, k.path: book.path, k.full_name: book.full_name,
            k.file_format: k.Excel_XML_file_format, k.read_only: book.read_only}


def _select(excel: Excel, rng: Rng) -> None:
    if rng.sheet.book.active is not rng.sheet:
        raise Refused("Select method of Range class failed")
    rng.sheet.selection = (rng.r1, rng.c1)


def _add_rule(excel: Excel, val: Val, type: Keyword, formula1: str = "", **other: Any) -> None:
    if type != k.validate_list:
        raise Refused("the fake Excel keeps list rules only")
    r = val.rng
    r.sheet.add_validation(r.r1, r.c1, r.r2, r.c2, formula1)


_COMMANDS: dict[tuple[type, str], Any] = {
    (Workbook, "properties"): _properties,
    (Workbook, "save"): lambda excel, book, timeout=None: book.save(),
    (Workbook, "count"): _count,
    (Workbook, "make"): _make,
    (Worksheet, "count"): _count,
    (Worksheet, "make"): _make,
    (Worksheet, "delete"): lambda excel, sheet: sheet.delete(),
    (Worksheet, "activate_object"): lambda excel, sheet: sheet.activate(),
    (Rng, "get_address"): _address,
    (Rng, "count"): _count,
    (Rng, "clear_contents"): lambda excel, rng: rng.sheet.clear(rng.r1, rng.c1, rng.r2, rng.c2),
    (Rng, "select"): _select,
    (Rng, "merge"): lambda excel, rng, across=False: rng.sheet.merge(rng.r1, rng.c1, rng.r2, rng.c2, bool(across)),
    (Rng, "unmerge"): lambda excel, rng: rng.sheet.unmerge(rng.r1, rng.c1, rng.r2, rng.c2),
    (Rng, "special_cells"): _special_cells,
    (Excel, "intersect"): _intersect,
    (Excel, "get_international"): lambda excel, app, data_type: {k.list_separator: excel.list_separator}[data_type],
    (Val, "delete"): lambda excel, val: val.rng.sheet.delete_validation(val.rng.r1, val.rng.c1, val.rng.r2,
                                                                        val.rng.c2),
    (Val, "add_data_validation"): _add_rule,
    (ListObject, "resize"): lambda excel, t, range: t.sheet.resize_table(t, range.r1, range.c1, range.r2,
                                                                         range.c2),
}


def workbook(book: Workbook) -> Any:
    """The xlwings ``Book`` for ``book``, on the real Mac backend."""
    import xlwings

    from .platforms import mac_backend

    backend = mac_backend()
    return xlwings.Book(impl=backend.Book(backend.App(xl=root(book.excel)), book.name))
