"""The sync on a workbook file against the sandbox company: import, both ways, decisions, policies, undo."""

from __future__ import annotations

import openpyxl
import pytest

from custmgr import sync as engine
from custmgr.company import SandboxCompany, create_company
from custmgr.errors import CustmgrError, SyncRefused
from custmgr.state import read_state
from custmgr.workbook.xlsx import XlsxWorkbook
from workbooks import (
    add_row,
    contacts,
    delete_row,
    mark,
    paired,
    qb_edit,
    remote,
    review,
    set_cells,
    set_settings,
    statuses,
    sync,
)


def test_first_sync_imports_every_active_contact_with_jobs_and_vendors(tmp_path):
    book, company = paired(tmp_path, sync=False)
    summary = sync(book)
    qb = {n: v for n, v in remote(company).items() if v["active"] == "Yes"}
    assert summary.imported == len(qb) and summary.outcome == "ok"
    here = contacts(book)
    assert set(here) == set(qb)
    assert here["Harborview Condominium Trust:Courtyard Renovation:Phase 2 Irrigation"]["kind"] == "Customer"
    assert any(v["kind"] == "Vendor" for v in here.values())
    standard = {k: v for k, v in qb["O'Brien's Bakery"].items() if not k.startswith("custom:")}
    assert here["O'Brien's Bakery"] == standard


def test_include_inactive_imports_inactive_ones_too(tmp_path):
    book, company = paired(tmp_path, sync=False, include_inactive="Yes")
    sync(book)
    assert set(contacts(book)) == set(remote(company))


def test_customers_only(tmp_path):
    book, _ = paired(tmp_path, vendors=False)
    assert {v["kind"] for v in contacts(book).values()} == {"Customer"}


def test_second_sync_with_no_edits_changes_nothing(tmp_path):
    book, company = paired(tmp_path)
    here, asked, qb_before = contacts(book), review(book), remote(company)
    state_before = read_state(XlsxWorkbook.open(book, writable=False))
    summary = sync(book)
    assert summary.outcome == "nothing to do"
    assert contacts(book) == here and review(book) == asked and remote(company) == qb_before
    state_after = read_state(XlsxWorkbook.open(book, writable=False))
    assert state_after.links == state_before.links  # the file is rewritten (a Sync Log row), the state is not


def test_edits_travel_both_ways_field_by_field(tmp_path):
    book, company = paired(tmp_path)
    set_cells(book, "Café Société", Phone="(617) 555-0000")
    qb_edit(company, "Café Société", email="new@cafe.example.com")
    summary = sync(book)
    assert (summary.sent, summary.received) == (1, 1)
    assert remote(company)["Café Société"]["phone"] == "(617) 555-0000"
    assert contacts(book)["Café Société"]["email"] == "new@cafe.example.com"
    assert sync(book).outcome == "nothing to do"


def test_a_conflict_waits_on_review_then_the_marked_side_wins(tmp_path):
    book, company = paired(tmp_path)
    set_cells(book, "Okafor, Chidi", Phone="111")
    qb_edit(company, "Okafor, Chidi", phone="222")
    summary = sync(book)
    assert summary.conflicts_open == 1
    assert statuses(book)["Okafor, Chidi"].startswith("Conflict")
    assert contacts(book)["Okafor, Chidi"]["phone"] == "111" and remote(company)["Okafor, Chidi"]["phone"] == "222"
    assert sync(book).conflicts_open == 1  # still open, both sides untouched
    mark(book, "Okafor, Chidi", "right")
    summary = sync(book)
    assert summary.conflicts_open == 0 and summary.received == 1
    assert contacts(book)["Okafor, Chidi"]["phone"] == "222"
    assert "Okafor, Chidi" not in statuses(book)
    assert not review(book)


def test_a_decision_made_on_values_that_changed_since_is_asked_again(tmp_path):
    book, company = paired(tmp_path)
    set_cells(book, "Okafor, Chidi", Phone="111")
    qb_edit(company, "Okafor, Chidi", phone="222")
    sync(book)
    mark(book, "Okafor, Chidi", "right")
    qb_edit(company, "Okafor, Chidi", phone="333")
    assert sync(book).conflicts_open == 1
    assert contacts(book)["Okafor, Chidi"]["phone"] == "111"


