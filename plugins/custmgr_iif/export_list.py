"""``custmgr export BOOK FILE.iif``: the workbook's contacts as an IIF file for QuickBooks to import.

Every row is checked first, against QuickBooks' limits (``custmgr.contact.validate``), Windows-1252 and what an
IIF list can hold (five address lines, names unique ignoring case, a job's customer present); one bad row stops the
export and the message lists every bad row, so nothing half-right reaches QuickBooks. The file is written to a
temporary file beside the target and renamed over it, so a crash never leaves half a file.
"""

from __future__ import annotations

import os
import stat
import tempfile
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from custmgr.contact import (
    CUSTOMER,
    JOB_SEPARATOR,
    NO,
    VENDOR,
    Problem,
    Values,
    custom_key,
    name_key,
    parent_name,
    validate,
)
from custmgr.contact_sheet import ContactRow, field_label
from custmgr.errors import CustmgrError
from custmgr.transfer import Outgoing, take_out
from custmgr.workbook.port import WorkbookPort

from .addresses import LINES, lines_from_block
from .columns import ADDRESSES, FIELD_OF_COLUMN, INACTIVE_COLUMN, LAYOUTS, LIST_OF_KIND, NOT_IN_IIF, custom_number
from .import_list import check_suffix
from .lists import load_lists
from .text import ENCODING, MAX_SHOWN, IifError, join_rows, one_line


@dataclass
class Exported:
    """What went into the file, and what an IIF list had no room for."""

    file: Path
    customers: int = 0
    vendors: int = 0
    left_out: dict[str, list[int]] = field(default_factory=dict)  # "Mobile" -> Contacts rows that have one
    one_lined: list[int] = field(default_factory=list)  # Contacts rows whose line breaks or tabs became spaces

    def lines(self) -> list[str]:
        if not (self.customers or self.vendors):
            return ["No contacts to export; no file was written."]
        out = [f"Exported {self.customers} customer(s) and {self.vendors} vendor(s) to {self.file}.",
               "  In QuickBooks: File > Utilities > Import > IIF Files, and choose this file."]
        for what, rows in sorted(self.left_out.items()):
            shown = ", ".join(str(r) for r in rows[:8]) + (f" and {len(rows) - 8} more" if len(rows) > 8 else "")
            out.append(f"  Left out, as an IIF list has no column for it: {what} (Contacts rows {shown}). Enter it "
                       "in QuickBooks after the import.")
        if self.one_lined:
            rows = self.one_lined
            shown = ", ".join(str(r) for r in rows[:8]) + (f" and {len(rows) - 8} more" if len(rows) > 8 else "")
            out.append(f"  Line breaks and tabs were written as spaces (Contacts rows {shown}): an IIF list keeps "
                       "each contact on one line, as QuickBooks' own exports do.")
        return out


def export_list(workbook: Path | WorkbookPort, file: str | Path, *, only_new: bool = False) -> Exported:
    """Write the workbook's contacts (``only_new``: those QuickBooks does not have yet) to the IIF ``file``."""
    file = Path(file)
    check_suffix(file)
    out = take_out(workbook, only_new=only_new)
    if out.company and Path(out.company).exists() and file.resolve() == Path(out.company).resolve():
        raise IifError(f"{file.name} is the QuickBooks list this workbook is set up with (Settings > Company); "
                       "exporting over it would lose it. Choose another file name.")
    numbers, unnumbered = _custom_numbers(out)
    exported = Exported(file)
    problems: list[str] = []
    seen: dict[str, int] = {}
    ready: list[tuple[ContactRow, list[str]]] = []
    for row in out.rows:
        found = [*row.problems, *validate(row.values, charset=ENCODING), *_list_problems(row, out, seen)]
        if found:
            problems.extend(f"row {row.number} ({row.name or 'no name'}): {_label(out, p.field)} {p.message}"
                            for p in found)
            continue
        keyword = LIST_OF_KIND[row.values.get("kind", CUSTOMER)]
        cells = list_row(keyword, row.values, numbers)
        if any(one_line(c) != c for c in cells):
            exported.one_lined.append(row.number)
        ready.append((row, cells))
        _note_left_out(row, keyword, unnumbered, out, exported.left_out)
    if problems:
        shown = problems[:MAX_SHOWN] + ([f"... and {len(problems) - MAX_SHOWN} more"]
                                        if len(problems) > MAX_SHOWN else [])
        raise CustmgrError("Nothing was exported: fix these rows on the Contacts sheet first, then export again.\n  "
                           + "\n  ".join(shown))
    if not ready:
        return exported
    ready.sort(key=lambda item: (item[0].values.get("kind") == VENDOR, item[0].name.count(JOB_SEPARATOR)))
    sections: list[list[str]] = []
    for keyword in LAYOUTS:
        rows = [cells for _, cells in ready if cells[0] == keyword]
        if rows:
            sections += [[f"!{keyword}", *LAYOUTS[keyword]], *rows]
    write_file(file, join_rows(sections).encode(ENCODING))
    exported.customers = sum(1 for row, _ in ready if row.values.get("kind") != VENDOR)
    exported.vendors = len(ready) - exported.customers
    return exported


