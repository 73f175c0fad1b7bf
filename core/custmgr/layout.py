"""The workbook layout and sample data shipped in ``templates/`` (columns, labels, widths, dropdowns as data)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def templates_dir() -> Path:
    """``templates/``: inside the installed wheel (``custmgr/templates``) or at the top of a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parents[1] / "templates"):
        if (candidate / "layout.json").is_file():
            return candidate
    raise FileNotFoundError("custmgr's templates folder is missing; reinstall custmgr")


@dataclass(frozen=True)
class Column:
    """One column of a sheet layout."""

    header: str
    key: str
    width: float
    hidden: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class SheetLayout:
    """A sheet's columns in their default order, plus table and freeze options."""

    name: str
    columns: tuple[Column, ...]
    table: str | None = None
    freeze_header: bool = False

    def by_key(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


@dataclass(frozen=True)
class SettingLayout:
    """One row of the Settings sheet."""

    label: str
    key: str
    default: str
    help: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Layout:
    sheets: dict[str, SheetLayout]
    settings: tuple[SettingLayout, ...]
    custom_fields_heading: tuple[str, ...]
    custom_field_width: float
    column_mapping_heading: tuple[str, ...] = ()

    def sheet(self, name: str) -> SheetLayout:
        return self.sheets[name]


@functools.cache
def load_layout() -> Layout:
    """The layout from ``templates/layout.json``."""
    raw: dict[str, Any] = json.loads((templates_dir() / "layout.json").read_text(encoding="utf-8"))
    sheets = {
        name: SheetLayout(
            name=name,
            columns=tuple(Column(c["header"], c["key"], float(c["width"]), bool(c.get("hidden", False)),
                                 tuple(c.get("choices", ()))) for c in spec["columns"]),
            table=spec.get("table"),
            freeze_header=bool(spec.get("freeze_header", False)),
        )
        for name, spec in raw["sheets"].items()
    }
    settings = tuple(SettingLayout(s["setting"], s["key"], s["default"], s["help"], tuple(s.get("choices", ())))
                     for s in raw["settings"])
    return Layout(sheets, settings, tuple(raw["custom_fields_heading"]),
                  float(raw["sheets"]["Contacts"].get("custom_field_width", 18)),
                  tuple(raw.get("column_mapping_heading", ())))
