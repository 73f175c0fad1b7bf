"""``custmgr import BOOK FILE.iif``: bring QuickBooks' customer and vendor lists into the workbook.

The file is read whole and checked first (every problem is listed with its line); only then are its contacts
handed to ``custmgr.transfer``, which matches them with the Contacts rows by name and saves with a backup.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from custmgr.transfer import BroughtIn, Incoming, Source, bring_in
from custmgr.workbook.port import WorkbookPort

from .connector import IDENTITY
from .lists import load_lists
from .text import IifError

SUFFIX = ".iif"


@dataclass
class Imported:
    """What the import did, with what the file held that has no place in a contact."""

    result: BroughtIn
    product: str
    unknown_columns: list[str]

    def lines(self) -> list[str]:
        out = self.result.lines()
        if self.product:
            out.insert(1, f"  The file was written by {self.product}.")
        if self.unknown_columns:
            out.append(f"  Columns not read (no place for them in a contact): {', '.join(self.unknown_columns)}.")
        return out


def check_suffix(file: Path) -> None:
    if file.suffix.lower() != SUFFIX:
        raise IifError(f"{file.name} is not an IIF file: QuickBooks' list files end in .iif (File > Utilities > "
                       "Export > Lists to IIF Files).")


def import_list(workbook: Path | WorkbookPort, file: str | Path, *, dry_run: bool = False) -> Imported:
    """Import the customers and vendors of the IIF ``file``; undoable with ``custmgr undo``."""
    file = Path(file)
    check_suffix(file)
    lists = load_lists(file)
    if not lists.entries:
        raise IifError(f"{file.name} holds no customers or vendors (no CUST or VEND rows), so there is nothing "
                       "to import. In QuickBooks choose File > Utilities > Export > Lists to IIF Files and tick "
                       "Customer List and Vendor List.")
    incoming = [Incoming(f"line {e.line}", e.values, e.name, e.version) for e in lists.entries]
    source = Source(file.name, "iif", str(file), IDENTITY)
    return Imported(bring_in(workbook, incoming, source, dry_run=dry_run), lists.product, lists.unknown_columns)
