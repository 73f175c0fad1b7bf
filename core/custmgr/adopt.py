"""Adopting a contact list the bookkeeper already keeps: find the sheet, map its headers, add what the sync needs.

Nothing of the bookkeeper's is renamed, reordered or dropped. The list keeps its sheet name, its headers, its
rows and its own columns; Customer Manager adds a Row ID and a Sync Status column after the last one (and a Type
column when vendors are synced and the list has none), plus its own sheets (Review, Sync Log, Sync Changes,
Settings) at the end. Settings shows which header stands for which field, where the bookkeeper can correct it.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .cells import cell_text
from .contact_sheet import ROW_ID, STATUS
from .errors import CustmgrError
from .layout import load_layout, templates_dir
from .workbook.port import Grid, WorkbookPort

if TYPE_CHECKING:
    from .settings import Settings

SYNONYMS_FILE = "column_synonyms.json"
OWN_SHEETS = ("Review", "Sync Log", "Sync Changes", "Settings")
HEADER_SEARCH = 20  # a header row below title rows is looked for in the sheet's first rows
_NOT_LETTERS = re.compile(r"[^0-9a-z]+")


def header_key(text: str) -> str:
    """A header as it is compared: case, spaces and punctuation ignored ("E-mail" == "email")."""
    return _NOT_LETTERS.sub("", text.casefold())


@functools.cache
def synonyms() -> dict[str, tuple[str, ...]]:
    """Field key -> the headers people use for it, best first (``templates/column_synonyms.json``)."""
    raw = json.loads((templates_dir() / SYNONYMS_FILE).read_text(encoding="utf-8"))
    return {key: tuple(names) for key, names in raw["fields"].items()}


def field_labels() -> dict[str, str]:
    """Field key -> the label Customer Manager gives it ("bill_postal_code" -> "Bill ZIP")."""
    return {c.key: c.header for c in load_layout().sheet("Contacts").columns}


def field_for(text: str) -> str | None:
    """The field key a label or header names ("Phone", "phone", "Zip Code"), or None."""
    wanted = header_key(text)
    for key, label in field_labels().items():
        if wanted in (header_key(label), header_key(key)):
            return key
    for key, names in synonyms().items():
        if wanted in {header_key(n) for n in names}:
            return key
    return None


@dataclass(frozen=True)
class Adoption:
    """What adopting a list does: the sheet, which of its headers stand for which field, what is added."""

    sheet: str
    columns: dict[str, str]  # field key (and row_id, status, kind) -> header, in the sheet's column order
    added: tuple[str, ...] = ()  # headers appended after the list's last column
    own: tuple[str, ...] = ()  # the list's headers that map to nothing: they stay the bookkeeper's own
    rows: int = 0
    header_row: int = 1  # the rows above it (a title) are the bookkeeper's and never touched

    def describe(self) -> list[str]:
        labels = field_labels()
        where = f", headers in row {self.header_row}" if self.header_row > 1 else ""
        lines = [f"Adopted the contact list on sheet {self.sheet!r} ({self.rows} rows{where}). Columns:"]
        lines += [f"  {header!r} -> {labels.get(key, key)}" for key, header in self.columns.items()
                  if header not in self.added]
        if self.own:
            lines.append("  Kept as your own (not synced): " + ", ".join(repr(h) for h in self.own))
        if self.added:
            lines.append("  Added after your last column: " + ", ".join(repr(h) for h in self.added))
        lines.append("Check the mapping on the Settings sheet (or rerun with --map-column 'Your Header=Field'"
                     + (", --header-row N" if self.header_row > 1 else "") + ").")
        return lines


@dataclass
class _Sheet:
    name: str
    header: list[str]
    rows: int
    mapping: dict[str, str] = field(default_factory=dict)
    header_row: int = 1


def plan_adoption(book: WorkbookPort, *, sheet: str | None = None, overrides: Mapping[str, str] | None = None,
                  vendors: bool = False, header_row: int | None = None) -> Adoption:
    """Work out the adoption without changing anything; a list that cannot be adopted raises with what to do.
    ``header_row``: the row holding the list's headers (default: found, row 1 or below title rows)."""
    taken = [s for s in OWN_SHEETS if s in book.sheet_names() and s != sheet]
    if taken:
        raise CustmgrError(
            f"This workbook already has a sheet named {taken[0]!r}, and Customer Manager needs that name for a sheet "
            f"of its own. Rename your sheet (for example to '{taken[0]} (mine)') and run setup again; nothing was "
            "changed.")
    chosen = _choose(book, sheet, header_row)
    mapping = _map(chosen, overrides or {})
    if "name" not in mapping:
        raise CustmgrError(
            f"No column on sheet {chosen.name!r} looks like the contact's name (headers: "
            f"{', '.join(repr(h) for h in chosen.header if h)}). Say which one it is with "
            "--map-column 'Your Header=Name'; nothing was changed.")
    added: list[str] = []
    present = {header_key(h) for h in chosen.header}
    layout = field_labels()
    wanted = [ROW_ID, STATUS] + (["kind"] if vendors and "kind" not in mapping else [])
    for key in wanted:
        if key in mapping:
            continue
        label = layout[key]
        if header_key(label) in present:
            raise CustmgrError(f"Sheet {chosen.name!r} has a column headed {label!r} that does not hold what "
                               f"Customer Manager keeps there. Rename that column and run setup again; nothing "
                               "was changed.")
        mapping[key] = label
        added.append(label)
    order = {h: i for i, h in enumerate(chosen.header)}
    place = {**order, **{h: len(order) + i for i, h in enumerate(added)}}
    columns = dict(sorted(mapping.items(), key=lambda kv: place[kv[1]]))
    own = tuple(h for h in chosen.header if h and h not in mapping.values())
    return Adoption(chosen.name, columns, tuple(added), own, chosen.rows, chosen.header_row)


