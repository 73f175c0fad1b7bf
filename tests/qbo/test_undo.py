"""``custmgr undo BOOK --quickbooks`` end to end against the QuickBooks Online stand-in (the recorded company):
edits put back, an added contact "deleted" the QuickBooks Online way (made inactive), an inactive one active again
under its own name, and a contact changed in QuickBooks Online since left alone."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from custmgr.cli import main
from custmgr.settings import format_options
from workbooks import add_row, contacts, delete_row, review, set_cells, set_settings

from .test_sync import Paired, case, imported, qb_edit, remote

__all__ = ["case", "imported"]  # fixtures this module uses by name


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def on_this_standin(case: Paired) -> Path:
    """Point the workbook's Settings at this test's stand-in, so plain commands reach it."""
    set_settings(case.book, options=format_options(case.standin.options()),
                 add_policy="Add to QuickBooks", delete_policy="Make inactive in QuickBooks")
    return case.book


def test_sync_then_undo_quickbooks_on_quickbooks_online(case):
    book = on_this_standin(case)
    qbo = case.standin
    set_cells(book, "Dylan Sollfrank", Phone="(650) 000-0000")
    add_row(book, Name="Fresh Start LLC", Phone="(650) 000-0001")
    delete_row(book, "Kate Whelan")
    qb_edit(qbo, "Diego Rodriguez", Notes="from QuickBooks")
    before = contacts(book), review(book), remote(qbo)
    sent = json.loads(run("sync", str(book), "--json"))
    assert (sent["sent"], sent["added"], sent["made_inactive"], sent["received"]) == (1, 1, 1, 1)
    out = run("undo", str(book), "--quickbooks", "--dry-run")
    assert "Fresh Start LLC: delete from QuickBooks (the sync added it)" in out and "Kate Whelan: make active" in out
    out = run("undo", str(book), "--quickbooks")
    assert "Made inactive instead of deleted" in out and "Fresh Start LLC" in out
    assert (contacts(book), review(book)) == before[:2]
    now = remote(qbo)
    assert now.pop("Fresh Start LLC")["active"] == "No"  # QuickBooks Online keeps every name it was given
    assert now == before[2]  # Kate Whelan active again under her own name, Dylan's phone as it was


def test_a_contact_changed_in_quickbooks_online_since_is_left_alone(case):
    book = on_this_standin(case)
    qbo = case.standin
    set_cells(book, "Dylan Sollfrank", Phone="(650) 000-0000")
    run("sync", str(book))
    qb_edit(qbo, "Dylan Sollfrank", Notes="called today")
    summary = json.loads(run("undo", str(book), "--quickbooks", "--json"))
    assert (summary["outcome"], summary["undone"], summary["left_alone"]) == ("ok", 0, 1)
    assert any("Dylan Sollfrank (changed in QuickBooks since the sync" in m for m in summary["messages"])
    assert remote(qbo)["Dylan Sollfrank"]["phone"] == "(650) 000-0000"
    run("sync", str(book))
    here = contacts(book)["Dylan Sollfrank"]
    assert (here["phone"], here["notes"]) == ("(650) 000-0000", "called today")


def test_a_customer_and_its_job_added_by_the_sync_are_both_made_inactive(case):
    book = on_this_standin(case)
    add_row(book, Name="Granite Works")
    add_row(book, Name="Granite Works:Quarry Road")
    assert json.loads(run("sync", str(book), "--json"))["added"] == 2
    summary = json.loads(run("undo", str(book), "--quickbooks", "--json"))
    assert (summary["outcome"], summary["undone"]) == ("ok", 2)
    now = remote(case.standin)
    assert (now["Granite Works"]["active"], now["Granite Works:Quarry Road"]["active"]) == ("No", "No")
