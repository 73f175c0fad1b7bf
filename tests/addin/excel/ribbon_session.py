"""Every ribbon button pressed in turn on a workbook paired with a sandbox company, through the real xlwings
on the fake Excel: what the add-in tests and ``benchmarks/addin_benchmark.py`` both run.

Each click reports the calls Excel received (COM calls on Windows, Apple events on a Mac, counted below
xlwings), the cell writes among them, the time it took and the message it ended with.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from custmgr.company import SandboxCompany, create_company
from custmgr.layout import load_layout
from custmgr_excel import ribbon
from custmgr_excel.native import MacNative, Native, WindowsNative

from . import Excel, Workbook, xlwings_book
from .platforms import k

#: The buttons, in the order a bookkeeper meets them; "sync: both sides" follows an edit on each side.
STEPS = ("setup: lay out", "setup: import", "sync: both sides", "sync: no change", "undo", "review", "log",
         "settings", "help")


@dataclass(frozen=True)
class Click:
    step: str
    calls: int
    writes: int
    seconds: float
    message: str
    #: the calls by name (``Range.Value=``, ``Rng.value.set``, ...), as the fake Excel counted them
    counts: dict[str, int]


def native_for(excel: Excel) -> Native:
    return WindowsNative() if excel.platform == "win" else MacNative(k)


def press(book: Workbook, tag: str, step: str, *answers: str) -> Click:
    """Press one button (answering its questions); what it cost and said."""
    excel = book.excel
    excel.calls.clear()
    excel.answers = list(answers)
    shown = len(excel.alerts)
    start = time.perf_counter()
    ribbon.run(tag, xlwings_book(book), native_for(excel))
    seconds = time.perf_counter() - start
    message = excel.alerts[-1]["prompt"] if len(excel.alerts) > shown else ""
    return Click(step, excel.total_calls, excel.cell_calls("writes"), seconds, message, dict(excel.calls))


def company_file(folder: Path, size: int) -> Path:
    path = folder / "company.qbsandbox"
    folder.mkdir(parents=True, exist_ok=True)
    create_company(path, name="Test Co", size=size)
    return path


def laid_out(folder: Path, platform: str, size: int, **readings: str) -> tuple[Workbook, Path, Click]:
    """A new saved workbook after its first Set Up Sync, its Settings naming a company of ``size`` contacts
    (all to be imported: customers, vendors, inactive ones)."""
    company = company_file(folder, size)
    book = Excel(platform, **readings).open("contacts.xlsx", folder)
    first = press(book, "setup", "setup: lay out")
    keys = [s.key for s in load_layout().settings]
    for key, value in (("company", company.name), ("kinds", "Customers and vendors"), ("include_inactive", "Yes")):
        book.sheet("Settings").typed([[value]], row=2 + keys.index(key), column=2)
    return book, company, first


def every_button(folder: Path, platform: str, size: int, **readings: str) -> tuple[Workbook, list[Click]]:
    """A new saved workbook set up with a company of ``size`` contacts, then every button once."""
    book, company, first = laid_out(folder, platform, size, **readings)
    clicks = [first, press(book, "setup", "setup: import")]
    edit_both_sides(book, company)
    clicks.append(press(book, "sync", "sync: both sides"))
    clicks.append(press(book, "sync", "sync: no change"))
    clicks.append(press(book, "undo", "undo", "ok"))
    for tag in ("review", "log", "settings", "help"):
        clicks.append(press(book, tag, tag))
    return book, clicks


def edit_both_sides(book: Workbook, company: Path) -> None:
    """The bookkeeper edits one phone in the workbook; someone edits another contact in QuickBooks."""
    grid = book.sheet("Contacts").grid()
    names = [row[grid[0].index("Name")] for row in grid[1:]]
    book.sheet("Contacts").typed([["'(617) 555-0100"]], row=2, column=grid[0].index("Phone") + 1)
    with SandboxCompany(company) as qb:
        qb.edit(names[-1], {"phone": "(415) 555-0199"})