@pytest.mark.parametrize(("setting", "phone"), [("Customer Manager wins", "111"), ("QuickBooks wins", "222")])
def test_conflict_default_setting(tmp_path, setting, phone):
    book, company = paired(tmp_path, conflict_default=setting)
    set_cells(book, "Okafor, Chidi", Phone="111")
    qb_edit(company, "Okafor, Chidi", phone="222")
    assert sync(book).conflicts_open == 0
    assert contacts(book)["Okafor, Chidi"]["phone"] == phone == remote(company)["Okafor, Chidi"]["phone"]


def test_a_new_row_is_added_only_after_accept_left(tmp_path):
    book, company = paired(tmp_path)
    add_row(book, Name="Brand New Client", Phone="555-0101")
    summary = sync(book)
    assert summary.decisions_open == 1 and "Brand New Client" not in remote(company)
    assert statuses(book)["Brand New Client"].startswith("Not in QuickBooks")
    mark(book, "Brand New Client", "left")
    assert sync(book).added == 1
    assert remote(company)["Brand New Client"]["phone"] == "555-0101"
    assert sync(book).outcome == "nothing to do"


def test_accept_right_on_a_new_row_keeps_it_only_here(tmp_path):
    book, company = paired(tmp_path)
    add_row(book, Name="Prospect Only", Phone="1")
    sync(book)
    mark(book, "Prospect Only", "right")
    sync(book)
    assert "Prospect Only" not in remote(company)
    assert statuses(book)["Prospect Only"] == "Only in this workbook"
    assert sync(book).decisions_open == 0


def test_add_policy_adds_new_rows_at_once_jobs_after_parents(tmp_path):
    book, company = paired(tmp_path, add_policy="Add to QuickBooks")
    add_row(book, Name="Newco:Job One")
    add_row(book, Name="Newco")
    assert sync(book).added == 2
    assert {"Newco", "Newco:Job One"} <= set(remote(company))


def test_a_new_row_matching_a_quickbooks_contact_by_name_is_linked_not_added(tmp_path):
    book, _company = paired(tmp_path, sync=False)
    add_row(book, Name="o'brien's bakery", Phone="(617) 555-0126")
    summary = sync(book)
    assert summary.added == 0 and summary.decisions_open == 0
    state = read_state(XlsxWorkbook.open(book, writable=False))
    assert len(state.links) == len(contacts(book))


def test_a_deleted_row_asks_then_makes_the_contact_inactive(tmp_path):
    book, company = paired(tmp_path)
    delete_row(book, "Kowalski, Ted")
    assert sync(book).decisions_open == 1
    assert remote(company)["Kowalski, Ted"]["active"] == "Yes"
    mark(book, "Kowalski, Ted", "left")
    assert sync(book).made_inactive == 1
    assert remote(company)["Kowalski, Ted"]["active"] == "No"
    assert sync(book).outcome == "nothing to do"


def test_accept_right_on_a_deleted_row_brings_it_back(tmp_path):
    book, _company = paired(tmp_path)
    delete_row(book, "Kowalski, Ted")
    sync(book)
    mark(book, "Kowalski, Ted", "right")
    assert sync(book).restored == 1
    assert "Kowalski, Ted" in contacts(book)


def test_deleted_in_quickbooks_marks_the_row_or_removes_it(tmp_path):
    book, company = paired(tmp_path)
    with SandboxCompany(company) as c:
        c.delete("Kowalski, Ted")
    sync(book)
    assert statuses(book)["Kowalski, Ted"].startswith("Not in QuickBooks")
    set_settings(book, gone_policy="Remove row")
    assert sync(book).removed == 1
    assert "Kowalski, Ted" not in contacts(book)


def test_changed_here_deleted_there_is_a_decision(tmp_path):
    book, company = paired(tmp_path)
    set_cells(book, "Kowalski, Ted", Phone="999")
    with SandboxCompany(company) as c:
        c.delete("Kowalski, Ted")
    assert sync(book).decisions_open == 1
    mark(book, "Kowalski, Ted", "left")
    assert sync(book).added == 1
    assert remote(company)["Kowalski, Ted"]["phone"] == "999"


def test_inactive_in_quickbooks_is_a_field_not_a_deletion(tmp_path):
    book, company = paired(tmp_path)
    with SandboxCompany(company) as c:
        c.deactivate("Kowalski, Ted")
    sync(book)
    assert contacts(book)["Kowalski, Ted"]["active"] == "No"


