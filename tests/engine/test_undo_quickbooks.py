"""Undo Last Sync in QuickBooks too (``undo --quickbooks``) against the sandbox company: each kind of write put
back, records changed since left alone, failures part way finished by a second run, old backups refused."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from custmgr import sync as engine
from custmgr.backup import backup_sheets, read_backup
from custmgr.company import SandboxCompany
from custmgr.errors import CustmgrError, Invalid, NameInUse, Unavailable
from custmgr.undo import undo_plan
from custmgr.workbook.xlsx import XlsxWorkbook
from custmgr_sandbox.connector import SandboxConnector
from workbooks import add_row, contacts, delete_row, paired, qb_edit, remote, review, set_cells, set_settings, state


def sync(book: Path, **kw):
    summary, plan = engine.sync(book, backoff=0, **kw)
    return summary, plan


def snapshot(book: Path, company: Path):
    return contacts(book), review(book), state(book).links, remote(company)


def undo(book: Path, **kw):
    return engine.undo(book, quickbooks=True, backoff=0, **kw)


def faulty(make) -> dict:
    """Connector options making the undo's own connector fail as ``make(connector)`` says."""
    return {"on_open": make}


@pytest.fixture
def synced(tmp_path):
    """A pair after a sync that sent an edit, added a contact, made one inactive and received one edit."""
    book, company = paired(tmp_path, add_policy="Add to QuickBooks", delete_policy="Make inactive in QuickBooks")
    set_cells(book, "Okafor, Chidi", Phone="(617) 555-0111", Email="")
    add_row(book, Name="Someone New", Phone="555-0100")
    delete_row(book, "Kowalski, Ted")
    qb_edit(company, "Café Société", notes="changed in QuickBooks")
    before = snapshot(book, company)
    summary, plan = sync(book)
    assert (summary.sent, summary.added, summary.made_inactive, summary.received) == (1, 1, 1, 1)
    return book, company, before, plan


def test_undo_puts_quickbooks_and_the_workbook_back(synced):
    book, company, (rows, asked, links, qb), _ = synced
    summary = undo(book)
    assert summary.outcome == "ok" and summary.undone == 3 and summary.left_alone == 0
    assert remote(company) == qb  # edit put back, the added contact deleted, the inactive one active again
    assert (contacts(book), review(book)) == (rows, asked)
    assert {k: (v.remote_id, v.flag, v.base) for k, v in state(book).links.items()} == {
        k: (v.remote_id, v.flag, v.base) for k, v in links.items()}
    assert [n for n, _ in backup_sheets(XlsxWorkbook.open(book, writable=False))] == [1]  # the import's


def test_a_dry_run_afterwards_plans_the_undone_sync_again(synced):
    book, _, _, plan = synced
    undo(book)
    _, again = engine.sync(book, dry_run=True)
    assert sorted(again.describe()) == sorted(plan.describe())


def test_sync_log_and_sync_changes_record_the_undo_and_each_field(synced):
    book, *_ = synced
    undo(book)
    wb = XlsxWorkbook.open(book, writable=False)
    log = wb.read("Sync Log")
    assert log[-1][2] == "undo" and "Put back in QuickBooks: 3 contacts" in log[-1][-1]
    changes = [r for r in wb.read("Sync Changes")[1:] if r[3] in ("Put back in QuickBooks",
                                                                  "Deleted from QuickBooks")]
    assert {(r[1], r[2], r[4] or "", r[5] or "") for r in changes} == {
        ("Okafor, Chidi", "Phone", "(617) 555-0111", "(508) 555-0161"),
        ("Okafor, Chidi", "Email", "", "c.okafor@example.com"),
        ("Someone New", "Active", "Yes", ""), ("Kowalski, Ted", "Active", "No", "Yes")}


