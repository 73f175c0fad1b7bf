"""The Contacts sheet: header-driven reading into contact rows and writing changed rows back.

Columns are found by their header, never by position: users reorder, sort, filter and add their own columns, and
those extra columns are carried along untouched.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .cells import cell_text, pad
from .contact import (
    CONTROL_CHARACTERS,
    CUSTOMER,
    FIELD_KEYS,
    JOB_SEPARATOR,
    YES,
    Problem,
    Values,
    clean_text,
    normalize,
    plain_as_is,
)
from .errors import WorkbookError
from .layout import load_layout
from .workbook.port import CellValue, Formula, Grid, WorkbookPort
from .workbook.speed import gc_paused

if TYPE_CHECKING:
    from .settings import Settings

SHEET = "Contacts"
ROW_ID, STATUS = "row_id", "status"
_BLANK_MEANS = ("kind", "active")  # fields whose empty cell still means something (Customer, Yes)


def new_row_id() -> str:
    """A short random identity for a row (never the row number: rows get sorted)."""
    return "R" + secrets.token_hex(6).upper()


@dataclass(slots=True)
class ContactRow:
    """One data row as the engine sees it."""

    number: int  # sheet row number, for messages (the header row's number + 1 = first data row)
    row_id: str
    values: Values
    problems: list[Problem] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.values.get("name", "")


@dataclass
class ContactsSheet:
    """The Contacts grid plus where each field's column is."""

    header: list[CellValue]
    rows: Grid  # data rows, each padded to the header's width
    columns: dict[str, int]  # field key (and row_id, status) -> 0-based column index
    labels: dict[str, str]  # field key -> header text, for messages
    name: str = SHEET  # the sheet's name (an adopted list keeps its own)
    adopted: bool = False  # the bookkeeper's own list, with its own headers (Settings maps them)
    top: Grid = field(default_factory=list)  # the rows above the header row (a title), written back as read

    @property
    def first_row(self) -> int:
        """The sheet row number of the first data row."""
        return len(self.top) + 2

    def grid(self, rows: Grid) -> Grid:
        """The whole sheet for these data rows: the rows above the header as they were, the header, ``rows``."""
        return [*self.top, list(self.header), *rows]

    @functools.cached_property
    def synced_keys(self) -> tuple[str, ...]:
        """The fields the sheet has columns for (asked for every row a sync writes: worked out once)."""
        return tuple(k for k in self.columns if k not in (ROW_ID, STATUS))

    def contact_rows(self) -> list[ContactRow]:
        """Every non-blank data row, normalized, with formulas and unstorable characters reported per field."""
        with gc_paused():  # a contact per row, kept for the whole sync: never garbage, not worth scanning for it
            return self._contact_rows()

    def _contact_rows(self) -> list[ContactRow]:
        out: list[ContactRow] = []
        keys = self.synced_keys
        rid_col, cols = self.columns[ROW_ID], [(k, self.columns[k]) for k in keys]
        as_is = {k for k in keys if plain_as_is(k)}
        for i, row in enumerate(self.rows):
            values: Values = {}  # as normalize_values gives them, built in the same pass (read for every cell)
            problems: list[Problem] = []
            for key, col in cols:
                value = row[col]
                if value is None and key not in _BLANK_MEANS:
                    continue  # it would be dropped: most cells of a contact are empty
                if value.__class__ is str:
                    if value.isascii() and value.isprintable():
                        if value and key in as_is and value[0] != " " and value[-1] != " " and "  " not in value \
                                and (key != "name" or JOB_SEPARATOR not in value):
                            values[key] = value  # normalize's own quick answer, without a call per cell
                            continue
                    else:
                        value, changed = clean_text(value)  # printable ASCII has nothing to clean
                        if changed:
                            problems.append(Problem(key, CONTROL_CHARACTERS))
                elif isinstance(value, Formula):
                    problems.append(Problem(key, f"holds a formula ({value.text[:40]}); type the value itself"))
                    continue
                text = normalize(key, value)
                if text or key in _BLANK_MEANS:
                    values[key] = text
            row_id = cell_text(row[rid_col]).strip()
            if not row_id and not problems and _blank(row, cols):
                continue  # a blank row inside the table (a formula alone is not blank: it is reported)
            values.setdefault("kind", CUSTOMER)
            values.setdefault("active", YES)
            out.append(ContactRow(i + self.first_row, row_id, values, problems))
        return out

    def label(self, key: str) -> str:
        return self.labels.get(key, key)


def _blank(row: list[CellValue], cols: list[tuple[str, int]]) -> bool:
    """Whether none of a row's synced cells holds anything but spaces."""
    return not any(cell_text(row[col]).strip() for _, col in cols)


