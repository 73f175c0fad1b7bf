"""`custmgr import BOOK FILE.iif`: QuickBooks lists into the workbook, matched by name, undoable, never half done."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from custmgr import sync as engine
from custmgr.book import create_workbook
from custmgr.errors import CustmgrError
from custmgr.settings import read_settings
from custmgr.workbook.xlsx import XlsxWorkbook
from custmgr_iif.import_list import import_list
from custmgr_iif.text import IifError
from workbooks import add_row, column, contacts, edit, paired, set_cells, set_settings, state

from .samples import cust, iif, windows_export


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.xlsx"
    create_workbook(path)
    return path


@pytest.fixture
def lists_file(tmp_path: Path) -> Path:
    path = tmp_path / "lists.iif"
    path.write_bytes(windows_export())
    return path


def settings(book: Path):
    return read_settings(XlsxWorkbook.open(book, writable=False))


def test_a_new_workbook_is_set_up_for_iif_and_gets_the_lists(book, lists_file):
    result = import_list(book, lists_file)
    assert sorted(result.result.added) == sorted(["Andres, Cristina", "Andres, Cristina:Garden Wall",
                                                  "O'Brien's Bakery", "Café Société", "Bay State Stone & Tile"])
    assert result.result.skipped_inactive == 1  # Hastings, Margaret: Settings > Include inactive is No
    s = settings(book)
    assert (s.connector, s.company, s.kinds) == ("iif", "lists.iif", ("Customer", "Vendor"))
    assert s.custom_fields == {"Spouse's Name": "Spouse's Name", "Region": "Region"}
    here = contacts(book)
    assert here["Andres, Cristina"]["custom:Spouse's Name"] == "Carlos"
    assert here["Bay State Stone & Tile"]["kind"] == "Vendor"
    assert here["O'Brien's Bakery"]["notes"] == 'Deliveries before 7\tam.\nAsk for "Maeve", not the manager.'
    assert all(link.remote_id for link in state(book).links.values()) and len(state(book).links) == 5
    assert "QuickBooks Pro" in "\n".join(result.lines())


def test_text_that_looks_like_a_formula_stays_text(book, lists_file):
    import_list(book, lists_file)
    ws = openpyxl.load_workbook(book)["Contacts"]
    header = {c.value: c.column for c in ws[1]}
    cells = {ws.cell(r, header["Name"]).value: ws.cell(r, header["Company"]) for r in range(2, ws.max_row + 1)}
    assert cells["O'Brien's Bakery"].value == "=1+2" and cells["O'Brien's Bakery"].data_type == "s"
    assert contacts(book)["Café Société"]["notes"] == "@SUM(A1) -- not a formula"


def test_inactive_contacts_come_in_when_settings_ask_for_them(book, lists_file):
    import_list(book, lists_file)
    set_settings(book, include_inactive="Yes")
    result = import_list(book, lists_file)
    assert result.result.added == ["Hastings, Margaret"] and len(result.result.updated) == 0
    assert contacts(book)["Hastings, Margaret"]["active"] == "No"


def test_rows_are_matched_by_name_ignoring_case_and_only_the_files_fields_change(book, tmp_path):
    import_list(book, write(tmp_path, "first.iif", iif(["!CUST", "NAME", "PHONE1", "EMAIL"],
                                                        ["CUST", "Acme", "555-0100", "a@acme.example"])))
    set_cells(book, "Acme", Mobile="555-0199", Name="ACME")
    edit(book, lambda ws, h: ws.cell(1, ws.max_column + 1, "My Notes") and ws.cell(2, ws.max_column, "keep me"))
    # a QuickBooks for Mac export has no EMAIL column: the workbook's email must stay
    result = import_list(book, write(tmp_path, "mac.iif", iif(["!CUST", "NAME", "PHONE1"],
                                                               ["CUST", "acme", "555-0111"])))
    assert result.result.updated == ["acme"] and result.result.added == []
    row = contacts(book)["acme"]
    assert (row["phone"], row["email"], row["mobile"]) == ("555-0111", "a@acme.example", "555-0199")
    assert column(book, "My Notes") == {"acme": "keep me"}


def test_hidden_makes_a_matched_row_inactive(book, tmp_path):
    import_list(book, write(tmp_path, "a.iif", iif(["!CUST", "NAME", "HIDDEN"], ["CUST", "Acme", "N"])))
    import_list(book, write(tmp_path, "b.iif", iif(["!CUST", "NAME", "HIDDEN"], ["CUST", "Acme", "Y"])))
    assert contacts(book)["Acme"]["active"] == "No"


def test_the_same_file_twice_changes_nothing(book, lists_file):
    import_list(book, lists_file)
    before = book.read_bytes()
    again = import_list(book, lists_file).result
    assert (again.added, again.updated, again.unchanged) == ([], [], 5)
    assert book.read_bytes() == before  # not even saved


def test_undo_takes_an_import_back(book, lists_file, tmp_path):
    import_list(book, lists_file)
    set_cells(book, "Andres, Cristina", Phone="1")  # an edit between the two imports stays
    import_list(book, write(tmp_path, "b.iif", iif(["!CUST", "NAME", "EMAIL"],
                                                    ["CUST", "Andres, Cristina", "new@example.com"],
                                                    ["CUST", "Brand New", ""])))
    assert contacts(book)["Andres, Cristina"]["email"] == "new@example.com"
    summary = engine.undo(book)
    assert "changed nothing in QuickBooks" in " ".join(summary.messages)
    here = contacts(book)
    assert "Brand New" not in here and here["Andres, Cristina"]["email"] == "cristina@example.com"
    assert here["Andres, Cristina"]["phone"] == "1"
    with pytest.raises(CustmgrError, match="row 2: this row was edited after"):
        engine.undo(book)  # the first import: it would lose the phone typed after it
    engine.undo(book, force=True)
    assert contacts(book) == {} and state(book).links == {}


def test_the_import_is_logged(book, lists_file):
    import_list(book, lists_file)
    ws = openpyxl.load_workbook(book)["Sync Log"]
    header = [c.value for c in ws[1]]
    last = dict(zip(header, [c.value for c in ws[ws.max_row]], strict=False))
    assert (last["Action"], last["Imported"]) == ("import", 5)


def test_a_dry_run_changes_nothing(book, lists_file):
    before = book.read_bytes()
    result = import_list(book, lists_file, dry_run=True)
    assert len(result.result.added) == 5 and "Dry run" in "\n".join(result.lines())
    assert book.read_bytes() == before


# --- into a workbook synced both ways -------------------------------------------------------------------------


def test_into_a_synced_workbook_rows_are_matched_and_the_next_sync_takes_them(tmp_path):
    book, _ = paired(tmp_path)
    links_before = state(book).links
    iif_file = write(tmp_path, "other.iif", iif(["!CUST", "NAME", "PHONE1"],
                                                 ["CUST", "okafor, chidi", "(508) 555-7777"],
                                                 ["CUST", "Moved Over Ltd", "555-0100"]))
    result = import_list(book, iif_file).result
    assert (result.updated, result.added) == (["okafor, chidi"], ["Moved Over Ltd"])
    assert state(book).links == links_before  # the links to the sandbox company are not touched
    assert settings(book).connector == "sandbox"
    summary, _ = engine.sync(book, backoff=0)
    assert summary.sent == 1 and summary.decisions_open == 1  # the phone goes out; the new one is to decide


# --- nothing imported half way ---------------------------------------------------------------------------------


@pytest.mark.parametrize("data, message", [
    (b"", "line 1: the file is empty"),
    (b"\xef\xbb\xbf!CUST\tNAME\r\nCUST\tA\r\n", "UTF-8 byte-order mark"),
    (iif(["!CUST", "NAME"], ["CUST", "A"])[:-6], "cut short"),
    (iif(["CUST", "A"]), "before any !CUST header row"),
    (iif(["!CUST", "NAME"], ["CUST", "A", "B"]), "has 2 values but its header row"),
    (iif(["!CUST", "NAME"], ["CUST", "A"], ["CUST", "a"]), "also on line 2"),
    (iif(["!ACCNT", "NAME"], ["ACCNT", "Checking"]), "holds no customers or vendors"),
])
def test_a_bad_file_changes_nothing(book, tmp_path, data, message):
    import_list(book, write(tmp_path, "good.iif", iif(["!CUST", "NAME"], ["CUST", "Keep"])))
    before = book.read_bytes()
    with pytest.raises(IifError, match=message):
        import_list(book, write(tmp_path, "bad.iif", data))
    assert book.read_bytes() == before


def test_two_workbook_rows_with_the_name_stop_the_import_naming_both(book, tmp_path):
    add_row(book, Name="Acme")
    add_row(book, Name="ACME")
    before = book.read_bytes()
    with pytest.raises(CustmgrError, match=r"line 2: 'Acme' matches Contacts rows 2 and 3"):
        import_list(book, write(tmp_path, "a.iif", iif(["!CUST", "NAME"], ["CUST", "Acme"])))
    assert book.read_bytes() == before


def test_a_workbook_open_in_excel_is_refused_before_reading_on(book, lists_file):
    (book.parent / f"~${book.name}").write_bytes(b"\x04Pat ")
    with pytest.raises(CustmgrError, match="open in Excel"):
        import_list(book, lists_file)


def test_only_iif_files_are_imported(book, tmp_path):
    with pytest.raises(IifError, match=r"not an IIF file.*\.iif"):
        import_list(book, write(tmp_path, "list.csv", b"NAME\r\nAcme\r\n"))


def test_a_long_row_in_an_unrelated_section_does_not_matter(book, tmp_path):
    data = iif(["!ACCNT", "NAME"], ["ACCNT", "Checking", "x", "y"], ["!CUST", "NAME"], cust(NAME="A")[:2])
    assert import_list(book, write(tmp_path, "a.iif", data)).result.added == ["A"]


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def test_rows_already_there_are_linked_when_the_workbook_is_set_up_for_iif(book, tmp_path):
    add_row(book, Row_ID="R1", Name="Acme", Type="Customer", Active="Yes")
    set_settings(book, connector="iif", company="lists.iif")
    result = import_list(book, write(tmp_path, "lists.iif", iif(["!CUST", "NAME"], ["CUST", "Acme"])))
    assert (result.result.unchanged, result.result.updated) == (1, [])
    assert state(book).links["R1"].remote_id == "Acme"  # nothing to change, but now known to be in QuickBooks
