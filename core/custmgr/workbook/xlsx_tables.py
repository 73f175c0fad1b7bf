"""Tables, column widths and list dropdowns on an openpyxl sheet, kept as Excel wants them.

Excel calls a file damaged, and "repairs" it by dropping parts, when a table's column names differ from its
header cells, when two tables overlap or share a name, or when column records overlap. openpyxl lets all of these
through, so the edits here keep them out: a table is checked (``table_target``) before anything changes, its
column names follow its header cells at every save, a column record spanning several columns is split before one
of them changes, and a new dropdown first takes its cells out of any other validation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from copy import copy

from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.dimensions import ColumnDimension
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import WorkbookError
from .port import CellValue, Formula
from .rules import MAX_COL, MAX_ROW, TABLE_STYLE, check_dropdown, column_letter, header_names, table_name_problem
from .xlsx_cells import formula_text


def set_table(book: Workbook, ws: Worksheet, name: str, n_rows: int, n_cols: int) -> None:
    """Create or resize table ``name`` over A1:(n_rows, n_cols) (``XlsxWorkbook.set_table``)."""
    table, ref, names = table_target(book, ws, name, n_rows, n_cols)
    if table is None:
        table = Table(
            displayName=name,
            ref=ref,
            autoFilter=AutoFilter(ref=ref),
            tableStyleInfo=TableStyleInfo(name=TABLE_STYLE, showRowStripes=True, showColumnStripes=False,
                                          showFirstColumn=False, showLastColumn=False),
        )
        ws.add_table(table)
    elif table.ref != ref:
        table.ref = ref
        if table.autoFilter is None:
            table.autoFilter = AutoFilter(ref=ref)
        else:
            table.autoFilter.ref = ref
            table.autoFilter.filterColumn = [
                f for f in table.autoFilter.filterColumn if f.colId is not None and f.colId < n_cols
            ]
        table.sortState = None  # its ranges refer to the old size; it only records the last sort
    if not table.headerRowCount:
        table.headerRowCount = 1
    set_table_columns(table, names)


def table_target(book: Workbook, ws: Worksheet, name: str, n_rows: int, n_cols: int,
                 header: Sequence[CellValue] | None = None) -> tuple[Table | None, str, list[str]]:
    """Check a table ``name`` over A1:(n_rows, n_cols) can be made: the existing table of that name (or None),
    its range and its column names (from ``header``, or the sheet's first row)."""
    if not 1 <= n_rows <= MAX_ROW or not 1 <= n_cols <= MAX_COL:
        raise WorkbookError(f"table {name} cannot have {n_rows} rows and {n_cols} columns.",
                            sheet=ws.title)
    problem = table_name_problem(name)
    if problem:
        raise WorkbookError(f"{name!r} cannot be a table name: {problem}.", sheet=ws.title)
    names = table_header(ws, 1, 1, n_cols, name, header)
    ref = f"A1:{column_letter(n_cols)}{max(n_rows, 2)}"
    table, home = None, None
    for other in book.worksheets:
        for existing in other.tables.values():
            if existing.displayName.casefold() == name.casefold():
                table, home = existing, other
    if table is not None and home is not ws:
        raise WorkbookError(f"a table named {table.displayName} already exists on sheet {home.title}.",
                            sheet=ws.title)
    if table is None and book._duplicate_name(name):
        raise WorkbookError(f"{name!r} is already used as a name in this workbook.", sheet=ws.title)
    wanted = CellRange(ref)
    for other in ws.tables.values():
        if other is not table and not wanted.isdisjoint(CellRange(other.ref)):
            raise WorkbookError(f"table {name} would overlap table {other.displayName} ({other.ref}). "
                                "Move that table away from this one and try again.", sheet=ws.title)
    return table, ref, names


def match_table_headers(book: Workbook, sheets: Iterable[str]) -> None:
    """Before saving, give every table on ``sheets`` (those written) column names equal to its header cells.

    Excel requires them to match exactly and "repairs" (drops) the table otherwise.
    """
    written = set(sheets)
    for ws in book.worksheets:
        if ws.title not in written:
            continue
        for table in ws.tables.values():
            if table.headerRowCount == 0:
                continue
            min_col, min_row, max_col, _ = CellRange(table.ref).bounds
            names = table_header(ws, min_row, min_col, max_col, table.displayName)
            set_table_columns(table, names)


def table_header(ws: Worksheet, row: int, first_col: int, last_col: int, table: str,
                  header: Sequence[CellValue] | None = None) -> list[str]:
    """The header cells of a table (or ``header``, the values about to be written there), checked by Excel's
    rules (``rules.header_names``)."""
    if header is not None:
        values = [header[c - 1] if c <= len(header) else None for c in range(first_col, last_col + 1)]
    else:
        cells = [ws._cells.get((row, col)) for col in range(first_col, last_col + 1)]
        values = [None if cell is None else Formula(formula_text(cell._value)) if cell.data_type == "f"
                  else cell._value for cell in cells]  # a formula's text is not a header
    return header_names(values, last_col - first_col + 1, table, ws.title, row, first_col)


def set_table_columns(table: Table, names: list[str]) -> None:
    """Make the table's column list match ``names``, keeping the settings of columns whose name survives."""
    current = list(table.tableColumns)
    if [c.name for c in current] == names:
        return
    by_name = {c.name: c for c in current}
    columns = []
    for i, name in enumerate(names, 1):
        column = by_name.pop(name, None) or TableColumn(id=i, name=name)
        column.id = i
        columns.append(column)
    table.tableColumns = columns


def column_dimension(ws: Worksheet, column: int) -> ColumnDimension:
    """The width/hidden record of exactly one column, splitting a loaded record that spans several
    (``<col min=2 max=5>``): openpyxl would otherwise write overlapping records, which Excel calls damage."""
    dims = ws.column_dimensions
    letter = column_letter(column)
    for key, dim in list(dims.items()):
        dim.reindex()
        lo, hi = dim.min, dim.max
        if lo <= column <= hi:
            if (lo, hi) == (column, column):
                return dim
            del dims[key]
            for first, last in ((lo, column - 1), (column, column), (column + 1, hi)):
                if first <= last:
                    part = ColumnDimension(
                        ws, index=column_letter(first), width=dim.width, bestFit=dim.bestFit,
                        hidden=dim.hidden, outlineLevel=dim.outlineLevel, collapsed=dim.collapsed,
                        min=first, max=last,
                    )
                    part._style = copy(dim._style)
                    dims[part.index] = part
            return dims[letter]
    # A new record: width 0 means "not set" (openpyxl would otherwise write its default of 13 characters).
    dim = dims[letter] = ColumnDimension(ws, index=letter, width=0, min=column, max=column)
    return dim


def remove_column_validations(ws: Worksheet, column: int, first_row: int = 1, last_row: int = MAX_ROW) -> None:
    """Take rows ``first_row``..``last_row`` of ``column`` out of every data validation on ``ws``; drop
    validations left with no cells (other rows of the column keep theirs: Settings has one dropdown per row)."""
    kept = []
    for dv in ws.data_validations.dataValidation:
        ranges = []
        for rng in dv.sqref.ranges:
            hit = (rng.min_col <= column <= rng.max_col and rng.min_row <= last_row
                   and first_row <= rng.max_row)
            if not hit:
                ranges.append(rng)
                continue
            pieces = [(rng.min_col, column - 1, rng.min_row, rng.max_row),
                      (column + 1, rng.max_col, rng.min_row, rng.max_row),
                      (column, column, rng.min_row, first_row - 1),
                      (column, column, last_row + 1, rng.max_row)]
            for lo_c, hi_c, lo_r, hi_r in pieces:
                if lo_c <= hi_c and lo_r <= hi_r:
                    ranges.append(CellRange(min_col=lo_c, min_row=lo_r, max_col=hi_c, max_row=hi_r))
        if ranges:
            dv.sqref = MultiCellRange(ranges)
            kept.append(dv)
    ws.data_validations.dataValidation = kept


def set_dropdown(ws: Worksheet, column: int, first_row: int, last_row: int, choices: Sequence[str]) -> None:
    """Put a list dropdown on the column's cells, replacing any validation on those cells
    (``XlsxWorkbook.set_dropdown``)."""
    joined = check_dropdown(ws.title, column, first_row, last_row, choices)
    letter = column_letter(column)
    remove_column_validations(ws, column, first_row, last_row)
    if choices:
        dv = DataValidation(type="list", formula1=f'"{joined}"', allow_blank=True,
                            showErrorMessage=True, showInputMessage=True)
        dv.add(f"{letter}{first_row}:{letter}{last_row}")
        ws.add_data_validation(dv)
