"""One-way transfers: bring a list of contacts into the workbook, or take contacts out of it, with no sync.

Lists that cannot be synced (an IIF export from QuickBooks Desktop for Mac, another company's list) still move
contacts. Bringing one in matches each contact with a Contacts row by name, ignoring case as QuickBooks does: a
matched row takes the list's values for the fields the list carries (the others stay as they are), the rest become
new rows. It is saved like a sync, with a backup first, so `custmgr undo` takes it back. A workbook set up for the
list's one-way connector also records which rows came from it, so taking out "only new" contacts leaves those out.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .backup import make_backup
from .commit import Commit, commit, sheets_before, state_keys
from .connector import Company
from .contact import CUSTOM_NAME_LIMIT, FIELD_KEYS, NO, Values, custom_key, is_custom, name_key
from .contact_sheet import (
    ROW_ID,
    ContactRow,
    ContactsSheet,
    expected_columns,
    new_row_id,
    read_contact_sheet,
    row_cells,
)
from .errors import CustmgrError
from .settings import Settings, read_settings, settings_values, write_settings
from .state import Link, SyncState, read_state
from .summary import Summary
from .sync import add_custom_columns, company_setting, now, one_at_a_time, open_book
from .workbook.port import CellValue, Workbook, WorkbookPort

MAX_SHOWN = 25


@dataclass(frozen=True)
class Incoming:
    """One contact of a list being brought in."""

    where: str  # where it is in the list, for messages ("line 12")
    values: Values  # normalized: every field the list carries ('' clears it), custom fields as custom:NAME
    remote_id: str = ""  # its identity in the list's source, kept as the link in a workbook set up for it
    version: str = ""


@dataclass(frozen=True)
class Source:
    """Where a list comes from: a label for messages and the log, and the one-way connector that reads it."""

    label: str  # "customers.iif"
    connector: str  # "iif"
    company: str  # the Company setting for it (the file)
    identity: Company


@dataclass
class BroughtIn:
    """What bringing a list in did, or with ``dry_run`` would do."""

    source: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped_kinds: dict[str, int] = field(default_factory=dict)  # "Vendor" -> 3: not synced by this workbook
    skipped_inactive: int = 0
    unmapped: dict[str, int] = field(default_factory=dict)  # custom field -> values with no Contacts column
    set_up: bool = False
    dry_run: bool = False

    def lines(self) -> list[str]:
        """The outcome in a few lines for a terminal or a message box."""
        verb = "Would import" if self.dry_run else "Imported"
        out = [f"{verb} from {self.source}: {len(self.added)} new, {len(self.updated)} updated, "
               f"{self.unchanged} unchanged."]
        out += [f"  {note}" for note in self.notes()]
        if self.dry_run:
            out.append("  Dry run: nothing was changed.")
        elif self.added or self.updated:
            out.append("  `custmgr undo` takes this import back.")
        return out

    def notes(self) -> list[str]:
        """What was left out and why, and how the workbook was set up."""
        out = []
        for kind, count in sorted(self.skipped_kinds.items()):
            out.append(f"{count} {kind.lower()}(s) left out: Settings > Sync does not include them.")
        if self.skipped_inactive:
            out.append(f"{self.skipped_inactive} inactive contact(s) left out: Settings > Include inactive is No.")
        for name, count in sorted(self.unmapped.items()):
            out.append(f"Custom field {name!r} ({count} value(s)) left out: no Contacts column is mapped to it. "
                       "Add it under 'QuickBooks custom field' on Settings and import again.")
        if self.set_up:
            out.append(f"The workbook {'would be' if self.dry_run else 'is now'} set up for this kind of list: "
                       "`custmgr import` and `custmgr export` move contacts; it cannot be synced both ways.")
        return out


def bring_in(workbook: Workbook, incoming: Sequence[Incoming], source: Source, *,
             dry_run: bool = False) -> BroughtIn:
    """Bring ``incoming`` into the workbook's Contacts; a problem raises before anything is changed."""
    with one_at_a_time(workbook, writes=not dry_run):
        return _bring_in(workbook, incoming, source, dry_run=dry_run)


