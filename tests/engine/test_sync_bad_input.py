"""Bad input from either side: a clear message naming sheet, row and field, and nothing lost or half-written."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest

from custmgr.company import SandboxCompany
from custmgr.contact_sheet import ContactsSheet
from custmgr.errors import PartlySynced, SyncRefused, WorkbookBusy, WorkbookError
from workbooks import add_row, column, contacts, edit, paired, qb_edit, remote, set_cells, statuses, sync


@pytest.fixture
def synced(tmp_path):
    return paired(tmp_path, add_policy="Add to QuickBooks")


def test_a_name_too_long_stays_on_its_row_and_is_not_sent(synced):
    book, company = synced
    add_row(book, Name="N" * 47)
    set_cells(book, "Okafor, Chidi", Name="Okafor, Chidi " + "x" * 40)
    summary = sync(book)
    assert summary.errors == 2 and summary.added == 0
    assert statuses(book)["N" * 47] == "Name too long for QuickBooks (47 > 41 characters)"
    assert "Okafor, Chidi" in remote(company)


def test_phone_too_long_names_the_column(synced):
    book, company = synced
    set_cells(book, "Okafor, Chidi", Phone="1" * 22)
    sync(book)
    assert statuses(book)["Okafor, Chidi"] == "Phone too long for QuickBooks (22 > 21 characters)"
    assert remote(company)["Okafor, Chidi"]["phone"] != "1" * 22


@pytest.mark.parametrize("other", ["okafor, CHIDI", "Okafor, Chidi"])
def test_a_duplicate_name_ignoring_case_is_refused_on_the_new_row(synced, other):
    book, company = synced
    add_row(book, Name=other, Phone="1")
    sync(book)
    status = statuses(book)
    assert "also used on row" in status[other]
    assert list(remote(company)).count("Okafor, Chidi") == 1


def test_two_new_rows_customer_and_vendor_with_one_name(synced):
    book, company = synced
    add_row(book, Name="Twin Name", Type="Customer")
    add_row(book, Name="twin name", Type="Vendor")
    summary = sync(book)
    assert summary.errors == 2 and "Twin Name" not in remote(company)


def test_a_name_clash_with_quickbooks_becomes_a_decision(tmp_path):
    book, _company = paired(tmp_path, add_policy="Add to QuickBooks", vendors=False)
    add_row(book, Name="bay state stone & tile")  # a vendor in QuickBooks; vendors are not synced here
    summary = sync(book)
    assert summary.failed == 1 and summary.decisions_open == 1
    assert "Failed" in statuses(book)["bay state stone & tile"]


def test_a_colon_in_a_name_that_is_not_a_job(synced):
    book, _ = synced
    add_row(book, Name="Ratio 3:1 Ltd")
    sync(book)
    assert "':'" in statuses(book)["Ratio 3:1 Ltd"]


def test_a_formula_typed_into_a_synced_column_is_reported_not_sent(synced):
    book, company = synced
    set_cells(book, "Okafor, Chidi", Email='=HYPERLINK("x")')
    sync(book)
    assert "holds a formula" in statuses(book)["Okafor, Chidi"]
    assert not remote(company)["Okafor, Chidi"]["email"].startswith("=")


@pytest.mark.parametrize("text", ["=1+2", "+1 555 0100", "-- call first", "@home", "=cmd|' /C calc'!A0"])
def test_values_from_quickbooks_never_become_formulas(synced, text):
    book, company = synced
    qb_edit(company, "Okafor, Chidi", notes=text)
    sync(book)
    assert column(book, "Notes")["Okafor, Chidi"] == text
    with zipfile.ZipFile(book) as z:
        assert f"<f>{text[1:]}" not in z.read("xl/worksheets/sheet1.xml").decode()
    assert sync(book).outcome == "nothing to do"


def test_text_typed_with_a_leading_apostrophe_goes_to_quickbooks_as_text(synced):
    book, company = synced

    def change(ws, header):
        for r in range(2, ws.max_row + 1):
            if ws.cell(r, header["Name"]).value == "Okafor, Chidi":
                cell = ws.cell(r, header["Notes"])
                cell.value = "=not a formula"
                cell.data_type = "s"
    edit(book, change)
    sync(book)
    assert remote(company)["Okafor, Chidi"]["notes"] == "=not a formula"


def test_control_characters_in_a_cell_are_reported_per_field():
    sheet = ContactsSheet(["Row ID", "Name", "Phone"], [["R1", "A\x07B", "1"]],
                          {"row_id": 0, "name": 1, "phone": 2}, {})
    (row,) = sheet.contact_rows()
    assert row.problems[0].field == "name" and "control" in row.problems[0].message


def test_from_quickbooks_only_what_no_cell_can_hold_is_removed():
    from custmgr.settle import from_remote

    assert from_remote({"name": "A\x00B\x07C", "notes": "x\ufffey"}) == {
        "name": "A\x00B\x07C", "notes": "xy", "kind": "Customer", "active": "Yes"}


def _bell_in_quickbooks(company, name: str, field: str) -> None:
    """A control character in a QuickBooks record, as QuickBooks itself can hold one (pasted into its Notes, say);
    written under the sandbox's rules, which refuse one sent to it as QuickBooks does not."""
    import json
    import sqlite3

    db = sqlite3.connect(company)
    data = json.loads(db.execute("SELECT data FROM records WHERE name = ?", (name,)).fetchone()[0])
    data[field] = "call\x07back"
    with db:
        db.execute("UPDATE records SET data = ?, edit_sequence = edit_sequence || '1' WHERE name = ?",
                   (json.dumps(data), name))
    db.close()


