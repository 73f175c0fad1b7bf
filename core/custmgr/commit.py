"""Saving what a command did: the backup first, then Contacts, the sync state, Review, Sync Log and Sync Changes,
written into the workbook and saved at once (one atomic replace for a file).

Sync, undo and one-way transfers all save through ``commit``, so the order of the writes, and the rule that nothing
is on disk until every part is written, are the same for each.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .backup import Backup, write_backup
from .book import format_contacts
from .contact_sheet import expected_columns
from .review import SHEET as REVIEW
from .review import Decision, format_review, write_review
from .settings import Settings
from .state import PAIR_SHEET, STATE_SHEET, Link, SyncState, write_state
from .summary import Summary
from .synclog import append_changes, append_log
from .workbook.port import Grid, WorkbookPort

FieldChange = tuple[str, str, str, str, str]  # contact, field key, direction, old, new (a Sync Changes row)


@dataclass
class Commit:
    """What one command leaves in the workbook. Parts left at None stay as they are."""

    summary: Summary  # one Sync Log row
    contacts: Grid | None = None  # the contact sheet: header and rows
    backup: Backup | None = None  # a new backup, written first (undo's own sheet is dropped instead)
    state: SyncState | None = None
    state_keys: Sequence[str] = ()  # the field list bases are stored against
    links_moved: bool = True  # False: no link changed since the state was read (its sheet is left as it is)
    restored_state: tuple[Grid, Grid] | None = None  # undo: the pairing and state sheets as they were
    review: Sequence[Decision] | None = None  # the open questions (marks already made on them are kept)
    review_before: Mapping[str, Decision] = field(default_factory=dict)
    restored_review: Grid | None = None  # undo: the Review sheet as it was
    changes: Iterable[FieldChange] = ()
    drop_sheet: str | None = None  # undo: the backup it used


def commit(book: WorkbookPort, settings: Settings, c: Commit) -> None:
    """Write every part of ``c`` in order, then save once."""
    if c.backup is not None:
        write_backup(book, c.backup, settings.backups)
    columns = expected_columns(settings.custom_columns, settings.columns)
    if c.contacts is not None:
        book.write(settings.contacts_sheet, c.contacts)
        at = settings.header_row - 1  # the rows above it (a title) are written back as they were
        header = c.contacts[at] if len(c.contacts) > at else []
        format_contacts(book, columns, len(c.contacts), [str(h or "") for h in header],
                        sheet_name=settings.contacts_sheet, adopted=bool(settings.columns))
    if c.state is not None:
        write_state(book, c.state, list(c.state_keys), links_moved=c.links_moved)
    if c.restored_state is not None:
        for name, content in zip((PAIR_SHEET, STATE_SHEET), c.restored_state, strict=True):
            if name not in book.sheet_names():
                book.add_sheet(name, "veryHidden")
            book.write(name, content)
    if c.review is not None:
        write_review(book, c.review, dict(c.review_before))
    if c.restored_review is not None:
        book.write(REVIEW, c.restored_review or [[]])
        format_review(book, len(c.restored_review))
    if c.drop_sheet is not None:
        book.remove_sheet(c.drop_sheet)
    append_log(book, c.summary)
    append_changes(book, c.summary.when, c.changes, columns)
    book.save()


def state_keys(state: SyncState, keys: Iterable[str], links: Iterable[Link]) -> list[str]:
    """The field list bases are stored against: the stored list, widened by ``keys`` and by every field a base
    holds. It only ever grows, so every stored row still decodes."""
    out: list[str] = json.loads(state.pair.get("fields", "[]"))
    out += [k for k in keys if k not in out]
    known = set(out)
    for link in links:
        if link.decoded or not link.stored[2] <= known:  # type: ignore[index]
            out += [k for k in link.base if k not in known]
            known.update(out)
    return out


def sheets_before(book: WorkbookPort) -> tuple[Grid, Grid]:
    """The pairing and Review sheets as they are, for the backup."""
    names = book.sheet_names()
    return (book.read(PAIR_SHEET) if PAIR_SHEET in names else [],
            book.read(REVIEW) if REVIEW in names else [])
