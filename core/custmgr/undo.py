"""Undo Last Sync in QuickBooks too: a second plan, made from the backup and carried out like a sync's writes.

For each QuickBooks write the last sync made (``backup.Written``) whose record still has the version that write
left, the undo plan holds an ordinary change guarded by that version: an update with the fields' old values, an
update making the contact active again, or a delete of a contact the sync added (which the connector turns into
"make inactive" where QuickBooks will not delete it). A record whose version moved since was changed by someone
else: it is left alone and named with what would have been undone, never retried. Then the workbook is restored as
plain undo restores it, and each record put back keeps the version the undo left in its link (when the link before
the sync was current), so the next sync plans what the undone sync planned.

Every check that can refuse (no backup, rows edited since, an old backup, the wrong company, a one-way connector)
runs before the first write. If QuickBooks refuses some changes or the connection drops, the workbook keeps the
sync's state (which is still true of every record not yet put back) and the backup remembers what was: running the
same undo again finishes the rest.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .backup import Backup, Restored, Written, read_backup, rewrite_backup
from .classify import differs
from .commit import Commit, commit
from .connector import Change, ChangeResult, Connector, Listed
from .contact import CUSTOMER, FIELD_KEYS, JOB_SEPARATOR, NO, YES, name_key, normalize
from .contact_sheet import field_label
from .errors import CustmgrError, NotFound, StaleVersion, Unavailable
from .push import send
from .rehearsal import Rehearsal
from .settings import Settings, read_settings
from .settle import from_remote
from .state import link_from_row, read_state
from .summary import Summary
from .sync import Progress, check_pairing, now, open_book, open_company, restore_point, restored_commit
from .workbook.port import Grid, Workbook, WorkbookPort

CHANGED_SINCE = "changed in QuickBooks since the sync"
GONE_SINCE = "no longer in QuickBooks"
PUT_BACK = "Put back in QuickBooks"


@dataclass(frozen=True)
class UndoStep:
    """What undo does in QuickBooks for one write of the sync: a ``change``, or nothing and why."""

    written: Written
    change: Change | None = None
    left_alone: str = ""  # why nothing is done: changed or gone since
    done: str | None = None  # already put back by an interrupted undo: the version it left ('' = keep the link's)

    def action(self) -> str:
        w = self.written
        if w.op == "add":
            return "delete from QuickBooks (the sync added it)"
        if w.op == "deactivate":
            return "make active again"
        return "put back " + ", ".join(f"{field_label(k)} {_shown(v)}" for k, v in sorted(w.old.items()))

    def describe(self) -> str:
        """One line for the dry run."""
        name = self.written.name or self.written.remote_id
        if self.done is not None:
            return f"{name}: already put back"
        if self.change is None:
            return f"{name}: left alone ({self.left_alone}); would have done: {self.action()}"
        return f"{name}: {self.action()}"


@dataclass(frozen=True)
class UndoPlan:
    """Undo of one sync in QuickBooks, as data: printed by ``undo --quickbooks --dry-run`` and shown by Excel."""

    number: int
    when: str  # when the sync being undone ran
    company: str
    steps: tuple[UndoStep, ...]

    @property
    def changes(self) -> list[Change]:
        return [change for wave in self.waves for change in wave]

    @property
    def waves(self) -> list[list[Change]]:
        """The writes in the order to make them, each wave sent after the one before has been answered: deletes
        first, which only free names, deepest jobs first (a customer is deleted only once its jobs are gone),
        then the other writes in the reverse of the order the sync made them."""
        todo = [s for s in self.steps if s.change is not None]
        deletes = [s for s in todo if s.written.op == "add"]
        waves = [[s.change for s in deletes if s.written.name.count(JOB_SEPARATOR) == depth and s.change]
                 for depth in sorted({s.written.name.count(JOB_SEPARATOR) for s in deletes}, reverse=True)]
        waves.append([s.change for s in reversed(todo) if s.written.op != "add" and s.change])
        return [wave for wave in waves if wave]

    @property
    def to_undo(self) -> int:
        return sum(1 for s in self.steps if s.change is not None)

    @property
    def left_alone(self) -> int:
        return sum(1 for s in self.steps if s.left_alone)

    def describe(self) -> list[str]:
        return [s.describe() for s in self.steps]

    def question(self) -> str:
        """What Excel asks before Undo Last Sync."""
        n, m = self.to_undo, self.left_alone
        return (f"Also put QuickBooks back? {n} change{'s' if n != 1 else ''} can be undone there; {m} "
                f"record{'s were' if m != 1 else ' was'} changed in QuickBooks since and will be left alone.")


def make_undo_plan(backup: Backup, listing: Mapping[str, Listed], moved: Mapping[str, Mapping[str, str]],
                   company: str = "", bases: Mapping[str, Mapping[str, str]] | None = None,
                   keys: Sequence[str] = ()) -> UndoPlan:
    """The undo of ``backup``'s sync, given QuickBooks' current listing (remote id -> id, version, kind) and the
    current values of the records whose version moved (``moved``). ``bases``: row id -> the base before the sync,
    for links that were current then (compared over ``keys``)."""
    bases = bases or {}
    steps = []
    for w in backup.writes or ():
        listed = listing.get(w.remote_id)
        if w.row_id in backup.undone:
            steps.append(UndoStep(w, done=backup.undone[w.row_id]))
        elif listed is None or listed.kind != w.kind:
            # An added contact already gone was deleted by an undo whose answer was lost (a dropped connection).
            steps.append(UndoStep(w, done="") if w.op == "add" else UndoStep(w, left_alone=GONE_SINCE))
        elif listed.version != w.version_after:
            current = moved.get(w.remote_id)
            if w.op != "add" and current is not None and all(
                    current.get(k, "") == normalize(k, v) for k, v in _target(w).items()):
                # Already as before: put back by an undo whose answer was lost. Its link may take the version
                # only if the whole record is its base again; else the next sync reads it.
                base = bases.get(w.row_id)
                same = base is not None and not differs(current, base, keys)
                steps.append(UndoStep(w, done=listed.version if same else ""))
            else:
                steps.append(UndoStep(w, left_alone=CHANGED_SINCE))
        else:
            steps.append(UndoStep(w, change=_change(w)))
    return UndoPlan(backup.number, backup.when, company, tuple(steps))


def _target(w: Written) -> dict[str, str]:
    """The values an undo of ``w`` writes back."""
    return {"active": w.old.get("active") or YES} if w.op == "deactivate" else dict(w.old)


def _change(w: Written) -> Change:
    if w.op == "add":
        return Change(w.row_id, "delete", w.kind, {}, remote_id=w.remote_id, version=w.version_after)
    return Change(w.row_id, "update", w.kind, _target(w), remote_id=w.remote_id, version=w.version_after)


# --- carrying it out --------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What became of each step after the writes."""

    undone: dict[str, str]  # row id -> version for its link ('' = keep the link's own) for records put back now
    inactive: list[str]  # names of added contacts made inactive instead of deleted
    left_alone: list[str]  # "NAME (why; would have done: ...)"
    failed: list[str]  # "NAME: error"


