"""The sync plan: a plain value saying, contact by contact, what the sync will do. Printing it is the dry run.

``make_plan`` only reads its inputs; nothing is written until ``custmgr.apply`` carries the plan out.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from .classify import Case, Conflict, classify, differs, merge
from .connector import Company, Listed, Op
from .contact import CUSTOMER, NO, UNIT_LABELS, Problem, Values, name_key, parent_name, validate
from .contacts import ContactRow, field_label, new_row_id
from .errors import SyncRefused
from .lookalikes import STATUS_MATCH, Among, Duplicates, Pair, duplicates, duplicates_among, like_synced, pair_new
from .review import (
    ADD,
    CHANGED_GONE,
    CONFLICT,
    DELETE,
    DELETED_CHANGED,
    DUPLICATE,
    MATCH,
    NOTES,
    Decision,
    detail_of,
)
from .settings import Settings
from .state import Link

LOCAL, DROPPED, PENDING = "local", "dropped", "pending"

STATUS_ADD = "Not in QuickBooks yet: see Review"
STATUS_CONFLICT = "Conflict: see Review"
STATUS_LOCAL = "Only in this workbook"
STATUS_GONE = "Not in QuickBooks (deleted there)"
STATUS_GONE_REVIEW = "Deleted in QuickBooks: see Review"
STATUS_NAME_IN_USE = "Not in QuickBooks yet: QuickBooks already uses this name; see Review"
NAME_IN_USE = "name in use: "  # the detail of the Review row a refused add leaves


@dataclass(frozen=True)
class RecordPlan:
    """Everything the sync will do for one contact. Workbook and state effects happen only if ``op`` succeeds."""

    case: Case
    row_id: str
    name: str
    kind: str = CUSTOMER
    remote_id: str = ""
    version: str = ""
    op: Op | None = None
    send: Values = field(default_factory=dict)  # update: changed fields; add: every field
    receive: Values = field(default_factory=dict)  # fields to write into the existing row
    create_row: Values | None = None  # import, or bring a deleted row back
    remove_row: bool = False
    base: Values | None = None  # the new base; None leaves the link as it is
    flag: str = ""  # the link's flag after the sync ("" / pending / local / dropped)
    forget: bool = False  # drop the link altogether
    decisions: tuple[Decision, ...] = ()
    status: str = ""
    problems: tuple[Problem, ...] = ()
    merge_into: str = ""  # merge: the QuickBooks record that stays (this contact's record disappears into it)
    merge_into_version: str = ""

    @property
    def acts(self) -> bool:
        """Whether the plan changes anything for this contact."""
        return bool(self.op or self.receive or self.create_row is not None or self.remove_row or self.forget
                     or self.base is not None)

    def describe(self) -> str:
        """One line for the dry run."""
        parts: list[str] = []
        if self.op == "add":
            parts.append("add to QuickBooks")
        elif self.op == "update":
            parts.append("send " + ", ".join(field_label(k) for k in sorted(self.send)))
        elif self.op == "deactivate":
            parts.append("make inactive in QuickBooks")
        elif self.op == "merge":
            parts.append(f"merge into QuickBooks record {self.merge_into}")
            if self.send:
                parts.append("then send " + ", ".join(field_label(k) for k in sorted(self.send)))
        if self.create_row is not None:
            parts.append("import into the workbook" if self.case is Case.NEW_THERE else "bring the row back")
        if self.receive:
            parts.append("receive " + ", ".join(field_label(k) for k in sorted(self.receive)))
        if self.remove_row:
            parts.append("remove the row")
        if self.forget and not self.remove_row:
            parts.append("forget the link")
        parts.extend(f"ask: {_question(d)}" for d in self.decisions)
        parts.extend(f"{field_label(p.field)} {p.message}" for p in self.problems)
        return f"{self.name or self.row_id}: {self.case.value}: " + ("; ".join(parts) or "nothing to do")


@dataclass(frozen=True)
class SyncPlan:
    """The whole sync as data."""

    company: Company
    records: tuple[RecordPlan, ...]
    new_row_ids: Mapping[int, str]  # sheet row number -> Row ID given to a row that had none
    first_sync: bool = False
    apart: frozenset[Pair] = frozenset()  # look-alike pairs the bookkeeper kept apart in this sync's answers

    @property
    def decisions(self) -> list[Decision]:
        return [d for r in self.records for d in r.decisions]

    def counts(self) -> dict[str, int]:
        """How many contacts each kind of action touches (the dry-run summary)."""
        c: dict[str, int] = defaultdict(int)
        for r in self.records:
            if r.op:
                c[{"add": "add", "update": "send", "deactivate": "make_inactive", "merge": "merge"}[r.op]] += 1
            if r.create_row is not None:
                c["import" if r.case is Case.NEW_THERE else "restore"] += 1
            if r.receive:
                c["receive"] += 1
            if r.remove_row:
                c["remove"] += 1
            if r.problems:
                c["errors"] += 1
            c["decisions"] += len(r.decisions)
        return dict(c)

    def describe(self) -> list[str]:
        return [r.describe() for r in self.records if r.acts or r.decisions or r.problems]


@dataclass(frozen=True)
class PlanInput:
    """Everything the plan is made from, already read from the workbook and QuickBooks."""

    company: Company
    rows: Sequence[ContactRow]
    links: Mapping[str, Link]
    listing: Mapping[str, Listed]
    fetched: Mapping[str, Values]  # remote id -> normalized values, for records new or changed since the base
    decisions: Mapping[str, Decision]
    settings: Settings
    keys: tuple[str, ...]
    limits: Mapping[str, int] = field(default_factory=dict)
    charset: str | None = "latin-1"
    force: bool = False
    first_sync: bool = False
    apart: frozenset[Pair] = frozenset()  # look-alike pairs kept apart by earlier answers (never asked again)
    can_merge: bool = False  # the connector merges records (QuickBooks Desktop)


def make_plan(inp: PlanInput) -> SyncPlan:
    """Classify every contact and decide what to do with it."""
    rows = _check_guards(inp)
    new_ids: dict[int, str] = {}
    for row in rows:
        if not row.row_id:
            new_ids[row.number] = row.row_id = new_row_id()
    by_id = {r.row_id: r for r in rows}
    linked_remote = {link.remote_id for link in inp.links.values() if link.remote_id}
    pairing = _match_new(rows, inp)
    matches = pairing.links
    names = _customer_names(rows, inp)
    removed = _removed_rows(rows, inp)
    _flag_duplicate_names([r for r in rows if r.row_id not in removed], inp,
                          sorted(r.number for r in rows if r.row_id in removed))
    builder = _Builder(inp, names)
    added_again = _deleted_and_added_again(rows, inp, set(matches.values()))
    taken_over = {link.row_id for link in added_again.values()}
    records: list[RecordPlan] = []
    for row_id, link in inp.links.items():
        if not _selected(link.base.get("kind", CUSTOMER), inp.settings):
            continue
        if row_id in taken_over:
            records.append(RecordPlan(Case.DELETED_HERE, row_id, link.base.get("name", ""),
                                      link.base.get("kind", CUSTOMER), forget=True))
            continue
        records.append(builder.linked(link, by_id.get(row_id)))
    matched_remote = set(matches.values())
    after = _values_after(records, by_id, inp)
    dup = _duplicates(after, inp, linked_remote | matched_remote | pairing.held)
    merges = {row_id: remote_id for remote_id, row_id in dup.same.items()}
    records = [builder.merge(rec, by_id.get(rec.row_id), merges[rec.row_id], inp.listing[merges[rec.row_id]])
               if rec.row_id in merges else rec for rec in records]
    for row in rows:
        if row.row_id in inp.links:
            continue
        remote_id = matches.get(row.row_id)
        if row.row_id in added_again:
            records.append(builder.added_again(row, added_again[row.row_id]))
            continue
        ask = pairing.asks.get(row.row_id)
        if remote_id:
            records.append(builder.both_new(row, remote_id))
        elif ask is not None:
            records.append(RecordPlan(Case.NEW_HERE, row.row_id, row.name, row.values.get("kind", CUSTOMER),
                                      decisions=(ask,), status=STATUS_MATCH))
        else:
            records.append(builder.new_here(row))
    among = _duplicates_among(records, by_id, inp, linked_remote | pairing.held | set(dup.asks) | set(dup.same))
    asks = {**among.found.asks, **dup.asks}
    for remote_id, listed in inp.listing.items():
        if remote_id in linked_remote or remote_id in matched_remote or remote_id in pairing.held \
                or remote_id in dup.same:
            continue
        if remote_id in asks:
            values = inp.fetched[remote_id]
            records.append(RecordPlan(Case.NEW_THERE, new_row_id(), values.get("name", ""),
                                      values.get("kind", CUSTOMER), remote_id, decisions=(asks[remote_id],)))
            continue
        if not listed.active and not inp.settings.include_inactive:
            continue
        if remote_id in inp.fetched:
            records.append(builder.new_there(remote_id, listed, among.rows.get(remote_id)))
    records = _warn_look_alikes(records, by_id, after, inp)
    return SyncPlan(inp.company, tuple(records), new_ids, inp.first_sync,
                    pairing.apart | dup.apart | among.found.apart)


def _values_after(records: Sequence[RecordPlan], by_id: Mapping[str, ContactRow], inp: PlanInput
                  ) -> dict[str, Values]:
    """Row id -> the values, once this sync is done, of each contact that stays synced with a QuickBooks record
    (the row with what it receives, the record for a row brought back, the base of a deleted row). Look-alikes
    are judged against these, so that each question reads the same at the next sync; contacts this sync forgets,
    or keeps only here, or drops from QuickBooks, are left out for the same reason."""
    out: dict[str, Values] = {}
    for rec in records:
        link = inp.links.get(rec.row_id)
        if link is None or rec.forget or rec.flag not in ("", PENDING) or link.remote_id not in inp.listing:
            continue
        row = by_id.get(rec.row_id)
        if row is not None and not rec.remove_row:
            out[rec.row_id] = {**row.values, **rec.receive}
        elif rec.create_row is not None:
            out[rec.row_id] = rec.create_row
        else:
            out[rec.row_id] = rec.base if rec.base is not None else link.base
    return out


def _warn_look_alikes(records: list[RecordPlan], by_id: Mapping[str, ContactRow], after: Mapping[str, Values],
                      inp: PlanInput) -> list[RecordPlan]:
    """A new row asked about ("Add to QuickBooks?") that looks like a contact already synced says so."""
    asking = [by_id[r.row_id] for r in records if r.row_id in by_id and any(d.kind == ADD for d in r.decisions)]
    hints = like_synced(asking, {r: inp.links[r] for r in after}, after)
    if not hints:
        return records
    return [replace(r, decisions=tuple(replace(d, note=f"{NOTES[ADD]} {hints[r.row_id]}") if d.kind == ADD else d
                                       for d in r.decisions)) if r.row_id in hints else r for r in records]


def _selected(kind: str, settings: Settings) -> bool:
    return kind in settings.kinds or kind not in ("Customer", "Vendor")


def _check_guards(inp: PlanInput) -> list[ContactRow]:
    rows = [r for r in inp.rows  # a linked row stays in even if its Type was changed to one not synced
            if _selected(r.values.get("kind", CUSTOMER), inp.settings) or r.row_id in inp.links]
    seen: dict[str, int] = {}
    for r in rows:
        if r.row_id and r.row_id in seen:
            raise SyncRefused(f"Contacts rows {seen[r.row_id]} and {r.number} have the same Row ID {r.row_id} "
                              f"(a copied row?). Clear the Row ID cell of the copy (column Row ID is hidden: "
                              "unhide it), then sync again. Nothing was changed.")
        if r.row_id:
            seen[r.row_id] = r.number
    remote_ids: dict[str, str] = {}
    for link in inp.links.values():
        if link.remote_id and link.remote_id in remote_ids:
            raise SyncRefused(f"The sync state links QuickBooks record {link.remote_id} to two rows "
                              f"({remote_ids[link.remote_id]} and {link.row_id}). Undo the last sync or restore "
                              "a copy of the workbook. Nothing was changed.")
        remote_ids[link.remote_id] = link.row_id
    linked = [lk for lk in inp.links.values()
              if lk.remote_id and lk.flag != DROPPED and _selected(lk.base.get("kind", CUSTOMER), inp.settings)]
    # Rows whose deletion an earlier sync already put on Review are no surprise on an empty sheet.
    asked = {d.row_id for d in inp.decisions.values() if d.kind in (DELETE, DELETED_CHANGED)}
    had_rows = [lk for lk in linked if lk.row_id not in asked]
    if linked and not inp.force:
        if not inp.listing:
            raise SyncRefused(f"QuickBooks company {inp.company.name!r} returned no contacts, but "
                              f"{len(linked)} contacts were synced with it before. If it really is empty now, run "
                              "the sync with --force; otherwise check the company file. Nothing was changed.")
        if not rows and had_rows:
            raise SyncRefused(f"The Contacts sheet has no contacts, but {len(had_rows)} were synced before; syncing "
                              "would ask to make them all inactive in QuickBooks. Restore the rows (Undo Last Sync "
                              "or a copy of the file), or sync with --force. Nothing was changed.")
    return rows


def _match_new(rows: Sequence[ContactRow], inp: PlanInput):
    """Unlinked workbook rows against unlinked QuickBooks records: equal names link, look-alikes are asked
    about (``custmgr.lookalikes``)."""
    linked_remote = {link.remote_id for link in inp.links.values() if link.remote_id}
    unlinked = {rid: v for rid, v in inp.fetched.items() if rid not in linked_remote and rid in inp.listing}
    new_rows = [r for r in rows if r.row_id not in inp.links]
    return pair_new(new_rows, unlinked, inp.decisions, inp.apart, include_inactive=inp.settings.include_inactive)


def _duplicates(after: Mapping[str, Values], inp: PlanInput, taken: set[str]) -> Duplicates:
    """New QuickBooks records (not linked, matched or held by a question) that look like a synced contact."""
    new = {rid: v for rid, v in inp.fetched.items() if rid in inp.listing and rid not in taken
           and (inp.listing[rid].active or inp.settings.include_inactive)
           and _selected(v.get("kind", CUSTOMER), inp.settings)}
    synced = {row_id: inp.links[row_id] for row_id in after}
    return duplicates(new, synced, after, inp.decisions, inp.apart, can_merge=inp.can_merge,
                      connector=inp.settings.connector)


def _duplicates_among(records: Sequence[RecordPlan], by_id: Mapping[str, ContactRow], inp: PlanInput,
                      taken: set[str]) -> Among:
    """QuickBooks records this sync meets for the first time that look like each other (``duplicates_among``):
    those a new row matched stay linked to it, with the row's values once the sync is done."""
    new = {rid: v for rid, v in inp.fetched.items() if rid in inp.listing and rid not in taken
           and (inp.listing[rid].active or inp.settings.include_inactive)
           and _selected(v.get("kind", CUSTOMER), inp.settings)}
    matched = [rec for rec in records if rec.case is Case.BOTH_NEW and rec.remote_id in new]
    linked_now = {rec.remote_id: (rec.row_id, {**by_id[rec.row_id].values, **rec.receive}) for rec in matched
                  if rec.base is not None and rec.row_id in by_id}
    unsettled = {rec.remote_id for rec in matched} - set(linked_now)  # a row with a problem holds it: left out
    new = {rid: v for rid, v in new.items() if rid not in unsettled}
    return duplicates_among(new, linked_now, inp.decisions, inp.apart, can_merge=inp.can_merge,
                            connector=inp.settings.connector)