def _bring_in(workbook: Workbook, incoming: Sequence[Incoming], source: Source, *,
              dry_run: bool) -> BroughtIn:
    book, path = open_book(workbook, writable=not dry_run)
    settings, state = read_settings(book), read_state(book)
    result = BroughtIn(source.label, dry_run=dry_run)
    if not settings.company and not state.paired:
        settings = _set_up(book, path, settings, source, incoming)
        result.set_up = True
    one_way = (settings.connector == source.connector
               and state.pair.get("company_id", source.identity.id) == source.identity.id)
    sheet = read_contact_sheet(book, settings)
    rows = sheet.contact_rows()
    plan = _match(incoming, rows, settings, result)
    grid = [list(r) for r in sheet.rows]
    changed: dict[str, tuple[int | None, list[CellValue] | None, list[CellValue] | None]] = {}
    links, moved = dict(state.links), {}
    log: list[tuple[str, str, str, str, str]] = []
    direction = f"From {source.label}"
    for item, row, values in plan:
        before = row.values if row else {}
        diff = {k: v for k, v in values.items() if k in sheet.columns and before.get(k, "") != v}
        row_id = (row.row_id if row else "") or new_row_id()
        if diff or (one_way and row and not row.row_id):  # a linked row needs a Row ID
            old = grid[row.number - sheet.first_row] if row else [None] * len(sheet.header)
            new = _cells(sheet, old, {**before, **values}, set(values), row_id)
            if row:
                grid[row.number - sheet.first_row] = new
            else:
                grid.append(new)
            changed[row_id] = (row.number - sheet.first_row if row else None, old if row else None, new)
        if not diff:
            result.unchanged += 1
        elif row:
            result.updated.append(values["name"])
            log.extend((values["name"], k, direction, before.get(k, ""), v) for k, v in sorted(diff.items()))
        else:
            result.added.append(values["name"])
        if one_way:
            base = {k: v for k, v in {**before, **values}.items() if k in sheet.columns and v}
            link = Link(row_id, item.remote_id or values["name"], item.version, base)
            if links.get(row_id) != link:
                moved[row_id] = links.get(row_id)
                links[row_id] = link
    if dry_run or not (changed or moved):
        return result
    _save(book, sheet, grid, changed, moved, SyncState(dict(state.pair), links), state, settings, source,
          one_way, result, log)
    return result


def _set_up(book: WorkbookPort, path: Path | None, settings: Settings, source: Source,
            incoming: Sequence[Incoming]) -> Settings:
    """Point a workbook that was never set up at the list's one-way connector, syncing the kinds the list holds
    and mapping each custom field it has values for to a column of its own name."""
    values = settings_values(settings)
    company = source.company
    if path is not None and Path(company).exists():  # stored relative to the workbook, so both can move together
        folder, file = path.resolve().parent, Path(company).resolve()
        if file.is_relative_to(folder) or not Path(company).is_absolute():
            company = os.path.relpath(file, folder)
    values.update(connector=source.connector, company=company)
    if any(item.values.get("kind") == "Vendor" for item in incoming):
        values["kinds"] = "Customers and vendors"
    taken = {h.casefold() for h in expected_columns({}).values()}
    mapping = dict(settings.custom_fields)
    for item in incoming:
        for key, value in item.values.items():
            name = key.removeprefix("custom:")
            if is_custom(key) and value and name not in mapping and len(name) <= CUSTOM_NAME_LIMIT:
                mapping[name] = name if name.casefold() not in taken else f"{name} (custom field)"
    write_settings(book, values, mapping, settings.columns)
    add_custom_columns(book, mapping)
    return read_settings(book)


def _match(incoming: Sequence[Incoming], rows: list[ContactRow], settings: Settings, result: BroughtIn
           ) -> list[tuple[Incoming, ContactRow | None, Values]]:
    """Each contact with the row it updates (None: a new row) and its values as the workbook keeps them."""
    by_name: dict[str, list[ContactRow]] = {}
    for row in rows:
        if row.name:
            by_name.setdefault(name_key(row.name), []).append(row)
    columns = {name.casefold(): custom_key(name) for name in settings.custom_fields}
    seen: dict[str, str] = {}
    problems: list[str] = []
    plan = []
    for item in incoming:
        values = _mapped(item.values, columns, result.unmapped)
        kind, name = values.get("kind", "Customer"), values.get("name", "")
        if kind not in settings.kinds:
            result.skipped_kinds[kind] = result.skipped_kinds.get(kind, 0) + 1
            continue
        key = name_key(name)
        if not key:
            problems.append(f"{item.where}: the contact has no name")
            continue
        if key in seen:
            problems.append(f"{item.where}: {name!r} is also at {seen[key]} (names are compared ignoring case)")
            continue
        seen[key] = item.where
        matches = by_name.get(key, [])
        if len(matches) > 1:
            numbers = " and ".join(str(r.number) for r in matches)
            problems.append(f"{item.where}: {name!r} matches Contacts rows {numbers} (names are compared ignoring "
                            "case); rename or delete one of those rows")
            continue
        row = matches[0] if matches else None
        if row is None and values.get("active") == NO and not settings.include_inactive:
            result.skipped_inactive += 1
            continue
        plan.append((item, row, values))
    if problems:
        shown = problems[:MAX_SHOWN] + ([f"... and {len(problems) - MAX_SHOWN} more"]
                                        if len(problems) > MAX_SHOWN else [])
        raise CustmgrError(f"Nothing was imported from {result.source}; fix these first:\n  " + "\n  ".join(shown))
    return plan