def settle_undo(plan: UndoPlan, results: Mapping[str, ChangeResult]) -> Outcome:
    """Sort the answers: put back, left alone (stale or gone: never retried) or failed."""
    out = Outcome({}, [], [], [])
    for step in plan.steps:
        w = step.written
        if step.change is None:
            if step.left_alone:
                out.left_alone.append(f"{w.name} ({step.left_alone}; would have done: {step.action()})")
            continue
        res = results.get(w.row_id)
        if res is not None and res.ok:
            out.undone[w.row_id] = _link_version(w, res)
            if w.op == "add" and res.record is not None:
                out.inactive.append(w.name)
        elif res is not None and isinstance(res.error, StaleVersion | NotFound):
            why = CHANGED_SINCE if isinstance(res.error, StaleVersion) else GONE_SINCE
            out.left_alone.append(f"{w.name} ({why}; would have done: {step.action()})")
        else:
            out.failed.append(f"{w.name}: {res.error if res is not None else 'not sent'}")
    return out


def _link_version(w: Written, res: ChangeResult) -> str:
    """The version to keep in the contact's link: the undo's, when QuickBooks stored exactly the old values (so
    it holds what it held before the sync); otherwise '' and the link keeps its own, so the next sync reads it."""
    if res.record is None or w.op == "add":
        return ""
    wanted = _target(w)
    stored = {k: normalize(k, res.record.values.get(k, "")) for k in wanted}
    return res.record.version if stored == {k: normalize(k, v) for k, v in wanted.items()} else ""


