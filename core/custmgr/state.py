"""Sync state in very hidden sheets: the pairing (`_cm_pair`) and, per contact, the link and base (`_cm_state`).

The *base* is the last value both sides agreed on, per field; the three-way merge compares each side with it.
A base is stored as one JSON array per contact, aligned with the field list kept in `_cm_pair`, so the state sheet
costs one row of five cells per contact.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from .cells import cell_text, json_cells, json_from_cells
from .contact import Values
from .errors import WorkbookError
from .workbook.port import CellValue, Grid, WorkbookPort

PAIR_SHEET, STATE_SHEET = "_cm_pair", "_cm_state"
STATE_HEADER = ["Row ID", "Remote ID", "Version", "Flag", "Base"]
FORMAT = "1"


@dataclass(frozen=True)
class Link:
    """What the last sync agreed for one contact. ``remote_id`` '' = kept only in this workbook."""

    row_id: str
    remote_id: str
    version: str
    base: Values
    #: '' normally; 'pending' = an open decision (always re-read from QuickBooks); 'local' = kept only in this
    #: workbook by the bookkeeper's choice; 'dropped' = deleted here and made inactive in QuickBooks.
    flag: str = ""

    def moved(self, **changes: object) -> Link:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass
class SyncState:
    """The pairing with one QuickBooks company and the links of every contact."""

    pair: dict[str, str] = field(default_factory=dict)
    links: dict[str, Link] = field(default_factory=dict)

    @property
    def paired(self) -> bool:
        return bool(self.pair.get("company_id"))

    @property
    def sync_count(self) -> int:
        return int(self.pair.get("syncs", "0") or 0)


def read_state(book: WorkbookPort) -> SyncState:
    """The stored state, or an empty one for a workbook never synced."""
    names = book.sheet_names()
    state = SyncState()
    if PAIR_SHEET in names:
        state.pair = read_pair_grid(book.read(PAIR_SHEET))
    if STATE_SHEET in names:
        keys = json.loads(state.pair.get("fields", "[]"))
        for number, row in enumerate(book.read(STATE_SHEET)[1:], start=2):
            link = link_from_row(row, keys)
            if link is None:
                continue
            if link.row_id in state.links:
                raise WorkbookError(f"the sync state lists Row ID {link.row_id} twice; the workbook was edited "
                                    "outside Customer Manager. Use Undo Last Sync or a copy of the file",
                                    sheet=STATE_SHEET, row=number)
            state.links[link.row_id] = link
    return state


def read_pair_grid(grid: Grid) -> dict[str, str]:
    return {cell_text(r[0]): cell_text(r[1]) if len(r) > 1 else "" for r in grid if r and cell_text(r[0])}


def link_from_row(row: list[CellValue], keys: list[str]) -> Link | None:
    cells = [cell_text(c) for c in row]
    if not cells or not cells[0]:
        return None
    cells += [""] * (5 - len(cells))
    values = json_from_cells(row[4:]) if len(row) > 4 and cells[4] else []
    base = {k: v for k, v in zip(keys, values, strict=False) if v}
    return Link(cells[0], cells[1], cells[2], base, cells[3])


def link_row(link: Link, keys: list[str]) -> list[CellValue]:
    values = [link.base.get(k, "") for k in keys]
    while values and not values[-1]:
        values.pop()
    return [link.row_id, link.remote_id or None, link.version or None, link.flag or None,
            *json_cells(values)]


def state_grid(state: SyncState, keys: list[str]) -> tuple[Grid, Grid]:
    """The two sheets' content for ``state``, its bases aligned with ``keys``."""
    pair = dict(state.pair, format=FORMAT, fields=json.dumps(keys))
    pair_rows: Grid = [[k, v] for k, v in sorted(pair.items())]
    rows: Grid = [list(STATE_HEADER)]
    rows.extend(link_row(link, keys) for link in state.links.values())
    return pair_rows, rows


def write_state(book: WorkbookPort, state: SyncState, keys: list[str]) -> None:
    """Store ``state`` in its very hidden sheets (creating them if needed)."""
    pair_rows, rows = state_grid(state, keys)
    for sheet, grid in ((PAIR_SHEET, pair_rows), (STATE_SHEET, rows)):
        if sheet not in book.sheet_names():
            book.add_sheet(sheet, "veryHidden")
        elif book.visibility(sheet) != "veryHidden":  # LibreOffice has no "very hidden": it saves them hidden
            book.set_visibility(sheet, "veryHidden")
        book.write(sheet, grid)


def all_keys(state: SyncState, keys: list[str] | tuple[str, ...]) -> list[str]:
    """Field keys to store bases with: the synced ones plus any a base still holds."""
    out = list(keys)
    seen = set(out)
    for link in state.links.values():
        for k in link.base:
            if k not in seen:
                seen.add(k)
                out.append(k)
    return out
