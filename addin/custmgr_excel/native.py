"""The two things xlwings has no cross-platform call for: very hidden sheets and frozen panes.

xlwings' ``sheet.visible`` is a bool, and its ``freeze_panes`` works only on its server and web engines, so
these go through ``.api``: the COM object model on Windows (pywin32), the AppleScript one on macOS
(appscript). Everything else the add-in does uses xlwings' own API, which is the same on both.
"""

from __future__ import annotations

import sys
from typing import Any, Protocol

from custmgr.workbook.port import Visibility

# Excel's XlSheetVisibility: xlSheetVisible, xlSheetHidden, xlSheetVeryHidden.
_TO_XL: dict[Visibility, int] = {"visible": -1, "hidden": 0, "veryHidden": 2}
_FROM_XL: dict[int, Visibility] = {-1: "visible", 1: "visible", 0: "hidden", 2: "veryHidden"}
# The same three in Excel's AppleScript dictionary.
_MAC_KEYWORDS: dict[Visibility, str] = {"visible": "sheet_visible", "hidden": "sheet_hidden",
                                        "veryHidden": "sheet_very_hidden"}


class Native(Protocol):
    """Sheet visibility (three states) and a frozen header row, on one platform's object model."""

    def visibility(self, sheet: Any) -> Visibility: ...

    def set_visibility(self, sheet: Any, visibility: Visibility) -> None: ...

    def freeze_header(self, sheet: Any) -> None: ...


class WindowsNative:
    """Excel for Windows through COM: ``Worksheet.Visible`` takes -1, 0 or 2; panes belong to the window."""

    def visibility(self, sheet: Any) -> Visibility:
        return _FROM_XL[int(sheet.api.Visible)]

    def set_visibility(self, sheet: Any, visibility: Visibility) -> None:
        sheet.api.Visible = _TO_XL[visibility]

    def freeze_header(self, sheet: Any) -> None:
        sheet.activate()  # panes are a property of the window showing the sheet
        window = sheet.book.app.api.ActiveWindow
        window.FreezePanes = False
        window.SplitColumn = 0
        window.SplitRow = 1
        window.FreezePanes = True


class MacNative:
    """Excel for Mac through AppleScript: visibility is a keyword (``k.sheet_very_hidden``)."""

    def __init__(self, keywords: Any = None) -> None:
        self._keywords = keywords

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

    def freeze_header(self, sheet: Any) -> None:
        sheet.activate()
        window = sheet.book.app.api.active_window
        window.freeze_panes.set(False)
        window.split_column.set(0)
        window.split_row.set(1)
        window.freeze_panes.set(True)


def native_for(platform: str = sys.platform) -> Native:
    """The object model of the Excel this Python talks to."""
    return MacNative() if platform == "darwin" else WindowsNative()
