"""Settling a sync: from the plan and QuickBooks' answers to the new Contacts rows, links, decisions and counts.

A contact's row and base move only when its QuickBooks write (if any) succeeded; a failed contact is left exactly
as it was, with the reason in Sync Status, so a later sync picks it up again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from .classify import Case
from .connector import ChangeResult
from .contact import (
    CONTROL_CHARACTERS,
    Problem,
    Values,
    clean_text,
    has_control_characters,
    normalize_values,
    shared_key,
    unstorable_removed,
)
from .contact_sheet import ROW_ID, STATUS, ContactRow, ContactsSheet, field_label, row_cells
from .errors import AuthRequired, NameInUse, NotFound, Retryable, StaleVersion, Unavailable
from .outcomes import AFTER_MERGE, Keep, MergeInto, count, problem_status
from .plan import NAME_IN_USE, RecordPlan, SyncPlan
from .review import ADD, CONFLICT, DELETE, DELETED_CHANGED, Decision, key_of
from .state import Link
from .summary import Summary
from .workbook.port import CellValue

Row = list[CellValue]


@dataclass
class Settled:
    """The workbook side of a finished sync, before it is written."""

    rows: list[Row]  # the new Contacts data rows
    links: dict[str, Link]
    decisions: list[Decision]
    changed_rows: dict[str, tuple[int | None, Row | None, Row | None]]  # row id -> (old index, before, after)
    changed_links: dict[str, Link | None]  # row id -> link before (None: there was none)
    log: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # contact, field, direction, old, new
    remote_done: list[str] = field(default_factory=list)


def from_remote(values: Mapping[str, str]) -> Values:
    """QuickBooks values as the engine compares them: normalized, less what no cell can hold (U+FFFE, U+FFFF,
    lone surrogates). Control characters stay: a cell holds them (Excel saves them as ``_xHHHH_``), and the row
    then says so in Sync Status, as it does for one typed in the workbook, until the value is retyped."""
    return normalize_values({shared_key(k): unstorable_removed(v) if isinstance(v, str) else v
                             for k, v in values.items()})


def _with_control_characters(values: Mapping[str, str], sheet: ContactsSheet, status: str) -> str:
    """Sync Status for a row given ``values`` from QuickBooks: ``status``, or, if that is empty and a value holds
    control characters, the message the next sync will read off the row itself (so that sync changes nothing)."""
    if status or not values or not has_control_characters("\n".join(values.values())):  # (one scan, most rows)
        return status
    problems = tuple(Problem(k, CONTROL_CHARACTERS) for k in sheet.synced_keys
                     if has_control_characters(values.get(k, "")))
    return problem_status(problems) if problems else ""


def settle(sheet: ContactsSheet, plan: SyncPlan, results: Mapping[str, ChangeResult], links: Mapping[str, Link],
           summary: Summary, answered: Mapping[str, Decision] | None = None) -> Settled:
    """Work out every row, link and decision after the sync, counting what happened into ``summary``.

    ``answered``: the Review decisions the sync started from; those a failed write was carrying out stay open."""
    by_id = {r.row_id: r for r in plan.rows}
    old_rows = sheet.rows
    new_rows: list[Row | None] = list(old_rows)
    touched: set[int] = set()
    rid_col, status_col = sheet.columns[ROW_ID], sheet.columns[STATUS]
    for number, row_id in plan.new_row_ids.items():
        i = number - sheet.first_row
        new_rows[i] = _set(new_rows[i], rid_col, row_id)
        touched.add(i)
    new_links = dict(links)
    created: list[Row] = []
    out = Settled([], new_links, [], {}, {})
    # A record whose write failed keeps every link to it: a deleted row's link that a new row was taking over
    # (the same contact again) stays until the new row's write goes through, or the next sync would not know them.
    failed = {r.remote_id for r in plan.records if r.remote_id and r.outcome.op
              and not getattr(results.get(r.row_id), "ok", False)}
    for rec in plan.records:
        out_ = rec.outcome
        row = by_id.get(rec.row_id)
        if out_.__class__ is Keep and not out_.status and row is not None:  # most contacts at most syncs
            link = links.get(rec.row_id)
            cells = old_rows[row.number - sheet.first_row]
            if link is not None and link.flag == out_.flag and not cells[status_col]:
                continue  # nothing moves, nothing to say: the row and its link stay as they are
        if out_.forget and not out_.op and not out_.remove_row and rec.row_id in links \
                and links[rec.row_id].remote_id in failed:
            continue
        index = row.number - sheet.first_row if row else None
        res = results.get(rec.row_id) if out_.op else None
        if out_.op and (res is None or not res.ok):
            summary.failed += 1
            error = res.error if res else None
            out.decisions.extend(_after_failure(rec, error, answered or {}))
            if index is not None:
                new_rows[index] = _set(new_rows[index], status_col, failed_status(error))
                touched.add(index)
            continue
        res, failed_after = _after_merge(rec, res, results, summary)
        echo = from_remote(res.record.values) if res and res.record else None
        receive, base = dict(out_.receive), dict(out_.base) if out_.base is not None else None
        if failed_after is not None and echo is not None and base is not None:
            # The merge was made but the row's edits did not reach the record that stayed: its values are the
            # base, so the next sync sends the edits again.
            base.update({k: echo.get(k, "") for k in out_.send})
        if echo is not None and (out_.op in ("add", "update") or (out_.op == "merge" and failed_after is None)):
            for k in out_.send:  # QuickBooks' own spelling of what was sent becomes the agreed value
                if echo.get(k, "") != out_.send[k]:
                    receive[k] = echo.get(k, "")
                    if base is not None:
                        base[k] = echo.get(k, "")
        remote_id = res.record.remote_id if res and res.record else rec.remote_id
        version = res.record.version if res and res.record else rec.version
        count(out_, summary, received=bool(receive))
        out.decisions.extend(out_.asks)
        _log(rec, row, receive, links.get(rec.row_id), out, sent=failed_after is None)
        before = links.get(rec.row_id)
        if out_.forget:
            new_links.pop(rec.row_id, None)
        elif base is not None:
            new_links[rec.row_id] = Link(rec.row_id, remote_id, version, {k: v for k, v in base.items() if v},
                                         out_.flag)
        elif before is not None and before.flag != out_.flag:
            new_links[rec.row_id] = before.moved(flag=out_.flag)
        if new_links.get(rec.row_id) != before:
            out.changed_links[rec.row_id] = before
        if out_.new_row is not None:
            fresh: Row = [None] * len(sheet.header)
            fresh[rid_col] = rec.row_id
            fresh = row_cells(out_.new_row, sheet, fresh)
            created.append(_set(fresh, status_col, _with_control_characters(out_.new_row, sheet, out_.status)))
        elif index is not None:
            if out_.remove_row:
                new_rows[index] = None
            else:
                current = new_rows[index] or []
                if receive:
                    current = row_cells({**row.values, **receive} if row else receive, sheet, current)
                status = out_.status if failed_after is None else failed_status(failed_after)
                new_rows[index] = _set(current, status_col, _with_control_characters(receive, sheet, status))
            touched.add(index)
    for i in sorted(touched):
        before_row, after = old_rows[i], new_rows[i]
        if after != before_row:
            rid = cell_id(after if after is not None else before_row, rid_col)
            out.changed_rows[rid] = (i, before_row, after)
    for row_ in created:
        out.changed_rows[cell_id(row_, rid_col)] = (None, None, row_)
    out.rows = [r for r in new_rows if r is not None] + created
    summary.conflicts_open = sum(1 for d in out.decisions if d.kind == CONFLICT)
    summary.decisions_open = len(out.decisions) - summary.conflicts_open
    return out


def _after_merge(rec: RecordPlan, res: ChangeResult | None, results: Mapping[str, ChangeResult],
                 summary: Summary) -> tuple[ChangeResult | None, Exception | None]:
    """A merge that sent the row's edits to the record that stayed: the result of that update when it was
    taken (the record as it is now), else the merge's result and the update's error."""
    out = rec.outcome
    after = results.get(rec.row_id + AFTER_MERGE) if out.op == "merge" and out.send else None
    if after is None:
        return res, None
    if after.ok and after.record is not None:
        return after, None
    summary.failed += 1
    return res, after.error


def failed_status(error: Exception | None) -> str:
    """Sync Status of a contact whose write failed: QuickBooks' reason, as text any cell can hold."""
    return "Failed: " + clean_text(" ".join(str(error).split()))[0][:1000]