def undo_in_quickbooks(workbook: Workbook, *, force: bool = False, dry_run: bool = False,
                       connector_options: dict[str, Any] | None = None, backoff: float | None = None,
                       progress: Progress | None = None) -> Summary:
    """Undo the last sync in QuickBooks (every record nobody changed since) and then in the workbook."""
    progress = progress or Progress()
    progress.start("Reading the workbook", 0)
    book, path = open_book(workbook, writable=not dry_run)
    settings = read_settings(book)
    progress.done()
    progress.start("Asking QuickBooks what changed since that sync", 0)
    with _open(book, path, connector_options) as connector:
        restored, sheet_name, backup = _restore_point(book, force)
        plan = _plan(book, connector, backup)
        progress.done()
        summary = Summary(action="undo dry run" if dry_run else "undo", when=now(), company=plan.company)
        summary.undone, summary.left_alone = plan.to_undo, plan.left_alone
        if dry_run:
            summary.plan = plan.describe()
            summary.outcome = "ok" if plan.steps else "nothing to do"
            summary.messages.append(plan.question() if plan.steps else "That sync changed nothing in QuickBooks.")
            summary.remote_calls = getattr(connector, "round_trips", 0)
            return summary
        _rehearse(book, plan, restored, sheet_name, backup, settings, summary)
        progress.start("Putting QuickBooks back", sum(len(wave) for wave in plan.waves))
        results = _send_waves(connector, plan.waves, backoff, progress.advance)
        progress.done()
        outcome = settle_undo(plan, results)
        rebased = {} if outcome.failed else _jobs_as_before(book, connector, plan, outcome, restored)
        summary.remote_calls = getattr(connector, "round_trips", 0)
    progress.start("Saving the workbook", 0)
    saving = _saving(book, plan, outcome, rebased, restored, sheet_name, backup, summary)
    try:
        commit(book, settings, saving)
    except CustmgrError as err:
        if not outcome.undone:
            raise
        names = _names([s.written.name for s in plan.steps if s.written.row_id in outcome.undone], 10)
        raise type(err)(f"{err} QuickBooks was already put back for {names}; run the same undo again once the "
                        "workbook can be saved: what was put back is recognised and not done twice.") from err
    progress.done()
    return summary


def _saving(book: WorkbookPort, plan: UndoPlan, outcome: Outcome, rebased: Mapping[str, str], restored: Restored,
            sheet_name: str, backup: Backup, summary: Summary) -> Commit:
    """What to save once QuickBooks answered: all undone, the sheets as they were (the backup dropped); some
    failed, the backup kept with what was undone marked, so that the same undo again finishes the rest."""
    summary.undone, summary.left_alone, summary.failed = (len(outcome.undone), len(outcome.left_alone),
                                                          len(outcome.failed))
    _messages(summary, plan, outcome)
    if outcome.failed:
        backup.undone.update(outcome.undone)
        rewrite_backup(book, backup)
        summary.outcome = "partly failed"
        return Commit(summary, changes=_log(plan, outcome))
    summary.outcome = "ok"
    done = {s.written.row_id: s.done for s in plan.steps if s.done is not None} | outcome.undone
    _keep_versions(restored, done, {s.written.row_id: s.written for s in plan.steps})
    for row in restored.state_rows[1:]:
        if str(row[0] or "") in rebased:
            row[2] = rebased[str(row[0])]
    return restored_commit(book, restored, sheet_name, summary, _log(plan, outcome))


def _rehearse(book: WorkbookPort, plan: UndoPlan, restored: Restored, sheet_name: str, backup: Backup,
              settings: Settings, summary: Summary) -> None:
    """Raise what saving the undo would raise once QuickBooks took every change, while nothing is written yet
    (merged cells on Contacts, a cell over Excel's limit, the file open or saved elsewhere meanwhile)."""
    as_if = settle_undo(plan, {c.ref: ChangeResult(c.ref) for c in plan.changes})
    rehearsal = Rehearsal(book)
    saving = _saving(rehearsal, plan, as_if, {}, copy.deepcopy(restored), sheet_name, copy.deepcopy(backup),
                     copy.deepcopy(summary))
    commit(rehearsal, settings, saving)