def _deleted_and_added_again(rows: Sequence[ContactRow], inp: PlanInput, matched: set[str]) -> dict[str, Link]:
    """New rows that take the place of a deleted row of the same name and type, by Row ID, with the deleted
    row's link. QuickBooks still has that contact, so adding it would only fail with "name in use", sync after
    sync; the new row is that contact again, merged with it as a contact found on both sides."""
    present = {r.row_id for r in rows}
    by_name: dict[tuple[str, str], list[Link]] = defaultdict(list)
    for link in inp.links.values():
        if link.row_id in present or not link.remote_id or link.flag == LOCAL or link.remote_id in matched:
            continue
        if link.remote_id not in inp.listing:
            continue
        there = inp.fetched.get(link.remote_id, link.base)
        for name in {name_key(there.get("name", "")), name_key(link.base.get("name", ""))}:
            by_name[(name, link.base.get("kind", CUSTOMER))].append(link)
    new_rows: dict[tuple[str, str], list[ContactRow]] = defaultdict(list)
    for r in rows:
        if r.row_id not in inp.links and r.name:
            new_rows[(name_key(r.name), r.values.get("kind", CUSTOMER))].append(r)
    out: dict[str, Link] = {}
    for key, links in by_name.items():
        candidates = new_rows.get(key, [])
        if len(links) == 1 and len(candidates) == 1 and links[0] not in out.values():
            out[candidates[0].row_id] = links[0]
    return out