def cell_id(row: Row, col: int) -> str:
    value = row[col] if col < len(row) else None
    return str(value).strip() if value is not None else ""


def _set(row: Row | None, col: int, value: str) -> Row:
    """``row`` with ``value`` in column ``col``: a copy if that changes it (rows are shared with the sheet read)."""
    if row is not None and (row[col] or "") == value:
        return row
    row = list(row or [])
    row[col] = value or None
    return row


def _after_failure(rec: RecordPlan, error: Exception | None, answered: Mapping[str, Decision]) -> list[Decision]:
    """Decisions to show after ``rec``'s write failed: the answered ones it carried out stay open, as marked;
    a deactivation QuickBooks refused is asked again, unmarked, with its reason."""
    if rec.outcome.op == "deactivate" and error is not None and not isinstance(error, _PASSING):
        return [_refused_deactivation(rec, error, answered)]
    if rec.outcome.op == "add" and rec.case is Case.NEW_HERE and isinstance(error, NameInUse):
        suggested = _free_name(rec.name)
        return [Decision(ADD, rec.row_id, rec.name, field="Name", left=rec.name,
                         right=f"(name in use; try {suggested!r})", detail=f"{NAME_IN_USE}{rec.name}",
                         note=f"QuickBooks already has a contact named {rec.name!r} (perhaps a vendor or an "
                              f"inactive one). Rename the row on Contacts (for example to {suggested!r}), then "
                              "mark Accept Left again.")]
    carried = [d for d in answered.values() if d.row_id == rec.row_id and d.side is not None]
    asks = rec.outcome.asks
    return [*asks, *(d for d in carried if d.key not in {x.key for x in asks})]


