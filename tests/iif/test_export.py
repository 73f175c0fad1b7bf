"""`custmgr export BOOK FILE.iif`: contacts out as an IIF list, checked first, written whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from custmgr import sync as engine
from custmgr.book import create_workbook
from custmgr.errors import CustmgrError
from custmgr.workbook.xlsx import XlsxWorkbook
from custmgr_iif.columns import LAYOUTS
from custmgr_iif.export_list import export_list
from custmgr_iif.import_list import import_list
from custmgr_iif.lists import load_lists
from custmgr_iif.text import IifError
from workbooks import add_row, contacts, edit, paired, set_settings

from .samples import iif, windows_export

# What an IIF list carries, with text that needs care: commas, quotes, tabs and line breaks in notes,
# formulas-to-be, Windows-1252 beyond Latin-1 (the euro sign), jobs, an inactive vendor.
ROWS = [
    dict(Name="Andres, Cristina", Type="Customer", Company='The "Best" Shop, Inc', First_Name="Cristina",
         Last_Name="Andres", Phone="415-555-2174", Email="cristina@example.com", Bill_Address_1="Cristina Andres",
         Bill_Address_2="4242 Cypress Hill Rd", Bill_City="Bayshore", Bill_State="CA", Bill_ZIP="94326",
         Notes='Gate code 4411.\n\tAsk for "Carlos", not the manager.'),
    dict(Name="Andres, Cristina:Garden Wall", Type="Customer", Ship_Address_1="12 Shore Rd",
         Ship_City="Middlefield", Ship_State="CA", Ship_ZIP="94482", Ship_Country="USA"),
    dict(Name="€uro Café", Type="Customer", Company="=1+2", Salutation="Mme", M_I_="J.", Fax="555-0101",
         Alt__Phone="555-0102", Notes="@SUM(A1) -- not a formula"),
    dict(Name="Bay State Stone & Tile", Type="Vendor", Active="No", Bill_Address_1="400 Quarry Road",
         Bill_City="Milford", Bill_State="MA", Bill_ZIP="01757", Notes="-- call before delivery"),
]


def filled(tmp_path: Path, rows: list[dict] = ROWS) -> Path:
    """A new workbook with ``rows`` typed in (as text: '=1+2' stays text, as a value pasted from QuickBooks)."""
    book = tmp_path / "book.xlsx"
    create_workbook(book)
    set_settings(book, kinds="Customers and vendors", include_inactive="Yes")
    wb = XlsxWorkbook.open(book)
    header = [str(h) for h in wb.read("Contacts")[0]]
    typed = [{k.replace("__", ". ").replace("M_I_", "M.I.").replace("_", " "): v for k, v in r.items()} for r in rows]
    wb.write("Contacts", [header, *([r.get(h) for h in header] for r in typed)])
    wb.save()
    return book


def test_export_then_import_gives_back_the_same_contacts(tmp_path):
    book = filled(tmp_path)
    result = export_list(book, tmp_path / "out.iif")
    assert (result.customers, result.vendors) == (3, 1)
    again = tmp_path / "again.xlsx"
    create_workbook(again)
    set_settings(again, include_inactive="Yes")
    import_list(again, tmp_path / "out.iif")
    expected = contacts(book)
    expected["Andres, Cristina"]["notes"] = 'Gate code 4411. Ask for "Carlos", not the manager.'  # one line
    assert contacts(again) == expected
    assert any("Line breaks and tabs were written as spaces (Contacts rows 2)" in line for line in result.lines())


def test_a_note_never_starts_a_line_of_the_file(tmp_path):
    """A note holding a line break then ``TRNS`` must not put a transaction (or a CUST row) in QuickBooks' import."""
    hostile = "Thanks!\nTRNS\tINVOICE\t12/01/2026\tAccounts Receivable\t\t5000\r\nCUST\tMallory\n\"ENDTRNS"
    book = filled(tmp_path, [dict(Name="Acme", Type="Customer", Notes=hostile)])
    result = export_list(book, tmp_path / "out.iif")
    data = (tmp_path / "out.iif").read_bytes()
    lines = data.decode("cp1252").split("\r\n")
    assert lines[-1] == "" and all("\n" not in line and "\r" not in line for line in lines)
    keywords = [line.split("\t", 1)[0] for line in lines if line]
    assert keywords == ["!CUST", "CUST"]  # the note stayed inside the one CUST record
    assert result.one_lined == [2]
    again = tmp_path / "again.xlsx"
    create_workbook(again)
    import_list(again, tmp_path / "out.iif")
    assert contacts(again)["Acme"]["notes"] == 'Thanks! TRNS INVOICE 12/01/2026 Accounts Receivable 5000 CUST ' \
                                               'Mallory "ENDTRNS'


