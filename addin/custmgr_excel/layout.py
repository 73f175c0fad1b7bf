"""The Customer Manager sheets, laid out in a workbook open in Excel (Set Up Sync in a blank workbook).

The same layout ``custmgr new`` gives a file (``custmgr.book.create_workbook``): every sheet, header, width,
hidden column, dropdown and the Contacts table, from ``templates/layout.json``.
"""

from __future__ import annotations

from custmgr.book import VISIBLE_SHEETS, format_contacts
from custmgr.contact_sheet import expected_columns
from custmgr.layout import load_layout
from custmgr.settings import SHEET as SETTINGS
from custmgr.settings import write_settings
from custmgr.workbook.port import WorkbookPort


def is_laid_out(book: WorkbookPort) -> bool:
    """Whether the workbook already has Customer Manager sheets (any of them: a damaged one is the engine's
    to report, not ours to paper over)."""
    names = {n.casefold() for n in book.sheet_names()}
    return any(sheet.casefold() in names for sheet in VISIBLE_SHEETS)


def lay_out(book: WorkbookPort) -> list[str]:
    """Add the Customer Manager sheets. In a new workbook (every sheet blank) its blank sheets go; in any other,
    every sheet stays. Returns the sheets removed. Staged: nothing changes in Excel before ``book.save()``."""
    existing = book.sheet_names()
    blank = existing if all(not book.read(name) for name in existing) else []
    layout = load_layout()
    for name in VISIBLE_SHEETS:
        book.add_sheet(name)
        if name == SETTINGS:
            write_settings(book, {}, {})
            continue
        sheet = layout.sheet(name)
        book.write(name, [sheet.headers])
        for i, col in enumerate(sheet.columns, start=1):
            book.set_column(name, i, width=col.width, hidden=col.hidden or None)
        if sheet.freeze_header:
            book.freeze_header(name)
    format_contacts(book, expected_columns({}), n_rows=1)
    for name in blank:
        book.remove_sheet(name)
    return blank
