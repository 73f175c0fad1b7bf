"""The visible Settings sheet: what to sync and how, read and validated with row-precise messages."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

from .cells import cell_text
from .contact import CUSTOM_NAME_LIMIT, CUSTOMER, VENDOR, custom_key
from .errors import WorkbookError
from .layout import load_layout
from .workbook.port import CellValue, WorkbookPort

SHEET = "Settings"
MAX_BACKUPS = 20
MAX_HEADER_ROW = 1000


class ConflictDefault(enum.Enum):
    """*Conflicts*: who settles a field both sides changed (values are the sheet's choices)."""

    ASK = "Ask"
    WORKBOOK_WINS = "Customer Manager wins"
    QUICKBOOKS_WINS = "QuickBooks wins"


class AddPolicy(enum.Enum):
    """*New contacts*: rows added in the workbook."""

    ASK = "Ask"
    ADD = "Add to QuickBooks"


class DeletePolicy(enum.Enum):
    """*Deleted rows*: rows deleted in the workbook."""

    ASK = "Ask"
    MAKE_INACTIVE = "Make inactive in QuickBooks"


class GonePolicy(enum.Enum):
    """*Gone from QuickBooks*: rows whose contact QuickBooks deleted."""

    MARK = "Mark row"
    REMOVE = "Remove row"


#: Setting key -> its choices, parsed once when Settings is read.
CHOICES: dict[str, type[enum.Enum]] = {"conflict_default": ConflictDefault, "add_policy": AddPolicy,
                                       "delete_policy": DeletePolicy, "gone_policy": GonePolicy}


@dataclass(frozen=True)
class Settings:
    """What the Settings sheet says, as plain values."""

    connector: str = "sandbox"
    company: str = ""
    kinds: tuple[str, ...] = (CUSTOMER,)
    include_inactive: bool = False
    conflict_default: ConflictDefault = ConflictDefault.ASK
    add_policy: AddPolicy = AddPolicy.ASK
    delete_policy: DeletePolicy = DeletePolicy.ASK
    gone_policy: GonePolicy = GonePolicy.MARK
    backups: int = 3
    custom_fields: dict[str, str] = field(default_factory=dict)  # QuickBooks field name -> Contacts column header
    options: dict[str, str] = field(default_factory=dict)  # connector options, e.g. {"transport": "sandbox"}
    contacts_sheet: str = "Contacts"
    header_row: int = 1  # the contact sheet's header row; the rows above it are the bookkeeper's own
    #: An adopted list's own headers: field key (and row_id, status) -> header. Empty: the layout's columns.
    columns: dict[str, str] = field(default_factory=dict)

    @property
    def custom_columns(self) -> dict[str, str]:
        """Field key (``custom:NAME``) -> Contacts column header."""
        return {custom_key(name): column for name, column in self.custom_fields.items()}


def settings_grid(values: dict[str, str] | None = None, custom_fields: dict[str, str] | None = None,
                  columns: dict[str, str] | None = None) -> list[list[CellValue]]:
    """The Settings sheet content, defaults overridden by ``values`` (keyed by setting key); ``columns`` is an
    adopted list's column mapping (field key -> the list's header), shown in a section of its own."""
    layout = load_layout()
    values = values or {}
    rows: list[list[CellValue]] = [list(layout.sheet(SHEET).headers)]
    for s in layout.settings:
        rows.append([s.label, values.get(s.key, s.default), s.help])
    rows.append([None, None, None])
    if columns:
        labels = {c.key: c.header for c in layout.sheet("Contacts").columns}
        rows.append(list(layout.column_mapping_heading))
        for key, header in columns.items():
            rows.append([labels.get(key, key), header or None, None])
        rows.append([None, None, None])
    rows.append(list(layout.custom_fields_heading))
    for name, column in (custom_fields or {}).items():
        rows.append([name, column, None])
    return rows


def read_settings(book: WorkbookPort) -> Settings:
    """Read and validate Settings; a bad value raises WorkbookError naming the row and what is allowed."""
    if SHEET not in book.sheet_names():
        raise WorkbookError("the Settings sheet is missing; run `custmgr new` for a fresh workbook "
                            "or copy the Settings sheet back", sheet=SHEET)
    return parse_settings(book.read(SHEET))


def parse_settings(grid: Sequence[Sequence[CellValue]]) -> Settings:
    layout = load_layout()
    by_label = {s.label.casefold(): s for s in layout.settings}
    raw: dict[str, str] = {s.key: s.default for s in layout.settings}
    custom: dict[str, str] = {}
    columns: dict[str, str] = {}
    section = ""
    heading = layout.custom_fields_heading[0].casefold()
    mapping_heading = layout.column_mapping_heading[0].casefold() if layout.column_mapping_heading else None
    for number, row in enumerate(grid, start=1):
        label = cell_text(row[0]).strip() if row else ""
        value = cell_text(row[1]).strip() if len(row) > 1 else ""
        if number == 1 or not label:
            continue
        if label.casefold() == heading:
            section = "custom"
            continue
        if label.casefold() == mapping_heading:
            section = "columns"
            continue
        if section == "custom":
            custom.update(_custom_row(label, value, number, custom))
            continue
        if section == "columns":
            columns.update(_column_row(label, value, number, columns))
            continue
        spec = by_label.get(label.casefold())
        if spec is None:
            continue  # the user's own notes on the sheet are left alone
        if spec.choices and value and value.casefold() not in {c.casefold() for c in spec.choices}:
            raise WorkbookError(f"{spec.label} is {value!r}; choose one of: {', '.join(spec.choices)}",
                                sheet=SHEET, row=number, field="Value")
        if spec.choices and value:
            value = next(c for c in spec.choices if c.casefold() == value.casefold())
        raw[spec.key] = value or spec.default
    try:
        backups = int(float(raw["backups"]))
    except ValueError:
        backups = -1
    if not 0 <= backups <= MAX_BACKUPS:
        row = 1 + [s.key for s in layout.settings].index("backups") + 1
        raise WorkbookError(f"Backups to keep must be a whole number from 0 to {MAX_BACKUPS}, not {raw['backups']!r}",
                            sheet=SHEET, row=row, field="Value")
    header_row = _whole_number(raw.get("header_row") or "1")
    if not 1 <= header_row <= MAX_HEADER_ROW:
        row = 1 + [s.key for s in layout.settings].index("header_row") + 1
        raise WorkbookError(f"Header row must be the number of the contact sheet's header row (1 to "
                            f"{MAX_HEADER_ROW}), not {raw['header_row']!r}", sheet=SHEET, row=row, field="Value")
    kinds = (CUSTOMER, VENDOR) if raw["kinds"] == "Customers and vendors" else (CUSTOMER,)
    options = parse_options(raw["options"], row=1 + [s.key for s in layout.settings].index("options") + 1)
    return Settings(connector=raw["connector"], company=raw["company"], kinds=kinds,
                    include_inactive=raw["include_inactive"] == "Yes",
                    conflict_default=ConflictDefault(raw["conflict_default"]), add_policy=AddPolicy(raw["add_policy"]),
                    delete_policy=DeletePolicy(raw["delete_policy"]), gone_policy=GonePolicy(raw["gone_policy"]),
                    backups=backups, custom_fields=custom, options=options,
                    contacts_sheet=raw.get("contacts_sheet") or "Contacts", columns=columns, header_row=header_row)


def _whole_number(text: str) -> int:
    """``'3'`` or ``'3.0'`` (a number cell) as 3; anything else as -1."""
    try:
        number = float(text)
    except ValueError:
        return -1
    return int(number) if number.is_integer() else -1


def parse_options(text: str, row: int = 0) -> dict[str, str]:
    """``'transport=sandbox; timeout=30'`` -> ``{'transport': 'sandbox', 'timeout': '30'}``."""
    out: dict[str, str] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise WorkbookError(f"Connector options must be key=value pairs separated by ';', not {part.strip()!r}",
                                sheet=SHEET, row=row or None, field="Value")
        out[key.strip()] = value.strip()
    return out


def format_options(options: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in options.items())


def _custom_row(name: str, column: str, number: int, seen: dict[str, str]) -> dict[str, str]:
    if len(name) > CUSTOM_NAME_LIMIT:
        raise WorkbookError(f"custom field name {name!r} is longer than QuickBooks allows "
                            f"({len(name)} > {CUSTOM_NAME_LIMIT})", sheet=SHEET, row=number, field="A")
    if not column:
        raise WorkbookError(f"custom field {name!r} has no Contacts column; type the column header next to it",
                            sheet=SHEET, row=number, field="B")
    if name.casefold() in {n.casefold() for n in seen}:
        raise WorkbookError(f"custom field {name!r} is mapped twice; delete one of the rows",
                            sheet=SHEET, row=number, field="A")
    if column.casefold() in {c.casefold() for c in seen.values()}:
        raise WorkbookError(f"column {column!r} is used for two custom fields; give each its own column",
                            sheet=SHEET, row=number, field="B")
    return {name: column}


def _column_row(label: str, header: str, number: int, seen: dict[str, str]) -> dict[str, str]:
    layout = load_layout()
    keys = {c.header.casefold(): c.key for c in layout.sheet("Contacts").columns}
    keys.update({c.key: c.key for c in layout.sheet("Contacts").columns})
    key = keys.get(label.casefold())
    if key is None:
        raise WorkbookError(f"{label!r} is not a Customer Manager field; use one of: "
                            + ", ".join(c.header for c in layout.sheet("Contacts").columns),
                            sheet=SHEET, row=number, field="A")
    if key in seen:
        raise WorkbookError(f"the field {label!r} is mapped twice; delete one of the rows",
                            sheet=SHEET, row=number, field="A")
    if header and header.casefold() in {h.casefold() for h in seen.values() if h}:
        raise WorkbookError(f"column {header!r} is mapped to two fields; give each field its own column",
                            sheet=SHEET, row=number, field="B")
    return {key: header}


def write_settings(book: WorkbookPort, values: dict[str, str], custom_fields: dict[str, str],
                   columns: dict[str, str] | None = None) -> None:
    """Rewrite the Settings sheet with ``values`` over the defaults, keeping its formatting."""
    book.write(SHEET, settings_grid(values, custom_fields, columns))
    _format(book)


def _format(book: WorkbookPort) -> None:
    layout = load_layout()
    for i, col in enumerate(layout.sheet(SHEET).columns, start=1):
        book.set_column(SHEET, i, width=col.width)
    for row, s in enumerate(layout.settings, start=2):
        if s.choices:
            book.set_dropdown(SHEET, 2, row, row, s.choices)


def settings_values(settings: Settings) -> dict[str, str]:
    """``Settings`` back to sheet text, keyed by setting key."""
    return {
        "connector": settings.connector, "company": settings.company,
        "kinds": "Customers and vendors" if VENDOR in settings.kinds else "Customers",
        "include_inactive": "Yes" if settings.include_inactive else "No",
        "conflict_default": settings.conflict_default.value, "add_policy": settings.add_policy.value,
        "delete_policy": settings.delete_policy.value, "gone_policy": settings.gone_policy.value,
        "backups": str(settings.backups), "options": format_options(settings.options),
        "contacts_sheet": settings.contacts_sheet, "header_row": str(settings.header_row),
    }
