"""Writing to QuickBooks: every write a sync (or an undo) makes goes through here, in batches, with one result
per contact.

Adds go first and parents before their jobs; a lock or throttle (``Retryable``) is retried with backoff; a
connection lost part way (``Unavailable``) fails that change and everything after it, and the sync goes on to save
what did succeed. A contact QuickBooks calls stale is read again and planned again once, never overwritten.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from .connector import Change, ChangeResult, Connector
from .contact import Values
from .errors import ConnectorError, NameInUse, Retryable, StaleVersion, Unavailable
from .outcomes import AFTER_MERGE, MergeInto
from .plan import PlanInput, RecordPlan, SyncPlan, replan
from .settle import from_remote

Progress = Callable[[int], None]

RETRIES = 4
BACKOFF = 0.5  # seconds, doubled on each retry


def change_of(record: RecordPlan) -> Change:
    out = record.outcome
    assert out.op is not None
    values = dict(out.send) if out.op in ("add", "update") else {}
    into, into_version = (out.into, out.into_version) if isinstance(out, MergeInto) else ("", "")
    return Change(ref=record.row_id, op=out.op, kind=record.kind, values=values,
                  remote_id=record.remote_id or None, version=record.version or None,
                  into_id=into or None, into_version=into_version or None)


def order(records: Sequence[RecordPlan]) -> list[RecordPlan]:
    """Adds first (parents before jobs), then updates, then deactivations (jobs before parents), then merges."""
    rank = {"add": 0, "update": 1, "deactivate": 2, "merge": 3}
    return sorted((r for r in records if r.outcome.op), key=lambda r: (
        rank[r.outcome.op or "update"], r.name.count(":") * (-1 if r.outcome.op == "deactivate" else 1)))


def write_all(connector: Connector, records: Sequence[RecordPlan], *, progress: Progress | None = None,
              backoff: float = BACKOFF, sleep: Callable[[float], None] = time.sleep) -> dict[str, ChangeResult]:
    """Send every record's change; return results by Row ID (every record with an op gets one)."""
    todo = [change_of(r) for r in order(records)]
    results: dict[str, ChangeResult] = {}
    lost = _send(connector, todo, results, progress, backoff, sleep)
    if lost is None:
        _retry_names_given_up(connector, todo, results, backoff, sleep)
    after = [after_merge(r, results[r.row_id]) for r in records if r.outcome.op == "merge" and r.outcome.send
             and results.get(r.row_id) is not None and results[r.row_id].ok and results[r.row_id].record]
    if after and lost is None:  # the row's own edits go to the record that stayed, at the version the merge left
        _send(connector, after, results, None, backoff, sleep)
    elif after:
        results.update((ch.ref, ChangeResult(ch.ref, error=lost)) for ch in after)
    return results


def push(connector: Connector, inp: PlanInput, plan: SyncPlan, results: dict[str, ChangeResult],
         seen: dict[str, Values], *, progress: Progress | None = None, backoff: float = BACKOFF,
         sleep: Callable[[float], None] = time.sleep) -> SyncPlan:
    """Carry out ``plan``'s QuickBooks writes, answers into ``results`` as they come (so a failure part way still
    knows what QuickBooks took). Contacts QuickBooks called stale are read again (into ``seen``, what QuickBooks
    held before each write) and planned again once; returns the plan as carried out."""
    results.update(write_all(connector, plan.records, progress=progress, backoff=backoff, sleep=sleep))
    stale = [r for r in plan.writes if isinstance(getattr(results.get(r.row_id), "error", None), StaleVersion)]
    if not stale:
        return plan
    fresh = {rec.remote_id: rec for rec in connector.fetch([r.remote_id for r in stale if r.remote_id])}
    listing = {item.remote_id: item for item in connector.listing(inp.settings.kinds) if item.remote_id in fresh}
    rows = {r.row_id: r for r in plan.rows}
    redone = {}
    for rec in stale:
        record = fresh.get(rec.remote_id)
        values = from_remote(record.values) if record is not None else None
        if values is not None:
            seen[rec.remote_id] = values
        redone[rec.row_id] = replan(inp, rec, rows.get(rec.row_id), values, listing.get(rec.remote_id))
    for row_id in redone:
        results.pop(row_id, None)
    results.update(write_all(connector, [r for r in redone.values() if r.outcome.op], backoff=backoff, sleep=sleep))
    return replace(plan, records=tuple(redone.get(r.row_id, r) for r in plan.records))


