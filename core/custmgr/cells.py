"""Small conversions between cell values and text shared by the sheet modules."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .contact import to_text
from .workbook.port import CellValue, Formula

CHUNK = 30_000  # below Excel's 32,767 characters per cell, which it counts in UTF-16 code units


def cell_text(value: CellValue) -> str:
    """A cell as text; a formula as its source text."""
    if isinstance(value, Formula):
        return value.text
    return to_text(value)


def json_cells(obj: Any) -> list[str]:
    """``obj`` as JSON split over as many cells as it needs."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return chunks(text, CHUNK) or [""]


def utf16_len(text: str) -> int:
    """Length as Excel counts it: characters beyond U+FFFF (emoji) take two units."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF) if not text.isascii() else len(text)


def chunks(text: str, limit: int) -> list[str]:
    """``text`` cut into pieces of at most ``limit`` UTF-16 units each, never inside a character."""
    if utf16_len(text) <= limit:
        return [text] if text else []
    out: list[str] = []
    start = units = 0
    for i, ch in enumerate(text):
        width = 2 if ord(ch) > 0xFFFF else 1
        if units + width > limit:
            out.append(text[start:i])
            start, units = i, 0
        units += width
    out.append(text[start:])
    return out


def fit_cell(text: str, limit: int = CHUNK) -> str:
    """``text`` cut to at most ``limit`` UTF-16 units, for cells whose end may be dropped (log details)."""
    return chunks(text, limit)[0] if text else text


def json_from_cells(cells: Sequence[CellValue]) -> Any:
    """Inverse of ``json_cells``: join the non-empty cells and parse."""
    return json.loads("".join(c for c in (cell_text(c) for c in cells) if c))


def pad(row: Sequence[CellValue], width: int) -> list[CellValue]:
    out = list(row[:width])
    out.extend([None] * (width - len(out)))
    return out