@pytest.mark.parametrize("first", [False, True])
def test_a_control_character_from_quickbooks_is_named_on_its_row_and_never_lost(tmp_path, first):
    """Treated as one typed in the workbook: kept in the cell (as Excel keeps it), named in Sync Status, nothing
    sent; the second sync changes nothing; retyping the value sends it and the message goes."""
    book, company = paired(tmp_path, sync=False)
    if not first:
        sync(book)
    _bell_in_quickbooks(company, "Okafor, Chidi", "notes")
    sync(book)
    assert column(book, "Notes")["Okafor, Chidi"] == "call_x0007_back"  # saved as Excel saves one
    assert statuses(book)["Okafor, Chidi"] == "Notes contains control characters; retype the value"
    rows, qb = contacts(book), remote(company)
    summary = sync(book)
    assert (summary.sent, summary.received, summary.outcome) == (0, 0, "needs attention")
    assert (contacts(book), remote(company)) == (rows, qb)
    assert column(book, "Notes")["Okafor, Chidi"] == "call_x0007_back"
    assert statuses(book)["Okafor, Chidi"] == "Notes contains control characters; retype the value"
    set_cells(book, "Okafor, Chidi", Notes="call back")
    summary = sync(book)
    assert summary.sent == 1 and remote(company)["Okafor, Chidi"]["notes"] == "call back"
    assert "Okafor, Chidi" not in statuses(book)  # no message left


def test_a_deleted_header_column_stops_the_sync_and_changes_nothing(synced):
    book, company = synced
    edit(book, lambda ws, header: ws.delete_cols(header["Phone"]))
    qb_edit(company, "Okafor, Chidi", email="x@example.com")
    before, qb_before = book.read_bytes(), remote(company)
    with pytest.raises(WorkbookError, match="sheet Contacts, row 1, column Phone: the column 'Phone' is missing"):
        sync(book)
    assert book.read_bytes() == before and remote(company) == qb_before


def test_two_rows_with_one_row_id_stop_the_sync_naming_both_rows(synced):
    book, _ = synced

    def copy_row(ws, header):
        r = ws.max_row + 1
        for c in range(1, ws.max_column + 1):
            ws.cell(r, c).value = ws.cell(2, c).value
        ws.cell(r, header["Name"]).value = "Copy of row two"
    edit(book, copy_row)
    before = book.read_bytes()
    with pytest.raises(SyncRefused, match=r"rows 2 and \d+ have the same Row ID"):
        sync(book)
    assert book.read_bytes() == before