def _customer_names(rows: Sequence[ContactRow], inp: PlanInput) -> set[str]:
    names = {name_key(r.name) for r in rows if r.values.get("kind") == CUSTOMER}
    names.update(name_key(v.get("name", "")) for v in inp.fetched.values() if v.get("kind") == CUSTOMER)
    names.update(name_key(lk.base.get("name", "")) for lk in inp.links.values()
                 if lk.remote_id and lk.base.get("kind") == CUSTOMER)
    return names


def _removed_rows(rows: Sequence[ContactRow], inp: PlanInput) -> set[str]:
    """Rows this sync removes because QuickBooks deleted their contact: unchanged ones when Settings says to remove
    them, changed ones when the bookkeeper accepted the deletion on Review."""
    out = set()
    for r in rows:
        link = inp.links.get(r.row_id)
        if link is None or not link.remote_id or link.remote_id in inp.listing:
            continue
        if differs(r.values, link.base, inp.keys):
            answer = inp.decisions.get(f"{CHANGED_GONE}|{r.row_id}")
            if answer is not None and answer.side == "right":
                out.add(r.row_id)
        elif inp.settings.gone_policy == "Remove row":
            out.add(r.row_id)
    return out


def _name_after_sync(row: ContactRow, inp: PlanInput) -> str:
    """The row's name once this sync is done: a rename made in QuickBooks comes in if the row kept its name."""
    link = inp.links.get(row.row_id)
    if link is None or link.remote_id not in inp.fetched or row.name != link.base.get("name", ""):
        return row.name
    return inp.fetched[link.remote_id].get("name", "") or row.name


