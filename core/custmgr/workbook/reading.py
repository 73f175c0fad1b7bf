"""Reading a sheet's values: python-calamine for the values, the sheet's own XML only for what calamine cannot say.

calamine reads a 100,000-row sheet in a fraction of openpyxl's time, but it returns a formula's cached result
(not the formula) and an error cell as empty, and every number as a float. The port promises a ``Formula`` for a
formula, the error text (``#N/A``) for an error cell, and ``int`` for whole numbers, so those cells are fixed
from the XML: only the rows that contain a formula or an error are parsed.
"""

from __future__ import annotations

import bisect
import html
import re
from typing import Any

from openpyxl.formula.translate import Translator

from . import escapes
from .port import CellValue, Formula, Grid
from .rules import column_letter
from .sheetxml import SheetXml, cells_of

_F = re.compile(rb"<(?:\w+:)?f\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?f>)", re.DOTALL)
_BLANK_T = re.compile(rb"<(?:\w+:)?t\b[^>]*>\s+</(?:\w+:)?t>")
_T = re.compile(rb"<(?:\w+:)?t\b[^>]*>(.*?)</(?:\w+:)?t>", re.DOTALL)
_V = re.compile(rb"<(?:\w+:)?v\b[^>]*>(.*?)</(?:\w+:)?v>", re.DOTALL)


def _clean(row: list[Any]) -> list[CellValue]:
    return [None if v == "" else (int(v) if v.__class__ is float and v.is_integer() and -2**53 < v < 2**53 else v)
            for v in row]


def calamine_grid(rows: list[list[Any]]) -> Grid:
    """calamine's rows (from A1, '' for empty) as the port's grid: None for empty, whole floats as int,
    without trailing empty rows and columns."""
    grid = [_clean(r) for r in rows]
    while grid and all(v is None for v in grid[-1]):
        grid.pop()
    width = max((len(r) for r in grid), default=0)
    while width and all(len(r) < width or r[width - 1] is None for r in grid):
        width -= 1
    if grid and any(len(r) != width for r in grid):
        grid = [r[:width] + [None] * (width - len(r)) for r in grid]
    return grid


def fix_from_xml(grid: Grid, sheet: SheetXml) -> Grid:
    """Put formulas and error values, which calamine does not report, into ``grid`` (in place)."""
    masters: dict[bytes, tuple[str, str]] = {}
    todo: list[tuple[int, int, CellValue]] = []
    rows = {row.number: row for row in sheet.rows_with(f"<{sheet.tag('f')}".encode())}
    for row in sheet.rows_with(b't="e"'):
        rows.setdefault(row.number, row)
    body = sheet.body
    maybe_blank = any(body.find(b">" + ws) >= 0 for ws in (b" ", b"\n", b"\t", b"\r"))  # quick: mostly absent
    if maybe_blank and _BLANK_T.search(body):  # calamine reads text of only spaces or line breaks as empty
        starts = [row.start for row in sheet.rows]
        for m in _BLANK_T.finditer(sheet.body):
            row = sheet.rows[bisect.bisect_right(starts, m.start()) - 1]
            rows.setdefault(row.number, row)
    for number in sorted(rows):
        _, cells = cells_of(sheet.row_bytes(rows[number]))
        for col, (_, attrs, inner) in cells.items():
            if not inner:
                continue
            f = _F.search(inner)
            ref = f"{column_letter(col)}{number}"
            if f is not None:
                text = html.unescape(f.group(2).decode()) if f.group(2) else ""
                fa = dict(re.findall(rb'(\w+)\s*=\s*"([^"]*)"', f.group(1)))
                if fa.get(b"t") == b"shared" and b"si" in fa:
                    if text:
                        masters[fa[b"si"]] = (text, ref)
                    elif fa[b"si"] in masters:
                        master, origin = masters[fa[b"si"]]
                        text = Translator(f"={master}", origin=origin).translate_formula(ref)[1:]
                if text:
                    todo.append((number, col, Formula(f"={text}")))
                continue
            if attrs.get(b"t") == b"inlineStr":
                text = escapes.decode(html.unescape(b"".join(_T.findall(inner)).decode()))
                if text and not text.strip():
                    todo.append((number, col, text))
                continue
            if attrs.get(b"t") == b"e":
                v = _V.search(inner)
                if v is not None:
                    todo.append((number, col, html.unescape(v.group(1).decode())))
    for number, col, value in todo:
        while len(grid) < number:
            grid.append([None] * (len(grid[0]) if grid else 0))
        row = grid[number - 1]
        if len(row) < col:
            width = col
            for r in grid:
                r.extend([None] * (width - len(r)))
        grid[number - 1][col - 1] = value
    return grid
