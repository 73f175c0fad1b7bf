"""Real engine syncs through the ribbon, on the xlwings double with a sandbox company: the number of calls to
Excel does not grow with the number of contacts, and the workbook ends as the engine meant it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from custmgr.layout import load_layout
from custmgr_excel import ribbon
from custmgr_sandbox.store import SandboxCompany, create_company

from .conftest import native_for
from .excel import xlwings_book
from .excel import Excel
from .excel import Workbook as Book


@pytest.fixture(autouse=True)
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUSTMGR_LOG_DIR", str(tmp_path / "logs"))


def click(book: Book, tag: str) -> int:
    """Press a button; returns how many calls to Excel it took."""
    book.excel.calls.clear()
    ribbon.run(tag, xlwings_book(book), native_for(book.excel))
    return book.excel.total_calls


def set_up(tmp_path: Path, platform: str, size: int) -> tuple[Book, Path]:
    """A new workbook paired with a sandbox company of ``size`` contacts, before its first sync."""
    company = tmp_path / "company.qbsandbox"
    tmp_path.mkdir(exist_ok=True)
    create_company(company, size=size)
    book = Excel(platform).open("contacts.xlsx", tmp_path)
    click(book, "setup")  # lays the sheets out
    row = 2 + [s.key for s in load_layout().settings].index("company")
    book.sheet("Settings").typed([[company.name]], row=row, column=2)
    book.excel.alerts.clear()
    return book, company


def column(book: Book, header: str) -> dict[str, Any]:
    grid = book.sheet("Contacts").grid()
    name, col = grid[0].index("Name"), grid[0].index(header)
    return {row[name]: row[col] for row in grid[1:] if row[name]}


def edit_both_sides(book: Book, company: Path) -> None:
    """A bookkeeper edits one phone in the workbook; someone edits another contact in QuickBooks."""
    grid = book.sheet("Contacts").grid()
    names = [row[grid[0].index("Name")] for row in grid[1:]]
    book.sheet("Contacts").typed([["'(617) 555-0100"]], row=2, column=grid[0].index("Phone") + 1)
    with SandboxCompany(company) as qb:
        qb.edit(names[-1], {"phone": "(415) 555-0199"})


@pytest.mark.parametrize("platform", ["win", "mac"])
def test_calls_per_sync_do_not_grow_with_the_number_of_contacts(tmp_path: Path, platform: str) -> None:
    counts: dict[int, list[int]] = {}
    for size in (20, 200):
        book, company = set_up(tmp_path / str(size), platform, size)
        first = click(book, "setup")  # checks Settings, then imports
        assert "imported from QuickBooks" in book.excel.alerts[-1]["prompt"]
        edit_both_sides(book, company)
        second = click(book, "sync")
        assert "1 changes sent to QuickBooks" in book.excel.alerts[-1]["prompt"]
        assert "1 changes received from QuickBooks" in book.excel.alerts[-1]["prompt"]
        third = click(book, "sync")
        assert book.excel.alerts[-1]["prompt"].endswith("nothing to do")
        undo = click(book, "undo")
        assert book.excel.alerts[-1]["prompt"].startswith("Undo with")
        counts[size] = [first, second, third, undo]
    assert counts[20] == counts[200], counts
    assert max(counts[200]) < 400


def test_the_import_fills_the_workbook_as_quickbooks_has_it(tmp_path: Path) -> None:
    book, company = set_up(tmp_path, "win", 50)
    click(book, "setup")
    with SandboxCompany(company) as qb:
        active = {r.values["name"]: r.values for r in qb.records()
                  if r.values.get("active") != "No" and r.values["kind"] == "Customer"}
    phones = column(book, "Phone")
    assert set(phones) == set(active)
    assert all((phones[n] or "") == active[n].get("phone", "") for n in active)
    assert book.sheet("Contacts").cells[(2, 2)].prefix  # text from QuickBooks stays text
    assert book.sheet("_cm_state").visibility == "veryHidden" and book.sheet("_cm_pair").visibility == "veryHidden"
    assert [t.bounds() for t in book.sheet("Contacts").tables] == [(1, 1, len(active) + 1,
                                                                     len(book.sheet("Contacts").grid()[0]))]
    assert book.saves >= 2 and book.excel.status_history[-1] is False