def _flag_duplicate_names(rows: Sequence[ContactRow], inp: PlanInput, removed: Sequence[int]) -> None:
    """Two rows with one name (ignoring case, customers and vendors together) cannot both be in QuickBooks.
    Messages give row numbers as they will be once the ``removed`` row numbers (sorted) are gone."""
    groups: dict[str, list[ContactRow]] = defaultdict(list)
    for r in rows:
        name = _name_after_sync(r, inp)
        if name:
            groups[name_key(name)].append(r)
    for group in groups.values():
        if len(group) < 2:
            continue
        for r in group:
            link = inp.links.get(r.row_id)
            if link is not None and name_key(link.base.get("name", "")) == name_key(r.name):
                continue  # this row had the name first; the other row is the one to rename
            others = ", ".join(str(o.number - bisect.bisect(removed, o.number)) for o in group if o is not r)
            r.problems.append(Problem("name", f"is also used on row {others}; QuickBooks names must be unique "
                                              "(ignoring case, customers and vendors together). Rename one"))


class _Builder:
    """Builds one ``RecordPlan`` per case; settings and Review decisions pick the branch."""

    def __init__(self, inp: PlanInput, customer_names: set[str]) -> None:
        self.inp = inp
        self.keys = inp.keys
        self.customer_names = customer_names

    # -- helpers ---------------------------------------------------------------------------------------------

    def _side(self, kind: str, row_id: str, unit: str = "", detail: str = "") -> str | None:
        d = self.inp.decisions.get("|".join(p for p in (kind, row_id, unit) if p))
        if d is None or (detail and d.detail != detail):
            return None
        return d.side

    def _problems(self, row: ContactRow, values: Values, *, check_parent: bool, partial: bool = False
                  ) -> tuple[Problem, ...]:
        problems = list(row.problems)
        problems += validate(values, limits=self.inp.limits, charset=self.inp.charset, partial=partial)
        name = values.get("name", "")
        parent = parent_name(name)
        if check_parent and parent and name_key(parent) not in self.customer_names:
            problems.append(Problem("name", f"contains ':' but there is no customer {parent!r}; QuickBooks uses "
                                            "':' for jobs (Customer:Job). Remove the ':' or add the customer first"))
        return tuple(problems)

    def _there(self, link: Link) -> tuple[Values | None, str]:
        listed = self.inp.listing.get(link.remote_id)
        if listed is None:
            return None, ""
        return self.inp.fetched.get(link.remote_id, link.base), listed.version

    def _conflict_decision(self, row_id: str, name: str, c: Conflict) -> Decision:
        def show(vals: tuple[str, ...]) -> str:
            return " / ".join(v for v in vals if v) or "(blank)"

        label = UNIT_LABELS.get(c.unit) or field_label(c.keys[0])
        return Decision(CONFLICT, row_id, name, unit=c.unit, field=label, base=show(c.base), left=show(c.here),
                        right=show(c.there), detail=detail_of(c.here, c.there))

    def _resolver(self, row_id: str):
        default = {"Customer Manager wins": "left", "QuickBooks wins": "right"}.get(
            self.inp.settings.conflict_default)

        def resolve(c: Conflict) -> str | None:
            return self._side(CONFLICT, row_id, c.unit, detail_of(c.here, c.there)) or default

        return resolve

    # -- cases -----------------------------------------------------------------------------------------------

    def new_there(self, remote_id: str, listed: Listed, row_id: str | None = None) -> RecordPlan:
        values = self.inp.fetched[remote_id]
        return RecordPlan(Case.NEW_THERE, row_id or new_row_id(), values.get("name", ""), values.get("kind", CUSTOMER),
                          remote_id, listed.version, create_row=values, base=values)

    def new_here(self, row: ContactRow) -> RecordPlan:
        v = row.values
        common = dict(case=Case.NEW_HERE, row_id=row.row_id, name=row.name, kind=v.get("kind", CUSTOMER))
        problems = self._problems(row, v, check_parent=True)
        if problems:
            return RecordPlan(**common, problems=problems, status=_status(problems))
        side = self._side(ADD, row.row_id)
        refused = self.inp.decisions.get(f"{ADD}|{row.row_id}")
        if side is None and refused is not None and refused.detail == f"{NAME_IN_USE}{row.name}":
            # QuickBooks refused this very name last time: ask again instead of sending the same add forever.
            return RecordPlan(**common, decisions=(replace(refused, accept_left=False, accept_right=False),),
                              status=STATUS_NAME_IN_USE)
        if side == "left" or (side is None and self.inp.settings.add_policy == "Add to QuickBooks"):
            return RecordPlan(**common, op="add", send=v, base=v)
        if side == "right":
            return RecordPlan(**common, base=v, flag=LOCAL, status=STATUS_LOCAL)
        summary = " / ".join(x for x in (v.get("company"), v.get("phone"), v.get("email")) if x)
        d = Decision(ADD, row.row_id, row.name, field="Whole contact", left=summary or row.name,
                     right="(not in QuickBooks)")
        return RecordPlan(**common, decisions=(d,), status=STATUS_ADD)

    def added_again(self, row: ContactRow, link: Link) -> RecordPlan:
        """A new row standing for the contact of a deleted row (``link``): merged with QuickBooks' record as a
        contact on both sides (an empty base), so nothing it holds is cleared and differences are asked."""
        there = self.inp.fetched.get(link.remote_id, link.base)
        listed = self.inp.listing[link.remote_id]
        rec = self._merge(Case.BOTH_NEW, row, {}, there, link.remote_id, listed.version)
        return rec if rec.base is not None or rec.problems else replace(rec, base=dict(there))
    def merge(self, rec: RecordPlan, row: ContactRow | None, into: str, listed: Listed) -> RecordPlan:
        """The bookkeeper said the new QuickBooks record ``into`` is this contact: merge this contact's record
        into it in QuickBooks. QuickBooks keeps the surviving record's own values, and the row follows that
        record in this same sync, merged against the base it had: the record's values come in where the row was
        not edited since, the row's edits go to the record that stays just after the merge (``send``), and a
        field edited on both sides is a conflict on Review."""
        link = self.inp.links[rec.row_id]
        common = dict(case=rec.case, row_id=rec.row_id, kind=rec.kind, remote_id=link.remote_id,
                      version=self.inp.listing[link.remote_id].version, op="merge", merge_into=into,
                      merge_into_version=listed.version)
        there = self.inp.fetched[into]
        if row is None or row.problems:  # nothing to take from the row: the next sync settles it with the record
            return RecordPlan(**common, name=rec.name, base=dict(link.base), flag=PENDING,
                              problems=tuple(row.problems) if row else (),
                              status=_status(row.problems) if row and row.problems else "")
        m = merge(link.base, row.values, there, self.keys, self._resolver(row.row_id))
        send, base, problems = dict(m.send), dict(m.base), ()
        if send:
            problems = self._problems(row, send, check_parent="name" in send, partial=True)
            if "kind" in send:
                problems += (Problem("kind", f"cannot change once the contact is in QuickBooks; set it back to "
                                             f"{there.get('kind', CUSTOMER)}"),)
            if problems:  # the row keeps its edits and the base the record's values: the next sync sends again
                base.update({k: there.get(k, "") for k in send})
                send = {}
        name = m.receive.get("name") or row.name
        decisions = tuple(self._conflict_decision(row.row_id, name, c) for c in m.conflicts)
        status = _status(problems) if problems else STATUS_CONFLICT if decisions else ""
        return RecordPlan(**common, name=name, send=send, receive=m.receive,
                          base={k: v for k, v in base.items() if v}, flag=PENDING if decisions else "",
                          decisions=decisions, problems=problems, status=status)

    def both_new(self, row: ContactRow, remote_id: str) -> RecordPlan:
        there = self.inp.fetched[remote_id]
        listed = self.inp.listing[remote_id]
        return self._merge(Case.BOTH_NEW, row, {}, there, remote_id, listed.version)

    def linked(self, link: Link, row: ContactRow | None) -> RecordPlan:
        here = row.values if row else None
        if link.flag == LOCAL:
            if row is None:
                return RecordPlan(Case.DELETED_BOTH, link.row_id, link.base.get("name", ""), forget=True)
            return RecordPlan(Case.UNCHANGED, link.row_id, row.name, base=here, flag=LOCAL, status=STATUS_LOCAL)
        there, version = self._there(link)
        if (row is not None and not link.flag and not row.problems and version == link.version
                and link.remote_id not in self.inp.fetched and not differs(row.values, link.base, self.keys)):
            # The common case, kept cheap: neither side moved since the base (QuickBooks' version did not change).
            return RecordPlan(Case.UNCHANGED, link.row_id, row.name, link.base.get("kind", CUSTOMER),
                              link.remote_id, version)
        case = classify(link.base, here, there, self.keys)
        name = (here or there or link.base).get("name", "")
        common = dict(case=case, row_id=link.row_id, name=name, kind=link.base.get("kind", CUSTOMER),
                      remote_id=link.remote_id, version=version)
        if link.flag == DROPPED and row is None:
            if there is None:
                return RecordPlan(**common, forget=True)
            if case is Case.DELETED_HERE:
                return RecordPlan(**common, flag=DROPPED)  # still settled: keep the flag, or it flips each sync
        if case is Case.DELETED_BOTH:
            return RecordPlan(**common, forget=True)
        if case in (Case.DELETED_HERE, Case.DELETED_HERE_CHANGED_THERE):
            assert there is not None
            kind = DELETE if case is Case.DELETED_HERE else DELETED_CHANGED
            side = self._side(kind, link.row_id)
            asked = self.inp.decisions.get(f"{kind}|{link.row_id}")  # on Review: the bookkeeper decides
            auto = case is Case.DELETED_HERE and self.inp.settings.delete_policy == "Make inactive in QuickBooks" \
                and asked is None
            if there.get("active") == NO and not differs(there, dict(link.base, active=NO), self.keys):
                # Inactive there and otherwise unchanged (made inactive by a sync whose answer was lost, or in
                # QuickBooks): both sides agree the contact is gone, so there is nothing to ask.
                return RecordPlan(**common, base=there, flag=DROPPED)
            if side == "left" or (side is None and auto):
                return RecordPlan(**common, op="deactivate", base=dict(link.base, active=NO), flag=DROPPED)
            if side == "right":
                return RecordPlan(**common, create_row=there, base=there)
            d = Decision(kind, link.row_id, name, field="Whole contact", base=link.base.get("name", ""),
                         left="(row deleted)", right=_summary(there), note=asked.note if asked else "")
            return RecordPlan(**common, decisions=(d,), flag=PENDING)
        if case in (Case.GONE_THERE, Case.CHANGED_HERE_GONE_THERE):
            assert row is not None
            if case is Case.GONE_THERE:
                if self.inp.settings.gone_policy == "Remove row":
                    return RecordPlan(**common, remove_row=True, forget=True)
                return RecordPlan(**common, status=STATUS_GONE)
            side = self._side(CHANGED_GONE, link.row_id)
            if side == "right":
                return RecordPlan(**common, remove_row=True, forget=True)
            d = Decision(CHANGED_GONE, link.row_id, name, field="Whole contact", base=link.base.get("name", ""),
                         left=_summary(row.values), right="(deleted in QuickBooks)")
            problems = self._problems(row, row.values, check_parent=True)
            if problems:  # the question stays open (unmarked) beside what to fix, answered or not: no add yet
                return RecordPlan(**common, decisions=(d,), problems=problems, status=_status(problems))
            if side == "left":
                return RecordPlan(**dict(common, remote_id="", version=""), op="add", send=row.values,
                                  base=row.values)
            return RecordPlan(**common, decisions=(d,), status=STATUS_GONE_REVIEW)
        assert row is not None and there is not None
        return self._merge(case, row, link.base, there, link.remote_id, version, link=link)

    def _merge(self, case: Case, row: ContactRow, base: Values, there: Values, remote_id: str, version: str,
               link: Link | None = None) -> RecordPlan:
        common = dict(case=case, row_id=row.row_id, name=row.name or there.get("name", ""),
                      kind=there.get("kind", CUSTOMER), remote_id=remote_id, version=version)
        if row.problems:  # a formula or unstorable text in a cell: leave the whole contact as it is
            return RecordPlan(**common, problems=tuple(row.problems), status=_status(row.problems))
        m = merge(base, row.values, there, self.keys, self._resolver(row.row_id))
        if m.send:
            problems = list(self._problems(row, m.send, check_parent="name" in m.send, partial=True))
            if "kind" in m.send:
                problems.append(Problem("kind", f"cannot change once the contact is in QuickBooks; set it back "
                                                f"to {there.get('kind', CUSTOMER)}"))
            if problems:
                return RecordPlan(**common, problems=tuple(problems), status=_status(problems))
        shown = m.receive.get("name") or common["name"]  # the name the row has once this sync is done
        decisions = tuple(self._conflict_decision(row.row_id, shown, c) for c in m.conflicts)
        unchanged = (case is Case.UNCHANGED and link is not None and not link.flag
                     and link.version == version and not differs(m.base, base, self.keys))
        return RecordPlan(**common, op="update" if m.send else None, send=m.send, receive=m.receive,
                          base=None if unchanged else m.base, flag=PENDING if decisions else "",
                          decisions=decisions, status=STATUS_CONFLICT if decisions else "")