def _mapped(values: Values, columns: dict[str, str], unmapped: dict[str, int]) -> Values:
    """``values`` with each custom field under the name Settings maps (ignoring case); unmapped ones counted."""
    out: Values = {}
    for key, value in values.items():
        if not is_custom(key):
            out[key] = value
        elif key.removeprefix("custom:").casefold() in columns:
            out[columns[key.removeprefix("custom:").casefold()]] = value
        elif value:
            name = key.removeprefix("custom:")
            unmapped[name] = unmapped.get(name, 0) + 1
    return out


def _cells(sheet: ContactsSheet, old: list[CellValue], values: Values, carried: set[str], row_id: str
           ) -> list[CellValue]:
    """The row ``old`` with the carried fields set from ``values``; every other cell exactly as it was."""
    new = row_cells(values, sheet, old)
    for key in sheet.synced_keys:
        if key not in carried:
            new[sheet.columns[key]] = old[sheet.columns[key]]
    new[sheet.columns[ROW_ID]] = row_id
    return new


def _save(book: WorkbookPort, sheet: ContactsSheet, grid: list[list[CellValue]], changed: dict,
          moved: dict[str, Link | None], new_state: SyncState, state: SyncState, settings: Settings, source: Source,
          one_way: bool, result: BroughtIn, log: list[tuple[str, str, str, str, str]]) -> None:
    """Backup, Contacts, state, Sync Log and Sync Changes, saved in one atomic replace, as a sync does."""
    when = now()
    keys = state_keys(state, (*FIELD_KEYS, *settings.custom_columns), new_state.links.values())
    number = state.sync_count + 1
    before_pair, before_review = sheets_before(book)
    backup = make_backup(number, when, list(sheet.header), changed, moved, keys, before_pair, before_review, [])
    new_state.pair.update(syncs=str(number), last_import=when)
    if one_way:
        new_state.pair.update(connector=source.connector, company_id=source.identity.id,
                              company_name=source.identity.name)
        new_state.pair.setdefault("paired_at", when)
    summary = Summary(action="import", when=when, company=source.label, outcome="ok",
                      imported=len(result.added), received=len(result.updated))
    summary.messages = result.notes()
    commit(book, settings, Commit(summary, contacts=sheet.grid(grid), backup=backup, state=new_state,
                                  state_keys=keys, changes=log))


# --- taking contacts out ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """The Contacts rows to hand to another program, as the engine reads them."""

    rows: list[ContactRow]
    names: frozenset[str]  # name keys of every row on Contacts, to check a job's parent
    labels: dict[str, str]  # field key -> Contacts header, for messages
    settings: Settings
    company: str  # the Company setting, as a usable path when it names a file next to the workbook


def take_out(workbook: Workbook, *, only_new: bool = False) -> Outgoing:
    """Every contact row (``only_new``: only those QuickBooks does not have yet as far as the workbook knows, i.e.
    never synced or imported from its company and not kept only here by a Review decision). Read-only."""
    book, path = open_book(workbook, writable=False)
    settings, state = read_settings(book), read_state(book)
    sheet = read_contact_sheet(book, settings)
    rows = sheet.contact_rows()
    names = frozenset(name_key(r.name) for r in rows if r.name)
    if only_new:
        rows = [r for r in rows if r.row_id not in state.links]
    company = company_setting(path, settings.company) if path is not None else settings.company
    return Outgoing(rows, names, dict(sheet.labels), settings, company)
