"""What xlwings has no dependable cross-platform call for, done through ``.api``: the COM object model on
Windows (pywin32), the AppleScript one on macOS (appscript).

* Very hidden sheets: xlwings' ``sheet.visible`` is a bool.
* Frozen panes: xlwings' ``freeze_panes`` works only on its server and web engines.
* Activating a sheet: xlwings' ``sheet.activate()`` first activates the book and then the application,
  which on Windows walks every top-level window to find the Excel in front and may pull Excel to the
  front; the click's Excel is already the one in front, so the sheet is activated directly.
* Whether the workbook is open read-only.
* List dropdowns. xlwings' ``data_validation.set_list`` takes its separator from
  ``Application.International[xlListSeparator]`` on Windows, which pywin32 may read as the whole 45-item
  array (giving "R", so ``Customer,Vendor`` becomes ``CustomerRVendor``); and on a Mac it first asks the
  range's rule type, a path that may end on ``missing value`` (``'Keyword' object has no attribute
  'count'``). Here the rule is deleted and added in two calls, with the separator read under either reading.

Everything else the add-in does uses xlwings' own API, which is the same on both.
"""

from __future__ import annotations

import datetime as _dt
import sys
from collections.abc import Sequence
from typing import Any, Protocol

from custmgr.workbook.port import Visibility

# Excel's XlSheetVisibility: xlSheetVisible, xlSheetHidden, xlSheetVeryHidden.
_TO_XL: dict[Visibility, int] = {"visible": -1, "hidden": 0, "veryHidden": 2}
_FROM_XL: dict[int, Visibility] = {-1: "visible", 1: "visible", 0: "hidden", 2: "veryHidden"}
# The same three in Excel's AppleScript dictionary.
_MAC_KEYWORDS: dict[Visibility, str] = {"visible": "sheet_visible", "hidden": "sheet_hidden",
                                        "veryHidden": "sheet_very_hidden"}


XL_LIST_SEPARATOR = 5  # XlApplicationInternational.xlListSeparator
XL_VALIDATE_LIST, XL_VALID_ALERT_STOP, XL_BETWEEN = 3, 1, 1


class Native(Protocol):
    """Sheet visibility (three states), a frozen header row, read-only, dropdowns: one platform's object model."""

    def visibility(self, sheet: Any) -> Visibility: ...

    def set_visibility(self, sheet: Any, visibility: Visibility) -> None: ...

    def freeze_header(self, sheet: Any) -> None: ...

    def activate(self, sheet: Any) -> None: ...

    def read_only(self, book: Any) -> bool: ...

    def set_dropdown(self, app: Any, rng: Any, choices: Sequence[str]) -> None: ...

    def used_address(self, sheet: Any) -> str:
        """The address of the sheet's used range (``$A$1:$AJ$3001``), in as few calls as the platform allows."""
        ...

    def prepare(self, value: Any) -> Any:
        """One value as this platform's bridge must be handed it (what xlwings' conversion layer does)."""
        ...


def _separator(found: Any) -> str:
    """The list separator Excel reported, or a comma if what came back is not one."""
    if isinstance(found, str) and len(found) == 1 and not found.isalnum() and not found.isspace():
        return found
    return ","


