"""Adopting a contact list the bookkeeper already keeps: its own sheet name, headers, extra columns and sheets.

The promise checked throughout: the bookkeeper's sheets, columns and values come through setup and every sync as
they went in (apart from what the sync is asked to change in the mapped columns).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from custmgr import sync as engine
from custmgr.cli import main
from custmgr.company import create_company
from custmgr.errors import CustmgrError
from custmgr.review import read_decisions
from custmgr.settings import read_settings
from custmgr.workbook.xlsx import XlsxWorkbook
from workbooks import type_on_settings

HEADER = ["Customer Name", "Tel", "E-mail", "Zip code", "Account Rep", "Since", "Score"]
ROWS = [
    ["obriens bakery", "(617) 555-0126", None, "02458", "Dana", dt.datetime(2019, 4, 1), "=LEN(A2)"],
    ["Beacon Hill Dental Group", "(617) 555-0110", "office@beaconhilldental.example.com", "02114", "Luis",
     dt.datetime(2020, 1, 15), "=LEN(A3)"],
    ["Aiko Nakamura", None, "aiko.n@example.com", "02460", None, None, "=LEN(A4)"],
    ["Hilltop Orchard Supply", "(978) 555-0101", "orders@hilltop.example.com", "01742", "Dana", None, "=LEN(A5)"],
]


def own_workbook(path: Path, *, extra_sheets: bool = True, rows: list[list[Any]] | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Clients"
    ws.append(HEADER)
    for r in rows or ROWS:
        ws.append(r)
    ws.column_dimensions["A"].width = 33
    if extra_sheets:
        notes = wb.create_sheet("Notes")
        notes.append(["Call list for spring", None])
        notes.append(["Total clients", "=COUNTA(Clients!A:A)-1"])
    wb.save(path)
    return path


def cells(path: Path, sheet: str) -> list[list[Any]]:
    ws = openpyxl.load_workbook(path)[sheet]
    return [[c.value for c in row] for row in ws.iter_rows()]


def company(tmp_path: Path) -> Path:
    path = tmp_path / "company.qbsandbox"
    if not path.exists():
        create_company(path, name="Test Co", sample=True)
    return path


def column_of(path: Path, sheet: str, header: str) -> dict[str, Any]:
    grid = cells(path, sheet)
    i = grid[0].index(header)
    return {r[0]: r[i] for r in grid[1:]}


def test_setup_adopts_the_list_without_touching_it(tmp_path):
    book = own_workbook(tmp_path / "mine.xlsx")
    before_clients, before_notes = cells(book, "Clients"), cells(book, "Notes")
    out = engine.setup(book, connector="sandbox", company=str(company(tmp_path)))
    assert "sheet 'Clients'" in out and "'Tel' -> Phone" in out and "'Account Rep'" in out
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["Clients", "Notes", "Review", "Sync Log", "Sync Changes", "Settings"]
    after = cells(book, "Clients")
    assert [r[:len(HEADER)] for r in after] == before_clients  # every cell of the list as it was
    assert after[0][len(HEADER):] == ["Row ID", "Sync Status"]  # added after the last column
    assert cells(book, "Notes") == before_notes
    assert wb["Clients"].column_dimensions["A"].width == 33
    assert wb["Clients"].column_dimensions["H"].hidden  # Row ID
    settings = read_settings(XlsxWorkbook.open(book, writable=False))
    assert settings.contacts_sheet == "Clients"
    assert settings.columns == {"name": "Customer Name", "phone": "Tel", "email": "E-mail",
                                "bill_postal_code": "Zip code", "row_id": "Row ID", "status": "Sync Status"}


def test_first_sync_matches_imports_and_leaves_the_bookkeepers_cells_alone(tmp_path):
    book = own_workbook(tmp_path / "mine.xlsx")
    notes = cells(book, "Notes")
    engine.setup(book, connector="sandbox", company=str(company(tmp_path)))
    before = cells(book, "Clients")
    summary, _ = engine.sync(book, backoff=0)
    assert summary.imported > 30
    after = cells(book, "Clients")
    for old, new in zip(before[1:], after[1:], strict=False):  # the rows that were there stay in place
        assert new[0] == old[0]
        assert new[4:7] == old[4:7]  # own columns: text, dates and formulas
        assert new[7]  # a Row ID was given
    decisions = read_decisions(XlsxWorkbook.open(book, writable=False))
    asked = {d.contact for d in decisions.values() if d.kind == "match"}
    assert asked == {"obriens bakery", "Aiko Nakamura"}
    assert {d.contact for d in decisions.values() if d.kind == "add"} == {"Hilltop Orchard Supply"}
    names = [r[0] for r in after[1:]]
    assert "Café Société" in names and "O'Brien's Bakery" not in names and "Nakamura, Aiko" not in names
    assert names.count("Beacon Hill Dental Group") == 1  # the equal name linked, not imported again
    imported = after[names.index("Café Société") + 1]
    assert imported[4:7] == [None, None, None]  # nothing written into the bookkeeper's own columns
    assert cells(book, "Notes") == notes
    second, _ = engine.sync(book, backoff=0)
    assert second.outcome == "needs attention" and not (second.sent or second.received or second.imported)
    assert cells(book, "Clients") == after


def test_undo_puts_the_adopted_list_back(tmp_path):
    book = own_workbook(tmp_path / "mine.xlsx")
    engine.setup(book, connector="sandbox", company=str(company(tmp_path)))
    before = cells(book, "Clients")
    engine.sync(book, backoff=0)
    engine.undo(book)
    assert cells(book, "Clients") == before


def test_map_column_overrides_the_guess_and_keeps_a_column_out(tmp_path):
    book = own_workbook(tmp_path / "mine.xlsx")
    out = engine.setup(book, connector="sandbox", company=str(company(tmp_path)),
                       map_columns={"Account Rep": "Job Title", "Tel": "Mobile", "Zip code": ""})
    assert "'Account Rep' -> Job Title" in out
    columns = read_settings(XlsxWorkbook.open(book, writable=False)).columns
    assert columns["job_title"] == "Account Rep" and columns["mobile"] == "Tel"
    assert "phone" not in columns and "bill_postal_code" not in columns


def test_the_mapping_can_be_corrected_later(tmp_path):
    book = own_workbook(tmp_path / "mine.xlsx")
    co = company(tmp_path)
    engine.setup(book, connector="sandbox", company=str(co))
    engine.setup(book, connector="sandbox", company=str(co), map_columns={"Tel": "Alt. Phone"})
    columns = read_settings(XlsxWorkbook.open(book, writable=False)).columns
    assert columns["alt_phone"] == "Tel" and "phone" not in columns
    assert cells(book, "Clients")[0] == [*HEADER, "Row ID", "Sync Status"]  # nothing added twice


def test_a_synced_field_with_no_column_is_never_cleared_in_quickbooks(tmp_path):
    book = own_workbook(tmp_path / "mine.xlsx")
    co = company(tmp_path)
    engine.setup(book, connector="sandbox", company=str(co))
    engine.sync(book, backoff=0)
    from workbooks import remote
    before = remote(co)["Beacon Hill Dental Group"]
    summary, _ = engine.sync(book, backoff=0)
    assert summary.sent == 0
    assert remote(co)["Beacon Hill Dental Group"] == before  # fax, address lines... kept, though not on the sheet


@pytest.mark.parametrize(("overrides", "message"), [
    ({"Telephone": "Phone"}, "has no column headed 'Telephone'"),
    ({"Tel": "Shoe Size"}, "'Shoe Size' is not a Customer Manager field"),
    ({"Tel": "Row ID"}, "a column Customer Manager adds"),
])
def test_bad_map_column_is_refused_and_nothing_changes(tmp_path, overrides, message):
    book = own_workbook(tmp_path / "mine.xlsx")
    before = book.read_bytes()
    with pytest.raises(CustmgrError, match=message):
        engine.setup(book, connector="sandbox", company=str(company(tmp_path)), map_columns=overrides)
    assert book.read_bytes() == before


def test_a_list_with_no_name_column_asks_which_one_it_is(tmp_path):
    book = tmp_path / "mine.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Who", "Tel"])
    wb.active.append(["Ann Lee", "555-0100"])
    wb.save(book)
    with pytest.raises(CustmgrError, match="No sheet in this workbook looks like a contact list"):
        engine.setup(book, connector="sandbox", company=str(company(tmp_path)))
    with pytest.raises(CustmgrError, match="--map-column 'Your Header=Name'"):
        engine.setup(book, connector="sandbox", company=str(company(tmp_path)), sheet="Sheet")
    engine.setup(book, connector="sandbox", company=str(company(tmp_path)), sheet="Sheet",
                 map_columns={"Who": "Name"})
    assert read_settings(XlsxWorkbook.open(book, writable=False)).columns["name"] == "Who"


def test_two_lists_alike_need_a_choice(tmp_path):
    book = tmp_path / "mine.xlsx"
    wb = openpyxl.Workbook()
    for title in ("2023", "2024"):
        ws = wb.create_sheet(title)
        ws.append(["Name", "Phone"])
        ws.append(["Ann Lee", "555-0100"])
    del wb["Sheet"]
    wb.save(book)
    with pytest.raises(CustmgrError, match="Choose one with --sheet"):
        engine.setup(book, connector="sandbox", company=str(company(tmp_path)))
    engine.setup(book, connector="sandbox", company=str(company(tmp_path)), sheet="2024")
    assert read_settings(XlsxWorkbook.open(book, writable=False)).contacts_sheet == "2024"
    assert cells(book, "2023") == [["Name", "Phone"], ["Ann Lee", "555-0100"]]


def test_a_sheet_named_like_one_of_ours_is_not_taken_over(tmp_path):
    book = own_workbook(tmp_path / "mine.xlsx")
    wb = openpyxl.load_workbook(book)
    wb.create_sheet("Review").append(["my own review notes"])
    wb.save(book)
    before = book.read_bytes()
    with pytest.raises(CustmgrError, match="already has a sheet named 'Review'"):
        engine.setup(book, connector="sandbox", company=str(company(tmp_path)))
    assert book.read_bytes() == before


def test_setup_refuses_before_changing_anything_when_the_company_cannot_be_opened(tmp_path):
    book = own_workbook(tmp_path / "mine.xlsx")
    before = book.read_bytes()
    with pytest.raises(CustmgrError):
        engine.setup(book, connector="sandbox", company=str(tmp_path / "missing.qbsandbox"))
    assert book.read_bytes() == before


def test_hostile_values_in_the_list_stay_as_they_are(tmp_path):
    rows = [["=HYPERLINK(\"http://x\")", "+1 617 555 0100", "@me", "'007", None, None, None],
            ["Tab\there & <Co>", "-5", None, None, None, None, None]]
    book = own_workbook(tmp_path / "mine.xlsx", rows=rows, extra_sheets=False)
    engine.setup(book, connector="sandbox", company=str(company(tmp_path)))
    before = cells(book, "Clients")
    engine.sync(book, backoff=0)
    after = cells(book, "Clients")
    assert after[1][:7] == before[1][:7] and after[2][:7] == before[2][:7]
    assert "formula" in str(after[1][8])  # the formula row is reported, not sent


def test_command_line_setup_with_sheet_and_map_column(tmp_path):
    book = own_workbook(tmp_path / "mine.xlsx")
    result = CliRunner().invoke(main, ["setup", str(book), "--connector", "sandbox", "--company",
                                       str(company(tmp_path)), "--sheet", "Clients", "--map-column",
                                       "Account Rep=Job Title"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "'Account Rep' -> Job Title" in result.output
    result = CliRunner().invoke(main, ["setup", str(book), "--connector", "sandbox", "--company",
                                       str(company(tmp_path)), "--map-column", "no equals sign"])
    assert result.exit_code == 2 and "Your Header=Field" in result.output


def test_setup_refuses_a_list_open_in_excel_and_changes_nothing(tmp_path):
    book = own_workbook(tmp_path / "mine.xlsx")
    (tmp_path / "~$mine.xlsx").write_bytes(b"locked")
    before = book.read_bytes()
    with pytest.raises(CustmgrError, match="open in"):
        engine.setup(book, connector="sandbox", company=str(company(tmp_path)))
    assert book.read_bytes() == before


def test_a_crash_half_way_through_setup_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    book = own_workbook(tmp_path / "mine.xlsx")
    before = book.read_bytes()

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(engine, "add_custom_columns", crash)
    with pytest.raises(RuntimeError):
        engine.setup(book, connector="sandbox", company=str(company(tmp_path)))
    assert book.read_bytes() == before


def test_setup_takes_an_open_workbook_through_the_port(tmp_path):
    book = own_workbook(tmp_path / "mine.xlsx")
    port = XlsxWorkbook.open(book)
    out = engine.setup(port, connector="sandbox", company=str(company(tmp_path)))
    assert "sheet 'Clients'" in out
    assert read_settings(XlsxWorkbook.open(book, writable=False)).contacts_sheet == "Clients"


def test_a_mistake_in_the_mapping_on_settings_names_the_row(tmp_path):
    book = own_workbook(tmp_path / "mine.xlsx")
    engine.setup(book, connector="sandbox", company=str(company(tmp_path)))
    r = type_on_settings(book, "Phone", "Shoe Size", column=1)
    with pytest.raises(CustmgrError, match=rf"Settings.*row {r}|row {r}.*Settings") as err:
        engine.sync(book, backoff=0)
    assert "Shoe Size" in str(err.value)


def test_a_header_corrected_on_settings_is_used_by_the_next_sync(tmp_path):
    book = own_workbook(tmp_path / "mine.xlsx")
    engine.setup(book, connector="sandbox", company=str(company(tmp_path)))
    type_on_settings(book, "Phone", "Nope")
    with pytest.raises(CustmgrError, match="the column 'Nope' is missing"):
        engine.sync(book, backoff=0)
    type_on_settings(book, "Phone", None)  # cleared: the phone is not synced at all
    summary, _ = engine.sync(book, backoff=0)
    assert summary.imported > 30
    assert read_settings(XlsxWorkbook.open(book, writable=False)).columns["phone"] == ""  # listed, not synced
    assert column_of(book, "Clients", "Tel")["Café Société"] is None  # nothing written into the Tel column


def test_adopting_first_and_choosing_the_company_later(tmp_path):
    """Set Up Sync in Excel: the first click adopts the list (no company yet), the second pairs it."""
    from custmgr.adopt import adopt, adoptable

    book = own_workbook(tmp_path / "mine.xlsx")
    port = XlsxWorkbook.open(book)
    assert adoptable(port) is not None
    adoption = adopt(port, vendors=True)
    port.save()
    assert adoption.added == ("Row ID", "Sync Status", "Type")
    settings = read_settings(XlsxWorkbook.open(book, writable=False))
    assert settings.contacts_sheet == "Clients" and not settings.company and settings.columns["kind"] == "Type"
    assert adoptable(XlsxWorkbook.open(book, writable=False)) is None  # its sheets are there now
    engine.setup(book, connector="sandbox", company=str(company(tmp_path)))
    summary, _ = engine.sync(book, backoff=0)
    assert summary.imported > 30
    kinds = column_of(book, "Clients", "Type")
    assert kinds["Cape Cod Mulch Co."] == "Vendor" and kinds["Café Société"] == "Customer"


def test_columns_are_added_after_the_last_used_column_even_without_a_header(tmp_path):
    book = tmp_path / "mine.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "List"
    ws.append(["Name", "Phone", None, None])
    ws.append(["Ann Lee", "555-0100", None, "call after 5"])
    wb.save(book)
    engine.setup(book, connector="sandbox", company=str(company(tmp_path)))
    grid = cells(book, "List")
    assert grid[0] == ["Name", "Phone", None, None, "Row ID", "Sync Status"]
    assert grid[1] == ["Ann Lee", "555-0100", None, "call after 5", None, None]
    engine.sync(book, backoff=0)
    grid = cells(book, "List")
    assert grid[1][:4] == ["Ann Lee", "555-0100", None, "call after 5"] and grid[0][2] is None
