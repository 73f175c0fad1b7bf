"""Small conversions between cell values and text shared by the sheet modules."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .contact import to_text
from .workbook.port import CellValue, Formula

CHUNK = 30_000  # below Excel's 32,767 characters per cell


def cell_text(value: CellValue) -> str:
    """A cell as text; a formula as its source text."""
    if isinstance(value, Formula):
        return value.text
    return to_text(value)


def json_cells(obj: Any) -> list[str]:
    """``obj`` as JSON split over as many cells as it needs."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return [text[i:i + CHUNK] for i in range(0, len(text), CHUNK)] or [""]


def json_from_cells(cells: Sequence[CellValue]) -> Any:
    """Inverse of ``json_cells``: join the non-empty cells and parse."""
    return json.loads("".join(c for c in (cell_text(c) for c in cells) if c))


def pad(row: Sequence[CellValue], width: int) -> list[CellValue]:
    out = list(row[:width])
    out.extend([None] * (width - len(out)))
    return out