def test_users_own_columns_and_column_order_are_kept(tmp_path):
    book, company = paired(tmp_path)

    def reorder(ws, header):
        for r in range(1, ws.max_row + 1):  # swap Name and Type, as dragging a column in Excel does
            a, b = ws.cell(r, 2), ws.cell(r, 3)
            a.value, b.value = b.value, a.value
        ws.cell(1, ws.max_column + 1).value = "My Notes"
        ws.cell(2, ws.max_column).value = "=1+1"
        ws.insert_cols(5)  # an empty column in the middle: Excel calls it Column5

    wb = openpyxl.load_workbook(book)
    reorder(wb["Contacts"], {})
    wb.save(book)
    qb_edit(company, "Café Société", phone="123")
    assert sync(book).received == 1
    ws = openpyxl.load_workbook(book)["Contacts"]
    assert ws.cell(1, ws.max_column).value == "My Notes" and ws.cell(2, ws.max_column).value == "=1+1"
    assert contacts(book)["Café Société"]["phone"] == "123"


def test_dry_run_shows_the_plan_and_changes_nothing(tmp_path):
    book, company = paired(tmp_path)
    set_cells(book, "Café Société", Phone="1")
    qb_edit(company, "Okafor, Chidi", phone="2")
    before, qb_before = book.read_bytes(), remote(company)
    summary, _plan = engine.sync(book, dry_run=True)
    assert book.read_bytes() == before and remote(company) == qb_before
    assert (summary.sent, summary.received) == (1, 1)
    assert any("Café Société" in line and "send Phone" in line for line in summary.plan)


def test_undo_restores_contacts_review_and_state_exactly(tmp_path):
    book, company = paired(tmp_path)
    set_cells(book, "Okafor, Chidi", Phone="111")
    qb_edit(company, "Okafor, Chidi", phone="222")
    add_row(book, Name="Someone New")
    delete_row(book, "Kowalski, Ted")
    sync(book)  # conflict + decisions
    snapshot = (contacts(book), review(book), read_state(XlsxWorkbook.open(book, writable=False)).links)
    set_cells(book, "Café Société", Phone="9")
    with SandboxCompany(company) as c:
        c.delete("Peña, Rosa:Backyard Patio")
    set_settings(book, gone_policy="Remove row")
    mark(book, "Okafor, Chidi", "left")
    snapshot_marked = (contacts(book), review(book))
    sync(book)
    summary = engine.undo(book)
    assert any("NOT changed back" in m and "Café Société" in m for m in summary.messages)
    assert (contacts(book), review(book)) == snapshot_marked
    assert read_state(XlsxWorkbook.open(book, writable=False)).links == snapshot[2]


def test_undo_refuses_when_a_row_was_edited_after_the_sync(tmp_path):
    book, company = paired(tmp_path)
    qb_edit(company, "Café Société", phone="1")
    sync(book)
    set_cells(book, "Café Société", Phone="2")
    with pytest.raises(CustmgrError, match="edited after"):
        engine.undo(book)
    engine.undo(book, force=True)
    assert contacts(book)["Café Société"]["phone"] != "1"


def test_undo_with_nothing_to_undo(tmp_path):
    book, _ = paired(tmp_path, backups="0")
    sync(book)
    with pytest.raises(CustmgrError, match="no sync to undo"):
        engine.undo(book)


def test_backups_are_rotated(tmp_path):
    book, company = paired(tmp_path, backups="2")
    for i in range(4):
        qb_edit(company, "Café Société", phone=str(i))
        sync(book)
    wb = XlsxWorkbook.open(book, writable=False)
    assert sorted(n for n in wb.sheet_names() if n.startswith("_cm_backup_")) == ["_cm_backup_4", "_cm_backup_5"]
    assert all(wb.visibility(n) == "veryHidden" for n in wb.sheet_names() if n.startswith("_cm_"))


def test_a_workbook_syncs_with_one_company_only(tmp_path):
    book, _ = paired(tmp_path)
    other = tmp_path / "other.qbsandbox"
    create_company(other, name="Other Co", sample=True)
    with pytest.raises(SyncRefused, match="paired with the QuickBooks company 'Test Co'"):
        engine.setup(book, connector="sandbox", company=str(other))
    set_settings(book, company=str(other))
    before = book.read_bytes()
    with pytest.raises(SyncRefused, match="one company only"):
        sync(book)
    assert book.read_bytes() == before
