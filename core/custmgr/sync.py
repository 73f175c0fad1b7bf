"""One sync, end to end, in the steps of docs/sync.md: read the workbook, ask QuickBooks, plan (``plan``), rehearse
the save (``rehearsal``), write to QuickBooks (``push``), settle (``settle``) and save once (``commit``). Also
setup, undo and status.

Order matters for safety: every guard runs before anything is written; QuickBooks writes happen before the
workbook is saved; the workbook (contacts, state, review, backup, log) is then saved in one atomic replace.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from . import plugins
from .adopt import apply_adoption, plan_adoption, remap
from .backup import (
    Restored,
    Written,
    backup_sheets,
    make_backup,
    record_writes,
    restore,
    with_cascades,
)
from .book import format_contacts
from .cascade import jobs_followed
from .commit import Commit, commit, sheets_before, state_keys
from .connector import ChangeResult, Company, Connector, Listed
from .contact import FIELD_KEYS, Values, custom_key
from .contact_sheet import ROW_ID, ContactRow, ContactsSheet, expected_columns, read_contact_sheet
from .errors import CustmgrError, PartlySynced, SyncRefused
from .lookalikes import kept_apart, pair_key
from .plan import PENDING, PlanInput, SyncPlan, make_plan
from .push import push
from .rehearsal import rehearse
from .review import Decision, read_decisions
from .settings import SHEET as SETTINGS_SHEET
from .settings import Settings, format_options, read_settings, settings_values, write_settings
from .settle import done_in_quickbooks, from_remote, settle
from .state import (
    CUSTOM_LIMITS,
    PAIR_SHEET,
    SyncState,
    check_state_kept,
    read_pair_grid,
    read_state,
    state_header,
    write_state,
)
from .summary import Summary
from .workbook.disk import SyncLock
from .workbook.lossless import LosslessWorkbook
from .workbook.memory import MemoryWorkbook, in_memory
from .workbook.port import Workbook, WorkbookPort
from .workbook.speed import gc_paused

FETCH_CHUNK = 500


@dataclass
class Progress:
    """Callbacks for long work: ``start(label, total)``, ``advance(n)``, ``done()``."""

    start: Callable[[str, int], None] = lambda label, total: None
    advance: Callable[[int], None] = lambda n: None
    done: Callable[[], None] = lambda: None


def now() -> str:
    return _dt.datetime.now().replace(microsecond=0).isoformat(sep=" ")


def company_setting(book: Path, company: str) -> str:
    """A company file named relative to the workbook's folder (so the two can move together) as a usable path;
    anything else (a realm ID, an absolute path) unchanged."""
    candidate = book.parent / company
    if company and not Path(company).is_absolute() and candidate.exists():
        return str(candidate)
    return company


def open_company(settings: Settings, options: dict[str, Any] | None = None, book: Path | None = None,
                 *, two_way: bool = True) -> Connector:
    """The connector named in Settings, on its company, with the Settings' connector options plus ``options``.
    ``two_way``: refuse a one-way connector (IIF), as a sync must; setup only reads identity and custom fields."""
    if not settings.company:
        raise CustmgrError("No QuickBooks company is set up for this workbook. Run `custmgr setup BOOK "
                           "--connector NAME --company PATH` (or Set Up Sync in Excel) first.")
    company = company_setting(book, settings.company) if book else settings.company
    connector = plugins.open_connector(settings.connector, company, {**settings.options, **(options or {})})
    if two_way and not connector.two_way:
        connector.close()
        raise CustmgrError(f"The {settings.connector} connector only moves lists one way (it has no record "
                           "versions), so it cannot be synced both ways. Use `custmgr import` / `custmgr export`.")
    return connector


def check_pairing(state: SyncState, company_id: str, company_name: str) -> None:
    paired = state.pair.get("company_id")
    if not paired and state.links:
        raise SyncRefused(f"The pairing sheet {PAIR_SHEET} names no company, but {len(state.links)} contacts were "
                          "synced: it was edited outside Customer Manager. Run `custmgr repair BOOK` to pair the "
                          "workbook again with the company it was synced with. Nothing was changed.")
    if paired and paired != company_id:
        raise SyncRefused(
            f"This workbook is paired with the QuickBooks company {state.pair.get('company_name', '?')!r} "
            f"(id {paired}), not {company_name!r} (id {company_id}). A workbook syncs with one company only: "
            "start a new workbook (`custmgr new`) for this one. Nothing was changed.")


def open_book(book: Workbook, *, writable: bool = True) -> tuple[WorkbookPort, Path | None]:
    """A workbook file by path (read by values, saved by parts), a workbook kept in memory by its ``memory:NAME``
    location (``custmgr.workbook.memory``), or a port already open (a live workbook in Excel)."""
    if isinstance(book, WorkbookPort):
        return book, book.path
    if in_memory(book):
        return MemoryWorkbook.open(book, writable=writable), None
    return LosslessWorkbook.open(book, writable=writable), Path(book)


def one_at_a_time(workbook: Workbook, *, writes: bool = True) -> AbstractContextManager[object]:
    """The lock a command holds on a workbook file while it works on it (nothing for a live workbook in Excel,
    which Excel itself guards, a workbook in memory, whose save refuses to replace one saved since it was read,
    or a command that only reads)."""
    if writes and not isinstance(workbook, WorkbookPort) and not in_memory(workbook) and Path(workbook).is_file():
        return SyncLock(Path(workbook))
    return nullcontext()


def sync(workbook: Workbook, *, dry_run: bool = False, force: bool = False,
         progress: Progress | None = None, connector_options: dict[str, Any] | None = None,
         backoff: float | None = None) -> tuple[Summary, SyncPlan]:
    """Sync the workbook with its QuickBooks company; with ``dry_run`` only plan. The garbage collector stays
    paused throughout: the rows, links and plan are millions of objects kept until the end, never garbage, which
    each collection would otherwise scan again (a tenth of a sync's time at 100,000 contacts)."""
    with one_at_a_time(workbook, writes=not dry_run), gc_paused():
        return _sync(workbook, dry_run=dry_run, force=force, progress=progress,
                     connector_options=connector_options, backoff=backoff)


def _sync(workbook: Workbook, *, dry_run: bool, force: bool, progress: Progress | None,
          connector_options: dict[str, Any] | None, backoff: float | None) -> tuple[Summary, SyncPlan]:
    """The steps of docs/sync.md, in order."""
    progress = progress or Progress()
    progress.start("Reading the workbook", 0)
    wb = _read_workbook(workbook, writable=not dry_run, force=force)  # 1-2. open and read the workbook
    progress.done()
    results: dict = {}
    progress.start("Asking QuickBooks for its contacts", 0)
    with _closed_after(open_company(wb.settings, connector_options, wb.path), results) as connector:
        inp = _ask_quickbooks(connector, wb, force, progress)  # 3. ask QuickBooks
        plan = make_plan(inp)  # 4. plan
        summary = Summary(action="dry run" if dry_run else "sync", when=now(), company=inp.company.name)
        if dry_run:
            summary.remote_calls = getattr(connector, "round_trips", 0)
            return _dry_run(summary, plan), plan
        if plan.writes:  # 5. rehearse the save, while QuickBooks is still untouched
            rehearse(wb.book, plan, lambda port, as_if: _settle_and_commit(port, wb, plan, as_if, inp.company,
                                                                           replace(summary, messages=[]), []),
                     keep_top={wb.sheet.name: len(wb.sheet.top)})
        progress.start("Sending changes to QuickBooks", len(plan.writes))
        delay = {} if backoff is None else {"backoff": backoff}
        seen = dict(inp.fetched)  # what QuickBooks held before each write, for undo
        writes: list[Written] = []
        with _after_writes(plan, results, writing=True):
            plan = push(connector, inp, plan, results, seen, progress=progress.advance, **delay)  # 6. write
            plan = jobs_followed(connector, plan, results, wb.state.links)  # what QuickBooks did along with it
            progress.done()
            writes = with_cascades(record_writes(plan.records, results, seen, wb.state.links), wb.state.links,
                                   {k: v.version for k, v in inp.listing.items()}, connector.fetch)
            summary.remote_calls = getattr(connector, "round_trips", 0)
    progress.start("Saving the workbook", 0)
    with _after_writes(plan, results):  # 7-8. settle and save
        _settle_and_commit(wb.book, wb, plan, results, inp.company, summary, writes)
    progress.done()
    return summary, plan


@dataclass
class _Workbook:
    """What a sync read from the workbook before asking QuickBooks anything."""

    book: WorkbookPort
    path: Path | None
    settings: Settings
    state: SyncState
    sheet: ContactsSheet
    rows: list[ContactRow]
    decisions: dict[str, Decision]
    keys: tuple[str, ...]  # the fields this workbook syncs (its contact sheet's columns)


def _read_workbook(workbook: Workbook, *, writable: bool, force: bool) -> _Workbook:
    book, path = open_book(workbook, writable=writable)
    settings = read_settings(book)
    state = read_state(book)
    check_state_kept(state, force)
    sheet = read_contact_sheet(book, settings)
    keys = tuple(k for k in (*FIELD_KEYS, *settings.custom_columns) if k in sheet.columns)
    return _Workbook(book, path, settings, state, sheet, sheet.contact_rows(), read_decisions(book), keys)


def _ask_quickbooks(connector: Connector, wb: _Workbook, force: bool, progress: Progress) -> PlanInput:
    """The company (it must be the one the workbook is paired with), the listing, and the records that moved."""
    company = connector.company()
    check_pairing(wb.state, company.id, company.name)
    listing = {item.remote_id: item for item in connector.listing(wb.settings.kinds)}
    progress.done()
    fetched = _fetch(connector, _to_fetch(listing, wb.state, wb.rows, wb.settings.include_inactive), progress)
    limits = {**connector.limits, **_custom_limits(connector, wb.settings, wb.state.pair)}
    return PlanInput(company, wb.rows, wb.state.links, listing, fetched, wb.decisions, wb.settings, wb.keys,
                     limits, connector.charset, force, first_sync=not wb.state.links,
                     apart=kept_apart(wb.state.pair), can_merge=connector.can_merge,
                     unsupported=dict(connector.unsupported))


def _custom_limits(connector: Connector, settings: Settings, pair: dict[str, str]) -> dict[str, int]:
    """Each mapped custom field's length limit as the company defines it (QuickBooks Desktop: 255, or 1024 for a
    long text field), so a value is judged by its own field's limit. Asked once, when a field is first mapped (a
    round trip), and kept in ``pair`` (``state.CUSTOM_LIMITS``) for the syncs after."""
    if not settings.custom_fields:
        return {}
    try:
        known = json.loads(pair.get(CUSTOM_LIMITS, "{}"))
    except ValueError:
        known = {}
    wanted = [name.casefold() for name in settings.custom_fields]
    if not isinstance(known, dict) or not all(isinstance(known.get(n), int) for n in wanted):
        known = {d.name.casefold(): d.max_length for d in connector.custom_fields()}
        pair[CUSTOM_LIMITS] = json.dumps(known, sort_keys=True)  # (saved with the pairing by this sync)
    return {custom_key(name): known[name.casefold()] for name in settings.custom_fields if name.casefold() in known}


def _dry_run(summary: Summary, plan: SyncPlan) -> Summary:
    summary.take(plan.counts())
    summary.messages += plan.notes
    summary.plan = plan.describe()
    summary.outcome = _outcome(summary)
    return summary


@contextmanager
def _closed_after(connector: Connector, results: dict) -> Iterator[Connector]:
    """The connector, closed at the end. Once QuickBooks took writes, a failure to close (a session QuickBooks
    would not end) no longer stops the sync: the workbook must still be saved with what QuickBooks has."""
    try:
        yield connector
    finally:
        try:
            connector.close()
        except Exception:
            if not any(getattr(r, "ok", False) for r in results.values()):
                raise


@contextmanager
def _after_writes(plan: SyncPlan, results: dict, *, writing: bool = False) -> Iterator[None]:
    """Any error once QuickBooks took some of this sync's writes says exactly which, and exits 2 (not 1)."""
    try:
        yield
    except Exception as err:
        done = done_in_quickbooks(plan, results)
        if not done and (results or not writing):  # every write answered, none taken: nothing was written
            raise
        what = (f"QuickBooks already has these changes from this sync: {'; '.join(done)}." if done else
                "QuickBooks may have taken some of this sync's changes before it stopped.")
        reason = str(err) if isinstance(err, CustmgrError) else f"{type(err).__name__}: {err}"
        raise PartlySynced(f"{reason.rstrip('.')}. {what} The workbook was not saved, so it does not show "
                           "them yet: once the problem is fixed, sync again and it catches up without losing "
                           "anything.") from err


def _to_fetch(listing: dict[str, Listed], state: SyncState, rows: list[ContactRow], include_inactive: bool
              ) -> list[str]:
    """Records new or changed since the base, and those with an open decision; inactive new ones only when some
    new row might match them by name."""
    linked = {link.remote_id: link for link in state.links.values() if link.remote_id}
    unlinked_rows = any(r.row_id not in state.links for r in rows)
    out = []
    for remote_id, item in listing.items():
        link = linked.get(remote_id)
        if link is None:
            if item.active or include_inactive or unlinked_rows:
                out.append(remote_id)
        elif link.version != item.version or link.flag == PENDING:
            out.append(remote_id)
    return out


def _fetch(connector: Connector, ids: list[str], progress: Progress) -> dict[str, Values]:
    out: dict[str, Values] = {}
    progress.start("Reading QuickBooks", len(ids))
    for start in range(0, len(ids), FETCH_CHUNK):
        chunk = ids[start:start + FETCH_CHUNK]
        for record in connector.fetch(chunk):
            out[record.remote_id] = from_remote(record.values)
        progress.advance(len(chunk))
    progress.done()
    return out


def _settle_and_commit(book: WorkbookPort, wb: _Workbook, plan: SyncPlan, results: Mapping[str, ChangeResult],
                       company: Company, summary: Summary, writes: list[Written]) -> None:
    """Settle the plan against QuickBooks' answers and save it all at once, the backup first."""
    keys = state_keys(wb.state, wb.keys, wb.state.links.values())
    before_pair, before_review = sheets_before(book)
    settled = settle(wb.sheet, plan, results, wb.state.links, summary, wb.decisions)
    number = wb.state.sync_count + 1
    summary.outcome = _outcome(summary)
    summary.messages += [*plan.notes, *_messages(summary)]
    backup = make_backup(number, summary.when, list(wb.sheet.header), settled.changed_rows, settled.changed_links,
                         keys, before_pair, before_review, settled.remote_done, writes)
    new_state = SyncState(dict(wb.state.pair), settled.links, header=wb.state.header)
    new_state.pair.update(connector=wb.settings.connector, company_id=company.id, company_name=company.name,
                          syncs=str(number), last_sync=summary.when)
    new_state.pair.setdefault("paired_at", summary.when)
    new_state.pair.update({pair_key(*sorted(p)): "keep apart" for p in plan.apart})
    commit(book, wb.settings, Commit(summary, contacts=wb.sheet.grid(settled.rows), backup=backup,
                                     state=new_state, state_keys=keys, links_moved=bool(settled.changed_links),
                                     review=settled.decisions,
                                     review_before=wb.decisions, changes=settled.log))


def _outcome(s: Summary) -> str:
    if s.failed:
        return "failed" if not (s.sent or s.received or s.added or s.imported or s.merged) else "partly failed"
    if s.errors or s.conflicts_open or s.decisions_open:
        return "needs attention"
    moved = (s.imported or s.sent or s.received or s.added or s.made_inactive or s.removed or s.restored
             or s.merged)
    return "ok" if moved else "nothing to do"


def _messages(s: Summary) -> list[str]:
    out = []
    if s.conflicts_open or s.decisions_open:
        out.append("Open the Review sheet: mark Accept Left or Accept Right on each row, then sync again.")
    if s.errors or s.failed:
        out.append("Rows with a Sync Status message were not synced; fix them and sync again.")
    if s.merged:
        out.append("Duplicates were merged in QuickBooks; each merged row now follows the contact that stayed.")
    return out


# --- setup, undo, status ---------------------------------------------------------------------------------------


def setup(workbook: Workbook, *, connector: str, company: str, vendors: bool | None = None,
          inactive: bool | None = None, custom_fields: dict[str, str] | None = None,
          connector_options: dict[str, Any] | None = None, map_all: bool = False,
          options: dict[str, str] | None = None, sheet: str | None = None,
          map_columns: dict[str, str] | None = None, header_row: int | None = None) -> str:
    """Point the workbook at a company (checking it can be opened), and map custom fields to columns
    (``map_all``: every custom field of the company, each to a column of its own name).

    A workbook ``custmgr new`` did not make is adopted (``custmgr.adopt``): its contact list (``sheet``, or the
    sheet that looks like one) keeps its own headers, mapped to fields by their names or ``map_columns``
    ("Their Header" -> field), its headers found in ``header_row`` (default: row 1, or below title rows)."""
    with one_at_a_time(workbook):
        return _setup(workbook, connector=connector, company=company, vendors=vendors, inactive=inactive,
                      custom_fields=custom_fields, connector_options=connector_options, map_all=map_all,
                      options=options, sheet=sheet, map_columns=map_columns, header_row=header_row)


def _setup(workbook: Workbook, *, connector: str, company: str, vendors: bool | None,
           inactive: bool | None, custom_fields: dict[str, str] | None, connector_options: dict[str, Any] | None,
           map_all: bool, options: dict[str, str] | None, sheet: str | None,
           map_columns: dict[str, str] | None, header_row: int | None) -> str:
    book, path = open_book(workbook)
    adoption = None
    if SETTINGS_SHEET not in book.sheet_names():
        adoption = plan_adoption(book, sheet=sheet, overrides=map_columns, vendors=bool(vendors),
                                 header_row=header_row)
    elif sheet is not None or map_columns or header_row is not None:
        adoption = remap(book, read_settings(book), sheet=sheet, overrides=map_columns or {}, header_row=header_row)
    current = read_settings(book) if SETTINGS_SHEET in book.sheet_names() else Settings()
    probe = Settings(connector=connector, company=company, options=current.options if options is None else options)
    with open_company(probe, connector_options, path, two_way=False) as conn:  # before anything is changed
        identity = conn.company()
        defined = conn.custom_fields()
        available = {f.name.casefold(): f.name for f in defined}
    if adoption is not None:
        apply_adoption(book, adoption)
    settings = read_settings(book)
    state = read_state(book)
    values = settings_values(settings)
    columns = dict(settings.columns)
    if adoption is not None:
        values["contacts_sheet"], columns = adoption.sheet, adoption.columns
        values["header_row"] = str(adoption.header_row)
    if path is not None and Path(company).exists() and not Path(company).is_absolute():
        company = os.path.relpath(Path(company).resolve(), path.resolve().parent)
    values.update(connector=connector, company=company)
    if options is not None:
        values["options"] = format_options(options)
    if vendors is not None:
        values["kinds"] = "Customers and vendors" if vendors else "Customers"
    if inactive is not None:
        values["include_inactive"] = "Yes" if inactive else "No"
    if state.links or state.sync_count:
        check_pairing(state, identity.id, identity.name)
    mapping = dict(settings.custom_fields)
    wanted = dict(custom_fields or {})
    if map_all:
        wanted = {name: name for name in available.values() if name not in mapping} | wanted
    for name, column in wanted.items():
        real = available.get(name.casefold())
        if real is None:
            raise CustmgrError(f"QuickBooks company {identity.name!r} has no custom field {name!r}. "
                               f"Its custom fields: {', '.join(sorted(available.values())) or 'none'}.")
        mapping[real] = column or real
    write_settings(book, values, mapping, columns)
    add_custom_columns(book, mapping, read_settings(book))
    if CUSTOM_LIMITS in state.pair:  # the company's custom fields may have changed: keep them as they are now
        state.pair[CUSTOM_LIMITS] = json.dumps({f.name.casefold(): f.max_length for f in defined}, sort_keys=True)
        write_state(book, state, json.loads(state.pair.get("fields", "[]")), links_moved=False)
    book.save()
    lines = adoption.describe() if adoption is not None else []
    lines.append(f"Paired {book.label} with {identity.name!r} ({connector}: {company}).")
    unmapped = sorted(set(available.values()) - set(mapping))
    if unmapped:
        lines.append("Custom fields you can sync: " + ", ".join(unmapped)
                     + " (add --map 'FIELD=Column' or a row under the custom field heading on Settings).")
    return "\n".join(lines)


def add_custom_columns(book: WorkbookPort, mapping: dict[str, str], settings: Settings | None = None) -> None:
    """Add a column for each mapped custom field the contact sheet lacks: before Sync Status on Customer
    Manager's own sheet, after the last column on an adopted list."""
    settings = settings or read_settings(book)
    name = settings.contacts_sheet
    grid = book.read(name)
    header = list(grid[settings.header_row - 1]) if len(grid) >= settings.header_row else []
    present = {str(h or "").strip().casefold() for h in header}
    missing = [col for col in mapping.values() if col.casefold() not in present]
    if not missing:
        return
    from .contact_sheet import STATUS

    status_header = expected_columns({})[STATUS]
    width = max((len(r) for r in grid), default=0)
    at = width if settings.columns else next(
        (i for i, h in enumerate(header) if str(h or "").casefold() == status_header.casefold()), len(header))
    rows = [list(r) + [None] * (width - len(r)) for r in grid]
    top, rows = rows[:settings.header_row - 1], rows[settings.header_row - 1:]
    new_header = rows[0][:at] + missing + rows[0][at:]
    rows = [list(r[:at]) + [None] * len(missing) + list(r[at:]) for r in rows[1:]]
    book.write(name, [*top, new_header, *rows])  # the rows above the header stay as they are
    columns = expected_columns({f"custom:{k}": v for k, v in mapping.items()}, settings.columns)
    format_contacts(book, columns, len(top) + len(rows) + 1, [str(h or "") for h in new_header], sheet_name=name,
                    adopted=bool(settings.columns))


def undo(workbook: Workbook, *, force: bool = False, quickbooks: bool = False, dry_run: bool = False,
         connector_options: dict[str, Any] | None = None, backoff: float | None = None,
         progress: Progress | None = None) -> Summary:
    """Put contacts, review and sync state back as they were before the last sync. With ``quickbooks``, first put
    QuickBooks back too, for every record nobody changed since (``custmgr.undo``); ``dry_run`` only plans that.
    ``progress`` hears of each step, and of each change QuickBooks takes back."""
    with one_at_a_time(workbook, writes=not dry_run):
        if quickbooks or dry_run:
            from .undo import undo_in_quickbooks  # it builds on this module

            return undo_in_quickbooks(workbook, force=force, dry_run=dry_run, connector_options=connector_options,
                                      backoff=backoff, progress=progress)
        return _undo(workbook, force=force)


def _undo(workbook: Workbook, *, force: bool) -> Summary:
    book, _ = open_book(workbook)
    restored, sheet_name = restore_point(book, force=force)
    summary = Summary(action="undo", when=now(), outcome="ok")
    summary.messages.append(f"Restored contacts, Review and sync state as they were before the sync of "
                            f"{restored.when}.")
    if restored.remote_done:
        shown = restored.remote_done[:20]
        more = f" and {len(restored.remote_done) - 20} more" if len(restored.remote_done) > 20 else ""
        summary.messages.append("QuickBooks was NOT changed back. That sync had " + "; ".join(shown) + more
                                + ". The next sync will bring those values back from QuickBooks unless you "
                                  "change them there (or undo with --quickbooks).")
    else:
        summary.messages.append("That sync changed nothing in QuickBooks.")
    commit(book, read_settings(book), restored_commit(book, restored, sheet_name, summary))
    return summary


def restore_point(book: WorkbookPort, *, force: bool = False) -> tuple[Restored, str]:
    """The sheets as they were before the newest backed-up sync, and that backup's sheet; raises (changing
    nothing) when there is none, or when undoing would overwrite an edit made since (unless ``force``)."""
    settings = read_settings(book)
    grid = book.read(settings.contacts_sheet)
    at = settings.header_row - 1
    header = [str(h or "").strip().casefold() for h in (grid[at] if len(grid) > at else [])]
    rid_header = expected_columns({}, settings.columns)[ROW_ID].casefold()
    if rid_header not in header:
        raise CustmgrError("The Row ID column is missing from Contacts, so undo cannot tell the rows apart. "
                           "Put the column back (Excel: Undo) and try again.")
    return restore(book, header.index(rid_header), force=force, sheet=settings.contacts_sheet,
                   header_row=settings.header_row)


def restored_commit(book: WorkbookPort, restored: Restored, sheet_name: str, summary: Summary,
                    changes: list[tuple[str, str, str, str, str]] | None = None) -> Commit:
    """What undo saves: ``restored`` in place of Contacts, the state and Review, its backup dropped, ``summary``
    logged."""
    current_pair = read_pair_grid(book.read(PAIR_SHEET)) if PAIR_SHEET in book.sheet_names() else {}
    pair = [list(r) for r in restored.pair]
    if current_pair.get("fields"):  # bases only ever gain fields: keep the wider list so every row decodes
        pair = [r for r in pair if r and r[0] != "fields"] + [["fields", current_pair["fields"]]]
    restored.state_rows[0] = state_header(read_pair_grid(pair))
    summary.company = summary.company or current_pair.get("company_name", "")
    return Commit(summary, contacts=restored.rows, restored_state=(pair, restored.state_rows),
                  restored_review=restored.review, drop_sheet=sheet_name, changes=changes or [])


def status(workbook: Workbook) -> dict[str, Any]:
    """What the workbook is paired with and how it stands, without contacting QuickBooks."""
    book, _ = open_book(workbook, writable=False)
    settings = read_settings(book)
    state = read_state(book)
    decisions = read_decisions(book)
    sheet = read_contact_sheet(book, settings)
    rows = sheet.contact_rows()
    return {
        "workbook": book.label, "connector": settings.connector, "company": settings.company,
        "paired_with": state.pair.get("company_name", ""), "company_id": state.pair.get("company_id", ""),
        "syncs": state.sync_count, "last_sync": state.pair.get("last_sync", ""), "contacts": len(rows),
        "linked": sum(1 for link in state.links.values() if link.remote_id),
        "not_in_quickbooks": sum(1 for r in rows if r.row_id not in state.links),
        "conflicts_open": sum(1 for d in decisions.values() if d.kind == "conflict"),
        "decisions_open": sum(1 for d in decisions.values() if d.kind != "conflict"),
        "backups": len(backup_sheets(book)),
    }