#: Failures that pass by themselves or are re-planned: the write goes again as it is. A record QuickBooks cannot
#: find was deleted there meanwhile: the next sync reads the listing again and forgets the link (nothing to ask).
_PASSING = (Retryable, Unavailable, AuthRequired, StaleVersion, NotFound)


def _refused_deactivation(rec: RecordPlan, error: Exception, answered: Mapping[str, Decision]) -> Decision:
    """The row is gone, so Review is the one place to say why QuickBooks kept the contact; marked again as it
    was, the same refusal would come back at every sync."""
    kind = DELETE if rec.case is Case.DELETED_HERE else DELETED_CHANGED
    reason = getattr(error, "reason", None) or str(error)
    note = (f"QuickBooks refused to make it inactive: {reason.rstrip('.')}. Mark Accept Right to bring the row "
            "back, or deal with it in QuickBooks (for example settle the open balance) and mark Accept Left again.")
    asked = answered.get(key_of(kind, rec.row_id))
    refused = f"refused: {reason}"  # a new detail: the marks made on the question before do not carry over
    if asked is not None:
        return replace(asked, accept_left=False, accept_right=False, note=note, detail=refused)
    return Decision(kind, rec.row_id, rec.name, field="Whole contact", left="(row deleted)",
                    right="(still active in QuickBooks)", note=note, detail=refused)


def _free_name(name: str) -> str:
    """The name with ' (2)' on its last part, within QuickBooks' 41 characters per level (a suggestion only)."""
    head, sep, leaf = name.rpartition(":")
    return f"{head}{sep}{leaf[:41 - 4]} (2)"


def done_in_quickbooks(plan: SyncPlan, results: Mapping[str, ChangeResult]) -> list[str]:
    """What QuickBooks took of ``plan``, one phrase per write ("added 'Acme'"), in the plan's order."""
    out = []
    for rec in plan.records:
        res = results.get(rec.row_id) if rec.outcome.op else None
        if res is not None and res.ok:
            out.append(describe_write(rec))
        after = results.get(rec.row_id + AFTER_MERGE) if rec.outcome.op == "merge" else None
        if after is not None and after.ok:
            out.append(f"then changed {', '.join(field_label(k) for k in sorted(rec.outcome.send))} of the record "
                       "that stayed")
    return out


def describe_write(rec: RecordPlan) -> str:
    """One QuickBooks write for messages, the log and Undo: "changed Phone, Email of 'Acme'"."""
    out = rec.outcome
    if out.op == "add":
        return f"added {rec.name!r}"
    if out.op == "deactivate":
        return f"made {rec.name!r} inactive"
    if isinstance(out, MergeInto):
        return f"merged {rec.name!r} into QuickBooks record {out.into}"
    return f"changed {', '.join(field_label(k) for k in sorted(out.send))} of {rec.name!r}"


def _log(rec: RecordPlan, row: ContactRow | None, receive: Values, link: Link | None, out: Settled, *,
         sent: bool = True) -> None:
    if rec.outcome.op:
        out.remote_done.append(describe_write(rec))
    if rec.outcome.op == "merge" and rec.outcome.send and sent:
        out.remote_done.append(f"changed {', '.join(field_label(k) for k in sorted(rec.outcome.send))} "
                               f"of {rec.name!r}")
    if rec.outcome.op == "update" or (rec.outcome.op == "merge" and sent):
        base = link.base if link else {}
        for k, v in sorted(rec.outcome.send.items()):
            out.log.append((rec.name, k, "To QuickBooks", base.get(k, ""), v))
    if rec.outcome.new_row is None and row is not None:
        for k, v in sorted(receive.items()):
            out.log.append((rec.name, k, "From QuickBooks", row.values.get(k, ""), v))
