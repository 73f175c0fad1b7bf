"""Test helpers: make a paired workbook and edit it the way a bookkeeper would (through openpyxl, as Excel would
save it), and read it back as the engine sees it (through the lossless port, as the command line reads it)."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
from click.testing import CliRunner

from custmgr import sync as engine
from custmgr.book import create_workbook
from custmgr.cli import main
from custmgr.company import SandboxCompany, create_company
from custmgr.contact import Values
from custmgr.contact_sheet import read_contacts
from custmgr.review import read_decisions
from custmgr.settings import read_settings, settings_values, write_settings
from custmgr.state import SyncState, read_state
from custmgr.summary import Summary
from custmgr.workbook.lossless import LosslessWorkbook
from custmgr.workbook.xlsx import XlsxWorkbook

_ROW_IDS = random.Random(0)


def reseed_row_ids(seed: int = 0) -> None:
    """Start the Row IDs a repeatable run gives new rows over (each hypothesis example calls this first, so that
    replaying an example replays its Row IDs, whose order decides the order of QuickBooks writes)."""
    _ROW_IDS.seed(seed)


def repeatable_row_id() -> str:
    return f"R{_ROW_IDS.getrandbits(48):012X}"


def paired(tmp_path: Path, *, sample: bool = True, vendors: bool = True, sync: bool = True,
           **settings: str) -> tuple[Path, Path]:
    """A sandbox company and a workbook paired with it (after the first sync unless ``sync=False``)."""
    company = tmp_path / "company.qbsandbox"
    create_company(company, name="Test Co", sample=sample)
    book = tmp_path / "contacts.xlsx"
    create_workbook(book)
    engine.setup(book, connector="sandbox", company=str(company), vendors=vendors)
    if settings:
        set_settings(book, **settings)
    if sync:
        engine.sync(book, backoff=0)
    return book, company


def sync(book: Path, **options: Any) -> Summary:
    """Sync ``book`` as the command line does, without waiting between retries; the summary."""
    summary, _ = engine.sync(book, backoff=0, **options)
    return summary


def run(*args: str) -> tuple[int, str]:
    """Run ``custmgr ARGS``: its exit status and what it printed."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def set_settings(book: Path, **values: str) -> None:
    wb = XlsxWorkbook.open(book)
    current = read_settings(wb)
    write_settings(wb, {**settings_values(current), **values}, current.custom_fields, current.columns)
    wb.save()


def type_on_settings(book: Path, label: str, value: Any, column: int = 2) -> int:
    """Type ``value`` on Settings in the row whose first cell is ``label`` (in ``column``: 2 is the value, 1 the
    label itself), as a bookkeeper would in Excel; the row's number, for messages that name it."""
    wb = openpyxl.load_workbook(book)
    ws = wb["Settings"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == label)
    ws.cell(row, column).value = value
    wb.save(book)
    return row


def edit(book: Path, change: Callable[[Any, dict[str, int]], None], sheet: str = "Contacts") -> None:
    """Open ``book`` with openpyxl, let ``change(ws, column_index_by_header)`` edit a sheet, save."""
    wb = openpyxl.load_workbook(book)
    ws = wb[sheet]
    header = {str(c.value): c.column for c in ws[1] if c.value is not None}
    change(ws, header)
    wb.save(book)


def find_row(ws: Any, header: dict[str, int], name: str) -> int:
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, header["Name"]).value == name:
            return r
    raise KeyError(name)


def set_cells(book: Path, name: str, **cells: Any) -> None:
    """Set cells (by column header, underscores for spaces) of the row named ``name``."""
    def change(ws: Any, header: dict[str, int]) -> None:
        r = find_row(ws, header, name)
        for col, value in cells.items():
            ws.cell(r, header[col.replace("_", " ")]).value = value
    edit(book, change)


def add_row(book: Path, **cells: Any) -> None:
    def change(ws: Any, header: dict[str, int]) -> None:
        r = ws.max_row + 1
        for col, value in cells.items():
            ws.cell(r, header[col.replace("_", " ")]).value = value
    edit(book, change)


def delete_row(book: Path, name: str) -> None:
    edit(book, lambda ws, header: ws.delete_rows(find_row(ws, header, name)))


def contacts(book: Path) -> dict[str, Values]:
    """Contacts by name, as the engine reads them."""
    wb = LosslessWorkbook.open(book, writable=False)
    sheet = read_contacts(wb, read_settings(wb).custom_columns)
    return {r.name: r.values for r in sheet.contact_rows()}


def column(book: Path, header: str) -> dict[str, Any]:
    """Name -> raw cell value of one column."""
    wb = openpyxl.load_workbook(book)
    ws = wb["Contacts"]
    cols = {str(c.value): c.column for c in ws[1]}
    return {ws.cell(r, cols["Name"]).value: ws.cell(r, cols[header]).value for r in range(2, ws.max_row + 1)}


def statuses(book: Path) -> dict[str, str]:
    return {k: v for k, v in column(book, "Sync Status").items() if v}


def review(book: Path) -> dict[str, Any]:
    return read_decisions(LosslessWorkbook.open(book, writable=False))


def mark(book: Path, contact: str, side: str, field: str | None = None) -> None:
    """Mark Accept Left or Accept Right on the Review row of ``contact`` (and ``field``)."""
    def change(ws: Any, header: dict[str, int]) -> None:
        for r in range(2, ws.max_row + 1):
            if ws.cell(r, header["Contact"]).value == contact and (
                    field is None or ws.cell(r, header["Field"]).value == field):
                ws.cell(r, header["Accept Left" if side == "left" else "Accept Right"]).value = "Yes"
                return
        raise KeyError((contact, field))
    edit(book, change, sheet="Review")


def state(book: Path) -> SyncState:
    return read_state(LosslessWorkbook.open(book, writable=False))


def remote(company: Path) -> dict[str, Values]:
    """QuickBooks side by full name."""
    with SandboxCompany(company) as c:
        return {r.values["name"]: dict(r.values) for r in c.records()}


def qb_edit(company: Path, name: str, **values: str) -> None:
    with SandboxCompany(company) as c:
        c.edit(name, values)
