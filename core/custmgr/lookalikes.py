"""New contacts that may already exist on the other side: links for equal names, Review questions for look-alikes.

This sits beside classification (docs/sync.md, Matching new contacts): it looks only at contacts with no base,
that is workbook rows not linked to QuickBooks and QuickBooks records not linked to a row, and decides for each
pair one of

* **linked**: the names are equal ignoring case and spaces, or the bookkeeper accepted a possible match: the row
  and the record are one contact, merged with an empty base (differing fields become conflicts);
* **asked**: the names look alike: a "possible match" row on Review names both and says why; until it is
  answered the row is not added to QuickBooks and the record is not imported;
* **kept apart**: the bookkeeper said they are two contacts. The pair is remembered in the sync state
  (``kept_apart``) and never asked about again.

New QuickBooks records that look like a contact already synced are "possible duplicate in QuickBooks" questions
(see ``duplicates``), answered the same way: Accept Right = the same contact, Accept Left = keep apart.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from .contact import CUSTOMER, NO, Values
from .contact_sheet import ContactRow
from .matching import Candidate, Likeness, find_pairs, match_lists
from .review import DUPLICATE, MATCH, Decision, detail_of
from .state import Link

STATUS_MATCH = "Possible match in QuickBooks: see Review"
APART_PREFIX = "apart:"

Pair = frozenset[str]


@dataclass(frozen=True)
class Pairing:
    """What matching decided for this sync's unlinked contacts."""

    links: dict[str, str] = field(default_factory=dict)  # row id -> remote id
    asks: dict[str, Decision] = field(default_factory=dict)  # row id -> open "possible match" question
    held: frozenset[str] = frozenset()  # remote ids not imported while a question about them is open
    apart: frozenset[Pair] = frozenset()  # pairs the bookkeeper kept apart in this sync's answers


def pair_key(a: str, b: str) -> str:
    """How a kept-apart pair is stored in the sync state (order does not matter)."""
    return APART_PREFIX + "|".join(sorted((a, b)))


def kept_apart(pair_state: Mapping[str, str]) -> frozenset[Pair]:
    """The kept-apart pairs stored in the pairing sheet's entries."""
    return frozenset(frozenset(k[len(APART_PREFIX):].split("|", 1)) for k in pair_state
                     if k.startswith(APART_PREFIX) and "|" in k)


def summary(values: Values) -> str:
    """A contact in one cell: name / company / phone / email."""
    return " / ".join(x for x in (values.get("name"), values.get("company"), values.get("phone"),
                                  values.get("email")) if x)


def _candidate(key: str, values: Values) -> Candidate:
    return Candidate(key, values.get("name", ""), values.get("email", ""), values.get("phone", ""))


def pair_new(rows: Sequence[ContactRow], unlinked: Mapping[str, Values], decisions: Mapping[str, Decision],
             apart: Collection[Pair], *, include_inactive: bool) -> Pairing:
    """Match unlinked workbook ``rows`` against ``unlinked`` QuickBooks records (remote id -> values).

    Rows and records of different kinds (customer, vendor) are never paired. Inactive records link by an equal
    name but are offered as look-alikes only when inactive contacts are synced."""
    links: dict[str, str] = {}
    asks: dict[str, Decision] = {}
    held: set[str] = set()
    newly_apart: set[Pair] = set()
    by_row = {r.row_id: r for r in rows}
    for d in decisions.values():  # answers count even if the two no longer look alike (a name edited since)
        if d.kind != MATCH or d.side is None or d.row_id not in by_row or d.unit not in unlinked:
            continue
        if by_row[d.row_id].values.get("kind", CUSTOMER) != unlinked[d.unit].get("kind", CUSTOMER):
            continue
        if d.side == "right" and d.unit not in links.values():
            links[d.row_id] = d.unit
        elif d.side == "left":
            newly_apart.add(frozenset((d.row_id, d.unit)))
    rows = [r for r in rows if r.row_id not in links]
    unlinked = {rid: v for rid, v in unlinked.items() if rid not in links.values()}
    apart = set(apart) | newly_apart
    for kind in sorted({r.values.get("kind", CUSTOMER) for r in rows}):
        left = [_candidate(r.row_id, r.values) for r in rows if r.values.get("kind", CUSTOMER) == kind]
        right = [_candidate(rid, v) for rid, v in unlinked.items() if v.get("kind", CUSTOMER) == kind]
        found = match_lists(left, right, apart)
        links.update(found.linked)
        for p in found.suggested:
            there = unlinked[p.right]
            if there.get("active") != NO or include_inactive:
                asks[p.left] = _match_question(by_row[p.left], p.right, there, p)
                held.add(p.right)
    return Pairing(links, asks, frozenset(held), frozenset(newly_apart))