def _send_waves(connector: Connector, waves: list[list[Change]], backoff: float | None,
                advance: Callable[[int], None] | None = None) -> dict[str, ChangeResult]:
    """Send each wave once the one before is answered; after a lost connection the rest are not sent.
    ``advance(n)``: n more changes answered."""
    results: dict[str, ChangeResult] = {}
    lost: Unavailable | None = None
    for wave in waves:
        if lost is None:
            results.update(send(connector, wave, progress=advance, **({} if backoff is None else {"backoff": backoff})))
            lost = next((r.error for r in results.values() if isinstance(r.error, Unavailable)), None)
        else:
            results.update((c.ref, ChangeResult(c.ref, error=lost)) for c in wave)
    return results


def undo_plan(workbook: Workbook, *, force: bool = False,
              connector_options: dict[str, Any] | None = None) -> UndoPlan:
    """The undo plan alone, changing nothing: what Excel asks about before Undo Last Sync (``plan.question()``).
    Raises, as the undo would, when there is nothing to undo or the undo would be refused."""
    book, path = open_book(workbook, writable=False)
    with _open(book, path, connector_options) as connector:
        return _plan(book, connector, _restore_point(book, force)[2])


def _restore_point(book: WorkbookPort, force: bool) -> tuple[Restored, str, Backup]:
    """The workbook's side of the undo, checked (rows edited since refuse it) and the backup it comes from."""
    restored, sheet_name = restore_point(book, force=force)
    backup = read_backup(book, sheet_name)
    if backup.writes is None:
        if backup.remote_done:
            raise CustmgrError("The sync being undone was made by an earlier version of Customer Manager, whose "
                               "backup does not keep what QuickBooks held before it, so QuickBooks cannot be put "
                               "back safely. Undo without --quickbooks (the workbook only) and change QuickBooks "
                               "by hand if needed. Nothing was changed.")
        backup.writes = []
    return restored, sheet_name, backup


def _open(book: WorkbookPort, path: Path | None, connector_options: dict[str, Any] | None) -> Connector:
    settings = read_settings(book)
    connector = open_company(settings, connector_options, path, two_way=False)
    if not connector.two_way:
        connector.close()
        raise CustmgrError(f"The {settings.connector} connector moves lists one way only and keeps no record "
                           "versions, so it cannot put QuickBooks back. Undo without --quickbooks (the workbook "
                           "only). Nothing was changed.")
    return connector


def _plan(book: WorkbookPort, connector: Connector, backup: Backup) -> UndoPlan:
    """Check the company, read the versions of the records the sync wrote, and plan."""
    company = connector.company()
    check_pairing(read_state(book), company.id, company.name)
    writes = backup.writes or []
    kinds = sorted({w.kind for w in writes if w.row_id not in backup.undone})
    listing = {item.remote_id: item for item in connector.listing(kinds)} if kinds else {}
    moved = [w.remote_id for w in writes if w.row_id not in backup.undone and w.op != "add"
             and w.remote_id in listing and listing[w.remote_id].version != w.version_after]
    current = {r.remote_id: from_remote(r.values) for r in connector.fetch(moved)} if moved else {}
    fields = json.loads(read_state(book).pair.get("fields", "[]"))
    bases = {}
    for w in writes:
        before = backup.links.get(w.row_id)
        link = link_from_row(before, fields) if before else None
        if link is not None and link.remote_id == w.remote_id and link.version == w.version_before:
            bases[w.row_id] = link.base
    keys = (*FIELD_KEYS, *read_settings(book).custom_columns)
    return make_undo_plan(backup, listing, current, company.name, bases, keys)


