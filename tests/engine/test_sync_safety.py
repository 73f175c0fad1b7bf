"""Exit 1 means nothing was written anywhere; exit 2 names every QuickBooks change made. A save by another program
is never overwritten, two syncs of one workbook never run at once, and what the workbook cannot take is found
before QuickBooks is written."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from custmgr import sync as engine
from custmgr.errors import PartlySynced, WorkbookError
from custmgr.workbook.disk import ChangedOnDisk, SyncLock, SyncRunning, temporary_prefix
from workbooks import contacts, edit, find_row, qb_edit, remote, run, set_cells, statuses, sync


def other_program_saves(book: Path, name: str, **cells: str) -> None:
    """Excel or LibreOffice saves the workbook with an edit (a new file renamed over it, as they do)."""
    wb = openpyxl.load_workbook(book)
    ws = wb["Contacts"]
    header = {str(c.value): c.column for c in ws[1] if c.value is not None}
    r = find_row(ws, header, name)
    for col, value in cells.items():
        ws.cell(r, header[col]).value = value
    tmp = book.with_name("saved-elsewhere.tmp")
    wb.save(tmp)
    tmp.replace(book)


# ---------------------------------------------------------------------------------------------- item 1


def test_a_save_elsewhere_before_the_quickbooks_writes_stops_the_sync_with_nothing_written(synced):
    book, company = synced
    set_cells(book, "Okafor, Chidi", Phone="555-0101")
    qb_before = remote(company)

    def meanwhile(connector):  # the workbook was read; now someone saves it in Excel
        other_program_saves(book, "Café Société", Notes="typed in Excel meanwhile")

    with pytest.raises(ChangedOnDisk, match="saved by another program"):
        sync(book, connector_options={"on_open": meanwhile})
    assert remote(company) == qb_before
    assert contacts(book)["Café Société"]["notes"] == "typed in Excel meanwhile"
    sync(book)
    assert remote(company)["Okafor, Chidi"]["phone"] == "555-0101"
    assert remote(company)["Café Société"]["notes"] == "typed in Excel meanwhile"


def test_a_save_elsewhere_during_the_quickbooks_writes_is_kept_and_the_sync_exits_2(synced):
    book, company = synced
    set_cells(book, "Okafor, Chidi", Phone="555-0101")

    def meanwhile(connector):
        apply = connector.apply

        def apply_then_someone_saves(changes):
            answer = apply(changes)
            other_program_saves(book, "Café Société", Notes="typed in Excel meanwhile")
            return answer
        connector.apply = apply_then_someone_saves

    with pytest.raises(PartlySynced) as caught:
        sync(book, connector_options={"on_open": meanwhile})
    message = str(caught.value)
    assert "saved by another program" in message
    assert "QuickBooks already has these changes from this sync: changed Phone of 'Okafor, Chidi'." in message
    kept = [p for p in book.parent.iterdir() if p.name.startswith("contacts (not saved")]
    assert len(kept) == 1 and kept[0].name in message
    assert contacts(kept[0])["Okafor, Chidi"]["phone"] == "555-0101"
    assert contacts(book)["Café Société"]["notes"] == "typed in Excel meanwhile"  # their edit is not lost
    sync(book)  # converges: both edits on both sides
    assert remote(company)["Café Société"]["notes"] == "typed in Excel meanwhile"
    assert contacts(book)["Okafor, Chidi"]["phone"] == "555-0101"
    assert sync(book).outcome == "nothing to do"


def test_two_syncs_of_one_workbook_never_run_at_once(synced):
    book, company = synced
    set_cells(book, "Okafor, Chidi", Phone="555-0101")
    before, qb_before = book.read_bytes(), remote(company)
    with SyncLock(book):
        with pytest.raises(SyncRunning, match="being synced by another Customer Manager command"):
            sync(book)
        code, out = run("sync", str(book))
        assert code == 1 and "being synced" in out
        sync(book, dry_run=True)  # a dry run writes nothing: it may look
    assert book.read_bytes() == before and remote(company) == qb_before
    sync(book)
    assert remote(company)["Okafor, Chidi"]["phone"] == "555-0101"


def test_the_temporary_left_by_a_killed_save_is_removed_by_the_next_sync(synced):
    book, _ = synced
    leftover = book.parent / f"{temporary_prefix(book)}k1ll3d.tmp"
    leftover.write_bytes(book.read_bytes()[: len(book.read_bytes()) // 2])  # half a workbook, as kill -9 leaves
    sync(book)
    assert not leftover.exists()
    assert sorted(p.name for p in book.parent.iterdir() if p.name.startswith(".")) == []


# ---------------------------------------------------------------------------------------------- item 2


def test_merged_cells_on_contacts_stop_the_sync_before_quickbooks_is_written(synced):
    book, company = synced
    set_cells(book, "Okafor, Chidi", Phone="555-0101")
    edit(book, lambda ws, header: ws.merge_cells(start_row=3, start_column=header["Notes"], end_row=4,
                                                 end_column=header["Notes"]))
    before, qb_before = book.read_bytes(), remote(company)
    code, out = run("sync", str(book))
    assert code == 1, out
    assert "sheet Contacts" in out and "merged" in out and "unmerge" in out
    assert remote(company) == qb_before and book.read_bytes() == before


def test_rows_out_of_order_stop_the_sync_before_quickbooks_is_written(synced):
    """A sheet another program wrote with its rows out of order cannot be saved (Excel calls it damaged): found
    while nothing is written yet, not at the save after QuickBooks took the changes."""
    import re
    import zipfile

    book, company = synced
    set_cells(book, "Okafor, Chidi", Phone="555-0101")
    qb_edit(company, "Café Société", notes="changed in QuickBooks")  # so Contacts is written too
    with zipfile.ZipFile(book) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    name = next(n for n, data in parts.items() if n.startswith("xl/worksheets/") and b"Row ID" in data[:20000])
    rows = re.findall(rb"<row\b.*?</row>", parts[name], re.DOTALL)
    parts[name] = parts[name].replace(rows[1] + rows[2], rows[2] + rows[1])  # rows 2 and 3 swapped
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    before, qb_before = book.read_bytes(), remote(company)
    code, out = run("sync", str(book))
    assert code == 1, out
    assert "Contacts" in out and "out of order" in out and "Excel" in out
    assert remote(company) == qb_before and book.read_bytes() == before


def test_a_cell_at_excels_limit_in_utf16_units_does_not_block_the_sync(synced):
    """16,300 emoji are 32,600 UTF-16 units, within Excel's 32,767; the backup of that row must fit too."""
    book, company = synced
    edit(book, lambda ws, header: ws.cell(1, ws.max_column + 1, "Memo"))
    set_cells(book, "Okafor, Chidi", Phone="555-0101", Memo="😀" * 16_300)
    qb_edit(company, "Okafor, Chidi", email="chidi@example.com")  # the row changes, so it is backed up
    summary = sync(book)
    assert summary.sent == 1 and summary.received == 1
    assert remote(company)["Okafor, Chidi"]["phone"] == "555-0101"
    wb = openpyxl.load_workbook(book)
    assert any(c.value == "😀" * 16_300 for row in wb["Contacts"].iter_rows() for c in row)
    engine.undo(book)
    assert contacts(book)["Okafor, Chidi"]["phone"] == "555-0101"  # the edit made before that sync


