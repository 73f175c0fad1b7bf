"""Every button end to end through the real xlwings on the fake Excel, with a sandbox company: the workbook ends
as the engine meant it, and the calls Excel receives (COM calls, Apple events) do not grow with the number of
contacts, but for one more write per 100,000 cells past xlwings' chunking threshold."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from custmgr.company import SandboxCompany

from .excel import Excel
from .excel import Workbook as Book
from .excel.platforms import CommandError
from .excel.ribbon_session import STEPS, Click, edit_both_sides, every_button, laid_out, press


@pytest.fixture(autouse=True)
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUSTMGR_LOG_DIR", str(tmp_path / "logs"))


def column(book: Book, header: str) -> dict[str, Any]:
    grid = book.sheet("Contacts").grid()
    name, col = grid[0].index("Name"), grid[0].index(header)
    return {row[name]: row[col] for row in grid[1:] if row[name]}


def check_messages(clicks: list[Click], size: int) -> None:
    messages = {c.step: c.message for c in clicks}
    assert messages["setup: import"].endswith(f"{size} imported from QuickBooks")
    assert "1 changes sent to QuickBooks" in messages["sync: both sides"]
    assert "1 changes received from QuickBooks" in messages["sync: both sides"]
    assert messages["sync: no change"].endswith("nothing to do")
    assert messages["undo"].startswith("Undo with")
    assert "is paired with 'Test Co'" in messages["help"]
    assert "unexpected" not in " ".join(messages.values())


@pytest.mark.parametrize("platform", ["win", "mac"])
def test_every_button_end_to_end(tmp_path: Path, platform: str, record_property: Any) -> None:
    _, clicks = every_button(tmp_path, platform, 200)
    check_messages(clicks, 200)
    record_property("calls", {c.step: c.calls for c in clicks})
    no_change = next(c for c in clicks if c.step == "sync: no change")
    assert no_change.writes <= 6  # the sync log, state and backup: never the contacts themselves
    assert max(c.calls for c in clicks) < 500


#: The status bar, updated at each tenth of a phase with counts: the one call that may vary with the size.
STATUS = {"win": "Application.StatusBar=", "mac": "Excel.status_bar.set"}
#: What one more write of a block of cells costs, below xlwings: the range named by its corners (which the
#: Windows backend builds from two cells and checks against its sheet and application) and the write itself.
ONE_MORE_WRITE = {"win": {"Worksheet_.Range": 1, "Worksheet_.Cells": 2, "Cells.Item": 2, "Worksheet_.Parent": 1,
                          "Workbook_.Application": 1, "Application.Hwnd": 1, "Range.Value=": 1},
                  "mac": {"Rng.get_address": 2, "Rng.value.set": 1}}
#: Phases with counts a button shows (reading QuickBooks, sending to QuickBooks): at most ten updates each.
COUNTED_PHASES = 2


def calls_per_button(folder: Path, platform: str, size: int) -> tuple[Book, dict[str, Click]]:
    book, clicks = every_button(folder / str(size), platform, size)
    check_messages(clicks, size)
    return book, {c.step: c for c in clicks}


def grown(small: Click, large: Click, platform: str) -> dict[str, int]:
    """The calls ``large`` made beyond ``small``'s, by name, but for the status bar."""
    names = (set(small.counts) | set(large.counts)) - {STATUS[platform]}
    return {n: large.counts.get(n, 0) - small.counts.get(n, 0) for n in sorted(names)
            if large.counts.get(n, 0) != small.counts.get(n, 0)}


def check_constant(small: Click, large: Click, platform: str) -> None:
    assert grown(small, large, platform) == {}, small.step
    status = large.counts.get(STATUS[platform], 0) - small.counts.get(STATUS[platform], 0)
    assert 0 <= status <= 10 * COUNTED_PHASES, small.step


@pytest.mark.parametrize("platform", ["win", "mac"])
def test_calls_per_button_are_the_same_for_20_and_1000_contacts(tmp_path: Path, platform: str) -> None:
    """Below xlwings' chunking threshold (1,000 contacts: 36,000 cells), every button makes exactly the same
    calls to Excel whatever the number of contacts, but for status-bar updates (at most ten per counted phase)."""
    small, large = (calls_per_button(tmp_path, platform, size)[1] for size in (20, 1_000))
    for step in STEPS:
        check_constant(small[step], large[step], platform)


