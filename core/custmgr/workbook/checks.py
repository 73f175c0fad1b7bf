"""What the lossless port refuses, checked without changing anything: the rehearsal of a sync's save runs these
before QuickBooks is written (see ``custmgr.rehearsal``), and ``write`` and ``save`` run them for real."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import WorkbookError
from . import sheetedits as edits
from .bookxml import SheetEntry
from .disk import Fingerprint, check_not_busy, check_unchanged
from .package import Flavour
from .port import CellValue, Grid
from .rules import column_letter, value_refusal
from .sheetstream import check_row_order
from .sheetxml import SheetXml, changed_cells, empty_sheet

if TYPE_CHECKING:
    from .lossless import _Sheet


class Checks:
    """The ``check_*`` methods of :class:`~custmgr.workbook.lossless.LosslessWorkbook`."""

    label: str
    path: Path
    writable: bool
    flavour: Flavour
    _loaded: Fingerprint
    _sheets: list[_Sheet]

    if TYPE_CHECKING:
        def _find(self, sheet: str) -> _Sheet | None: ...
        def _worksheet(self, sheet: str) -> _Sheet: ...
        def _original(self, s: _Sheet) -> Grid: ...
        def _xml(self, s: _Sheet, markers: Sequence[bytes] = ()) -> SheetXml: ...
        def _table_target(self, s: _Sheet, name: str, n_rows: int, n_cols: int,
                          header: list[CellValue] | None = None) -> object: ...
        def _is_worksheet(self, s: _Sheet) -> bool: ...

    def _check(self, s: _Sheet, new: list[list[CellValue]], changed: dict[int, list[int]]) -> None:
        header = new[0] if new else []
        merged = self._merged(s)
        for r, cols in changed.items():
            row = new[r - 1] if r <= len(new) else []
            for c in cols:
                value = row[c - 1] if c <= len(row) else None
                if merged and value not in (None, "") and any(
                        lo_c <= c <= hi_c and lo_r <= r <= hi_r and (r, c) != (lo_r, lo_c)
                        for lo_c, lo_r, hi_c, hi_r in merged):
                    raise WorkbookError(f"the cell {column_letter(c)}{r} is inside merged cells; unmerge them and "
                                        "try again.", sheet=s.entry.name, row=r, field=column_letter(c))
                refused = value_refusal(value, header, r, c, s.entry.name)
                if refused is not None:
                    raise refused

    # ----------------------------------------------------------------------------------------- checks only

    def check_write(self, sheet: str, rows: Sequence[Sequence[CellValue]], *, keep_top: int = 0) -> None:
        """Raise the WorkbookError :meth:`write` would raise for ``rows`` (and refuse merged cells anywhere in
        their area below the ``keep_top`` rows that never move), changing nothing. A sheet that does not exist yet
        is checked as an empty one."""
        new = [r if r.__class__ is list else list(r) for r in rows]  # only read: no copy of every row
        s = self._find(sheet)
        if s is None:
            from .lossless import _Sheet

            s = _Sheet(SheetEntry(sheet, 0, "", "visible"), "", SheetXml.parse(empty_sheet(flavour=self.flavour)),
                       original=[], new=True)
        else:
            s = self._worksheet(sheet)
            last_row = max(len(new), len(self._original(s)))
            last_col = max([len(r) for r in new] + [0])
            for lo_c, lo_r, hi_c, hi_r in self._merged(s):
                if lo_r <= last_row and lo_c <= last_col and hi_r > keep_top:
                    ref = f"{column_letter(lo_c)}{lo_r}:{column_letter(hi_c)}{hi_r}"
                    raise WorkbookError(f"the cells {ref} are merged; unmerge them (Excel: Home > Merge & Center) "
                                        "and try again. Nothing was changed.", sheet=s.entry.name, row=lo_r,
                                        field=column_letter(lo_c))
        changed = changed_cells(s.original or [], new)
        if changed:
            self._check_row_order(s)
        self._check(s, new, changed)

    def _check_row_order(self, s: _Sheet) -> None:
        """A sheet whose rows are out of order cannot be written (:func:`.sheetstream.check_row_order`; one left
        as it is keeps its bytes); looked at once per sheet, when a write that changes it is checked."""
        if s.new or s.rows_in_order:
            return
        try:
            check_row_order(self._xml(s))
        except ValueError as exc:
            raise WorkbookError(f"the sheet cannot be saved: {exc}. Open the file in Excel and save it again, then "
                                "try again; nothing was changed.", sheet=s.entry.name) from exc
        s.rows_in_order = True

    def check_table(self, sheet: str, name: str, n_rows: int, header: Sequence[CellValue]) -> None:
        """Raise the WorkbookError :meth:`set_table` would raise once ``header`` is the sheet's first row."""
        s = self._find(sheet)
        if s is not None and self._is_worksheet(s):
            self._table_target(s, name, n_rows, len(header), list(header))

    def check_save(self) -> None:
        """Raise the error :meth:`save` would raise before writing anything: read-only, no visible sheet, open in
        Excel or LibreOffice, or saved by another program since it was read."""
        self._check_saveable()
        check_unchanged(self.path, self._loaded)

    def _check_saveable(self) -> list[int]:
        """The visible sheets' indexes; raises when the workbook cannot be saved at all."""
        if not self.writable:
            raise WorkbookError(f"{self.label} was opened read-only; it cannot be saved.")
        if not self._sheets:
            raise WorkbookError(f"{self.label} has no sheets; add one before saving.")
        visible = [i for i, s in enumerate(self._sheets) if s.entry.state == "visible"]
        if not visible:
            raise WorkbookError(f"{self.label} has no visible sheet; Excel needs at least one.")
        check_not_busy(self.path)
        return visible

    def _merged(self, s: _Sheet) -> list[tuple[int, int, int, int]]:
        xml = self._xml(s)
        if b"mergeCell" not in xml.tail:
            return []
        return [edits._bounds(m.group(1).decode())
                for m in re.finditer(rb'<(?:\w+:)?mergeCell\b[^>]*?ref\s*=\s*"([^"]*)"', xml.tail)]