def _now(link: Link, after: Mapping[str, Values]) -> Values:
    """A synced contact's values once this sync is done; its base (decoded only then) if ``after`` lacks it."""
    values = after.get(link.row_id)
    return link.base if values is None else values


def _in_quickbooks(link: Link) -> bool:
    """A contact synced with a QuickBooks record, whether or not a question about it is open (``pending``): the
    look-alikes of a contact must not come and go with its other questions, or a second sync would not be a
    no-op. Contacts kept only here (``local``) or dropped from QuickBooks (``dropped``) are left out."""
    return bool(link.remote_id) and link.flag in ("", "pending")


def _answer(decisions: Mapping[str, Decision], kind: str, row_id: str, other: str) -> str | None:
    d = decisions.get(f"{kind}|{row_id}|{other}")
    return d.side if d is not None else None


def _match_question(row: ContactRow, remote_id: str, there: Values, p: Likeness) -> Decision:
    left, right = summary(row.values) or row.name, summary(there)
    return Decision(MATCH, row.row_id, row.name, unit=remote_id, field="Whole contact", left=left, right=right,
                    detail=detail_of([left], [right]),
                    note=f"Looks like the same contact: {p.why}. Accept Right if it is (the row is linked to "
                         "the QuickBooks contact and their fields merged); Accept Left to keep them apart "
                         "(the row is a new contact).")


@dataclass(frozen=True)
class Duplicates:
    """Look-alikes between new QuickBooks records and contacts already synced."""

    asks: dict[str, Decision] = field(default_factory=dict)  # new remote id -> open question
    same: dict[str, str] = field(default_factory=dict)  # new remote id -> row id it is the same contact as
    apart: frozenset[Pair] = frozenset()


def duplicates(new: Mapping[str, Values], links: Mapping[str, Link], after: Mapping[str, Values],
               decisions: Mapping[str, Decision], apart: Collection[Pair], *, can_merge: bool,
               connector: str) -> Duplicates:
    """New QuickBooks records (remote id -> values) that look like a synced contact (``after``: row id -> its
    values once this sync is done, so that the question reads the same at the next sync): "possible duplicate in
    QuickBooks" questions, keyed by the new record; the answered ones as ``same`` or ``apart``."""
    if not new:
        return Duplicates()
    synced = {lk.remote_id: (lk, _now(lk, after)) for lk in links.values() if _in_quickbooks(lk)}
    if not synced:
        return Duplicates()
    asks: dict[str, Decision] = {}
    same: dict[str, str] = {}
    newly_apart: set[Pair] = set()
    taken: set[str] = set()
    by_row = {lk.row_id: lk for lk, _ in synced.values()}
    for d in decisions.values():  # answers count even if the two no longer look alike (the row renamed since)
        link = by_row.get(d.row_id) if d.kind == DUPLICATE and d.side is not None and d.unit in new else None
        if link is None or d.unit in taken or link.remote_id in taken \
                or synced[link.remote_id][1].get("kind", CUSTOMER) != new[d.unit].get("kind", CUSTOMER):
            continue
        if d.side == "right" and can_merge:
            same[d.unit] = link.row_id
        elif d.side == "left":
            newly_apart.add(frozenset((link.remote_id, d.unit)))
        else:
            continue  # "the same" where no merge can be made: asked again below, with why
        taken.update((link.remote_id, d.unit))
    left = [_candidate(rid, values) for rid, (_, values) in synced.items() if rid not in taken]
    right = [_candidate(rid, v) for rid, v in new.items() if rid not in taken]
    for p in find_pairs(left, right):
        if frozenset((p.left, p.right)) in apart or p.right in taken or p.left in taken:
            continue
        link, here = synced[p.left]
        if here.get("kind", CUSTOMER) != new[p.right].get("kind", CUSTOMER):
            continue
        taken.update((p.left, p.right))
        side = _answer(decisions, DUPLICATE, link.row_id, p.right)
        if side == "right" and can_merge:
            same[p.right] = link.row_id
        elif side == "left":
            newly_apart.add(frozenset((p.left, p.right)))
        else:
            asks[p.right] = _duplicate_question(link.row_id, here, p.right, new[p.right], p, can_merge, connector)
    return Duplicates(asks, same, frozenset(newly_apart))


@dataclass(frozen=True)
class Among:
    """Look-alike pairs among QuickBooks records new to this sync (``duplicates_among``)."""

    found: Duplicates = Duplicates()  # questions, keyed by the record that waits for the answer
    rows: dict[str, str] = field(default_factory=dict)  # record imported this sync -> the Row ID it gets


