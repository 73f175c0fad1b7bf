"""Fixtures for the add-in tests: the xlwings double on each platform's object model."""

from __future__ import annotations

from pathlib import Path

import pytest

from custmgr_excel.live import LiveWorkbook
from custmgr_excel.native import MacNative, Native, WindowsNative

from .fake_xlwings import MAC_KEYWORDS, App, Book

PLATFORMS = ["win", "mac"]


def native_for(app: App) -> Native:
    """The add-in's object-model layer for the platform the double plays."""
    return WindowsNative() if app.platform == "win" else MacNative(MAC_KEYWORDS)


def live(book: Book) -> LiveWorkbook:
    """A fresh port on ``book``: what a new ribbon click sees (nothing cached)."""
    return LiveWorkbook(book, native=native_for(book.app))


@pytest.fixture(params=PLATFORMS)
def excel(request: pytest.FixtureRequest) -> App:
    """Excel (the double) on Windows and on a Mac."""
    return App(request.param)


@pytest.fixture
def book(excel: App, tmp_path: Path) -> Book:
    """A saved workbook open in Excel: one empty sheet, Sheet1."""
    return excel.book("contacts.xlsx", tmp_path)