def after_merge(record: RecordPlan, merged: ChangeResult) -> Change:
    """The update sending a merged row's edits to the record that stayed (``merged.record``)."""
    assert merged.record is not None
    return Change(ref=record.row_id + AFTER_MERGE, op="update", kind=record.kind, values=dict(record.outcome.send),
                  remote_id=merged.record.remote_id, version=merged.record.version)


def _retry_names_given_up(connector: Connector, todo: list[Change], results: dict[str, ChangeResult],
                          backoff: float, sleep: Callable[[float], None]) -> None:
    """Try again each add or rename QuickBooks refused for a name in use, while renames in this sync free names.

    Within a sync the order of writes is not the order of the user's edits: an add, or a rename to a name another
    contact gives up later in the same sync ("Smith" renamed to "Smith Ltd" while a second row takes "Smith"), is
    refused only because it went first. A swap of two names never settles and stays refused, with its message."""
    freed = [ch for ch in todo if _renames(ch) and results[ch.ref].ok]
    while freed:
        taken = [ch for ch in todo if ch.op in ("add", "update") and isinstance(results[ch.ref].error, NameInUse)]
        if not taken or _send(connector, taken, results, None, backoff, sleep) is not None:
            return
        freed = [ch for ch in taken if _renames(ch) and results[ch.ref].ok]


def _renames(change: Change) -> bool:
    return change.op == "update" and "name" in change.values


def send(connector: Connector, changes: Sequence[Change], *, progress: Progress | None = None,
         backoff: float = BACKOFF, sleep: Callable[[float], None] = time.sleep) -> dict[str, ChangeResult]:
    """Send ready-made ``changes`` in this order (an undo's), with the same batches, retries and outage rule as a
    sync; results by ``ref``, one per change."""
    results: dict[str, ChangeResult] = {}
    _send(connector, list(changes), results, progress, backoff, sleep)
    return results


def _send(connector: Connector, changes: list[Change], results: dict[str, ChangeResult],
          progress: Progress | None, backoff: float, sleep: Callable[[float], None]) -> ConnectorError | None:
    """Send ``changes`` in batches into ``results``; after a lost connection, fail the rest. Returns that loss."""
    size = max(1, connector.batch_size)
    lost: ConnectorError | None = None
    for start in range(0, len(changes), size):
        batch = changes[start:start + size]
        if lost is None:
            try:
                for res in _with_retries(connector, batch, backoff, sleep):
                    results[res.ref] = res
            except Unavailable as err:
                lost = err
        if lost is not None:
            for ch in batch:
                results[ch.ref] = ChangeResult(ch.ref, error=lost)
        if progress:
            progress(len(batch))
    return lost


def _with_retries(connector: Connector, batch: list[Change], backoff: float,
                  sleep: Callable[[float], None]) -> list[ChangeResult]:
    pending = list(batch)
    done: dict[str, ChangeResult] = {}
    delay = backoff
    for attempt in range(RETRIES + 1):
        try:
            answered = connector.apply(pending)
        except Retryable as err:
            answered = [ChangeResult(ch.ref, error=err) for ch in pending]
        except Unavailable:
            raise
        except ConnectorError as err:  # a whole-call failure with no per-change detail
            answered = [ChangeResult(ch.ref, error=err) for ch in pending]
        if len(answered) != len(pending):
            raise Unavailable(f"the {connector.name} connector answered {len(answered)} of {len(pending)} changes")
        retry = []
        for ch, res in zip(pending, answered, strict=True):
            done[ch.ref] = res
            if isinstance(res.error, Retryable) and attempt < RETRIES:
                retry.append(ch)
        if not retry:
            break
        sleep(delay)
        delay *= 2
        pending = retry
    return [done[ch.ref] for ch in batch]
