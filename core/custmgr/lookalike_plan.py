"""The look-alike side of the plan: which new rows and new QuickBooks records link or are asked about, judged
against the contacts as they will be once this sync is done (``custmgr.lookalikes`` does the comparing)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from .classify import Case
from .contact import CUSTOMER, Values
from .contact_sheet import ContactRow
from .guards import selected
from .lookalikes import Among, Duplicates, Pairing, duplicates, duplicates_among, like_synced, pair_new
from .outcomes import PENDING
from .review import ADD, NOTES

if TYPE_CHECKING:
    from .plan import PlanInput, RecordPlan


def values_after(records: Sequence[RecordPlan], by_id: Mapping[str, ContactRow], inp: PlanInput
                  ) -> dict[str, Values]:
    """Row id -> the values, once this sync is done, of each contact that stays synced with a QuickBooks record
    (the row with what it receives, the record for a row brought back, the base of a deleted row). Look-alikes
    are judged against these, so that each question reads the same at the next sync; contacts this sync forgets,
    or keeps only here, or drops from QuickBooks, are left out for the same reason."""
    out: dict[str, Values] = {}
    for rec in records:
        link = inp.links.get(rec.row_id)
        o = rec.outcome
        if link is None or o.forget or o.flag not in ("", PENDING) or link.remote_id not in inp.listing:
            continue
        row = by_id.get(rec.row_id)
        if row is not None and not o.remove_row:
            out[rec.row_id] = {**row.values, **o.receive} if o.receive else row.values
        elif o.new_row is not None:
            out[rec.row_id] = o.new_row
        else:
            out[rec.row_id] = o.base if o.base is not None else link.base
    return out


def warn_look_alikes(records: list[RecordPlan], by_id: Mapping[str, ContactRow], after: Mapping[str, Values],
                      inp: PlanInput) -> list[RecordPlan]:
    """A new row asked about ("Add to QuickBooks?") that looks like a contact already synced says so."""
    asking = [by_id[r.row_id] for r in records
              if r.row_id in by_id and any(d.kind == ADD for d in r.outcome.asks)]
    hints = like_synced(asking, {r: inp.links[r] for r in after}, after) if asking else {}
    if not hints:
        return records
    return [replace(r, outcome=replace(r.outcome, asks=tuple(
        replace(d, note=f"{NOTES[ADD]} {hints[r.row_id]}") if d.kind == ADD else d for d in r.outcome.asks)))
        if r.row_id in hints else r for r in records]


def match_new(rows: Sequence[ContactRow], inp: PlanInput) -> Pairing:
    """Unlinked workbook rows against unlinked QuickBooks records: equal names link, look-alikes are asked
    about (``custmgr.lookalikes``)."""
    linked_remote = {link.remote_id for link in inp.links.values() if link.remote_id}
    unlinked = {rid: v for rid, v in inp.fetched.items() if rid not in linked_remote and rid in inp.listing}
    new_rows = [r for r in rows if r.row_id not in inp.links]
    return pair_new(new_rows, unlinked, inp.decisions, inp.apart, include_inactive=inp.settings.include_inactive)


def duplicates_of_synced(after: Mapping[str, Values], inp: PlanInput, taken: set[str]) -> Duplicates:
    """New QuickBooks records (not linked, matched or held by a question) that look like a synced contact."""
    new = {rid: v for rid, v in inp.fetched.items() if rid in inp.listing and rid not in taken
           and (inp.listing[rid].active or inp.settings.include_inactive)
           and selected(v.get("kind", CUSTOMER), inp.settings)}
    synced = {row_id: inp.links[row_id] for row_id in after} if new else {}
    return duplicates(new, synced, after, inp.decisions, inp.apart, can_merge=inp.can_merge,
                      connector=inp.settings.connector)


def duplicates_among_new(records: Sequence[RecordPlan], by_id: Mapping[str, ContactRow], inp: PlanInput,
                      taken: set[str]) -> Among:
    """QuickBooks records this sync meets for the first time that look like each other (``duplicates_among``):
    those a new row matched stay linked to it, with the row's values once the sync is done."""
    new = {rid: v for rid, v in inp.fetched.items() if rid in inp.listing and rid not in taken
           and (inp.listing[rid].active or inp.settings.include_inactive)
           and selected(v.get("kind", CUSTOMER), inp.settings)}
    matched = [rec for rec in records if rec.case is Case.BOTH_NEW and rec.remote_id in new]
    linked_now = {rec.remote_id: (rec.row_id, {**by_id[rec.row_id].values, **rec.outcome.receive})
                  for rec in matched if rec.outcome.base is not None and rec.row_id in by_id}
    unsettled = {rec.remote_id for rec in matched} - set(linked_now)  # a row with a problem holds it: left out
    new = {rid: v for rid, v in new.items() if rid not in unsettled}
    return duplicates_among(new, linked_now, inp.decisions, inp.apart, can_merge=inp.can_merge,
                            connector=inp.settings.connector)