def test_dry_run_prints_the_plan_and_changes_nothing(synced):
    book, company, *_ = synced
    before, qb = book.read_bytes(), remote(company)
    summary = undo(book, dry_run=True)
    assert book.read_bytes() == before and remote(company) == qb
    assert summary.action == "undo dry run" and summary.undone == 3
    assert "Okafor, Chidi: put back Email 'c.okafor@example.com', Phone '(508) 555-0161'" in summary.plan
    assert "Someone New: delete from QuickBooks (the sync added it)" in summary.plan
    assert "Kowalski, Ted: make active again" in summary.plan
    assert undo_plan(book).question() == ("Also put QuickBooks back? 3 changes can be undone there; 0 records "
                                          "were changed in QuickBooks since and will be left alone.")


def test_a_record_changed_in_quickbooks_since_is_left_alone_and_named(synced):
    book, company, (rows, asked, _, qb), _ = synced
    qb_edit(company, "Okafor, Chidi", fax="555-0199")
    assert undo_plan(book).question().endswith("2 changes can be undone there; 1 record was changed in "
                                               "QuickBooks since and will be left alone.")
    summary = undo(book)
    assert (summary.undone, summary.left_alone, summary.outcome) == (2, 1, "ok")
    assert any("Okafor, Chidi (changed in QuickBooks since the sync; would have done: put back" in m
               for m in summary.messages)
    now = remote(company)
    assert now["Okafor, Chidi"]["phone"] == "(617) 555-0111" and now["Okafor, Chidi"]["fax"] == "555-0199"
    assert {k: v for k, v in now.items() if k != "Okafor, Chidi"} == {
        k: v for k, v in qb.items() if k != "Okafor, Chidi"}
    assert (contacts(book), review(book)) == (rows, asked)
    summary, _ = sync(book)  # the next sync merges QuickBooks' newer values normally, losing nothing
    here = contacts(book)["Okafor, Chidi"]
    assert (here["phone"], here["fax"]) == ("(617) 555-0111", "555-0199")


def test_a_contact_with_transactions_is_made_inactive_instead_of_deleted(synced):
    book, company, *_ = synced
    with SandboxCompany(company) as store:
        store.add_transaction("Someone New")
    summary = undo(book)
    assert summary.outcome == "ok"
    assert remote(company)["Someone New"]["active"] == "No"
    assert any("Made inactive instead of deleted" in m and "Someone New" in m for m in summary.messages)


@pytest.mark.parametrize("fault", ["refused", "outage"])
def test_a_failure_part_way_loses_nothing_and_the_same_undo_finishes(synced, fault):
    book, company, (rows, asked, _, qb), _ = synced
    after_sync = contacts(book), state(book).links

    def make(connector: SandboxConnector) -> None:
        if fault == "refused":
            connector.inject(Invalid("phone", "refused (injected)"), at=1)
        else:
            connector.inject_outage(1)

    summary = undo(book, connector_options=faulty(make))
    # refused: the second change only; outage: the delete went first, on its own, then the connection was lost
    assert summary.outcome == "partly failed"
    assert (summary.undone, summary.failed) == ((2, 1) if fault == "refused" else (1, 2))
    assert any("run the same undo again" in m for m in summary.messages)
    assert (contacts(book), state(book).links) == after_sync  # the workbook still tells the sync's truth
    summary = undo(book)
    assert (summary.outcome, summary.left_alone) == ("ok", 0)
    assert remote(company) == qb and (contacts(book), review(book)) == (rows, asked)
    assert [n for n, _ in backup_sheets(XlsxWorkbook.open(book, writable=False))] == [1]  # this sync's is gone


def test_an_old_backup_without_recorded_writes_is_refused_plainly(synced):
    book, company, *_ = synced
    wb = XlsxWorkbook.open(book)
    _, name = backup_sheets(wb)[-1]
    meta = json.loads(wb.read(name)[0][1])
    del meta["format"], meta["undone"]  # a backup as the previous version wrote it: no write rows, no format
    wb.write(name, [["meta", json.dumps(meta)], *(r for r in wb.read(name)[1:] if r[0] != "write")])
    wb.save()
    assert read_backup(XlsxWorkbook.open(book, writable=False), name).writes is None
    before, qb = book.read_bytes(), remote(company)
    with pytest.raises(CustmgrError, match="earlier version of Customer Manager"):
        undo(book)
    assert book.read_bytes() == before and remote(company) == qb
    assert "NOT changed back" in " ".join(engine.undo(book).messages)  # plain undo still reads it