class WindowsNative:
    """Excel for Windows through COM: ``Worksheet.Visible`` takes -1, 0 or 2; panes belong to the window."""

    def __init__(self) -> None:
        self._separator: str | None = None

    def visibility(self, sheet: Any) -> Visibility:
        return _FROM_XL[int(sheet.api.Visible)]

    def set_visibility(self, sheet: Any, visibility: Visibility) -> None:
        sheet.api.Visible = _TO_XL[visibility]

    def activate(self, sheet: Any) -> None:
        sheet.api.Activate()

    def freeze_header(self, sheet: Any) -> None:
        self.activate(sheet)  # panes are a property of the window showing the sheet
        window = sheet.book.app.api.ActiveWindow
        window.FreezePanes = False
        window.SplitColumn = 0
        window.SplitRow = 1
        window.FreezePanes = True

    def read_only(self, book: Any) -> bool:
        return bool(book.api.ReadOnly)

    def prepare(self, value: Any) -> Any:
        """pywin32 takes a datetime only with a timezone (none given means UTC, stored as given)."""
        if value is None:
            return ""
        if isinstance(value, _dt.datetime):
            return value.replace(tzinfo=_dt.timezone.utc)
        return value

    def used_address(self, sheet: Any) -> str:
        return str(sheet.api.UsedRange.Address)

    def set_dropdown(self, app: Any, rng: Any, choices: Sequence[str]) -> None:
        """Replace the range's rules with a list (none when ``choices`` is empty): a few calls."""
        validation = rng.api.Validation
        validation.Delete()
        if choices:
            validation.Add(Type=XL_VALIDATE_LIST, AlertStyle=XL_VALID_ALERT_STOP, Operator=XL_BETWEEN,
                           Formula1=self._list_separator(app).join(choices))

    def _list_separator(self, app: Any) -> str:
        if self._separator is None:
            found = app.International
            if isinstance(found, list | tuple):  # the whole array, 0-based
                self._separator = _separator(found[XL_LIST_SEPARATOR - 1])
            else:
                self._separator = _separator(found(XL_LIST_SEPARATOR))
        return self._separator


class MacNative:
    """Excel for Mac through AppleScript: visibility is a keyword (``k.sheet_very_hidden``)."""

    def __init__(self, keywords: Any = None) -> None:
        self._keywords = keywords
        self._separator: str | None = None

    def _k(self, visibility: Visibility) -> Any:
        if self._keywords is None:
            from appscript import k  # installed with xlwings on macOS only

            self._keywords = k
        return getattr(self._keywords, _MAC_KEYWORDS[visibility])

    def visibility(self, sheet: Any) -> Visibility:
        value = sheet.api.visible.get()
        for visibility in _MAC_KEYWORDS:
            if value == self._k(visibility):
                return visibility
        raise ValueError(f"Excel reported an unknown visibility {value!r} for sheet {sheet.name}")

    def set_visibility(self, sheet: Any, visibility: Visibility) -> None:
        sheet.api.visible.set(self._k(visibility))

    def activate(self, sheet: Any) -> None:
        sheet.api.activate_object()

    def freeze_header(self, sheet: Any) -> None:
        self.activate(sheet)
        window = sheet.book.app.api.active_window
        window.freeze_panes.set(False)
        window.split_column.set(0)
        window.split_row.set(1)
        window.freeze_panes.set(True)

    def read_only(self, book: Any) -> bool:
        return bool(book.api.read_only.get())

    def prepare(self, value: Any) -> Any:
        """appscript sends a large int in a form Excel ignores, so numbers go as floats; datetimes naive."""
        if value is None:
            return ""
        if isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, _dt.datetime):
            return value.replace(tzinfo=None)
        return value

    def used_address(self, sheet: Any) -> str:
        return str(sheet.api.used_range.get_address())

    def set_dropdown(self, app: Any, rng: Any, choices: Sequence[str]) -> None:
        """Replace the range's rules with a list (none when ``choices`` is empty): two Apple events."""
        validation = rng.api.validation
        validation.delete()
        if choices:
            validation.add_data_validation(type=self._keyword("validate_list"),
                                           formula1=self._list_separator(app).join(choices))

    def _keyword(self, name: str) -> Any:
        self._k("visible")
        return getattr(self._keywords, name)

    def _list_separator(self, app: Any) -> str:
        if self._separator is None:
            self._separator = _separator(app.get_international(data_type=self._keyword("list_separator")))
        return self._separator


def native_for(platform: str = sys.platform) -> Native:
    """The object model of the Excel this Python talks to."""
    return MacNative() if platform == "darwin" else WindowsNative()
