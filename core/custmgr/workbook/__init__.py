"""The workbook port (what the engine needs from a workbook) and its file implementations."""

from .port import CellValue, Formula, Visibility, WorkbookPort

__all__ = ["CellValue", "Formula", "Visibility", "WorkbookPort"]
