"""An adopted list whose headers are below a title: the header row is found (or named with --header-row), shown on
Settings, and everything above it comes through setup, every sync and undo exactly as it was."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from custmgr import sync as engine
from custmgr.cli import main
from custmgr.errors import CustmgrError
from custmgr.review import read_decisions
from custmgr.settings import read_settings
from custmgr.workbook.xlsx import XlsxWorkbook
from workbooks import type_on_settings

from .test_adopt import HEADER, ROWS, cells, company

TOP = [["Client list 2026", None, None, "=TODAY()"], [None, None, None, None]]


def titled_workbook(path: Path, *, merged: str | None = None, rows: list[list[Any]] | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Clients"
    for r in TOP:
        ws.append(r)
    ws.append(HEADER)
    for r in rows or ROWS:
        ws.append([c.replace("A2", "A4") if isinstance(c, str) and c.startswith("=") else c for c in r])
    if merged:
        ws.merge_cells(merged)
    wb.save(path)
    return path


def settings(book: Path):
    return read_settings(XlsxWorkbook.open(book, writable=False))


def test_setup_finds_the_headers_below_a_title_and_leaves_the_title_alone(tmp_path):
    book = titled_workbook(tmp_path / "mine.xlsx")
    before = cells(book, "Clients")
    out = engine.setup(book, connector="sandbox", company=str(company(tmp_path)))
    assert "headers in row 3" in out and "'Tel' -> Phone" in out
    after = cells(book, "Clients")
    assert [r[:4] for r in after[:2]] == [r[:4] for r in before[:2]] and not any(after[0][4:] + after[1][4:])
    assert after[2] == [*HEADER, "Row ID", "Sync Status"]
    assert [r[:len(HEADER)] for r in after[3:]] == [r[:len(HEADER)] for r in before[3:]]
    assert settings(book).header_row == 3
    grid = cells(book, "Settings")
    assert [str(c) for c in next(r for r in grid if r[0] == "Header row")[:2]] == ["Header row", "3"]


def test_syncs_and_undo_keep_the_rows_above_the_header(tmp_path):
    book = titled_workbook(tmp_path / "mine.xlsx")
    engine.setup(book, connector="sandbox", company=str(company(tmp_path)))
    set_up = cells(book, "Clients")
    summary, _ = engine.sync(book, backoff=0)
    assert summary.imported > 30
    after = cells(book, "Clients")
    assert after[:3] == set_up[:3]  # title, blank row and headers as they were
    wb = openpyxl.load_workbook(book)
    assert wb["Clients"]["D1"].value == "=TODAY()"  # still a formula
    names = [r[0] for r in after[3:]]
    assert names[:4] == [r[0] for r in ROWS] and "Café Société" in names
    asked = {d.contact for d in read_decisions(XlsxWorkbook.open(book, writable=False)).values()
             if d.kind == "match"}
    assert asked == {"obriens bakery", "Aiko Nakamura"}
    assert after[3][8] and after[3][8].startswith("Possible match")  # the status is on the row it belongs to
    second, _ = engine.sync(book, backoff=0)
    assert not (second.sent or second.received or second.imported)
    assert cells(book, "Clients") == after
    engine.undo(book)  # the second sync
    engine.undo(book)  # the first
    assert cells(book, "Clients") == set_up


def test_a_problem_names_the_row_as_the_sheet_numbers_it(tmp_path):
    rows = [["Ann Lee", "555-0100", None, None, None, None, None],
            ["Bob Stone", "555-0101", None, None, None, None, None],
            ["=A4&\"x\"", "555-0102", None, None, None, None, None]]
    book = titled_workbook(tmp_path / "mine.xlsx", rows=rows)
    engine.setup(book, connector="sandbox", company=str(company(tmp_path)))
    wb = openpyxl.load_workbook(book)
    wb["Clients"]["A5"] = "Ann Lee"  # row 5 now repeats row 4's name
    wb.save(book)
    engine.sync(book, backoff=0)
    grid = cells(book, "Clients")
    assert "also used on row 4" in grid[4][8]  # sheet row 5 names sheet row 4
    assert "formula" in grid[5][8]  # sheet row 6: the formula is reported on its own row


def test_header_row_on_the_command_line(tmp_path):
    book = titled_workbook(tmp_path / "mine.xlsx")
    result = CliRunner().invoke(main, ["setup", str(book), "--connector", "sandbox", "--company",
                                       str(company(tmp_path)), "--header-row", "3"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert settings(book).header_row == 3
    result = CliRunner().invoke(main, ["setup", str(book), "--connector", "sandbox", "--company",
                                       str(company(tmp_path)), "--header-row", "0"])
    assert result.exit_code == 2 and "--header-row" in result.output


def test_a_wrong_header_row_is_refused_and_changes_nothing(tmp_path):
    book = titled_workbook(tmp_path / "mine.xlsx")
    before = book.read_bytes()
    with pytest.raises(CustmgrError, match=r"header row in row 1 .*--header-row N"):
        engine.setup(book, connector="sandbox", company=str(company(tmp_path)), header_row=1)
    with pytest.raises(CustmgrError, match=r"no headers in row 40.*--header-row N"):
        engine.setup(book, connector="sandbox", company=str(company(tmp_path)), sheet="Clients", header_row=40)
    assert book.read_bytes() == before
    engine.setup(book, connector="sandbox", company=str(company(tmp_path)))
    set_up = book.read_bytes()
    with pytest.raises(CustmgrError, match="Row 2 of sheet 'Clients' does not hold the list's headers"):
        engine.setup(book, connector="sandbox", company=str(company(tmp_path)), header_row=2)
    assert book.read_bytes() == set_up


@pytest.mark.parametrize(("value", "message"), [("abc", "not 'abc'"), ("0", "not '0'"), ("2.5", "not '2.5'")])
def test_a_bad_header_row_on_settings_names_the_row(tmp_path, value, message):
    book = titled_workbook(tmp_path / "mine.xlsx")
    engine.setup(book, connector="sandbox", company=str(company(tmp_path)))
    row = type_on_settings(book, "Header row", value)
    with pytest.raises(CustmgrError, match=rf"Header row must be .*{message}") as err:
        engine.sync(book, backoff=0)
    assert f"row {row}" in str(err.value)


def test_a_header_row_moved_on_settings_says_where_it_looked(tmp_path):
    book = titled_workbook(tmp_path / "mine.xlsx")
    engine.setup(book, connector="sandbox", company=str(company(tmp_path)))
    type_on_settings(book, "Header row", 1)
    before = book.read_bytes()
    with pytest.raises(CustmgrError, match="Settings says the headers are in row 1"):
        engine.sync(book, backoff=0)
    assert book.read_bytes() == before


def test_a_merged_title_above_the_header_is_no_obstacle(tmp_path):
    book = titled_workbook(tmp_path / "mine.xlsx", merged="A1:C1")
    engine.setup(book, connector="sandbox", company=str(company(tmp_path)))
    engine.sync(book, backoff=0)
    wb = openpyxl.load_workbook(book)
    ws = wb["Clients"]
    assert ws.cell(5, 1).value == "Beacon Hill Dental Group"  # linked by its equal name
    ws.cell(5, 2).value = "(617) 555-4444"  # an edit that goes to QuickBooks: the save is rehearsed first
    wb.save(book)
    summary, _ = engine.sync(book, backoff=0)
    assert summary.sent == 1
    wb = openpyxl.load_workbook(book)
    assert [str(r) for r in wb["Clients"].merged_cells.ranges] == ["A1:C1"]
    assert wb["Clients"]["A1"].value == "Client list 2026"


def test_a_list_with_headers_in_row_one_is_found_as_before(tmp_path):
    from .test_adopt import own_workbook
    book = own_workbook(tmp_path / "mine.xlsx")
    out = engine.setup(book, connector="sandbox", company=str(company(tmp_path)))
    assert "headers in row" not in out and settings(book).header_row == 1
    assert dt  # the shared rows carry dates


@pytest.mark.parametrize("port", ["openpyxl", "lossless"])
def test_both_file_ports_let_merged_cells_stay_only_in_the_rows_kept_on_top(tmp_path, port):
    from custmgr.errors import WorkbookError
    from custmgr.workbook.lossless import LosslessWorkbook
    book = titled_workbook(tmp_path / "mine.xlsx", merged="A1:C1")
    opened = (XlsxWorkbook if port == "openpyxl" else LosslessWorkbook).open(book)
    grid = opened.read("Clients")
    opened.check_write("Clients", grid, keep_top=2)
    with pytest.raises(WorkbookError, match="the cells A1:C1 are merged"):
        opened.check_write("Clients", grid)  # a list's own rows move between syncs
    changed = [list(r) for r in grid]
    changed[0][1] = "written into the merged title"
    with pytest.raises(WorkbookError, match="B1 is inside merged cells"):
        opened.check_write("Clients", changed, keep_top=2)


def test_a_header_row_on_a_workbook_made_by_custmgr_new_is_refused(tmp_path):
    from custmgr.book import create_workbook
    from workbooks import set_settings
    book = tmp_path / "new.xlsx"
    create_workbook(book)
    engine.setup(book, connector="sandbox", company=str(company(tmp_path)))
    set_settings(book, header_row="3")
    before = book.read_bytes()
    with pytest.raises(CustmgrError, match="Set Header row back to 1"):
        engine.sync(book, backoff=0)
    with pytest.raises(CustmgrError, match="--header-row are for a list you adopted"):
        engine.setup(book, connector="sandbox", company=str(company(tmp_path)), header_row=2)
    assert book.read_bytes() == before


def test_an_iif_import_into_a_list_below_a_title_keeps_the_title(tmp_path):
    from custmgr.adopt import adopt
    from custmgr_iif.import_list import import_list
    from iif.samples import windows_export
    book = titled_workbook(tmp_path / "mine.xlsx")
    port = XlsxWorkbook.open(book)
    adopt(port)
    port.save()
    set_up = cells(book, "Clients")
    lists = tmp_path / "lists.iif"
    lists.write_bytes(windows_export())
    result = import_list(book, lists)
    assert "Café Société" in result.result.added
    after = cells(book, "Clients")
    assert [r[:len(set_up[0])] for r in after[:2]] == set_up[:2] and not any(after[0][9:] + after[1][9:])
    assert after[2][len(HEADER):] == ["Row ID", "Sync Status", "Spouse's Name", "Region"]  # its custom fields
    assert [r[:len(HEADER)] for r in after[3:3 + len(ROWS)]] == [r[:len(HEADER)] for r in set_up[3:]]
    assert "Café Société" in [r[0] for r in after[3 + len(ROWS):]]
    engine.undo(book)
    assert [r[:len(set_up[0])] for r in cells(book, "Clients")] == set_up
