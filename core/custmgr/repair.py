"""``custmgr repair``: put back the pairing sheet (``_cm_pair``) of a workbook that lost it.

Only for the company the sync state belongs to: the state sheet's header keeps a copy of the pairing (older
workbooks: the newest backup keeps one), and the company Settings point at must have that identity. Anything
else is refused, so repair can never pair a workbook's contacts with another company's records.
"""

from __future__ import annotations

from .backup import backup_sheets, read_backup
from .cells import json_from_cells
from .errors import CustmgrError, SyncRefused
from .settings import read_settings
from .state import PAIR_SHEET, STATE_SHEET, field_list, link_from_row, pairing_copy, read_pair_grid
from .summary import Summary
from .sync import now, one_at_a_time, open_book, open_company
from .synclog import append_log
from .workbook.port import Workbook, WorkbookPort


def repair(workbook: Workbook, *, connector_options: dict | None = None) -> str:
    """Restore ``_cm_pair`` from the copy the state keeps, after checking the company is the one it names."""
    with one_at_a_time(workbook):
        book, path = open_book(workbook)
        names = book.sheet_names()
        if STATE_SHEET not in names:
            return f"Nothing to repair: {book.label} was never synced."
        if PAIR_SHEET in names and _whole(read_pair_grid(book.read(PAIR_SHEET))):
            if book.visibility(PAIR_SHEET) == "veryHidden":
                return f"Nothing to repair: {book.label} is paired and its sync state is whole."
            book.set_visibility(PAIR_SHEET, "veryHidden")
            book.save()
            return f"The pairing sheet {PAIR_SHEET} of {book.label} was visible; it is very hidden again."
        grid = book.read(STATE_SHEET)
        pair, source = pairing_copy(grid), "the copy kept with the sync state"
        if not pair.get("company_id"):
            pair, source = _from_backup(book), "the newest backup"
        if not pair.get("company_id"):
            raise CustmgrError(f"{book.label} keeps no record of the company it was synced with, so the pairing "
                               "cannot be put back safely. Restore a copy of the workbook made before "
                               f"{PAIR_SHEET} was deleted, or start a new workbook (`custmgr new`). Nothing was "
                               "changed.")
        keys = field_list(pair)
        for number, row in enumerate(grid[1:], start=2):
            link = link_from_row(row, keys, number)  # raises on a damaged row
            if link is not None and len(row) > 4 and len(json_from_cells(row[4:]) or []) > len(keys):
                raise CustmgrError(f"{source.capitalize()} is older than the sync state (row {number} of "
                                   f"{STATE_SHEET} has fields it does not list), so the pairing cannot be put back "
                                   "safely. Restore a copy of the workbook. Nothing was changed.")
        settings = read_settings(book)
        with open_company(settings, connector_options, path, two_way=False) as connector:
            identity = connector.company()
        if identity.id != pair["company_id"]:
            raise SyncRefused(
                f"This workbook's contacts were synced with the QuickBooks company {pair.get('company_name', '?')!r}"
                f" (id {pair['company_id']}), but Settings point at {identity.name!r} (id {identity.id}). Set "
                "Company on the Settings sheet back to that company's file (or realm), then run repair again. "
                "Nothing was changed.")
        numbers = [n for n, _ in backup_sheets(book)]  # the next sync's backup must not take an existing name
        pair["syncs"] = str(max([int(pair.get("syncs", "0") or 0), *numbers]))
        if PAIR_SHEET in book.sheet_names():  # there, but emptied or damaged
            book.remove_sheet(PAIR_SHEET)
        book.add_sheet(PAIR_SHEET, "veryHidden")
        book.write(PAIR_SHEET, [[k, v] for k, v in sorted(pair.items())])
        summary = Summary(action="repair", when=now(), company=identity.name, outcome="ok")
        summary.messages.append(f"Put back the pairing with {identity.name!r} from {source}.")
        append_log(book, summary)
        book.save()
    return (f"Repaired {book.label}: paired again with {identity.name!r} (id {identity.id}), from {source}. "
            "Sync as usual.")


def _whole(pair: dict[str, str]) -> bool:
    """Whether a pairing names its company and a readable field list."""
    try:
        field_list(pair)
    except CustmgrError:
        return False
    return bool(pair.get("company_id"))


def _from_backup(book: WorkbookPort) -> dict[str, str]:
    sheets = backup_sheets(book)
    if not sheets:
        return {}
    return read_pair_grid(read_backup(book, sheets[-1][1]).pair)

