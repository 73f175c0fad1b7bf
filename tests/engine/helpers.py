"""Engine test helpers: a workbook paired with a sandbox company, edits on either side, and plain-value views.

A workbook is a file or a ``memory:NAME`` location (``custmgr.workbook.memory``); either way a view or an edit
opens what was last saved there, as the next sync (or the bookkeeper) will.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from custmgr.book import create_workbook, lay_out_workbook
from custmgr.cells import cell_text
from custmgr.company import SandboxCompany, copy_company, create_company, memory_company
from custmgr.contact import CUSTOM_PREFIX, FIELD_KEYS, Values, is_custom
from custmgr.contact_sheet import SHEET as CONTACTS
from custmgr.contact_sheet import STATUS, expected_columns, read_contacts
from custmgr.review import SHEET as REVIEW
from custmgr.review import Decision, read_decisions
from custmgr.settings import read_settings, settings_values, write_settings
from custmgr.settle import from_remote
from custmgr.state import Link, read_state
from custmgr.sync import open_book, setup
from custmgr.workbook.memory import MemoryWorkbook, in_memory
from custmgr.workbook.port import CellValue, Grid

Rows = list[list[CellValue]]
Book = Path | str  # a workbook file, or a workbook kept in memory (memory:NAME)


@dataclass(frozen=True)
class Pair:
    """A workbook and the sandbox company it syncs with: files, or ``memory:NAME`` locations that ``kept`` and
    ``kept_book`` keep open (both last as long as this pair)."""

    book: Book
    company: Path | str
    kept: SandboxCompany | None = field(default=None, compare=False, repr=False)
    kept_book: MemoryWorkbook | None = field(default=None, compare=False, repr=False)


def make_pair(folder: Path, contacts: Mapping[str, Mapping[str, str]] | None = None,
              settings: Mapping[str, str] | None = None, company_name: str = "Test Co",
              custom_fields: Sequence[str] = (), *, in_memory: bool = False) -> Pair:
    """A company holding ``contacts`` (name -> other fields) and a new workbook set up to sync with it, in
    ``folder``. Each of ``custom_fields`` is defined for customers and vendors and mapped to a column of its name
    (its field key is ``custom:NAME``). ``in_memory`` keeps both off the disk (``memory_company`` and a
    ``MemoryWorkbook``)."""
    kept = memory_company(name=company_name) if in_memory else None
    company: Path | str = str(kept.path) if kept else folder / "company.qbsandbox"
    if kept is None:
        create_company(company, name=company_name)
    with SandboxCompany(company) as store:
        for name in custom_fields:
            store.define_custom_field(name)
        for name, values in (contacts or {}).items():
            store.add(name, values)
    kept_book = MemoryWorkbook.new() if in_memory else None
    book: Book = kept_book.location if kept_book else folder / "book.xlsx"
    if kept_book is None:
        create_workbook(Path(book))
    else:
        lay_out_workbook(kept_book)
        kept_book.save()
    setup(book, connector="sandbox", company=str(company), custom_fields={name: name for name in custom_fields})
    # A file is named relative to the workbook, so a copy of the folder is a pair of its own (see copy_pair).
    set_settings(book, {"company": company.name if isinstance(company, Path) else company, **(settings or {})})
    return Pair(book, company, kept, kept_book)


def copy_pair(pair: Pair, folder: Path) -> Pair:
    """Both sides copied: the workbook into ``folder`` (or into memory), the company beside it (a file) or into
    memory."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    kept_book = None
    if in_memory(pair.book):
        kept_book = MemoryWorkbook.open(pair.book)
        kept_book.save_as(f"memory:{uuid.uuid4().hex}")
        book: Book = kept_book.location
    else:
        book = Path(shutil.copy2(pair.book, folder))
    if pair.kept is None:
        return Pair(book, Path(shutil.copy2(pair.company, folder)), None, kept_book)  # found beside the workbook
    kept = copy_company(pair.kept)
    set_settings(book, {"company": str(kept.path)})
    return Pair(book, str(kept.path), kept, kept_book)


@contextmanager
def put_back_after(book: Book) -> Iterator[None]:
    """Whatever happens to ``book`` inside, it is as it was saved on entry afterwards."""
    if in_memory(book):
        saved = MemoryWorkbook.open(book)
        try:
            yield
        finally:
            saved.save_as(book)
        return
    copy = Path(book).with_name(f"before-{Path(book).name}")
    shutil.copy2(book, copy)
    try:
        yield
    finally:
        shutil.copy2(copy, book)
        copy.unlink()


def set_settings(book: Book, values: Mapping[str, str]) -> None:
    """Change Settings sheet values by setting key (``conflict_default``, ``add_policy``, ...)."""
    wb, _ = open_book(book)
    current = read_settings(wb)
    merged = {**settings_values(current), **values}
    write_settings(wb, merged, current.custom_fields, current.columns)
    wb.save()


# --- views ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowView:
    """One Contacts row: where it is, its Row ID, its normalized values and its Sync Status."""

    number: int
    row_id: str
    values: Values
    status: str


