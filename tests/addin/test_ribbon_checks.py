"""Sync and Undo Last Sync in Excel check everything the workbook's save would refuse before QuickBooks is written:
merged cells where Contacts is written stop the click with the cells named, QuickBooks and the workbook unchanged,
and once they are unmerged the same click works."""

from __future__ import annotations

from pathlib import Path

from custmgr.company import SandboxCompany

from . import test_ribbon
from .excel import Workbook as Book
from .test_ribbon import click, contacts, quickbooks_phone

# The ribbon tests' fixtures: a sandbox company, a workbook synced with it, the log, the check on every message.
log_file, no_command_line_talk = test_ribbon.log_file, test_ribbon.no_command_line_talk
company_file, company, synced = test_ribbon.company_file, test_ribbon.company, test_ribbon.synced


def merge_phones(book: Book, row: int) -> str:
    """The bookkeeper merges a row's Phone and Alt. Phone cells (Home > Merge & Center); the cells' address."""
    header = contacts(book)[0]
    phone = header.index("Phone") + 1
    assert header[phone] == "Alt. Phone" and contacts(book)[row - 1][phone] is None  # nothing is lost by merging
    book.sheet("Contacts").merge(row, phone, row, phone + 1)
    return f"{letter(phone)}{row}:{letter(phone + 1)}{row}"


def letter(column: int) -> str:
    return chr(ord("A") + column - 1)


def refused_for(message: str, cells: str, row: int) -> None:
    assert f"sheet Contacts, row {row}, column {cells[0]}: the cells {cells} are merged" in message, message
    assert "Unmerge them (Home > Merge & Center > Unmerge Cells)" in message
    assert message.endswith("Nothing was changed.") and "QuickBooks already has" not in message


def edit_both_sides(book: Book, company: Path) -> tuple[str, str]:
    """A new phone typed on Contacts row 3 (to send) and another set in QuickBooks for row 5's contact (to
    receive); their names."""
    header = contacts(book)[0]
    phone, name = header.index("Phone") + 1, header.index("Name")
    sent, received = str(contacts(book)[2][name]), str(contacts(book)[4][name])
    book.sheet("Contacts").typed([["'(617) 555-0142"]], row=3, column=phone)
    with SandboxCompany(company) as qb:
        qb.edit(received, {"phone": "(415) 555-0199"})
    return sent, received


def test_merged_cells_on_contacts_stop_a_sync_before_quickbooks_is_written(synced: Book, company: Path) -> None:
    sent, _ = edit_both_sides(synced, company)
    cells = merge_phones(synced, 5)  # where the phone received goes
    before, saves = contacts(synced), synced.saves

    refused_for(click(synced, "sync"), cells, 5)
    assert quickbooks_phone(company, sent) != "(617) 555-0142"  # QuickBooks was not written
    assert contacts(synced) == before and synced.saves == saves

    phone = contacts(synced)[0].index("Phone") + 1
    synced.sheet("Contacts").unmerge(5, phone, 5, phone + 1)
    message = click(synced, "sync")
    assert "1 changes sent to QuickBooks" in message and "1 changes received from QuickBooks" in message
    assert quickbooks_phone(company, sent) == "(617) 555-0142"
    assert contacts(synced)[4][phone - 1] == "(415) 555-0199"


def test_merged_cells_on_contacts_stop_an_undo_before_quickbooks_is_put_back(synced: Book, company: Path) -> None:
    sent, _ = edit_both_sides(synced, company)
    before_sync = contacts(synced)
    old = quickbooks_phone(company, sent)
    assert "1 changes sent to QuickBooks" in click(synced, "sync")
    cells = merge_phones(synced, 5)  # where the undo puts back the phone received
    after, saves = contacts(synced), synced.saves

    refused_for(click(synced, "undo", "ok", "yes"), cells, 5)
    assert quickbooks_phone(company, sent) == "(617) 555-0142"  # QuickBooks was not put back
    assert contacts(synced) == after and synced.saves == saves

    phone = after[0].index("Phone") + 1
    synced.sheet("Contacts").unmerge(5, phone, 5, phone + 1)
    assert "Undo with Test Co" in click(synced, "undo", "ok", "yes")
    assert quickbooks_phone(company, sent) == old and contacts(synced) == before_sync


def test_merged_cells_where_the_sync_log_grows_stop_a_sync_before_quickbooks_is_written(synced: Book,
                                                                                        company: Path) -> None:
    sent, _ = edit_both_sides(synced, company)
    log = synced.sheet("Sync Log")
    below = len(log.grid()) + 1
    log.merge(below, 1, below + 1, 2)  # the bookkeeper merged empty cells under the log, where its next row goes

    message = click(synced, "sync")
    assert f"sheet Sync Log, row {below}, column A: the cells A{below}:B{below + 1} are merged" in message
    assert message.endswith("Nothing was changed.") and quickbooks_phone(company, sent) != "(617) 555-0142"

    log.unmerge(below, 1, below, 1)
    assert "1 changes sent to QuickBooks" in click(synced, "sync")
    assert quickbooks_phone(company, sent) == "(617) 555-0142" and len(log.grid()) >= below