def duplicates_among(new: Mapping[str, Values], taken: Mapping[str, tuple[str, Values]],
                     decisions: Mapping[str, Decision], apart: Collection[Pair], *, can_merge: bool,
                     connector: str) -> Among:
    """Look-alike pairs inside QuickBooks among records this sync meets for the first time (``new``: remote id
    -> values): duplicates the company had before the first sync, or two arriving together.

    Of each pair one is imported as a row (or stays linked to the row that matched it: ``taken``, remote id ->
    (row id, values once this sync is done)) and the other waits, not imported, for a "possible duplicate in
    QuickBooks" question about it: the very question (``duplicates``) the next sync asks about a new record like
    a synced contact, which is where the answer is carried out. The waiting records are settled until asking
    about them against everything imported reads the same as the next sync will."""
    from .contact_sheet import new_row_id

    values = {rid: taken[rid][1] if rid in taken else v for rid, v in new.items()}
    waiting: set[str] = set()
    alike: set[str] = set()  # records in some pair: only they can wait, or be what a waiting one is like
    for p in find_pairs([_candidate(rid, v) for rid, v in new.items()]):  # best first
        if frozenset((p.left, p.right)) in apart \
                or values[p.left].get("kind", CUSTOMER) != values[p.right].get("kind", CUSTOMER):
            continue
        alike.update((p.left, p.right))
        if p.left in waiting or p.right in waiting:
            continue
        waits = p.right if p.right not in taken else p.left if p.left not in taken else None
        if waits is not None:
            waiting.add(waits)
    if not waiting:
        return Among()
    rows = {rid: taken[rid][0] if rid in taken else new_row_id() for rid in alike}
    # A stayer is not synced yet, so there is nothing to merge: "the same contact" is asked again until it is.
    open_ = {k: d for k, d in decisions.items() if d.side != "right"}
    while True:
        stay = [rid for rid in new if rid in alike and rid not in waiting]
        links = {rows[rid]: Link(rows[rid], rid, "", values[rid]) for rid in stay}
        found = duplicates({rid: new[rid] for rid in waiting}, links, {rows[rid]: values[rid] for rid in stay},
                           open_, apart, can_merge=can_merge, connector=connector)
        settled = set(found.asks)
        if settled == waiting:
            break
        waiting = settled  # a record not asked about is imported, and may be the better partner of another
    return Among(found, {rid: row for rid, row in rows.items() if rid not in taken and rid not in waiting})


def _duplicate_question(row_id: str, here: Values, remote_id: str, there: Values, p: Likeness, can_merge: bool,
                        connector: str) -> Decision:
    left, right = summary(here), summary(there)
    if can_merge:
        how = (f"Accept Right if they are one contact: QuickBooks merges {here.get('name', '')!r} into "
               f"{there.get('name', '')!r} (its transactions move there and it disappears) and this row follows "
               "the record that stays")
    else:
        how = (f"The {connector} connector cannot merge contacts (QuickBooks Online has no merge): merge them "
               "in QuickBooks yourself, or Accept Left")
    return Decision(DUPLICATE, row_id, here.get("name", ""), unit=remote_id, field="Whole contact", left=left,
                    right=right, detail=detail_of([left], [right]),
                    note=f"A new QuickBooks contact looks like this one: {p.why}. {how}. Accept Left keeps them "
                         "apart (the new one is imported as a row of its own).")


def like_synced(new_rows: Sequence[ContactRow], links: Mapping[str, Link], after: Mapping[str, Values]
                ) -> dict[str, str]:
    """For new workbook rows, the synced contact each looks like (``after``: as in ``duplicates``), as a sentence
    for its "Add to QuickBooks?" question: adding it would make a duplicate in QuickBooks."""
    if not new_rows:
        return {}
    synced = {lk.row_id: _now(lk, after) for lk in links.values() if _in_quickbooks(lk)}
    if not synced:
        return {}
    left = [_candidate(r.row_id, r.values) for r in new_rows]
    right = [_candidate(row_id, values) for row_id, values in synced.items()]
    kinds = {r.row_id: r.values.get("kind", CUSTOMER) for r in new_rows}
    out: dict[str, str] = {}
    for p in find_pairs(left, right):
        there = synced[p.right]
        if p.left in out or kinds[p.left] != there.get("kind", CUSTOMER):
            continue
        out[p.left] = (f"It looks like {there.get('name', '')!r}, already in QuickBooks ({p.why}): if it is the same "
                       "contact, make your changes on that row and delete this one, or QuickBooks gets a duplicate.")
    return out