def _jobs_as_before(book: WorkbookPort, connector: Connector, plan: UndoPlan, outcome: Outcome,
                    restored: Restored) -> dict[str, str]:
    """Jobs QuickBooks renamed or made active or inactive along with a customer the undo put back: their versions
    moved with nothing of theirs changed. Row ID -> the version now, for each linked job whose record is its
    base again (what the next sync would conclude after reading it). One fetch, only when there are such jobs."""
    parents = set()
    for step in plan.steps:
        w = step.written
        if w.row_id in outcome.undone and w.kind == CUSTOMER and {"name", "active"} & set(_target(w)):
            parents |= {name_key(w.name) + JOB_SEPARATOR, name_key(w.old.get("name") or w.name) + JOB_SEPARATOR}
    if not parents:
        return {}
    fields = json.loads(read_state(book).pair.get("fields", "[]"))
    links = [link_from_row(row, fields) for row in restored.state_rows[1:]]
    jobs = {link.remote_id: link for link in links if link is not None and link.remote_id
            and any(name_key(link.base.get("name", "")).startswith(p) for p in parents)}
    if not jobs:
        return {}
    keys = (*FIELD_KEYS, *read_settings(book).custom_columns)
    return {jobs[r.remote_id].row_id: r.version for r in connector.fetch(list(jobs))
            if not differs(from_remote(r.values), jobs[r.remote_id].base, keys)}


def _keep_versions(restored: Restored, undone: Mapping[str, str], writes: Mapping[str, Written]) -> None:
    """Give each link put back the version the undo left, if the link was current before the sync (QuickBooks
    then holds its base again); a link that was not keeps its old version, so the next sync reads the record."""
    rows: Grid = restored.state_rows
    for row in rows[1:]:
        rid = str(row[0] or "")
        version, w = undone.get(rid), writes.get(rid)
        if version and w is not None and str(row[1] or "") == w.remote_id and str(row[2] or "") == w.version_before:
            row[2] = version


def _log(plan: UndoPlan, outcome: Outcome) -> list[tuple[str, str, str, str, str]]:
    """Sync Changes rows: each field put back (contact, field, direction, value the sync left, value restored)."""
    out = []
    for step in plan.steps:
        w = step.written
        if w.row_id not in outcome.undone:
            continue
        if w.op == "add":
            gone = w.name not in outcome.inactive
            out.append((w.name, "active", "Deleted from QuickBooks" if gone else PUT_BACK, YES, "" if gone else NO))
        elif w.op == "deactivate":
            out.append((w.name, "active", PUT_BACK, NO, w.old.get("active") or YES))
        else:
            out.extend((w.name, k, PUT_BACK, w.new.get(k, ""), v) for k, v in sorted(w.old.items()))
    return out


def _messages(summary: Summary, plan: UndoPlan, outcome: Outcome) -> None:
    m = summary.messages
    if outcome.undone or any(s.done is not None for s in plan.steps):
        m.append(f"Put back in QuickBooks: {len(outcome.undone)} contact{'s' if len(outcome.undone) != 1 else ''}"
                 " changed by the sync of " + plan.when + ".")
    elif not plan.steps:
        m.append("That sync changed nothing in QuickBooks.")
    if outcome.inactive:
        m.append("Made inactive instead of deleted (QuickBooks keeps names used in transactions, and QuickBooks "
                 "Online never deletes names): " + _names(outcome.inactive) + ". The next sync finds each by "
                 "name and asks what to do.")
    if outcome.left_alone:
        m.append("Left alone in QuickBooks, because someone changed them there since: " + _names(outcome.left_alone)
                 + ". The next sync brings their QuickBooks values in as usual.")
    if outcome.failed:
        m.append("QuickBooks refused to put back: " + _names(outcome.failed) + ". The workbook was NOT restored "
                 "yet; run the same undo again (custmgr undo BOOK --quickbooks) to finish the rest. If QuickBooks "
                 "keeps refusing (a name taken since, a custom field removed), change that contact in QuickBooks "
                 "by hand, or undo without --quickbooks to restore only the workbook.")
    else:
        m.append(f"Restored contacts, Review and sync state as they were before the sync of {plan.when}.")


def _names(items: Sequence[str], limit: int = 20) -> str:
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return "; ".join(items[:limit]) + more


def _shown(value: str) -> str:
    return repr(value) if value else "(blank)"


__all__ = ["UndoPlan", "UndoStep", "make_undo_plan", "undo_in_quickbooks", "undo_plan"]
