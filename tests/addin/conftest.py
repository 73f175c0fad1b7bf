"""Fixtures for the add-in tests: the real xlwings, on each platform's backend, over a fake Excel."""

from __future__ import annotations

from pathlib import Path

import pytest

from custmgr_excel.live import LiveWorkbook
from custmgr_excel.native import MacNative, Native, WindowsNative

from .excel import Excel, Workbook, xlwings_book
from .excel.platforms import k

PLATFORMS = ["win", "mac"]


def native_for(excel: Excel) -> Native:
    """The add-in's object-model layer for the fake Excel's platform."""
    return WindowsNative() if excel.platform == "win" else MacNative(k)


def live(book: Workbook) -> LiveWorkbook:
    """A fresh port on ``book``: what a new ribbon click sees (nothing cached)."""
    return LiveWorkbook(xlwings_book(book), native=native_for(book.excel))


@pytest.fixture(params=PLATFORMS)
def excel(request: pytest.FixtureRequest) -> Excel:
    """Excel for Windows and Excel for Mac (fakes), under the real xlwings."""
    return Excel(request.param)


@pytest.fixture
def book(excel: Excel, tmp_path: Path) -> Workbook:
    """A saved workbook open in Excel: one empty sheet, Sheet1."""
    return excel.open("contacts.xlsx", tmp_path)