def read_contact_sheet(book: WorkbookPort, settings: Settings) -> ContactsSheet:
    """The contact sheet Settings names, with the columns it maps (an adopted list's own headers)."""
    if settings.header_row != 1 and not settings.columns:
        raise WorkbookError(f"Header row is {settings.header_row}, but the {settings.contacts_sheet} sheet is "
                            "Customer Manager's own table, with its headers in row 1. Set Header row back to 1 "
                            "on Settings (it is for a list you adopted); nothing was changed", sheet="Settings")
    return read_contacts(book, settings.custom_columns, sheet=settings.contacts_sheet, columns=settings.columns,
                         header_row=settings.header_row)


def read_contacts(book: WorkbookPort, custom_columns: dict[str, str], *, sheet: str = SHEET,
                  columns: dict[str, str] | None = None, header_row: int = 1) -> ContactsSheet:
    """Read the contact sheet and locate every column; a missing or doubled column raises with what to do.

    ``columns``: an adopted list's mapping (field key -> its header); only the fields it maps are synced.
    ``header_row``: the row holding the headers; the rows above it are kept as they are (``ContactsSheet.top``)."""
    if sheet not in book.sheet_names():
        raise WorkbookError(f"the {sheet} sheet is missing; it holds the contacts and cannot be synced without it. "
                            "Restore it (Excel: Undo) or start a new workbook with `custmgr new` (if the contacts "
                            "are on another sheet, put its name under Contact sheet on Settings)", sheet=sheet)
    grid = book.read(sheet)
    top = [list(r) for r in grid[:header_row - 1]]
    top += [[] for _ in range(header_row - 1 - len(top))]
    header = list(grid[header_row - 1]) if len(grid) >= header_row else []
    wanted = expected_columns(custom_columns, columns)
    found: dict[str, int] = {}
    by_text: dict[str, int] = {}
    for i, cell in enumerate(header):
        text = " ".join(cell_text(cell).split()).casefold()
        if not text:
            continue
        if text in by_text and text in {h.casefold() for h in wanted.values()}:
            raise WorkbookError(f"two columns are headed {cell_text(cell)!r}; rename or delete one",
                                sheet=sheet, row=header_row, field=cell_text(cell))
        by_text[text] = i
    for key, heading in wanted.items():
        col = by_text.get(heading.casefold())
        if col is None:
            raise WorkbookError(
                f"the column {heading!r} is missing. Put it back (Excel: Undo, or add a column headed "
                f"{heading!r} to the table) and sync again; nothing was changed"
                + (f" (Settings says the headers are in row {header_row}: correct Header row there if they are "
                   "in another)" if columns else ""),
                sheet=sheet, row=header_row, field=heading)
        found[key] = col
    width = len(header)
    used: set[str] = set()
    for i, cell in enumerate(header):  # a table's headers are unique text: make them so, as Excel does
        if columns:
            break  # an adopted list is not a table: its headers are the bookkeeper's own, never renamed
        if not cell_text(cell).strip():
            header[i] = next(f"Column{n}" for n in range(i + 1, i + 10_000) if f"column{n}" not in by_text)
        elif not isinstance(cell, str):
            header[i] = cell_text(cell)  # a number typed as a header (2024) is text in a table
        text = str(header[i])
        if text.casefold() in used:  # a doubled column of the user's own (ours were refused above)
            header[i] = next(f"{text}{n}" for n in range(2, 10_000) if f"{text}{n}".casefold() not in used
                             and f"{text}{n}".casefold() not in by_text)
        used.add(str(header[i]).casefold())
    with gc_paused():
        rows = [r if len(r) == width else pad(r, width) for r in grid[header_row:]]  # read() gave fresh lists
    return ContactsSheet(header, rows, found, dict(wanted), sheet, bool(columns), top)


def expected_columns(custom_columns: dict[str, str], columns: dict[str, str] | None = None) -> dict[str, str]:
    """Field key -> header for every column the engine owns, in layout order (an adopted list: the columns its
    mapping names, plus Row ID and Sync Status)."""
    cols = {c.key: c.header for c in load_layout().sheet(SHEET).columns}
    if columns:
        cols = {k: columns.get(k) or h for k, h in cols.items() if columns.get(k) or k in (ROW_ID, STATUS)}
    status = cols.pop(STATUS)
    cols.update(custom_columns)
    cols[STATUS] = status
    assert columns or set(FIELD_KEYS) <= set(cols), "layout.json must have a column for every field"
    return cols


@functools.cache
def _default_labels() -> dict[str, str]:
    return expected_columns({})


def field_label(key: str) -> str:
    """The Contacts column header of a field key, for messages ("phone" -> "Phone")."""
    return _default_labels().get(key, key.removeprefix("custom:"))


def row_cells(values: Values, sheet: ContactsSheet, row: list[CellValue]) -> list[CellValue]:
    """``row`` with the engine's columns set from ``values``; the user's own columns untouched."""
    out = list(row)
    columns = sheet.columns
    for key in sheet.synced_keys:
        text = values.get(key, "")
        col = columns[key]
        old = out[col]
        if old is None:
            if text:
                out[col] = text
            continue
        if isinstance(old, str | int | float) and not isinstance(old, bool) and normalize(key, old) == text:
            continue  # keep the user's spelling (and number type) when it means the same
        out[col] = text or None
    return out