def list_row(keyword: str, values: Values, numbers: dict[str, int]) -> list[str]:
    """One ``CUST`` or ``VEND`` row in the column order of ``LAYOUTS[keyword]``."""
    cells = {column: values.get(key, "") for column, key in FIELD_OF_COLUMN.items()}
    for prefix, block in ADDRESSES[keyword].items():
        cells.update({f"{prefix}{i}": line for i, line in enumerate(lines_from_block(block, values), start=1)})
    cells[INACTIVE_COLUMN] = "Y" if values.get("active") == NO else "N"
    cells.update({f"CUSTFLD{n}": values.get(key, "") for key, n in numbers.items()})
    return [keyword, *(cells.get(column, "") for column in LAYOUTS[keyword])]


def _list_problems(row: ContactRow, out: Outgoing, seen: dict[str, int]) -> list[Problem]:
    """What an IIF list cannot take beyond QuickBooks' field rules: names twice, jobs without their customer,
    addresses longer than five lines."""
    found: list[Problem] = []
    key = name_key(row.name)
    if key and key in seen:
        found.append(Problem("name", f"is also on row {seen[key]}; QuickBooks names must be unique (ignoring case) "
                                     "across customers and vendors"))
    seen.setdefault(key, row.number)
    parent = parent_name(row.name)
    if parent and row.values.get("kind") == CUSTOMER and name_key(parent) not in out.names:
        found.append(Problem("name", f"is a job of {parent!r}, which is not on Contacts; add that customer first"))
    keyword = LIST_OF_KIND.get(row.values.get("kind", ""), "")
    for block in ADDRESSES.get(keyword, {}).values():
        needed = len(lines_from_block(block, row.values))
        if needed > LINES:
            found.append(Problem(f"{block}_line1", f"and the rest of the address take {needed} lines (street lines, "
                                                   f"city/state/ZIP, country); an IIF address holds {LINES}. "
                                                   "Join two street lines"))
    return found


def _custom_numbers(out: Outgoing) -> tuple[dict[str, int], list[str]]:
    """custom:NAME -> CUSTFLD number for each custom field mapped on Settings, and the names without a number.

    A mapping named ``CUSTFLD3`` is column 3. Other names are looked up in the custom-field dictionary of the
    IIF list the workbook is set up with: IIF numbers custom fields, it does not name them."""
    numbers: dict[str, int] = {}
    for name in out.settings.custom_fields:
        number = custom_number(name.upper().replace(" ", ""))
        if number is not None:
            numbers[custom_key(name)] = number
    missing = [name for name in out.settings.custom_fields if custom_key(name) not in numbers]
    if missing and out.settings.connector == "iif" and out.company and Path(out.company).is_file():
        with suppress(CustmgrError):  # an unreadable list only means the numbers stay unknown
            labels = {d.name.casefold(): n for n, d in load_lists(out.company).custom_fields.items()}
            for name in missing:
                if name.casefold() in labels:
                    numbers[custom_key(name)] = labels[name.casefold()]
    return numbers, [name for name in out.settings.custom_fields if custom_key(name) not in numbers]


def _note_left_out(row: ContactRow, keyword: str, unnumbered: list[str], out: Outgoing,
                   left_out: dict[str, list[int]]) -> None:
    for key in NOT_IN_IIF[keyword]:
        if row.values.get(key):
            what = "Ship address (vendors have one address)" if key.startswith("ship_") else _label(out, key)
            rows = left_out.setdefault(what, [])
            if row.number not in rows:
                rows.append(row.number)
    for name in unnumbered:
        if row.values.get(custom_key(name)):
            left_out.setdefault(f"custom field {name!r} (its CUSTFLD number is unknown)", []).append(row.number)


def _label(out: Outgoing, key: str) -> str:
    return out.labels.get(key) or field_label(key)


def write_file(file: Path, data: bytes) -> None:
    """Write ``data`` to ``file`` atomically: a temporary file in the same folder, flushed, then renamed over."""
    folder = file.parent
    if file.is_dir():
        raise IifError(f"{file} is a folder; give the name of the .iif file to write.")
    if not folder.is_dir():
        raise IifError(f"The folder {folder} does not exist. Create it or choose another place for {file.name}.")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".~custmgr-{file.stem[:40]}.", suffix=".tmp", dir=folder)
    except OSError as err:
        raise IifError(f"Cannot write in {folder} ({err.strerror or err}); nothing was exported.") from err
    tmp = Path(tmp_name)
    try:
        os.chmod(tmp, stat.S_IMODE(file.stat().st_mode) if file.exists() else _default_mode())
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, file)
    except OSError as err:
        with suppress(OSError):
            tmp.unlink()
        raise IifError(f"{file.name} could not be written ({err.strerror or err}); nothing was exported.") from err


def _default_mode() -> int:
    """The mode a new file gets here (0o666 less the umask), not mkstemp's owner-only 0o600."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
