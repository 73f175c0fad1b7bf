"""Blocks of cells read and written with as few calls to Excel as xlwings allows.

xlwings' default conversion costs a couple of dozen calls around each read or write (it measures and
resizes the range and compares sheets by name, each a round trip). The add-in knows every block's place
and size, so it names the range by row, column and size (no call), and reads and writes it "raw": one call
for the values, as Excel hands them over. The rest of what the conversion layer does is done here:
values are cleaned by ``values.from_excel`` and prepared by the platform's ``Native.prepare``, and a
block of more than ``MAX_CELLS_PER_CALL`` cells is sent in slices of whole rows, one call each, as
xlwings' own conversion would (its default write budget); a read of more than ``MAX_CELLS_PER_READ`` is
split the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from custmgr.workbook.rules import column_letter, column_number

from .native import Native

#: Cells per write call: xlwings' default write budget (``DEFAULT_MAX_CELLS_PER_WRITE``).
MAX_CELLS_PER_CALL = 100_000
#: Cells per read call: below xlwings' smallest read budget (1,500,000 on a Mac, where an Apple event's
#: reply has a size cap).
MAX_CELLS_PER_READ = 1_000_000


def block(xs: Any, row: int, column: int, n_rows: int, n_cols: int) -> Any:
    """The range of ``n_rows`` by ``n_cols`` cells from (``row``, ``column``), named without a call (xlwings
    then knows its place and size, which a value read or write asks for)."""
    return xs.range((row, column, n_rows, n_cols))


def at(xs: Any, row: int, column: int, last_row: int | None = None, last_column: int | None = None) -> Any:
    """The range by its address: one call, for a range used only through ``.api`` or a property."""
    first = f"{column_letter(column)}{row}"
    if last_row is None or last_column is None:
        return xs.range(first)
    return xs.range(f"{first}:{column_letter(last_column)}{last_row}")


def read_raw(xs: Any, n_rows: int, n_cols: int, what: str = "value") -> Any:
    """The values (or formulas, ``what="formula"``) of A1 to (``n_rows``, ``n_cols``), as Excel gives them:
    one call, or one per ``MAX_CELLS_PER_READ`` cells."""
    rows_per_call = max(1, MAX_CELLS_PER_READ // n_cols)
    rng = xs.range(f"A1:{column_letter(n_cols)}{n_rows}")  # by address: no call to measure it
    if what == "formula":
        if n_rows <= rows_per_call:
            return rng.formula
        return [row for start in range(1, n_rows + 1, rows_per_call)
                for row in _rows(xs.range(f"A{start}:{column_letter(n_cols)}"
                                          f"{min(n_rows, start + rows_per_call - 1)}").formula)]
    return rng.options("raw", chunksize=rows_per_call if n_rows > rows_per_call else 0).value


def _rows(data: Any) -> list[Any]:
    if not isinstance(data, list | tuple):
        return [[data]]
    return [data] if data and not isinstance(data[0], list | tuple) else list(data)


def first_merged(xs: Any, n_rows: int, n_cols: int, first_row: int = 1) -> str | None:
    """The address (``B5:C5``) of the first merged area, row by row, that (``first_row``, 1) to (``n_rows``,
    ``n_cols``) meets; None if it meets none. One question to Excel when there are none (the common case); otherwise the
    rows, then that row's columns, are halved until one cell is left, whose merged area is the answer: about
    log2(rows) + log2(columns) questions, never one per row."""
    if n_rows < first_row or not n_cols or not _merged(xs, first_row, 1, n_rows, n_cols):
        return None
    top, bottom = first_row, n_rows
    while top < bottom:
        middle = (top + bottom) // 2
        if _merged(xs, top, 1, middle, n_cols):
            bottom = middle
        else:
            top = middle + 1
    left, right = 1, n_cols
    while left < right:
        middle = (left + right) // 2
        if _merged(xs, top, left, top, middle):
            right = middle
        else:
            left = middle + 1
    return str(at(xs, top, left).merge_area.address).replace("$", "")


def _merged(xs: Any, row: int, column: int, last_row: int, last_column: int) -> bool:
    """Whether the range meets a merged area: Excel answers False for none, True or Null (None on Windows,
    ``missing value`` on a Mac) for some."""
    return at(xs, row, column, last_row, last_column).merge_cells is not False


def last_cell(address: str) -> tuple[int, int]:
    """The row and column of the bottom-right cell of an address such as ``$A$1:$AJ$3001`` (or ``$B$2``)."""
    last = address.split(":")[-1].replace("$", "")
    letters = last.rstrip("0123456789")
    return int(last[len(letters):]), column_number(letters)


def write(xs: Any, native: Native, row: int, column: int, rows: Sequence[Sequence[Any]], *,
          formulas: bool = False) -> int:
    """Write ``rows`` (port values already made Excel's by ``values.to_excel``) from (``row``, ``column``):
    one call per ``MAX_CELLS_PER_CALL`` cells; through ``Formula2`` when ``formulas``. Returns the calls made."""
    width = max((len(r) for r in rows), default=0)
    if not rows or not width:
        return 0
    step = max(1, MAX_CELLS_PER_CALL // width)
    calls = 0
    for start in range(0, len(rows), step):
        chunk = [[native.prepare(v) for v in r] + [""] * (width - len(r)) for r in rows[start:start + step]]
        target = block(xs, row + start, column, len(chunk), width).options("raw")
        if formulas:
            target.formula2 = chunk
        else:
            target.value = chunk
        calls += 1
    return calls