def test_undo_refuses_before_writing_when_a_row_was_edited_since(synced):
    book, company, *_ = synced
    set_cells(book, "Café Société", Phone="999")  # a row the sync wrote (it received the notes)
    qb = remote(company)
    with pytest.raises(CustmgrError, match="edited after"):
        undo(book)
    assert remote(company) == qb


def test_a_sync_that_changed_nothing_in_quickbooks(tmp_path):
    book, company = paired(tmp_path)
    qb_edit(company, "Café Société", phone="1")
    sync(book)
    summary = undo(book)
    assert summary.outcome == "ok" and "That sync changed nothing in QuickBooks." in summary.messages


def test_renames_are_put_back_in_the_reverse_order(tmp_path):
    book, company = paired(tmp_path)
    qb = remote(company)
    set_cells(book, "Okafor, Chidi", Name="Okafor, C")
    sync(book)
    set_cells(book, "Café Société", Name="Okafor, Chidi")
    set_settings(book, backups="3")
    sync(book)
    undo(book)
    undo(book)
    assert remote(company) == qb


def test_name_in_use_since_is_named_and_the_rest_is_done(synced):
    book, company, _, _ = synced
    with SandboxCompany(company) as store:
        store.add("Placeholder")

    def make(connector: SandboxConnector) -> None:
        connector.inject(NameInUse("in use (injected)"), at=0)

    summary = undo(book, connector_options=faulty(make))
    assert summary.outcome == "partly failed" and summary.failed == 1
    assert undo(book).outcome == "ok"


def test_an_outage_before_any_write(synced):
    book, company, (_, _, _, qb), _ = synced

    def make(connector: SandboxConnector) -> None:
        connector.inject_outage(0)

    summary = undo(book, connector_options=faulty(make))
    assert (summary.outcome, summary.undone, summary.failed) == ("partly failed", 0, 3)
    assert any("QuickBooks stopped answering" in m or "connection" in m for m in summary.messages)
    assert undo(book).outcome == "ok" and remote(company) == qb


def test_a_workbook_opened_in_excel_meanwhile_says_what_quickbooks_has_and_undo_finishes_later(synced):
    book, company, (rows, asked, _, qb), _ = synced
    lock = book.with_name("~$" + book.name)

    def open_in_excel(connector: SandboxConnector) -> None:
        apply = connector.apply

        def opened_then_apply(changes):
            lock.write_text("someone")  # Excel opened the file while QuickBooks was being put back
            return apply(changes)

        connector.apply = opened_then_apply  # type: ignore[method-assign]

    with pytest.raises(CustmgrError, match=r"QuickBooks was already put back for .*run the same undo again"):
        undo(book, connector_options=faulty(open_in_excel))
    assert remote(company) == qb
    lock.unlink()
    summary = undo(book)
    assert (summary.outcome, summary.undone, summary.left_alone) == ("ok", 0, 0)
    assert remote(company) == qb and (contacts(book), review(book)) == (rows, asked)


def test_a_workbook_that_cannot_be_saved_stops_the_undo_before_quickbooks_is_written(synced):
    """Open in Excel before the undo starts, or merged cells on Contacts: refused while nothing is written."""
    book, company, _, _ = synced
    before = remote(company)
    lock = book.with_name("~$" + book.name)
    lock.write_text("someone")
    with pytest.raises(CustmgrError, match="open"):
        undo(book)
    assert remote(company) == before
    lock.unlink()
    wb = openpyxl.load_workbook(book)
    ws = wb["Contacts"]
    empty = next(c for c in range(1, ws.max_column) if ws.cell(2, c).value is None and ws.cell(2, c + 1).value is None)
    ws.merge_cells(start_row=2, start_column=empty, end_row=2, end_column=empty + 1)  # no value changes
    wb.save(book)
    with pytest.raises(CustmgrError, match=r"[Mm]erged"):
        undo(book)
    assert remote(company) == before


