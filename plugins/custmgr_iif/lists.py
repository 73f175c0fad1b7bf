"""Reading QuickBooks' customer and vendor lists out of an IIF file.

A file holds sections: a header row (``!CUST NAME BADDR1 ...``) names the columns of the rows after it (``CUST``).
Sections Customer Manager has no use for (accounts, items, terms, ...) are passed over. The custom-field dictionary
(``!CUSTNAMEDICT``) names CUSTFLD1-15; without one, a custom field is known by its column name (``CUSTFLD3``).

Every problem in the file is collected before anything is returned, so one message lists them all and a bad file
never gets half imported.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from custmgr.connector import CustomFieldDef
from custmgr.contact import CUSTOMER, NO, VENDOR, YES, Values, clean_text, custom_key, name_key, normalize

from .addresses import LINES, block_from_lines
from .columns import (
    ADDRESSES,
    CUSTOM_FIELDS,
    FIELD_OF_COLUMN,
    INACTIVE_COLUMN,
    KIND_OF_LIST,
    MULTILINE_COLUMNS,
    VERSION_COLUMN,
    custom_number,
    is_known,
)
from .text import IifError, Row, decode, problems_error, split_rows

MAX_CELL = 32_767  # what a workbook cell holds
_YES = {"Y", "YES", "T", "TRUE", "1"}
_NO = {"", "N", "NO", "F", "FALSE", "0"}
NOTHING_IMPORTED = "nothing was imported."
DICTIONARY = "CUSTNAMEDICT"


@dataclass(frozen=True)
class ListEntry:
    """One customer or vendor of the file."""

    line: int
    values: Values  # normalized; every field the file has a column for ('' = empty there), custom:NAME included
    version: str = ""  # QuickBooks' TIMESTAMP of its last change

    @property
    def name(self) -> str:
        return self.values["name"]

    @property
    def kind(self) -> str:
        return self.values["kind"]


@dataclass
class QuickBooksLists:
    """The customers and vendors of an IIF file, and what else the file said about them."""

    file: str
    product: str = ""  # the HDR row's PROD: "QuickBooks Pro 6.0 for Macintosh"
    entries: list[ListEntry] = field(default_factory=list)
    headers: dict[str, tuple[int, tuple[str, ...]]] = field(default_factory=dict)  # CUST/VEND -> line, columns
    custom_fields: dict[int, CustomFieldDef] = field(default_factory=dict)  # CUSTFLD number -> definition
    unknown_columns: list[str] = field(default_factory=list)  # "VEND WEBSITE": columns not read
    other_rows: int = 0  # rows of sections that are not customers or vendors

    def custom_name(self, number: int) -> str:
        """The custom field CUSTFLD``number`` holds: its label in the file's dictionary, else ``CUSTFLDn``."""
        definition = self.custom_fields.get(number)
        return definition.name if definition else f"CUSTFLD{number}"


def load_lists(path: str | os.PathLike[str]) -> QuickBooksLists:
    """Read the IIF file at ``path``; any problem raises IifError naming the file and its lines."""
    path = Path(path)
    if path.is_dir():
        raise IifError(f"{path} is a folder; give the path of an IIF file (.iif) exported from QuickBooks.")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise IifError(f"Cannot find {path}. Check the file name and folder and try again.") from None
    except OSError as err:
        raise IifError(f"Cannot read {path}: {err.strerror or err}.") from err
    return read_lists(data, path.name)


def read_lists(data: bytes, file: str) -> QuickBooksLists:
    """The customers and vendors in the IIF file content ``data`` (``file`` names it in messages)."""
    reader = _Reader(QuickBooksLists(file))
    for row in split_rows(decode(data, file), file):
        reader.take(row)
    reader.finish()
    if reader.problems:
        raise problems_error(file, reader.problems, NOTHING_IMPORTED)
    return reader.lists