def _question(d: Decision) -> str:
    if d.kind == MATCH:
        return f"possible match with QuickBooks contact {d.right!r}"
    if d.kind == DUPLICATE:
        return f"possible duplicate in QuickBooks of {d.contact!r}"
    return d.field or d.kind


def _status(problems: Sequence[Problem]) -> str:
    p = problems[0]
    more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{field_label(p.field)} {p.message}{more}"


def _summary(values: Values) -> str:
    return " / ".join(x for x in (values.get("name"), values.get("phone"), values.get("email")) if x)


def replan(inp: PlanInput, record: RecordPlan, row: ContactRow | None, fresh: Values | None,
           listed: Listed | None) -> RecordPlan:
    """Plan one contact again after QuickBooks said its version was stale, with the record as it is now."""
    listing = dict(inp.listing)
    fetched = dict(inp.fetched)
    if listed is None:
        listing.pop(record.remote_id, None)
    else:
        listing[record.remote_id] = listed
        fetched[record.remote_id] = fresh or {}
    again = PlanInput(**{**inp.__dict__, "listing": listing, "fetched": fetched})
    builder = _Builder(again, _customer_names(inp.rows, again))
    link = inp.links.get(record.row_id)
    if link is not None:
        return builder.linked(link, row)
    if row is not None and listed is not None:
        return builder.both_new(row, record.remote_id)
    if row is not None:
        return builder.new_here(row)  # an add QuickBooks called stale: plan it again as the new row it is
    return RecordPlan(record.case, record.row_id, record.name, record.kind)