@pytest.mark.slow
@pytest.mark.parametrize("platform", ["win", "mac"])
def test_past_the_chunking_threshold_a_button_makes_one_more_write_per_100000_cells(
        tmp_path: Path, platform: str, record_property: Any) -> None:
    """3,000 contacts are past the threshold: the import writes the Contacts table in one call per 100,000
    cells (each further write costing exactly ``ONE_MORE_WRITE``); every other button makes the same calls as
    at 1,000 contacts, since a sync writes only the cells that change."""
    _, small = calls_per_button(tmp_path, platform, 1_000)
    book, large = calls_per_button(tmp_path, platform, 3_000)
    record_property("calls at 3000", {step: c.calls for step, c in large.items()})
    header = book.sheet("Contacts").grid()[0]
    cells = (3_000 + 1) * len(header)  # the table the import writes, header included
    for step in STEPS:
        if step == "setup: import":
            continue
        check_constant(small[step], large[step], platform)
    extra = large["setup: import"].writes - small["setup: import"].writes
    assert extra == math.ceil(cells / 100_000) - 1 >= 1
    assert grown(small["setup: import"], large["setup: import"], platform) == {
        name: extra * n for name, n in ONE_MORE_WRITE[platform].items()}


@pytest.mark.parametrize("platform", ["win", "mac"])
def test_the_checks_before_quickbooks_is_written_ask_excel_once_per_written_sheet(tmp_path: Path,
                                                                                  platform: str) -> None:
    """Whether a sheet the save writes has merged cells is one question to Excel per sheet (none for a sheet
    the save adds), asked only when the sync writes to QuickBooks; a no-change sync asks none."""
    book, company, _ = laid_out(tmp_path, platform, 200)
    press(book, "setup", "import")
    edit_both_sides(book, company)
    sheets = len(book.sheet_names())
    question = {"win": "Range.MergeCells", "mac": "Rng.merge_cells.get"}[platform]
    press(book, "sync", "sync: both sides")
    assert 1 <= book.excel.calls[question] <= sheets
    assert "Undo with Test Co: ok" in press(book, "undo", "undo", "ok", "yes").message  # QuickBooks put back
    assert 1 <= book.excel.calls[question] <= sheets
    press(book, "sync", "sync again")
    assert press(book, "sync", "sync: no change").message.endswith("nothing to do")
    assert book.excel.calls[question] == 0


def test_the_import_fills_the_workbook_as_quickbooks_has_it(tmp_path: Path) -> None:
    book, company, _ = laid_out(tmp_path, "win", 50)
    assert press(book, "setup", "import").message.endswith("50 imported from QuickBooks")
    with SandboxCompany(company) as qb:
        records = {r.values["name"]: r.values for r in qb.records()}
    phones = column(book, "Phone")
    assert set(phones) == set(records)
    assert all((phones[n] or "") == records[n].get("phone", "") for n in records)
    assert book.sheet("Contacts").cells[(2, 2)].prefix  # text from QuickBooks stays text
    assert book.sheet("_cm_state").visibility == "veryHidden" and book.sheet("_cm_pair").visibility == "veryHidden"
    assert [t.bounds() for t in book.sheet("Contacts").tables] == [(1, 1, len(records) + 1,
                                                                     len(book.sheet("Contacts").grid()[0]))]
    assert book.saves >= 2 and book.excel.status_history[-1] is False


@pytest.mark.parametrize(("platform", "readings"), [
    ("mac", {"intersect": "range"}), ("mac", {"intersect": "missing"}),  # the first Set Up Sync stopped half way
    ("mac", {"one_row": "rows"}), ("mac", {"one_row": "flat"}),  # a header-only Contacts failed to read
    ("win", {"international": "item"}), ("win", {"international": "array"}),  # "CustomerRVendor"
])
def test_set_up_sync_and_sync_under_every_reading(tmp_path: Path, platform: str, readings: dict[str, str]) -> None:
    """What only a real Excel settles, each way it may go: Set Up Sync, the import and a sync all work."""
    book, _, first = laid_out(tmp_path, platform, 20, **readings)
    assert "The Customer Manager sheets are in place" in first.message
    assert book.sheet("Settings").choices(5, 2) == ["Customers", "Customers and vendors"]
    assert press(book, "setup", "import").message.endswith("20 imported from QuickBooks")
    contacts = book.sheet("Contacts")
    kind = contacts.grid()[0].index("Type") + 1
    assert contacts.choices(2, kind) == ["Customer", "Vendor"]  # the checklist's Contacts!C2
    assert press(book, "sync", "sync").message.endswith("nothing to do")


def test_a_set_up_sync_that_fails_half_way_leaves_the_workbook_as_it_was(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from custmgr_excel import native

    book = Excel("mac").open("contacts.xlsx", tmp_path)
    book.sheet("Sheet1").typed([["my notes"]])
    calls = []

    def failing(self: object, app: object, rng: object, choices: object) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise CommandError(-1708, "'Keyword' object has no attribute 'count'")

    monkeypatch.setattr(native.MacNative, "set_dropdown", failing)
    message = press(book, "setup", "setup").message
    assert "Excel stopped while updating contacts.xlsx" in message and "taken back" in message
    assert book.sheet_names() == ["Sheet1"] and book.sheet("Sheet1").grid() == [["my notes"]]
    assert book.saves == 0
