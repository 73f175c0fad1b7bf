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


@pytest.mark.slow
@pytest.mark.parametrize("platform", ["win", "mac"])
def test_every_button_costs_the_same_calls_at_200_and_3000_contacts(tmp_path: Path, platform: str,
                                                                    record_property: Any) -> None:
    runs = {}
    for size in (200, 3_000):
        book, clicks = every_button(tmp_path / str(size), platform, size)
        check_messages(clicks, size)
        runs[size] = {c.step: c for c in clicks}
        record_property(f"calls at {size}", {c.step: c.calls for c in clicks})
    width = len(book.sheet("Contacts").grid()[0])
    rows = len(book.sheet("Contacts").grid())
    extra = math.ceil(rows * width / 100_000) - 1  # writes of the whole Contacts table past one call
    assert rows * width > 100_000 and extra >= 1  # 3,000 contacts are past xlwings' chunking threshold
    for step in STEPS:
        small, large = runs[200][step], runs[3_000][step]
        grown = large.writes - small.writes
        assert 0 <= grown <= 2 * extra, (step, small, large)  # Contacts and its backup may each take one more
        # one more write is a few calls; the status bar shows each tenth of a phase, so a phase of 200
        # contacts read in two batches updates it fewer times than one of 3,000 (never more than ten)
        assert large.calls - small.calls <= grown * 10 + 2 * 10, (step, small.calls, large.calls)


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
