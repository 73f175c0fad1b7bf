"""Saving a sync's result, rehearsed before QuickBooks is written.

A sync writes QuickBooks first and the workbook after, so anything that would stop the save (merged cells on
Contacts, a table that cannot grow, a cell over Excel's limit, the file open or saved elsewhere meanwhile) must be
found while nothing is written yet. ``rehearse`` runs the very code that saves the sync against ``Rehearsal``, a port
that checks every write with the real workbook's ``check_*`` methods and keeps the result in memory, as if every
QuickBooks write succeeded. (A write that fails only puts "Failed: ..." in that row's Sync Status and keeps its
Review rows open, which the same checks cover.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from .connector import ChangeResult, RemoteRecord
from .errors import WorkbookError
from .plan import SyncPlan
from .workbook.port import CellValue, Grid, Visibility, WorkbookPort
from .workbook.rules import check_new_sheet

Save = Callable[[WorkbookPort, Mapping[str, ChangeResult]], None]


def rehearse(book: WorkbookPort, plan: SyncPlan, save: Save, keep_top: Mapping[str, int] | None = None) -> None:
    """Raise what ``save(book, results)`` would raise once every QuickBooks write of ``plan`` succeeded, without
    changing ``book``. ``keep_top``: sheet -> leading rows the save writes back as they are (a title)."""
    save(Rehearsal(book, keep_top), all_succeeded(plan))


def all_succeeded(plan: SyncPlan) -> dict[str, ChangeResult]:
    """A result for every write of ``plan`` as if QuickBooks took it as sent."""
    out: dict[str, ChangeResult] = {}
    for rec in plan.records:
        if rec.outcome.op:
            values = {**(rec.outcome.base or {}), **rec.outcome.send, "kind": rec.kind}
            record = RemoteRecord(rec.remote_id or f"new:{rec.row_id}", rec.version or "0", values)
            out[rec.row_id] = ChangeResult(rec.row_id, record=record)
    return out


class Rehearsal(WorkbookPort):
    """The workbook as a save would leave it, checked against the real one and never written to it."""

    def __init__(self, real: WorkbookPort, keep_top: Mapping[str, int] | None = None) -> None:
        self.real = real
        self.keep_top = dict(keep_top or {})
        self.label = real.label
        self.path = real.path
        self._names = list(real.sheet_names())
        self._grids: dict[str, Grid] = {}
        self._visibility: dict[str, Visibility] = {}

    def _find(self, sheet: str) -> str:
        folded = sheet.casefold()
        for name in self._names:
            if name.casefold() == folded:
                return name
        raise WorkbookError(f"there is no such sheet in {self.label}.", sheet=sheet)

    def sheet_names(self) -> list[str]:
        return list(self._names)

    def visibility(self, sheet: str) -> Visibility:
        name = self._find(sheet)
        return self._visibility.get(name) or self.real.visibility(name)

    def add_sheet(self, sheet: str, visibility: Visibility = "visible") -> None:
        check_new_sheet(self.label, sheet, visibility, self._names)
        self._names.append(sheet)
        self._grids[sheet] = []
        self._visibility[sheet] = visibility

    def remove_sheet(self, sheet: str) -> None:
        name = self._find(sheet)
        self._names.remove(name)
        self._grids.pop(name, None)
        self._visibility.pop(name, None)

    def set_visibility(self, sheet: str, visibility: Visibility) -> None:
        self._visibility[self._find(sheet)] = visibility

    def read(self, sheet: str) -> Grid:
        name = self._find(sheet)
        if name in self._grids:
            return [list(r) for r in self._grids[name]]
        return self.real.read(name)

    def write(self, sheet: str, rows: Sequence[Sequence[CellValue]]) -> None:
        name = self._find(sheet)
        self.real.check_write(name, rows, keep_top=self.keep_top.get(name, 0))
        self._grids[name] = list(rows)  # rows are never changed after a write; read() hands out copies

    def set_table(self, sheet: str, name: str, n_rows: int, n_cols: int) -> None:
        grid = self.read(sheet)
        header = list(grid[0][:n_cols]) if grid else []
        self.real.check_table(self._find(sheet), name, n_rows, header + [None] * (n_cols - len(header)))

    def set_column(self, sheet: str, column: int, *, width: float | None = None,
                   hidden: bool | None = None) -> None:
        self._find(sheet)

    def set_dropdown(self, sheet: str, column: int, first_row: int, last_row: int,
                     choices: Sequence[str]) -> None:
        self._find(sheet)

    def freeze_header(self, sheet: str) -> None:
        self._find(sheet)

    def save(self) -> None:
        self.real.check_save()