@dataclass(frozen=True)
class BookView:
    """Everything a sync reads from or writes to the workbook, as plain values."""

    contacts: Grid
    review: Grid
    rows: list[RowView]
    links: dict[str, Link]
    decisions: dict[str, Decision]
    pair: dict[str, str] = field(default_factory=dict)

    def row(self, row_id: str) -> RowView | None:
        return next((r for r in self.rows if r.row_id == row_id), None)

    def decisions_for(self, row_id: str) -> list[Decision]:
        return [d for d in self.decisions.values() if d.row_id == row_id]


def trimmed(grid: Grid) -> Grid:
    """A grid without trailing empty cells and rows, so equal content compares equal however it was padded."""
    out: Grid = []
    for row in grid:
        cells = list(row)
        while cells and cells[-1] in (None, ""):
            cells.pop()
        out.append(cells)
    while out and not out[-1]:
        out.pop()
    return out


def read_book(book: Book) -> BookView:
    wb, _ = open_book(book, writable=False)
    settings = read_settings(wb)
    sheet = read_contacts(wb, settings.custom_columns)
    status_col = sheet.columns[STATUS]
    rows = [RowView(r.number, r.row_id, r.values, cell_text(sheet.rows[r.number - 2][status_col]).strip())
            for r in sheet.contact_rows()]
    state = read_state(wb)
    review = wb.read(REVIEW) if REVIEW in wb.sheet_names() else []
    return BookView(trimmed(wb.read(CONTACTS)), trimmed(review), rows, state.links, read_decisions(wb),
                    state.pair)


@dataclass(frozen=True)
class Record:
    """One QuickBooks record as the engine compares it."""

    remote_id: str
    version: str
    values: Values


def read_company(company: Path | str) -> dict[str, Record]:
    """Every record (customers and vendors, inactive too) by remote id."""
    with SandboxCompany(company) as store:
        return {r.remote_id: Record(r.remote_id, r.version, from_remote(r.values)) for r in store.records()}


def differing(a: Mapping[str, str], b: Mapping[str, str], keys: tuple[str, ...] = FIELD_KEYS) -> list[str]:
    """Field keys whose values differ (missing == empty)."""
    return [k for k in keys if a.get(k, "") != b.get(k, "")]


# --- edits in the workbook --------------------------------------------------------------------------------------


def edit_sheet(book: Book, sheet: str, change: Callable[[list[Any], Rows], Rows]) -> None:
    """Rewrite ``sheet`` as ``change(header, data_rows)`` returns it, then save (what a user's edit amounts to)."""
    wb, _ = open_book(book)
    grid = wb.read(sheet)
    header = list(grid[0]) if grid else []
    rows = [list(r) + [None] * (len(header) - len(r)) for r in grid[1:]]
    wb.write(sheet, [header, *change(header, rows)])
    wb.save()


def column(header: list[Any], key: str) -> int:
    """The 0-based column of a Contacts field key, found by its header as the engine finds it (a custom field's
    column is named after the field, as ``make_pair`` maps it)."""
    heading = (key.removeprefix(CUSTOM_PREFIX) if is_custom(key) else expected_columns({})[key]).casefold()
    return next(i for i, h in enumerate(header) if cell_text(h).strip().casefold() == heading)


def set_cell(book: Book, row_number: int, key: str, value: str) -> None:
    """Type ``value`` into field ``key`` of Contacts row ``row_number`` (2 = first data row)."""
    set_cells(book, [(row_number, key, value)])


def set_cells(book: Book, edits: Sequence[tuple[int, str, str]]) -> None:
    """Type each ``(row_number, key, value)`` into Contacts, in order, and save once."""

    def change(header: list[Any], rows: Rows) -> Rows:
        for row_number, key, value in edits:
            rows[row_number - 2][column(header, key)] = value or None
        return rows

    edit_sheet(book, CONTACTS, change)


def add_row(book: Book, values: Mapping[str, str]) -> None:
    """Type a new contact into the first row below the table (no Row ID: users never type one)."""

    def change(header: list[Any], rows: Rows) -> Rows:
        new: list[CellValue] = [None] * len(header)
        for key, value in values.items():
            new[column(header, key)] = value or None
        return [*rows, new]

    edit_sheet(book, CONTACTS, change)


def delete_row(book: Book, row_number: int) -> None:
    """Delete Contacts row ``row_number`` (the rows below move up)."""

    def change(header: list[Any], rows: Rows) -> Rows:
        return rows[:row_number - 2] + rows[row_number - 1:]

    edit_sheet(book, CONTACTS, change)


def mark_review(book: Book, row_number: int, left: bool, right: bool) -> None:
    """Set Accept Left / Accept Right of Review row ``row_number`` to 'Yes' (or clear them)."""

    def change(header: list[Any], rows: Rows) -> Rows:
        heads = [cell_text(h).strip().casefold() for h in header]
        rows[row_number - 2][heads.index("accept left")] = "Yes" if left else None
        rows[row_number - 2][heads.index("accept right")] = "Yes" if right else None
        return rows

    edit_sheet(book, REVIEW, change)