def test_a_number_as_a_column_header_does_not_stop_the_save(synced):
    book, company = synced
    edit(book, lambda ws, header: ws.cell(1, ws.max_column + 1, 2024))
    set_cells(book, "Okafor, Chidi", Phone="555-0101")
    sync(book)
    assert remote(company)["Okafor, Chidi"]["phone"] == "555-0101"
    assert contacts(book)["Okafor, Chidi"]["phone"] == "555-0101"


def test_a_save_that_fails_after_the_writes_exits_2_naming_every_change(synced, monkeypatch):
    book, company = synced
    set_cells(book, "Okafor, Chidi", Phone="555-0101")
    set_cells(book, "Café Société", Email="cafe@example.com")

    def disk_full(self, *a, **kw):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(openpyxl.Workbook, "save", disk_full)  # either file port: the disk is full for both
    monkeypatch.setattr("custmgr.workbook.lossless.write_package", disk_full)
    code, out = run("sync", str(book))
    assert code == 2, out
    assert "changed Phone of 'Okafor, Chidi'" in out and "changed Email of 'Café Société'" in out
    assert "No space left" in out
    assert remote(company)["Café Société"]["email"] == "cafe@example.com"


def test_a_failed_write_with_an_odd_reason_still_saves(synced):
    book, _company = synced
    set_cells(book, "Okafor, Chidi", Phone="555-0101")
    from custmgr.errors import Invalid

    def refuse(connector):
        connector.inject(Invalid("phone", "bad\x00value \ufffe" + "x" * 40_000))
    summary = sync(book, connector_options={"on_open": refuse})
    assert summary.failed == 1
    status = statuses(book)["Okafor, Chidi"]
    assert status.startswith("Failed: phone: badvalue") and len(status) <= 1_010