class _Reader:
    """Walks the rows once, keeping the current header of each section and collecting every problem."""

    def __init__(self, lists: QuickBooksLists) -> None:
        self.lists = lists
        self.problems: list[tuple[int, str]] = []
        self.headers: dict[str, tuple[int, tuple[str, ...]]] = {}
        self.names: dict[str, int] = {}  # name key -> line, for names given twice

    def take(self, row: Row) -> None:
        if row.is_blank:
            return
        if row.is_header:
            self._header(row)
            return
        keyword = row.keyword
        header = self.headers.get(keyword)
        if not row.ended and (header is None or len(row.cells) - 1 < len(header[1])):
            have = f"{len(row.cells) - 1} of {len(header[1])} values, " if header else ""
            self.problems.append((row.line, f"the file ends in the middle of this {keyword} row ({have}no line "
                                            "break): it is cut short. Export the list again from QuickBooks"))
            return
        if keyword in KIND_OF_LIST:
            self._entry(row, keyword)
        elif keyword == "HDR" and "HDR" in self.headers:
            self.lists.product = self._cells(row, self.headers["HDR"][1]).get("PROD", "").strip()
        elif keyword == DICTIONARY and DICTIONARY in self.headers:
            self._custom_field(row)
        else:
            self.lists.other_rows += 1

    def finish(self) -> None:
        """Name the custom fields by the dictionary, wherever in the file it was."""
        self.lists.headers = {k: v for k, v in self.headers.items() if k in KIND_OF_LIST}
        renames = {custom_key(f"CUSTFLD{n}"): custom_key(self.lists.custom_name(n))
                   for n in range(1, CUSTOM_FIELDS + 1)}
        self.lists.entries = [ListEntry(e.line, {renames.get(k, k): v for k, v in e.values.items()}, e.version)
                              for e in self.lists.entries]

    # --- header rows ---------------------------------------------------------------------------------------

    def _header(self, row: Row) -> None:
        keyword = row.keyword[1:]
        columns = tuple(c.strip().upper() for c in row.cells[1:])
        while columns and not columns[-1]:
            columns = columns[:-1]
        self.headers[keyword] = (row.line, columns)
        if keyword not in KIND_OF_LIST:
            return
        if "NAME" not in columns:
            self.problems.append((row.line, f"the !{keyword} header row has no NAME column, so its rows cannot be "
                                            "matched with contacts. Export the list again from QuickBooks"))
        seen: set[str] = set()
        for column in columns:
            if column in seen and column:
                self.problems.append((row.line, f"the !{keyword} header row names the column {column} twice; "
                                                "delete one of them"))
            seen.add(column)
            label = f"{keyword} {column}"
            if column and not is_known(keyword, column) and label not in self.lists.unknown_columns:
                self.lists.unknown_columns.append(label)

    # --- data rows -----------------------------------------------------------------------------------------

    def _cells(self, row: Row, columns: tuple[str, ...]) -> dict[str, str]:
        return dict(zip(columns, row.cells[1:], strict=False))

    def _entry(self, row: Row, keyword: str) -> None:
        header = self.headers.get(keyword)
        if header is None:
            self.problems.append((row.line, f"a {keyword} row comes before any !{keyword} header row, so its "
                                            f"columns are unknown. Put the !{keyword} header row (exported by "
                                            "QuickBooks with the list) above it"))
            return
        header_line, columns = header
        cells = row.cells[1:]
        found = len(self.problems)
        if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns):]):
            self.problems.append((row.line, f"this {keyword} row has {len(cells)} values but its header row "
                                            f"(!{keyword}, line {header_line}) names {len(columns)} columns. A "
                                            "value holding a tab must be in double quotes"))
        raw = dict(zip(columns, cells, strict=False))
        for column, value in raw.items():
            self._check_cell(row, column, value)
        if len(self.problems) > found:
            return
        values = self._values(row, keyword, raw)
        if values is None:
            return
        key = name_key(values["name"])
        if key in self.names:
            self.problems.append((row.line, f"the name {values['name']!r} is also on line {self.names[key]}; "
                                            "QuickBooks keeps names unique (ignoring case) across customers and "
                                            "vendors. Delete or rename one of them"))
            return
        self.names[key] = row.line
        version = raw.get(VERSION_COLUMN, "").strip()
        self.lists.entries.append(ListEntry(row.line, values, version))

    def _check_cell(self, row: Row, column: str, value: str) -> None:
        where = column or "(no heading)"
        if "\n" in value and column not in MULTILINE_COLUMNS:
            self.problems.append((row.line, f"the {where} value runs over several lines; a double quote (\") is "
                                            "probably not closed. Fix the quotes and import again"))
        if clean_text(value)[1]:
            bad = next(ch for ch in value if clean_text(ch)[1])
            self.problems.append((row.line, f"the {where} value holds the control character U+{ord(bad):04X}, "
                                            "which a workbook cannot hold; remove it"))
        if len(value) > MAX_CELL:
            self.problems.append((row.line, f"the {where} value is {len(value):,} characters long; a workbook "
                                            f"cell holds {MAX_CELL:,}. Shorten it"))

    def _values(self, row: Row, keyword: str, raw: dict[str, str]) -> Values | None:
        kind = KIND_OF_LIST[keyword]
        values: Values = {"kind": kind}
        for column, key in FIELD_OF_COLUMN.items():
            if column in raw:
                values[key] = normalize(key, raw[column])
        if not values.get("name"):
            self.problems.append((row.line, f"this {keyword} row has no NAME; every customer and vendor needs one"))
            return None
        for prefix, block in ADDRESSES[keyword].items():
            columns = [f"{prefix}{i}" for i in range(1, LINES + 1)]
            if any(c in raw for c in columns):
                values.update(block_from_lines(block, [raw.get(c, "") for c in columns]))
        hidden = raw.get(INACTIVE_COLUMN, "").strip().upper()
        if hidden not in _YES | _NO:
            self.problems.append((row.line, f"HIDDEN is {raw[INACTIVE_COLUMN].strip()!r}; QuickBooks writes Y "
                                            "(inactive) or N (active)"))
            return None
        values["active"] = NO if hidden in _YES else YES
        for column, value in raw.items():
            if custom_number(column) is not None:
                values[custom_key(column)] = normalize(custom_key(column), value)  # named in finish()
        return values

    def _custom_field(self, row: Row) -> None:
        cells = self._cells(row, self.headers[DICTIONARY][1])
        index, label = cells.get("INDEX", "").strip(), normalize("custom:", cells.get("LABEL", ""))
        if not index.isdigit() or not label:
            return
        number = int(index) + 1  # the dictionary counts from 0; the columns from CUSTFLD1
        if custom_number(f"CUSTFLD{number}") is None:
            return
        kinds = tuple(kind for kind, flag in ((CUSTOMER, "CUSTOMER"), (VENDOR, "VENDOR"))
                      if cells.get(flag, "").strip().upper() in _YES)
        self.lists.custom_fields[number] = CustomFieldDef(label, kinds)