def _choose(book: WorkbookPort, wanted: str | None, header_row: int | None) -> _Sheet:
    names = [n for n in book.sheet_names() if book.visibility(n) == "visible" and n not in OWN_SHEETS]
    if wanted is not None:
        if wanted not in book.sheet_names():
            raise CustmgrError(f"There is no sheet {wanted!r} in this workbook; its sheets: "
                               f"{', '.join(repr(n) for n in names)}. Nothing was changed.")
        found = _read(book, wanted, header_row)
        if not any(found.header):
            raise CustmgrError(f"Sheet {wanted!r} has no headers in row {found.header_row}. Say which row holds "
                               "the list's headers with --header-row N; nothing was changed.")
        return found
    candidates = []
    for name in names:
        found = _read(book, name, header_row)
        found.mapping = _map(found, {}, strict=False)
        if "name" in found.mapping and found.rows:
            candidates.append(found)
    if not candidates:
        where = f"row {header_row}" if header_row else f"one of the first {HEADER_SEARCH} rows"
        raise CustmgrError(f"No sheet in this workbook looks like a contact list (a header row in {where} with "
                           "a name column, and rows under it). Name the sheet with --sheet NAME, its header row "
                           "with --header-row N and its name column with --map-column 'Your Header=Name', or "
                           "start a new workbook with `custmgr new`; nothing was changed.")
    candidates.sort(key=lambda s: -len(s.mapping))
    if len(candidates) > 1 and len(candidates[0].mapping) == len(candidates[1].mapping):
        raise CustmgrError("Sheets " + " and ".join(repr(c.name) for c in candidates[:2]) + " both look like a "
                           "contact list. Choose one with --sheet NAME; nothing was changed.")
    return candidates[0]


def _read(book: WorkbookPort, name: str, header_row: int | None = None) -> _Sheet:
    """The sheet's list: its header in ``header_row``, or else the first of its first rows that names the most
    fields (so a title and a blank row above the headers are passed over), row 1 when none does."""
    grid: Grid = book.read(name)
    if header_row is None:
        best, header_row = 0, 1
        for number, row in enumerate(grid[:HEADER_SEARCH], start=1):
            found = _Sheet(name, [" ".join(cell_text(c).split()) for c in row], 0)
            mapped = _map(found, {}, strict=False)
            if "name" in mapped and len(mapped) > best:
                best, header_row = len(mapped), number
    at = header_row - 1
    header = [" ".join(cell_text(c).split()) for c in (grid[at] if len(grid) > at else [])]
    rows = sum(1 for r in grid[at + 1:] if any(cell_text(c).strip() for c in r))
    return _Sheet(name, header, rows, header_row=header_row)


def _map(sheet: _Sheet, overrides: Mapping[str, str], *, strict: bool = True, only_overrides: bool = False
         ) -> dict[str, str]:
    """Field key -> header: the bookkeeper's ``overrides`` ("Their Header" -> field) first, then each field's
    synonyms in order of preference, one column per field and one field per column."""
    by_key: dict[str, str] = {}
    for h in sheet.header:
        if h and header_key(h) in by_key and strict:
            raise CustmgrError(f"Sheet {sheet.name!r} has two columns headed {h!r}; give them different headers "
                               "so each can be told apart, then run setup again. Nothing was changed.")
        by_key.setdefault(header_key(h), h)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for theirs, ours in overrides.items():
        header = by_key.get(header_key(theirs))
        if header is None:
            raise CustmgrError(f"--map-column {theirs!r}: sheet {sheet.name!r} has no column headed {theirs!r}. "
                               f"Its headers: {', '.join(repr(h) for h in sheet.header if h)}.")
        used.add(header)
        if header_key(ours) in ("", "none", "nothing"):
            continue  # "Their Header=" keeps the column the bookkeeper's own
        key = field_for(ours)
        if key in (ROW_ID, STATUS):
            raise CustmgrError(f"--map-column {theirs!r}={ours!r}: {ours} is a column Customer Manager adds and "
                               "fills itself; map your column to another field.")
        if key is None:
            raise CustmgrError(f"--map-column {theirs!r}={ours!r}: {ours!r} is not a Customer Manager field. "
                               f"Fields: {', '.join(field_labels().values())}.")
        mapping[key] = header
    if only_overrides:
        return mapping
    names = synonyms()
    depth = max(len(v) for v in names.values())
    for rank in range(depth):
        for key, spellings in names.items():
            if key in mapping or rank >= len(spellings):
                continue
            header = by_key.get(header_key(spellings[rank]))
            if header is not None and header not in used:
                mapping[key] = header
                used.add(header)
    if "name" not in mapping and "company" in mapping:  # "Company Name" is the name when nothing else is
        mapping["name"] = mapping.pop("company")
    return mapping


