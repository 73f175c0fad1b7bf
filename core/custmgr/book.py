"""Creating a new Customer Manager workbook from the layout in ``templates/``, and laying sheets out."""

from __future__ import annotations

from pathlib import Path

from .contact_sheet import SHEET as CONTACTS
from .contact_sheet import expected_columns
from .layout import load_layout
from .settings import SHEET as SETTINGS
from .settings import write_settings
from .workbook.port import WorkbookPort
from .workbook.xlsx import XlsxWorkbook

VISIBLE_SHEETS = (CONTACTS, "Review", "Sync Log", "Sync Changes", SETTINGS)


def create_workbook(path: Path, settings: dict[str, str] | None = None) -> XlsxWorkbook:
    """A new workbook at ``path`` with every sheet, header, width and dropdown; saved before it is returned."""
    book = XlsxWorkbook.new(path)
    lay_out_workbook(book, settings)
    book.save()
    return book


def lay_out_workbook(book: WorkbookPort, settings: dict[str, str] | None = None) -> None:
    """Add every sheet of a new Customer Manager workbook to the empty ``book``, laid out (not saved)."""
    for name in VISIBLE_SHEETS:
        lay_out_sheet(book, name, settings)
    format_contacts(book, expected_columns({}), n_rows=1)


def lay_out_sheet(book: WorkbookPort, name: str, settings: dict[str, str] | None = None) -> None:
    """Add one of Customer Manager's sheets, laid out (headers, widths, frozen header) and otherwise empty."""
    book.add_sheet(name)
    if name == SETTINGS:
        write_settings(book, settings or {}, {})
        return
    sheet = load_layout().sheet(name)
    book.write(name, [sheet.headers])
    for i, col in enumerate(sheet.columns, start=1):
        book.set_column(name, i, width=col.width, hidden=col.hidden or None)
    if sheet.freeze_header:
        book.freeze_header(name)


def format_contacts(book: WorkbookPort, columns: dict[str, str], n_rows: int,
                    header: list[str] | None = None, *, sheet_name: str = CONTACTS, adopted: bool = False) -> None:
    """Table size, dropdowns and the hidden Row ID column of Contacts, wherever the user moved the columns.

    On a list the bookkeeper adopted (``adopted``), only the Row ID column Customer Manager added is hidden: the
    sheet's tables, dropdowns and widths are the bookkeeper's own."""
    layout = load_layout()
    sheet = layout.sheet(CONTACTS)
    header = header or list(columns.values())
    position = {h.casefold(): i for i, h in enumerate(header, start=1)}
    if adopted:
        row_id = columns.get("row_id", sheet.by_key("row_id").header).casefold()
        if row_id in position:
            book.set_column(sheet_name, position[row_id], hidden=True)
        return
    book.set_table(CONTACTS, sheet.table or CONTACTS, n_rows, len(header))
    last = max(n_rows, 2) + 500
    for col in sheet.columns:
        i = position.get(columns.get(col.key, col.header).casefold())
        if i is None:
            continue
        if col.choices:
            book.set_dropdown(CONTACTS, i, 2, last, col.choices)
        if col.hidden:
            book.set_column(CONTACTS, i, hidden=True)
    for key, heading in columns.items():
        if key.startswith("custom:") and heading.casefold() in position:
            book.set_column(CONTACTS, position[heading.casefold()], width=layout.custom_field_width)
