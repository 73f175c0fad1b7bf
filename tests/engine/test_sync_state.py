"""Damaged or missing sync state: refused with the sheet and row named and nothing written; a deleted pairing is
put back by ``custmgr repair``, and only for the company the state belongs to."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from custmgr import sync as engine
from custmgr.company import SandboxCompany, create_company
from custmgr.errors import SyncRefused, WorkbookError
from custmgr.repair import repair
from custmgr.state import PAIR_SHEET, STATE_SHEET, PairingMissing
from workbooks import contacts, qb_edit, remote, run, set_cells, set_settings, statuses, sync


def delete_sheet(book: Path, name: str) -> None:
    """What a user can do in LibreOffice, which shows very hidden sheets as hidden ones."""
    wb = openpyxl.load_workbook(book)
    del wb[name]
    wb.save(book)


def set_state_cell(book: Path, row: int, column: int, value: object, sheet: str = STATE_SHEET) -> None:
    wb = openpyxl.load_workbook(book)
    wb[sheet].cell(row, column).value = value
    wb.save(book)


# ---------------------------------------------------------------------------------------------- item 3


def test_a_deleted_pairing_sheet_stops_the_sync_and_says_how_to_repair(synced):
    book, company = synced
    set_cells(book, "Okafor, Chidi", Phone="555-0101")
    delete_sheet(book, PAIR_SHEET)
    before, qb_before = book.read_bytes(), remote(company)
    with pytest.raises(PairingMissing, match=r"custmgr repair BOOK"):
        sync(book)
    code, out = run("sync", str(book))
    assert code == 1 and "_cm_pair" in out and "custmgr repair" in out and "Traceback" not in out
    assert book.read_bytes() == before and remote(company) == qb_before


def test_a_deleted_pairing_sheet_never_lets_another_company_in(synced, tmp_path):
    book, _ = synced
    other = tmp_path / "other.qbsandbox"
    create_company(other, name="Another Co", sample=True)
    delete_sheet(book, PAIR_SHEET)
    set_settings(book, company=str(other))
    qb_before = remote(other)
    with pytest.raises(SyncRefused):
        sync(book)
    with pytest.raises(SyncRefused, match=r"synced with the QuickBooks company 'Test Co'.*'Another Co'"):
        repair(book)
    assert remote(other) == qb_before
    assert PAIR_SHEET not in openpyxl.load_workbook(book).sheetnames


def test_repair_puts_the_pairing_back_and_edits_sync_again(synced):
    book, company = synced
    delete_sheet(book, PAIR_SHEET)
    code, out = run("repair", str(book))
    assert code == 0 and "paired again with 'Test Co'" in out
    assert openpyxl.load_workbook(book)[PAIR_SHEET].sheet_state == "veryHidden"
    set_cells(book, "Okafor, Chidi", Phone="555-0101")
    qb_edit(company, "Café Société", email="cafe@example.com")
    summary = sync(book)
    assert (summary.sent, summary.received, summary.errors) == (1, 1, 0)
    assert not statuses(book)  # no false "Type cannot change"
    assert remote(company)["Okafor, Chidi"]["phone"] == "555-0101"
    assert contacts(book)["Café Société"]["email"] == "cafe@example.com"
    assert run("repair", str(book))[1].startswith("Nothing to repair")


def test_repair_of_a_workbook_without_the_copy_uses_the_newest_backup(synced):
    book, company = synced
    set_cells(book, "Okafor, Chidi", Phone="555-0101")
    sync(book)  # a backup that holds the pairing as it was before this sync
    wb = openpyxl.load_workbook(book)  # as a workbook written before the copy was kept
    ws = wb[STATE_SHEET]
    for c in range(6, ws.max_column + 1):
        ws.cell(1, c).value = None
    del wb[PAIR_SHEET]
    wb.save(book)
    assert "from the newest backup" in repair(book)
    qb_edit(company, "Okafor, Chidi", email="chidi@example.com")
    assert sync(book).received == 1
    assert sync(book).outcome == "nothing to do"


def test_a_pairing_that_names_no_company_is_refused(synced):
    book, company = synced
    wb = openpyxl.load_workbook(book)
    ws = wb[PAIR_SHEET]
    for row in ws.iter_rows():
        if row[0].value == "company_id":
            row[1].value = None
    wb.save(book)
    qb_before = remote(company)
    with pytest.raises(SyncRefused, match=r"names no company.*custmgr repair"):
        sync(book)
    assert remote(company) == qb_before
    assert "paired again with 'Test Co'" in repair(book)
    assert sync(book).outcome == "nothing to do"


def test_a_deleted_state_sheet_is_refused_unless_forced(synced):
    book, company = synced
    set_cells(book, "Okafor, Chidi", Phone="555-0101")
    delete_sheet(book, STATE_SHEET)
    before, qb_before = book.read_bytes(), remote(company)
    with pytest.raises(SyncRefused, match=r"_cm_state.*missing.*--force"):
        sync(book)
    assert book.read_bytes() == before and remote(company) == qb_before
    summary = sync(book, force=True)  # matched again by name: the edit is a question, nothing is lost
    assert summary.conflicts_open == 1 and remote(company) == qb_before
    assert sync(book).outcome == "needs attention"


# ---------------------------------------------------------------------------------------------- item 4


@pytest.mark.parametrize("damage", ['["Customer","Okafor', "12", "not json at all"])
def test_damaged_sync_state_names_its_sheet_and_row_and_writes_nothing(synced, damage):
    book, company = synced
    set_cells(book, "Okafor, Chidi", Phone="555-0101")
    set_state_cell(book, 3, 5, damage)
    before, qb_before = book.read_bytes(), remote(company)
    with pytest.raises(WorkbookError, match=r"^sheet _cm_state, row 3, column E: .*damaged.*custmgr undo"):
        sync(book)
    code, out = run("sync", str(book))
    assert code == 1 and "sheet _cm_state, row 3" in out and "Traceback" not in out
    code, out = run("status", str(book))
    assert code == 1 and "sheet _cm_state, row 3" in out
    assert book.read_bytes() == before and remote(company) == qb_before


def test_a_damaged_field_list_names_the_pairing_sheet(synced):
    book, _company = synced
    wb = openpyxl.load_workbook(book)
    for row in wb[PAIR_SHEET].iter_rows():
        if row[0].value == "fields":
            row[1].value = '["kind", "name"'
    wb.save(book)
    with pytest.raises(WorkbookError, match=r"^sheet _cm_pair, column fields: .*damaged"):
        sync(book)
    repair(book)  # from the copy kept with the state
    assert sync(book).outcome == "nothing to do"


def test_a_damaged_backup_names_its_row_when_undoing(synced):
    book, _ = synced
    qb_edit(synced[1], "Okafor, Chidi", email="chidi@example.com")
    sync(book)
    wb = openpyxl.load_workbook(book)
    name = max(n for n in wb.sheetnames if n.startswith("_cm_backup_"))
    ws = wb[name]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "row")
    ws.cell(row, 5).value = "{broken"
    wb.save(book)
    before = book.read_bytes()
    with pytest.raises(WorkbookError, match=rf"^sheet {name}, row {row}: this backup is damaged"):
        engine.undo(book)
    assert book.read_bytes() == before


def test_the_sandbox_company_of_the_state_is_the_one_repair_accepts(synced):
    book, company = synced
    delete_sheet(book, PAIR_SHEET)
    with SandboxCompany(company) as store:
        identity = store.identity()
    assert identity.id in repair(book)