def remap(book: WorkbookPort, settings: Settings, *, sheet: str | None, overrides: Mapping[str, str],
          header_row: int | None = None) -> Adoption:
    """Correct an adopted list's mapping ("Their Header" -> field), or the row its headers are in, on a workbook
    already set up."""
    if sheet is not None and sheet != settings.contacts_sheet:
        raise CustmgrError(f"This workbook already syncs the contacts on sheet {settings.contacts_sheet!r}. To sync "
                           f"the list on {sheet!r} instead, run setup on a copy of the workbook as it was before "
                           "setup; nothing was changed.")
    if not settings.columns and (overrides or header_row not in (None, 1)):
        raise CustmgrError("This workbook's contact sheet was made by `custmgr new`: its headers are Customer "
                           "Manager's own, in row 1, and need no mapping (--map-column and --header-row are for a "
                           "list you adopted). Nothing was changed.")
    found = _read(book, settings.contacts_sheet, header_row or settings.header_row)
    if header_row is not None and header_row != settings.header_row:
        missing = [h for h in settings.columns.values() if h and header_key(h) not in map(header_key, found.header)]
        if missing and not overrides:
            raise CustmgrError(f"Row {header_row} of sheet {settings.contacts_sheet!r} does not hold the list's "
                               f"headers (no {missing[0]!r} there: it has "
                               f"{', '.join(repr(h) for h in found.header if h) or 'nothing'}). Nothing was changed.")
    if not overrides:
        return Adoption(settings.contacts_sheet, dict(settings.columns), header_row=found.header_row)
    mapping = dict(settings.columns)
    for key, header in _map(found, overrides, only_overrides=True).items():
        mapping = {k: v for k, v in mapping.items() if header_key(v) != header_key(header) and k != key}
        mapping[key] = header
    for theirs, ours in overrides.items():
        if header_key(ours) in ("", "none", "nothing"):
            mapping = {k: v for k, v in mapping.items() if header_key(v) != header_key(theirs)}
    return Adoption(settings.contacts_sheet, mapping, rows=found.rows, header_row=found.header_row)


def apply_adoption(book: WorkbookPort, adoption: Adoption) -> None:
    """Add the columns and sheets the adoption needs; the list's own cells are not touched."""
    from .book import lay_out_sheet

    if adoption.added:
        grid = book.read(adoption.sheet)
        at = adoption.header_row - 1
        top, grid = [list(r) for r in grid[:at]], grid[at:]  # the rows above the header are not touched
        top += [[] for _ in range(at - len(top))]
        width = max((len(r) for r in grid), default=0)  # after the list's last used column, headed or not
        new = [[*(list(r) + [None] * width)[:width], *extra]
               for r, extra in zip(grid or [[]], [adoption.added, *[[None] * len(adoption.added)] * len(grid)],
                                   strict=False)]
        book.write(adoption.sheet, [*top, *new])
        for i, label in enumerate(adoption.added, start=width + 1):
            if label == field_labels()[ROW_ID]:
                book.set_column(adoption.sheet, i, hidden=True)
            elif label == field_labels()[STATUS]:
                book.set_column(adoption.sheet, i, width=36)
    for name in OWN_SHEETS:
        if name not in book.sheet_names():
            lay_out_sheet(book, name)


def adopt(book: WorkbookPort, adoption: Adoption | None = None, *, sheet: str | None = None,
          overrides: Mapping[str, str] | None = None, vendors: bool = False,
          header_row: int | None = None) -> Adoption:
    """Adopt the list before any company is chosen (Set Up Sync's first click in Excel): add the columns and
    sheets and write the mapping on Settings, where the bookkeeper then fills in the connector and company and
    sets up again. ``adoption``: the plan :func:`adoptable` already made (so the sheets are not read twice).
    Not saved: the caller saves."""
    from .settings import write_settings

    if adoption is None:
        adoption = plan_adoption(book, sheet=sheet, overrides=overrides, vendors=vendors, header_row=header_row)
    apply_adoption(book, adoption)
    values = {"contacts_sheet": adoption.sheet, "header_row": str(adoption.header_row)}
    if vendors:
        values["kinds"] = "Customers and vendors"
    write_settings(book, values, {}, adoption.columns)
    return adoption


def adoptable(book: WorkbookPort) -> Adoption | None:
    """The adoption of the list the workbook holds, or None when there is none to take (or a sheet stands in
    the way)."""
    try:
        return plan_adoption(book)
    except CustmgrError:
        return None