@pytest.mark.parametrize("lock", ["~${}", ".~lock.{}#"])
def test_a_workbook_open_elsewhere_is_refused_before_quickbooks_is_touched(synced, lock):
    book, company = synced
    set_cells(book, "Okafor, Chidi", Phone="1")
    (book.parent / lock.format(book.name)).write_text("someone")
    qb_before = remote(company)
    with pytest.raises(WorkbookBusy, match=r"(?i)close it"):
        sync(book)
    assert remote(company) == qb_before


def test_a_read_only_workbook_is_refused(synced, monkeypatch):
    book, _company = synced
    monkeypatch.setattr("os.access", lambda path, mode, **kw: False)
    with pytest.raises(WorkbookBusy):
        sync(book)


def test_a_crash_while_saving_leaves_the_old_file_whole_and_the_next_sync_converges(synced, monkeypatch):
    book, company = synced
    set_cells(book, "Okafor, Chidi", Phone="555")
    before = book.read_bytes()

    def crash(self, *a, **kw):
        raise OSError("disk full")
    monkeypatch.setattr(openpyxl.Workbook, "save", crash)
    monkeypatch.setattr("custmgr.workbook.lossless.write_package", crash)
    with pytest.raises(PartlySynced, match=r"could not be saved.*QuickBooks already has these changes from this "
                                           r"sync: changed Phone of 'Okafor, Chidi'\. The workbook was not saved"):
        sync(book)
    monkeypatch.undo()
    assert book.read_bytes() == before
    assert not [p for p in book.parent.iterdir() if p.name.startswith(".") or p.suffix == ".tmp"]
    assert remote(company)["Okafor, Chidi"]["phone"] == "555"  # QuickBooks got it before the crash
    sync(book)
    assert sync(book).outcome == "nothing to do"
    assert contacts(book)["Okafor, Chidi"]["phone"] == "555"


def test_an_empty_quickbooks_side_is_refused_unless_forced(synced):
    book, company = synced
    with SandboxCompany(company) as c:
        for record in reversed(c.records()):
            c.delete(record.values["name"])
    before = book.read_bytes()
    with pytest.raises(SyncRefused, match="returned no contacts"):
        sync(book)
    assert book.read_bytes() == before
    sync(book, force=True)
    assert set(statuses(book).values()) == {"Not in QuickBooks (deleted there)"}


def test_an_empty_contacts_sheet_is_refused(synced):
    book, _company = synced
    edit(book, lambda ws, header: ws.delete_rows(2, ws.max_row))
    with pytest.raises(SyncRefused, match="no contacts"):
        sync(book)


def test_a_bad_setting_names_its_row(synced):
    book, _ = synced
    edit(book, lambda ws, header: ws.cell(7, 2, "Sometimes"), sheet="Settings")
    with pytest.raises(WorkbookError, match="sheet Settings, row 7, column Value: Conflicts is 'Sometimes'"):
        sync(book)


def test_a_missing_company_file(synced):
    book, company = synced
    company.unlink()
    with pytest.raises(Exception, match="sandbox new"):
        sync(book)


def test_a_workbook_that_is_not_a_workbook(tmp_path):
    bad = tmp_path / "notes.xlsx"
    bad.write_text("hello")
    with pytest.raises(WorkbookError):
        sync(bad)


def test_changing_the_type_of_a_linked_contact_is_refused_on_its_row(tmp_path):
    book, company = paired(tmp_path, vendors=False)
    set_cells(book, "Okafor, Chidi", Type="Vendor")
    summary = sync(book)
    assert summary.decisions_open == 0 and summary.errors == 1
    assert "Type cannot change" in statuses(book)["Okafor, Chidi"]
    assert remote(company)["Okafor, Chidi"]["kind"] == "Customer"