def test_the_ribbon_functions_work_on_an_open_workbook_port(synced):
    """What Excel's Undo Last Sync calls: the plan (to ask its question), then the undo, on the open workbook."""
    book, company, (rows, asked, _, qb), _ = synced
    plan = undo_plan(XlsxWorkbook.open(book, writable=False))
    assert (plan.to_undo, plan.left_alone) == (3, 0) and len(plan.describe()) == 3
    summary = engine.undo(XlsxWorkbook.open(book), quickbooks=True, backoff=0)
    assert summary.outcome == "ok" and remote(company) == qb and (contacts(book), review(book)) == (rows, asked)


def test_a_second_undo_after_a_finished_one_is_refused(tmp_path):
    book, company = paired(tmp_path, backups="1")
    set_cells(book, "Okafor, Chidi", Phone="(617) 555-0111")
    sync(book)
    assert undo(book).outcome == "ok"
    qb, saved = remote(company), book.read_bytes()
    with pytest.raises(CustmgrError, match="There is no sync to undo"):
        undo(book)
    with pytest.raises(CustmgrError, match="There is no sync to undo"):
        undo(book, dry_run=True)
    assert remote(company) == qb and book.read_bytes() == saved


def test_jobs_made_inactive_with_their_customer_are_made_active_again(tmp_path):
    book, company = paired(tmp_path, delete_policy="Make inactive in QuickBooks")
    delete_row(book, "Peña, Rosa")  # a customer with a job; the job's row stays
    before = snapshot(book, company)
    _, plan = engine.sync(book, dry_run=True)  # as planned: the job row follows its customer once it is written
    sync(book)
    assert contacts(book)["Peña, Rosa:Backyard Patio"]["active"] == "No"  # in the same sync
    after = remote(company)
    assert (after["Peña, Rosa"]["active"], after["Peña, Rosa:Backyard Patio"]["active"]) == ("No", "No")
    assert undo_plan(book).to_undo == 2
    summary = undo(book)
    assert (summary.outcome, summary.undone) == ("ok", 2)
    assert remote(company) == before[3] and (contacts(book), review(book)) == before[:2]
    _, again = engine.sync(book, dry_run=True)
    assert sorted(again.describe()) == sorted(plan.describe())


def test_a_job_changed_since_its_customer_was_made_inactive_is_left_alone(tmp_path):
    book, company = paired(tmp_path, delete_policy="Make inactive in QuickBooks")
    delete_row(book, "Peña, Rosa")
    sync(book)
    qb_edit(company, "Peña, Rosa:Backyard Patio", notes="closed for the winter")
    summary = undo(book)
    assert (summary.undone, summary.left_alone) == (1, 1)
    now = remote(company)
    assert (now["Peña, Rosa"]["active"], now["Peña, Rosa:Backyard Patio"]["active"]) == ("Yes", "No")


@pytest.mark.parametrize("cells", [{"Name": "Rosa Peña Gardens"}, {"Active": "No"},
                                   {"Name": "Rosa Peña Gardens", "Active": "No"}])
def test_a_customer_renamed_or_set_inactive_in_the_workbook_is_undone_with_its_jobs(tmp_path, cells):
    """Found by the property test: QuickBooks renames (or makes inactive) a customer's jobs with it; undo puts the
    jobs back too, and the next sync plans exactly the undone one (no job read again and re-based)."""
    book, company = paired(tmp_path)
    set_cells(book, "Peña, Rosa", **cells)
    before = snapshot(book, company)
    _, plan = engine.sync(book, dry_run=True)
    sync(book)
    assert undo(book).outcome == "ok"
    assert remote(company) == before[3] and (contacts(book), review(book)) == before[:2]
    _, again = engine.sync(book, dry_run=True)
    assert again.describe() == plan.describe()