def test_the_file_has_quickbooks_header_layout_crlf_and_windows_1252(tmp_path):
    export_list(filled(tmp_path), tmp_path / "out.iif")
    data = (tmp_path / "out.iif").read_bytes()
    lines = data.split(b"\r\n")
    assert lines[0].decode().split("\t") == ["!CUST", *LAYOUTS["CUST"]]
    assert ["!VEND", *LAYOUTS["VEND"]] in [line.decode("cp1252").split("\t") for line in lines]
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    assert "€uro Café".encode("cp1252") in data and b'"Andres, Cristina"' in data


def test_a_job_follows_its_customer_and_vendors_come_last(tmp_path):
    book = filled(tmp_path, [ROWS[3], ROWS[1], ROWS[0]])
    export_list(book, tmp_path / "out.iif")
    assert [e.name for e in load_lists(tmp_path / "out.iif").entries] == [
        "Andres, Cristina", "Andres, Cristina:Garden Wall", "Bay State Stone & Tile"]


def test_inactive_is_written_as_hidden(tmp_path):
    export_list(filled(tmp_path), tmp_path / "out.iif")
    entries = {e.name: e.values["active"] for e in load_lists(tmp_path / "out.iif").entries}
    assert entries["Bay State Stone & Tile"] == "No" and entries["€uro Café"] == "Yes"


# --- checked before anything is written ------------------------------------------------------------------------


def refused(book: Path, target: Path, match: str) -> str:
    target.write_bytes(b"the previous export\r\n")
    with pytest.raises(CustmgrError, match=match) as caught:
        export_list(book, target)
    assert target.read_bytes() == b"the previous export\r\n"  # untouched
    assert [p.name for p in target.parent.iterdir() if p.name.startswith(".~custmgr")] == []
    return str(caught.value)


def test_characters_outside_windows_1252_are_reported_per_row(tmp_path):
    book = filled(tmp_path, [*ROWS, dict(Name="Łódź Deli", Type="Customer"),
                             dict(Name="Arrow Co", Type="Customer", Notes="next → step")])
    message = refused(book, tmp_path / "out.iif", "Nothing was exported")
    assert "row 6 (Łódź Deli): Name QuickBooks cannot store the character 'Ł'" in message
    assert "row 7 (Arrow Co): Notes QuickBooks cannot store the character '→'" in message


def test_every_bad_row_is_listed(tmp_path):
    book = filled(tmp_path, [
        dict(Name="N" * 42, Type="Customer"),
        dict(Name="Acme", Type="Customer", Phone="555-0100 extension 12345"),
        dict(Name="ACME", Type="Vendor"),
        dict(Name="Nobody:Job", Type="Customer"),
        dict(Name="Supplier:Job", Type="Vendor"),
        dict(Name="Far Away", Type="Customer", **{f"Bill_Address_{i}": f"line {i}" for i in range(1, 6)},
             Bill_City="Boston"),
        dict(Type="Customer", Phone="1"),
    ])
    message = refused(book, tmp_path / "out.iif", "fix these rows")
    for expected in ["row 2 (" + "N" * 42 + "): Name too long for QuickBooks (42 > 41 characters)",
                     "row 3 (Acme): Phone too long for QuickBooks (24 > 21 characters)",
                     "row 4 (ACME): Name is also on row 3",
                     "row 5 (Nobody:Job): Name is a job of 'Nobody', which is not on Contacts",
                     "row 6 (Supplier:Job): Name contains ':'",
                     "row 7 (Far Away): Bill Address 1 and the rest of the address take 6 lines",
                     "row 8 (no name): Name is empty"]:
        assert expected in message


def test_a_formula_typed_in_a_contact_cell_stops_the_export(tmp_path):
    book = filled(tmp_path, ROWS[:1])
    edit(book, lambda ws, h: setattr(ws.cell(2, h["Phone"]), "value", "=A1&B1"))
    assert "row 2 (Andres, Cristina): Phone holds a formula (=A1&B1)" in refused(book, tmp_path / "o.iif", "formula")