def test_xml_and_html_look_alikes_stay_literal_both_ways(synced):
    book, company = synced
    qb_edit(company, "Okafor, Chidi", notes="&amp; <b>bold</b> &#65; ]]>")
    set_cells(book, "Café Société", Company="Café &lt;Société&gt;")
    sync(book)
    assert contacts(book)["Okafor, Chidi"]["notes"] == "&amp; <b>bold</b> &#65; ]]>"
    assert remote(company)["Café Société"]["company"] == "Café &lt;Société&gt;"


@pytest.mark.parametrize(("max_length", "sent"), [(1024, True), (255, False)])
def test_a_custom_field_value_is_judged_by_the_limit_its_company_defines(tmp_path, max_length, sent):
    """QuickBooks Desktop custom fields hold 255 characters, or 1024 for a long text field: the company says which."""
    from custmgr.contact import custom_key
    from engine.helpers import make_pair, read_book, read_company, set_cell

    pair = make_pair(tmp_path, {"Ada": {}})
    with SandboxCompany(pair.company) as store:
        store.define_custom_field("Terms Note", max_length=max_length)
    from custmgr.sync import setup

    setup(pair.book, connector="sandbox", company=str(pair.company), custom_fields={"Terms Note": "Terms Note"})
    sync(pair.book)
    set_cell(pair.book, read_book(pair.book).rows[0].number, custom_key("Terms Note"), "n" * 600)
    summary = sync(pair.book)
    (record,) = read_company(pair.company).values()
    assert (record.values.get(custom_key("Terms Note"), "") == "n" * 600) is sent
    assert summary.errors == (0 if sent else 1)
    if not sent:
        assert "Terms Note too long for QuickBooks (600 > 255 characters)" in read_book(pair.book).rows[0].status


def test_custom_field_limits_are_asked_once_and_again_after_set_up_sync(tmp_path, monkeypatch):
    """The limits cost a round trip to QuickBooks: asked at the first sync with custom fields mapped and kept with
    the pairing; Set Up Sync (which asks for the fields anyway) brings them up to date; a damaged copy is asked
    again."""
    from custmgr.contact import custom_key
    from custmgr.state import CUSTOM_LIMITS, read_state
    from custmgr.sync import setup
    from custmgr.workbook.xlsx import XlsxWorkbook
    from custmgr_sandbox.connector import SandboxConnector
    from engine.helpers import make_pair, read_book, set_cell

    pair = make_pair(tmp_path, {"Ada": {}})
    with SandboxCompany(pair.company) as store:
        store.define_custom_field("Terms Note", max_length=1024)
    setup(pair.book, connector="sandbox", company=str(pair.company), custom_fields={"Terms Note": "Terms Note"})
    asked = []
    real = SandboxConnector.custom_fields
    monkeypatch.setattr(SandboxConnector, "custom_fields", lambda self: asked.append(1) or real(self))
    sync(pair.book)
    set_cell(pair.book, read_book(pair.book).rows[0].number, custom_key("Terms Note"), "n" * 600)
    assert sync(pair.book).errors == 0  # judged by the kept limit (1024), not asked again
    assert len(asked) == 1
    setup(pair.book, connector="sandbox", company=str(pair.company))  # asks for the fields, keeps the limits
    sync(pair.book)
    assert len(asked) == 2
    book = XlsxWorkbook.open(pair.book, writable=True)
    state = read_state(book)
    state.pair[CUSTOM_LIMITS] = "{damaged"
    import json

    from custmgr.state import write_state
    write_state(book, state, json.loads(state.pair["fields"]), links_moved=False)
    book.save()
    sync(pair.book)
    assert len(asked) == 3


def test_a_new_row_holding_only_a_formula_is_reported_not_skipped(synced):
    """=A1 typed into Name of an otherwise empty row: not a blank row to pass over, but a row that says why it waits."""
    book, company = synced
    add_row(book, Name='=UPPER("acme")')  # openpyxl stores text that starts with = as a formula, as Excel does
    summary = sync(book)
    assert summary.errors == 1 and summary.added == 0
    (status,) = [v for k, v in statuses(book).items() if "formula" in v]
    assert status.startswith("Name holds a formula")
    assert "ACME" not in {name.upper() for name in remote(company)}
