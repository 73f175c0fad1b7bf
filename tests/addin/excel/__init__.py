"""A fake Excel, under the real xlwings: its Windows (COM) and Mac (AppleScript) object models."""

from __future__ import annotations

from typing import Any

from .model import Excel, Workbook


def xlwings_book(book: Workbook) -> Any:
    """The real ``xlwings.Book`` on ``book``, through the real backend of the fake Excel's platform."""
    if book.excel.platform == "win":
        from . import com

        return com.workbook(book)
    from . import applescript

    return applescript.workbook(book)


__all__ = ["Excel", "Workbook", "xlwings_book"]