def test_the_list_the_workbook_was_set_up_with_is_never_overwritten(tmp_path):
    book = tmp_path / "book.xlsx"
    create_workbook(book)
    (tmp_path / "lists.iif").write_bytes(windows_export())
    import_list(book, tmp_path / "lists.iif")
    with pytest.raises(IifError, match="is the QuickBooks list this workbook is set up with"):
        export_list(book, tmp_path / "lists.iif")
    assert (tmp_path / "lists.iif").read_bytes() == windows_export()


def test_only_iif_files_are_written(tmp_path):
    book = filled(tmp_path, ROWS[:1])
    with pytest.raises(IifError, match="not an IIF file"):
        export_list(book, book)
    with pytest.raises(IifError, match="does not exist"):
        export_list(book, tmp_path / "no-such-folder" / "out.iif")


# --- only new, custom fields, what IIF cannot hold -----------------------------------------------------------


def test_only_new_leaves_out_what_came_from_quickbooks(tmp_path):
    book = tmp_path / "book.xlsx"
    create_workbook(book)
    (tmp_path / "lists.iif").write_bytes(windows_export())
    import_list(book, tmp_path / "lists.iif")
    add_row(book, Name="Typed Here Ltd", Type="Customer", Phone="555-0199")
    result = export_list(book, tmp_path / "new.iif", only_new=True)
    assert (result.customers, result.vendors) == (1, 0)
    assert [e.name for e in load_lists(tmp_path / "new.iif").entries] == ["Typed Here Ltd"]


def test_only_new_in_a_synced_workbook_is_what_quickbooks_does_not_have(tmp_path):
    book, _ = paired(tmp_path)
    add_row(book, Name="Not Yet In QuickBooks", Type="Customer")
    assert export_list(book, tmp_path / "new.iif", only_new=True).customers == 1
    assert export_list(book, tmp_path / "all.iif").customers > 20


def test_nothing_new_writes_no_file(tmp_path):
    book, _ = paired(tmp_path)
    result = export_list(book, tmp_path / "new.iif", only_new=True)
    assert result.lines() == ["No contacts to export; no file was written."]
    assert not (tmp_path / "new.iif").exists()


def test_custom_fields_go_to_the_numbers_of_the_list_the_workbook_came_from(tmp_path):
    book = tmp_path / "book.xlsx"
    create_workbook(book)
    (tmp_path / "lists.iif").write_bytes(windows_export())
    import_list(book, tmp_path / "lists.iif")
    export_list(book, tmp_path / "out.iif")
    header, *rows = [line.split("\t") for line in (tmp_path / "out.iif").read_text("cp1252").splitlines()[:2]]
    row = dict(zip(header, rows[0], strict=True))
    assert (row["NAME"], row["CUSTFLD1"], row["CUSTFLD2"]) == ('"Andres, Cristina"', "Carlos", "Bay Area")


def test_a_custom_field_named_by_its_column_needs_no_dictionary(tmp_path):
    book = tmp_path / "book.xlsx"
    create_workbook(book)
    (tmp_path / "mac.iif").write_bytes(iif(["!CUST", "NAME", "CUSTFLD3"], ["CUST", "Acme", "Gold"]))
    import_list(book, tmp_path / "mac.iif")
    export_list(book, tmp_path / "out.iif")
    assert load_lists(tmp_path / "out.iif").entries[0].values["custom:CUSTFLD3"] == "Gold"


def test_what_an_iif_list_has_no_column_for_is_named_not_dropped_silently(tmp_path):
    book, company = paired(tmp_path, sync=False)
    engine.setup(book, connector="sandbox", company=str(company), map_all=True)
    engine.sync(book, backoff=0)
    result = export_list(book, tmp_path / "all.iif")
    text = "\n".join(result.lines())
    assert "File > Utilities > Import > IIF Files" in text
    assert "Left out, as an IIF list has no column for it: Mobile (Contacts rows" in text
    assert "Job Title (Contacts rows" in text and "CC Email (Contacts rows" in text
    assert "custom field 'Account Manager' (its CUSTFLD number is unknown)" in text
