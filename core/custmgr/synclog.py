"""The Sync Log sheet (one row per sync or undo) and Sync Changes (one row per field changed)."""

from __future__ import annotations

import getpass
from collections.abc import Iterable

from .cells import fit_cell
from .layout import load_layout
from .summary import Summary
from .workbook.port import CellValue, WorkbookPort

LOG, CHANGES = "Sync Log", "Sync Changes"
MAX_CHANGE_ROWS = 50_000  # keep the newest; older ones are in earlier backups' history only


def who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def append_log(book: WorkbookPort, summary: Summary) -> None:
    """Add one row for ``summary`` to Sync Log."""
    layout = load_layout().sheet(LOG)
    details = "; ".join(summary.messages)
    cells = {"when": summary.when, "who": who(), "action": summary.action, "outcome": summary.outcome,
             "details": fit_cell(details)}
    cells.update({k: getattr(summary, k) for k in ("imported", "sent", "received", "added", "made_inactive",
                                                   "removed", "failed")})
    cells["conflicts"] = summary.conflicts_open
    _append(book, LOG, [[cells.get(c.key) for c in layout.columns]])


def append_changes(book: WorkbookPort, when: str, changes: Iterable[tuple[str, str, str, str, str]],
                   labels: dict[str, str]) -> None:
    rows: list[list[CellValue]] = [[when, name, labels.get(key, key.removeprefix("custom:")), direction,
                                    old or None, new or None] for name, key, direction, old, new in changes]
    if rows:
        _append(book, CHANGES, rows, keep=MAX_CHANGE_ROWS)


def _append(book: WorkbookPort, sheet: str, rows: list[list[CellValue]], keep: int | None = None) -> None:
    if sheet not in book.sheet_names():
        book.add_sheet(sheet)
    grid = book.read(sheet)
    header = grid[0] if grid else load_layout().sheet(sheet).headers
    body = [*grid[1:], *rows]
    if keep is not None and len(body) > keep:
        body = body[-keep:]
    book.write(sheet, [list(header), *body])