def test_a_connection_that_will_not_close_after_the_writes_does_not_stop_the_save(synced):
    book, company = synced
    set_cells(book, "Okafor, Chidi", Phone="555-0101")

    def stubborn(connector):
        close = connector.close

        def close_then_fail():
            close()
            raise RuntimeError("EndSession failed")
        connector.close = close_then_fail
    summary = sync(book, connector_options={"on_open": stubborn})
    assert summary.sent == 1 and remote(company)["Okafor, Chidi"]["phone"] == "555-0101"
    assert sync(book).outcome == "nothing to do"  # the workbook was saved with the sync's result


def test_exit_1_means_nothing_was_written_when_a_check_refuses(synced):
    book, company = synced
    set_cells(book, "Okafor, Chidi", Phone="555-0101")
    (book.parent / f"~${book.name}").write_bytes(b"\x04Jane")
    before, qb_before = book.read_bytes(), remote(company)
    code, out = run("sync", str(book))
    assert code == 1 and "open in Excel" in out
    assert remote(company) == qb_before and book.read_bytes() == before


def test_workbook_errors_keep_their_type_when_nothing_was_written(synced):
    book, _ = synced
    edit(book, lambda ws, header: ws.delete_cols(header["Phone"]))
    with pytest.raises(WorkbookError, match="the column 'Phone' is missing"):
        sync(book)


# ---------------------------------------------------------------------------------------------- item 6


def test_a_control_character_excel_saved_as_an_escape_is_reported_not_sent(synced):
    """Excel saves a bell typed into a phone as ``555_x0007_0100``; it must not reach QuickBooks as that text."""
    book, company = synced
    qb_phone = remote(company)["Okafor, Chidi"]["phone"]
    set_cells(book, "Okafor, Chidi", Phone="555_x0007_0100")  # the cell as Excel writes it into the file
    set_cells(book, "Café Société", Notes="menu _x005F_x0041_ stays")  # an escaped underscore: plain text
    summary = sync(book)
    assert summary.errors == 1
    assert statuses(book)["Okafor, Chidi"] == "Phone contains control characters; retype the value"
    assert remote(company)["Okafor, Chidi"]["phone"] == qb_phone
    assert remote(company)["Café Société"]["notes"] == "menu _x0041_ stays"
    column = {r[0]: r[1] for r in _raw(book, "Phone")}
    assert column["Okafor, Chidi"] == "555_x0007_0100"  # the user's cell comes out as it went in
    assert sync(book).outcome == "needs attention"  # and stays reported, nothing sent, sync after sync


def _raw(book: Path, header: str) -> list[tuple[str, object]]:
    ws = openpyxl.load_workbook(book)["Contacts"]
    cols = {str(c.value): c.column for c in ws[1]}
    return [(ws.cell(r, cols["Name"]).value, ws.cell(r, cols[header]).value) for r in range(2, ws.max_row + 1)]