def test_a_row_deleted_and_added_again_is_put_back_from_the_old_rows_base(tmp_path):
    """A new row standing for a deleted row's contact writes under its own Row ID; what QuickBooks held before is
    the deleted row's base, so undo puts back the fields it changed (here the state that was '#N/A' text)."""
    book, company = paired(tmp_path, add_policy="Add to QuickBooks", conflict_default="Customer Manager wins")
    qb_edit(company, "Café Société", bill_state="#N/A")
    sync(book)
    old = remote(company)["Café Société"]
    delete_row(book, "Café Société")
    add_row(book, Name="Café Société", **{"Bill State": "NY"})
    summary, _ = sync(book)
    assert remote(company)["Café Société"]["bill_state"] == "NY" and summary.failed == 0
    assert undo(book).outcome == "ok"
    assert remote(company)["Café Société"] == old


def test_a_job_added_under_a_customer_the_same_sync_renamed_is_deleted_by_undo(tmp_path):
    """Found by the property test: the sync adds Ada:Patio (adds go first), then renames Ada to Bea, and QuickBooks
    renames the new job with its customer; undo must still recognise the job it added and delete it."""
    book, company = paired(tmp_path, add_policy="Add to QuickBooks")
    before = snapshot(book, company)
    customer = next(name for name, values in before[3].items() if ":" not in name and values["kind"] == "Customer")
    set_cells(book, customer, Name="Renamed Customer")
    add_row(book, Name=f"{customer}:Patio")
    summary, _ = sync(book)
    assert (summary.added, summary.sent) == (1, 1)
    assert "Renamed Customer:Patio" in remote(company)
    undone = undo(book)
    assert (undone.outcome, undone.undone, undone.left_alone) == ("ok", 2, 0), undone.messages
    assert remote(company) == before[3]


@pytest.mark.parametrize("edit", ["deactivate", "rename"])
def test_a_lost_connection_after_the_writes_still_saves_the_sync(tmp_path, monkeypatch, edit):
    """Reading what QuickBooks did to a customer's jobs along with the writes is bookkeeping for undo: when
    QuickBooks stops answering then, the writes it took are still saved (not "partly synced"), undo puts back what
    it recorded and leaves alone, with a message, a job whose version moved, and later syncs settle."""
    book, company = paired(tmp_path, add_policy="Add to QuickBooks", delete_policy="Make inactive in QuickBooks")
    if edit == "deactivate":
        delete_row(book, "Peña, Rosa")  # its job is made inactive with it
    else:
        set_cells(book, "Peña, Rosa", Name="Rosa Peña Gardens")
        add_row(book, Name="Peña, Rosa:Fence")  # added, then renamed by QuickBooks with its customer
    calls = []
    kept = len(backup_sheets(XlsxWorkbook.open(book, writable=False)))
    fetch, apply = SandboxConnector.fetch, SandboxConnector.apply

    def writing(self, changes):
        calls.append("write")
        return apply(self, changes)

    def failing(self, ids):  # once QuickBooks has taken a write, it stops answering
        if calls:
            calls.append(ids)
            raise Unavailable("QuickBooks stopped answering (injected)")
        return fetch(self, ids)

    with monkeypatch.context() as mp:
        mp.setattr(SandboxConnector, "fetch", failing)
        mp.setattr(SandboxConnector, "apply", writing)
        summary, _ = sync(book)
    assert calls[-1] != "write" and summary.failed == 0 and summary.outcome != "partly synced"
    assert len(backup_sheets(XlsxWorkbook.open(book, writable=False))) == kept + 1  # saved, with its backup
    undone = undo(book)
    assert undone.outcome in ("ok", "needs attention") and undone.undone >= 1, undone.messages
    sync(book)  # the workbook's edits, put back by undo, go again
    sync(book)  # a job QuickBooks moved along with them while not yet linked catches up
    again, plan = sync(book)
    assert again.outcome == "nothing to do", plan.describe()
    assert {"Peña, Rosa", "Rosa Peña Gardens"} & set(remote(company))
