"""The Review sheet: open decisions the bookkeeper settles by marking Accept Left or Accept Right.

Left is always the Customer Manager (workbook) side, right the QuickBooks side. A decision is settled only when
exactly one side is marked and, for a field conflict, both values are still what the row shows; anything else stays
open and is written back, with the marks the bookkeeper made.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal, cast

from .cells import cell_text
from .errors import WorkbookError
from .layout import load_layout
from .workbook.port import CellValue, Grid, WorkbookPort

SHEET = "Review"
Side = Literal["left", "right"]
#: The kinds of question, as the hidden key column spells them.
Kind = Literal["conflict", "add", "delete", "deleted_changed", "changed_gone", "match", "duplicate"]

CONFLICT: Kind = "conflict"
ADD: Kind = "add"
DELETE: Kind = "delete"
DELETED_CHANGED: Kind = "deleted_changed"
CHANGED_GONE: Kind = "changed_gone"
MATCH: Kind = "match"
DUPLICATE: Kind = "duplicate"
TITLES = {
    CONFLICT: "Conflict",
    ADD: "Add to QuickBooks?",
    DELETE: "Make inactive in QuickBooks?",
    DELETED_CHANGED: "Deleted here, changed in QuickBooks",
    CHANGED_GONE: "Changed here, deleted in QuickBooks",
    MATCH: "Possible match",
    DUPLICATE: "Possible duplicate in QuickBooks",
}
NOTES = {
    CONFLICT: "Both sides changed this since the last sync. Accept Left sends the Customer Manager value to "
              "QuickBooks; Accept Right takes the QuickBooks value.",
    ADD: "New in this workbook. Accept Left adds it to QuickBooks; Accept Right keeps it only in this workbook.",
    DELETE: "Row deleted in this workbook. Accept Left makes the contact inactive in QuickBooks; Accept Right "
            "brings the row back from QuickBooks.",
    DELETED_CHANGED: "Row deleted here but changed in QuickBooks. Accept Left makes it inactive in QuickBooks; "
                     "Accept Right brings the row back with the QuickBooks values.",
    CHANGED_GONE: "Changed here but deleted in QuickBooks. Accept Left adds it to QuickBooks again; Accept Right "
                  "removes the row (kept in the backup).",
    MATCH: "This row looks like a QuickBooks contact. Accept Right: the same contact (link them, then merge their "
           "fields); Accept Left: two contacts (keep them apart; never asked again).",
    DUPLICATE: "A new QuickBooks contact looks like this one. Accept Right: the same contact (merged in QuickBooks "
               "where it can merge); Accept Left: two contacts (keep them apart; never asked again).",
}
_NO = {"", "no", "n", "false", "0"}


@dataclass(frozen=True)
class Decision:
    """One open question about one contact (and, for a conflict, one field or field group)."""

    kind: Kind
    row_id: str
    contact: str
    unit: str = ""
    field: str = ""
    base: str = ""
    left: str = ""
    right: str = ""
    detail: str = ""  # canonical values behind left/right, to notice when they change under a decision
    note: str = ""
    accept_left: bool = False
    accept_right: bool = False

    @property
    def key(self) -> str:
        return key_of(self.kind, self.row_id, self.unit)

    @property
    def side(self) -> Side | None:
        if self.accept_left == self.accept_right:
            return None
        return "left" if self.accept_left else "right"


def key_of(kind: Kind, row_id: str, unit: str = "") -> str:
    """The key a question is found by from one sync to the next: ``kind|row id`` (and ``|unit`` for a conflict
    on one field or field group, or the other contact of a look-alike pair)."""
    return "|".join(p for p in (kind, row_id, unit) if p)


def detail_of(left: Sequence[str], right: Sequence[str]) -> str:
    return json.dumps([list(left), list(right)], ensure_ascii=False)


def read_decisions(book: WorkbookPort) -> dict[str, Decision]:
    """Decisions on the Review sheet by key (rows without a key are the user's own and are ignored)."""
    if SHEET not in book.sheet_names():
        return {}
    grid = book.read(SHEET)
    if not grid:
        return {}
    layout = load_layout().sheet(SHEET)
    header = [" ".join(cell_text(c).split()).casefold() for c in grid[0]]
    col: dict[str, int] = {}
    for c in layout.columns:
        if c.header.casefold() not in header:
            raise WorkbookError(f"the column {c.header!r} is missing; put it back so decisions can be read",
                                sheet=SHEET, row=1, field=c.header)
        col[c.key] = header.index(c.header.casefold())
    out: dict[str, Decision] = {}
    for row in grid[1:]:
        def get(key: str, row: list[CellValue] = row) -> str:
            i = col[key]
            return cell_text(row[i]).strip() if i < len(row) else ""

        key = get("key")
        parts = key.split("|")
        if len(parts) < 2 or parts[0] not in TITLES:
            continue
        out[key] = Decision(kind=cast(Kind, parts[0]), row_id=parts[1], unit=parts[2] if len(parts) > 2 else "",
                            contact=get("contact"), field=get("field"), base=get("base"), left=get("left"),
                            right=get("right"), detail=get("detail"), note=get("note"),
                            accept_left=get("accept_left").casefold() not in _NO,
                            accept_right=get("accept_right").casefold() not in _NO)
    return out


def review_grid(decisions: Iterable[Decision], previous: dict[str, Decision]) -> Grid:
    """The Review sheet for the open ``decisions``, keeping marks the bookkeeper already made on the same question.
    Questions already on the sheet keep their order; new ones follow."""
    layout = load_layout().sheet(SHEET)
    rows: Grid = [list(layout.headers)]
    place = {key: i for i, key in enumerate(previous)}
    for d in sorted(decisions, key=lambda d: place.get(d.key, len(place))):
        old = previous.get(d.key)
        if old is not None and old.detail == d.detail:
            d = replace(d, accept_left=old.accept_left, accept_right=old.accept_right)
        cells = {"type": TITLES[d.kind], "contact": d.contact, "field": d.field, "base": d.base, "left": d.left,
                 "right": d.right, "accept_left": "Yes" if d.accept_left else None,
                 "accept_right": "Yes" if d.accept_right else None, "note": d.note or NOTES[d.kind],
                 "key": d.key, "detail": d.detail}
        rows.append([cells[c.key] or None for c in layout.columns])
    return rows


def write_review(book: WorkbookPort, decisions: Sequence[Decision], previous: dict[str, Decision]) -> None:
    """Replace the Review sheet's rows; the header, widths and Accept dropdowns follow the layout."""
    grid = review_grid(decisions, previous)
    book.write(SHEET, grid)
    format_review(book, len(grid))


def format_review(book: WorkbookPort, n_rows: int) -> None:
    layout = load_layout().sheet(SHEET)
    for i, c in enumerate(layout.columns, start=1):
        if c.choices:
            book.set_dropdown(SHEET, i, 2, max(n_rows, 2) + 200, c.choices)
