"""The sync plan: a plain value saying, contact by contact, what the sync will do. Printing it is the dry run.

``make_plan`` only reads its inputs; what each contact's case comes to is the decision table of
``custmgr.outcomes``. Nothing is written until the sync carries the plan out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

from .classify import Case, Conflict, classify, differs, merge
from .connector import Company, Listed
from .contact import CUSTOMER, NO, UNIT_LABELS, Problem, Values, name_key, parent_name, units, validate
from .contact_sheet import ContactRow, field_label, new_row_id
from .guards import (
    check_guards,
    customer_names,
    flag_duplicate_names,
    removed_rows,
    row_name_keys,
    selected,
    synced_keys,
)
from .lookalike_plan import duplicates_among_new, duplicates_of_synced, match_new, values_after, warn_look_alikes
from .lookalikes import STATUS_MATCH, Pair
from .outcomes import (
    DROPPED,
    LOCAL,
    NOTHING_TO_DO,
    PENDING,
    STATUS_CONFLICT,
    SYNCED,
    Add,
    Ask,
    Deactivate,
    Do,
    Exchange,
    Forget,
    Import,
    Keep,
    KeepHere,
    MergeInto,
    Outcome,
    RemoveRow,
    Report,
    Restore,
    count,
    decide,
    problem_status,
)
from .review import (
    ADD,
    CHANGED_GONE,
    CONFLICT,
    DELETE,
    DELETED_CHANGED,
    DUPLICATE,
    MATCH,
    Decision,
    Kind,
    Side,
    detail_of,
    key_of,
)
from .settings import AddPolicy, ConflictDefault, DeletePolicy, GonePolicy, Settings
from .state import Link
from .summary import Counts

STATUS_ADD = "Not in QuickBooks yet: see Review"
STATUS_GONE = "Not in QuickBooks (deleted there)"
STATUS_GONE_REVIEW = "Deleted in QuickBooks: see Review"
STATUS_NAME_IN_USE = "Not in QuickBooks yet: QuickBooks already uses this name; see Review"
NAME_IN_USE = "name in use: "  # the detail of the Review row a refused add leaves


@dataclass(frozen=True, slots=True)
class RecordPlan:
    """Everything the sync will do for one contact: who it is, and one ``Outcome``."""

    case: Case
    row_id: str
    name: str
    kind: str = CUSTOMER
    remote_id: str = ""
    version: str = ""
    outcome: Outcome = NOTHING_TO_DO

    @property
    def acts(self) -> bool:
        """Whether the plan changes anything for this contact."""
        return self.outcome.acts

    def describe(self) -> str:
        """One line for the dry run."""
        out = self.outcome
        parts: list[str] = []
        if out.op == "add":
            parts.append("add to QuickBooks")
        elif out.op == "update":
            parts.append("send " + ", ".join(field_label(k) for k in sorted(out.send)))
        elif out.op == "deactivate":
            parts.append("make inactive in QuickBooks")
        elif isinstance(out, MergeInto):
            parts.append(f"merge into QuickBooks record {out.into}")
            if out.send:
                parts.append("then send " + ", ".join(field_label(k) for k in sorted(out.send)))
        if out.new_row is not None:
            parts.append("import into the workbook" if isinstance(out, Import) else "bring the row back")
        if out.receive:
            parts.append("receive " + ", ".join(field_label(k) for k in sorted(out.receive)))
        if out.remove_row:
            parts.append("remove the row")
        if out.forget and not out.remove_row:
            parts.append("forget the link")
        parts.extend(f"ask: {_question(d)}" for d in out.asks)
        parts.extend(f"{field_label(p.field)} {p.message}" for p in out.problems)
        return f"{self.name or self.row_id}: {self.case.value}: " + ("; ".join(parts) or "nothing to do")


@dataclass(frozen=True)
class SyncPlan:
    """The whole sync as data: one ``RecordPlan`` per contact, and the rows as planned (``rows``: the Contacts rows
    with the Row IDs given to rows that had none, ``new_row_ids``, and the name problems found across rows)."""

    company: Company
    records: tuple[RecordPlan, ...]
    new_row_ids: Mapping[int, str]  # sheet row number -> Row ID given to a row that had none
    first_sync: bool = False
    apart: frozenset[Pair] = frozenset()  # look-alike pairs the bookkeeper kept apart in this sync's answers
    rows: tuple[ContactRow, ...] = ()
    notes: tuple[str, ...] = ()  # for the summary: columns kept in this workbook only

    @property
    def decisions(self) -> list[Decision]:
        return [d for r in self.records for d in r.outcome.asks]

    @property
    def writes(self) -> list[RecordPlan]:
        """The records with a QuickBooks write, in plan order."""
        return [r for r in self.records if r.outcome.op]

    def counts(self) -> Counts:
        """What the sync would do, counted as the summary counts what it did (the dry run)."""
        c = Counts()
        for r in self.records:
            count(r.outcome, c, received=bool(r.outcome.receive))
        c.conflicts_open = sum(1 for d in self.decisions if d.kind == CONFLICT)
        c.decisions_open = len(self.decisions) - c.conflicts_open
        return c

    def describe(self) -> list[str]:
        return [r.describe() for r in self.records if r.acts or r.outcome.asks or r.outcome.problems]


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
    unsupported: Mapping[str, frozenset[str]] = field(default_factory=dict)  # kind -> fields it has no place for


def make_plan(inp: PlanInput) -> SyncPlan:
    """Classify every contact and decide what to do with it. ``inp`` is only read: the Row IDs given to new rows
    and the problems found across rows (two rows, one name) are in the plan's ``rows``."""
    rows = check_guards(inp)
    new_ids = {row.number: new_row_id() for row in rows if not row.row_id}
    rows = [ContactRow(r.number, r.row_id or new_ids[r.number], r.values, list(r.problems)) for r in rows]
    by_id = {r.row_id: r for r in rows}
    # Rows that read as their base: told by encoding the row as the base is stored, so that the bases of
    # contacts unchanged in the workbook are never decoded (most contacts, at most syncs).
    same = {r.row_id for r in rows if (link := inp.links.get(r.row_id)) is not None and link.is_base(r.values)}
    linked_remote = {link.remote_id for link in inp.links.values() if link.remote_id}
    pairing = match_new(rows, inp)
    matches = pairing.links
    name_keys = row_name_keys(rows)
    names = customer_names(rows, inp, same, name_keys)
    removed = removed_rows(rows, inp)
    flag_duplicate_names([r for r in rows if r.row_id not in removed], inp,
                          sorted(r.number for r in rows if r.row_id in removed), name_keys)
    builder = _Builder(inp, names, same)
    added_again = _deleted_and_added_again(rows, inp, set(matches.values()))
    taken_over = {link.row_id for link in added_again.values()}
    records: list[RecordPlan] = []
    every_kind = all(selected(kind, inp.settings) for kind in ("Customer", "Vendor"))
    for row_id, link in inp.links.items():
        if not every_kind and not selected((by_id[row_id].values if row_id in same else link.base).get(
                "kind", CUSTOMER), inp.settings):
            continue
        if row_id in taken_over:  # its contact is a new row's now
            records.append(RecordPlan(Case.DELETED_HERE, row_id, link.base.get("name", ""),
                                      link.base.get("kind", CUSTOMER), outcome=Forget()))
            continue
        records.append(builder.linked(link, by_id.get(row_id)))
    matched_remote = set(matches.values())
    after = values_after(records, by_id, inp)
    dup = duplicates_of_synced(after, inp, linked_remote | matched_remote | pairing.held)
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
                                      outcome=Ask((ask,), status=STATUS_MATCH)))
        else:
            records.append(builder.new_here(row))
    among = duplicates_among_new(records, by_id, inp, linked_remote | pairing.held | set(dup.asks) | set(dup.same))
    asks = {**among.found.asks, **dup.asks}
    for remote_id, listed in inp.listing.items():
        if remote_id in linked_remote or remote_id in matched_remote or remote_id in pairing.held \
                or remote_id in dup.same:
            continue
        if remote_id in asks:
            values = inp.fetched[remote_id]
            records.append(RecordPlan(Case.NEW_THERE, new_row_id(), values.get("name", ""),
                                      values.get("kind", CUSTOMER), remote_id, outcome=Ask((asks[remote_id],))))
            continue
        if not listed.active and not inp.settings.include_inactive:
            continue
        if remote_id in inp.fetched:
            records.append(builder.new_there(remote_id, listed, among.rows.get(remote_id)))
    records = warn_look_alikes(records, by_id, after, inp)
    return SyncPlan(inp.company, tuple(records), new_ids, inp.first_sync,
                    pairing.apart | dup.apart | among.found.apart, tuple(rows), _workbook_only(rows, inp))


def _workbook_only(rows: Sequence[ContactRow], inp: PlanInput) -> tuple[str, ...]:
    """One line naming the filled columns the connector has no place for: they stay in this workbook only."""
    unit_of = {k: unit for unit, keys in units(inp.keys).items() for k in keys}

    def label(key: str) -> str:
        return UNIT_LABELS.get(unit_of[key]) or field_label(key)

    lacking: dict[str, set[str]] = defaultdict(set)  # column label -> kinds the connector has no place for it
    for kind, keys in inp.unsupported.items():
        lacking.update({label(k): lacking[label(k)] | {kind} for k in keys if k in unit_of})
    filled = sorted({label(k) for r in rows for k in inp.unsupported.get(r.values.get("kind", CUSTOMER), ())
                     if k in unit_of and r.values.get(k)})
    if not filled:
        return ()
    named = [name if lacking[name] >= set(inp.settings.kinds)
             else f"{name} ({', '.join(sorted(k.lower() + 's' for k in lacking[name]))})" for name in filled]
    return (f"{', '.join(named)}: kept in this workbook only; the {inp.settings.connector} connector has no place "
            "for them in QuickBooks, so they are never sent or compared.",)


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


class _Builder:
    """Builds one ``RecordPlan`` per case; settings and Review decisions pick the branch."""

    def __init__(self, inp: PlanInput, customer_names: set[str], same: Collection[str] = ()) -> None:
        self.inp = inp
        self.customer_names = customer_names
        self.same = same  # Row IDs of rows that read exactly as their base
        self._by_kind: dict[str, tuple[str, ...]] = {}

    def keys(self, kind: str) -> tuple[str, ...]:
        """The fields compared and sent for a contact of ``kind``."""
        if kind not in self._by_kind:
            self._by_kind[kind] = synced_keys(self.inp, kind)
        return self._by_kind[kind]

    def _sendable(self, values: Values, kind: str) -> Values:
        held = self.inp.unsupported.get(kind)
        return {k: v for k, v in values.items() if k not in held} if held else values

    def _row_problems(self, row: ContactRow, kind: str) -> list[Problem]:
        """The row's own problems, less those in columns that stay in this workbook only."""
        held = self.inp.unsupported.get(kind)
        return [p for p in row.problems if p.field not in held] if held else row.problems

    # -- helpers ---------------------------------------------------------------------------------------------

    def _side(self, kind: Kind, row_id: str, unit: str = "", detail: str = "") -> Side | None:
        d = self.inp.decisions.get(key_of(kind, row_id, unit))
        if d is None or (detail and d.detail != detail):
            return None
        return d.side

    def _problems(self, row: ContactRow, values: Values, kind: str, *, check_parent: bool, partial: bool = False
                  ) -> tuple[Problem, ...]:
        problems = list(self._row_problems(row, kind))
        values = self._sendable(values, kind)
        problems += validate(values, limits=self.inp.limits, charset=self.inp.charset, partial=partial)
        name = values.get("name", "")
        parent = parent_name(name)
        if check_parent and parent and name_key(parent) not in self.customer_names:
            problems.append(Problem("name", f"contains ':' but there is no customer {parent!r}; QuickBooks uses "
                                            "':' for jobs (Customer:Job). Remove the ':' or add the customer first"))
        return tuple(problems)

    def _there(self, link: Link) -> Values:
        """The record as QuickBooks has it: fetched if its version moved, else the base (decoded only then)."""
        fetched = self.inp.fetched.get(link.remote_id)
        return link.base if fetched is None else fetched

    def _conflict_decision(self, row_id: str, name: str, c: Conflict) -> Decision:
        def show(vals: tuple[str, ...]) -> str:
            return " / ".join(v for v in vals if v) or "(blank)"

        label = UNIT_LABELS.get(c.unit) or field_label(c.keys[0])
        return Decision(CONFLICT, row_id, name, unit=c.unit, field=label, base=show(c.base), left=show(c.here),
                        right=show(c.there), detail=detail_of(c.here, c.there))

    def _resolver(self, row_id: str):
        default = {ConflictDefault.WORKBOOK_WINS: "left", ConflictDefault.QUICKBOOKS_WINS: "right"}.get(
            self.inp.settings.conflict_default)

        def resolve(c: Conflict) -> str | None:
            return self._side(CONFLICT, row_id, c.unit, detail_of(c.here, c.there)) or default

        return resolve

    # -- cases: each goes through the decision table (``custmgr.outcomes.decide``) ------------------------------

    def new_there(self, remote_id: str, listed: Listed, row_id: str | None = None) -> RecordPlan:
        values = self.inp.fetched[remote_id]
        assert decide(Case.NEW_THERE, SYNCED, None, False) is Do.IMPORT
        return RecordPlan(Case.NEW_THERE, row_id or new_row_id(), values.get("name", ""), values.get("kind", CUSTOMER),
                          remote_id, listed.version, Import(new_row=values, base=values))

    def new_here(self, row: ContactRow) -> RecordPlan:
        v = row.values

        def plan(outcome: Outcome) -> RecordPlan:
            return RecordPlan(Case.NEW_HERE, row.row_id, row.name, v.get("kind", CUSTOMER), outcome=outcome)

        kind = v.get("kind", CUSTOMER)
        problems = self._problems(row, v, kind, check_parent=True)
        if problems:  # whatever the answer: neither an add nor a link can be made of it
            return plan(Report(problems))
        side = self._side(ADD, row.row_id)
        refused = self.inp.decisions.get(key_of(ADD, row.row_id))
        # QuickBooks refused this very name last time: ask again instead of sending the same add forever.
        name_refused = side is None and refused is not None and refused.detail == f"{NAME_IN_USE}{row.name}"
        do = decide(Case.NEW_HERE, SYNCED, side, self.inp.settings.add_policy is AddPolicy.ADD and not name_refused)
        if do is Do.ADD:
            sent = self._sendable(v, kind)
            return plan(Add(send=sent, base=sent))
        if do is Do.KEEP_HERE:
            return plan(KeepHere(base=v))
        if name_refused:
            assert refused is not None
            return plan(Ask((replace(refused, accept_left=False, accept_right=False),), status=STATUS_NAME_IN_USE))
        summary = " / ".join(x for x in (v.get("company"), v.get("phone"), v.get("email")) if x)
        d = Decision(ADD, row.row_id, row.name, field="Whole contact", left=summary or row.name,
                     right="(not in QuickBooks)")
        return plan(Ask((d,), status=STATUS_ADD))

    def added_again(self, row: ContactRow, link: Link) -> RecordPlan:
        """A new row standing for the contact of a deleted row (``link``): merged with QuickBooks' record as a
        contact on both sides (an empty base), so nothing it holds is cleared and differences are asked."""
        there = self.inp.fetched.get(link.remote_id, link.base)
        listed = self.inp.listing[link.remote_id]
        rec = self._merge(Case.BOTH_NEW, row, {}, there, link.remote_id, listed.version)
        out = rec.outcome
        return rec if out.base is not None or out.problems else replace(rec, outcome=replace(out, base=dict(there)))

    def merge(self, rec: RecordPlan, row: ContactRow | None, into: str, listed: Listed) -> RecordPlan:
        """The bookkeeper said the new QuickBooks record ``into`` is this contact: merge this contact's record
        into it in QuickBooks. QuickBooks keeps the surviving record's own values, and the row follows that
        record in this same sync, merged against the base it had: the record's values come in where the row was
        not edited since, the row's edits go to the record that stays just after the merge (``send``), and a
        field edited on both sides is a conflict on Review."""
        link = self.inp.links[rec.row_id]
        there = self.inp.fetched[into]

        def plan(name: str, outcome: MergeInto) -> RecordPlan:
            return RecordPlan(rec.case, rec.row_id, name, rec.kind, link.remote_id,
                              self.inp.listing[link.remote_id].version, outcome)

        problems = tuple(self._row_problems(row, rec.kind)) if row else ()
        if row is None or problems:  # nothing to take from the row: the next sync settles it with the record
            return plan(rec.name, MergeInto(into=into, into_version=listed.version, base=dict(link.base),
                                            problems=problems, status=problem_status(problems) if problems else ""))
        keys = self.keys(rec.kind)
        m = merge(link.base, row.values, there, keys, self._resolver(row.row_id))
        send, base = dict(m.send), dict(m.base)
        if send:
            problems = self._problems(row, send, rec.kind, check_parent="name" in send, partial=True)
            if "kind" in send:
                problems += (Problem("kind", f"cannot change once the contact is in QuickBooks; set it back to "
                                             f"{there.get('kind', CUSTOMER)}"),)
            if problems:  # the row keeps its edits and the base the record's values: the next sync sends again
                base.update({k: there.get(k, "") for k in send})
                send = {}
        name = m.receive.get("name") or row.name
        asks = tuple(self._conflict_decision(row.row_id, name, c) for c in m.conflicts)
        status = problem_status(problems) if problems else STATUS_CONFLICT if asks else ""
        return plan(name, MergeInto(into=into, into_version=listed.version, send=send, receive=m.receive,
                                    base={k: v for k, v in base.items() if v}, flag=PENDING if asks else SYNCED,
                                    asks=asks, problems=problems, status=status))

    def both_new(self, row: ContactRow, remote_id: str) -> RecordPlan:
        there = self.inp.fetched[remote_id]
        listed = self.inp.listing[remote_id]
        return self._merge(Case.BOTH_NEW, row, {}, there, remote_id, listed.version)

    def linked(self, link: Link, row: ContactRow | None) -> RecordPlan:
        here = row.values if row else None
        # A contact kept only in this workbook has no QuickBooks side.
        listed = None if link.flag == LOCAL else self.inp.listing.get(link.remote_id)
        version = listed.version if listed is not None else ""
        same = row is not None and link.row_id in self.same
        kind = (here if same else link.base).get("kind", CUSTOMER)  # type: ignore[union-attr]
        keys = self.keys(kind)
        if (row is not None and not link.flag and version == link.version and link.remote_id not in self.inp.fetched
                and not self._row_problems(row, kind) and (same or not differs(row.values, link.base, keys))
                and decide(Case.UNCHANGED, SYNCED, None, False) is Do.MERGE):
            # The common case, kept cheap: neither side moved since the base (QuickBooks' version did not change),
            # so the merge the table calls for has nothing to move.
            return RecordPlan(Case.UNCHANGED, link.row_id, row.name, kind, link.remote_id, version)
        there = None if listed is None else self._there(link)
        case = classify(link.base, here, there, keys)
        question = _QUESTION.get(case)
        side = self._side(question, link.row_id) if question else None
        asked = self.inp.decisions.get(key_of(question, link.row_id)) if question else None  # open on Review
        settings = self.inp.settings
        acts = ((case is Case.DELETED_HERE and settings.delete_policy is DeletePolicy.MAKE_INACTIVE and asked is None)
                or (case is Case.GONE_THERE and settings.gone_policy is GonePolicy.REMOVE))
        do = decide(case, link.flag, side, acts)
        name = (here or there or link.base).get("name", "")

        def plan(outcome: Outcome, remote_id: str = link.remote_id, version: str = version) -> RecordPlan:
            return RecordPlan(case, link.row_id, name, link.base.get("kind", CUSTOMER), remote_id, version, outcome)

        if do is Do.MERGE:
            assert row is not None and there is not None
            return self._merge(case, row, link.base, there, link.remote_id, version, link=link)
        if do is Do.FORGET:
            return plan(Forget())
        if do is Do.KEEP_HERE:
            assert row is not None
            return RecordPlan(Case.UNCHANGED, link.row_id, row.name, outcome=KeepHere(base=here))
        if do is Do.KEEP:
            # A row deleted here whose contact was dropped stays dropped (or the flag flips each sync); a row whose
            # contact QuickBooks deleted stays, marked.
            return plan(Keep(flag=DROPPED) if case is Case.DELETED_HERE else Keep(status=STATUS_GONE))
        if do is Do.REMOVE_ROW:
            return plan(RemoveRow())
        if case in (Case.DELETED_HERE, Case.DELETED_HERE_CHANGED_THERE):
            assert there is not None
            if there.get("active") == NO and not differs(there, dict(link.base, active=NO), keys):
                # Inactive there and otherwise unchanged (made inactive by a sync whose answer was lost, or in
                # QuickBooks): both sides agree the contact is gone, so there is nothing to ask.
                return plan(Deactivate(op=None, base=there))
            if do is Do.DEACTIVATE:
                return plan(Deactivate(base=dict(link.base, active=NO)))
            if do is Do.RESTORE:
                return plan(Restore(new_row=there, base=there))
            d = Decision(question or DELETE, link.row_id, name, field="Whole contact", base=link.base.get("name", ""),
                         left="(row deleted)", right=_summary(there), note=asked.note if asked else "")
            return plan(Ask((d,), flag=PENDING))
        assert row is not None and case is Case.CHANGED_HERE_GONE_THERE and do in (Do.ADD, Do.ASK)
        d = Decision(CHANGED_GONE, link.row_id, name, field="Whole contact", base=link.base.get("name", ""),
                     left=_summary(row.values), right="(deleted in QuickBooks)")
        problems = self._problems(row, row.values, link.base.get("kind", CUSTOMER), check_parent=True)
        if problems:  # the question stays open (unmarked) beside what to fix, answered or not: no add yet
            return plan(Ask((d,), problems=problems, status=problem_status(problems)))
        if do is Do.ADD:
            sent = self._sendable(row.values, link.base.get("kind", CUSTOMER))
            return plan(Add(send=sent, base=sent), remote_id="", version="")
        return plan(Ask((d,), status=STATUS_GONE_REVIEW))

    def _merge(self, case: Case, row: ContactRow, base: Values, there: Values, remote_id: str, version: str,
               link: Link | None = None) -> RecordPlan:
        def plan(outcome: Outcome) -> RecordPlan:
            return RecordPlan(case, row.row_id, row.name or there.get("name", ""), there.get("kind", CUSTOMER),
                              remote_id, version, outcome)

        kind = there.get("kind", CUSTOMER)
        keys = self.keys(kind)
        if self._row_problems(row, kind):  # a formula or unstorable text in a cell: leave the contact as it is
            return plan(Report(tuple(self._row_problems(row, kind))))
        m = merge(base, row.values, there, keys, self._resolver(row.row_id))
        if m.send:
            problems = list(self._problems(row, m.send, kind, check_parent="name" in m.send, partial=True))
            if "kind" in m.send:
                problems.append(Problem("kind", f"cannot change once the contact is in QuickBooks; set it back "
                                                f"to {there.get('kind', CUSTOMER)}"))
            if problems:
                return plan(Report(tuple(problems)))
        shown = m.receive.get("name") or row.name or there.get("name", "")  # the row's name once this sync is done
        decisions = tuple(self._conflict_decision(row.row_id, shown, c) for c in m.conflicts)
        unchanged = (case is Case.UNCHANGED and link is not None and not link.flag
                     and link.version == version and not differs(m.base, base, keys))
        return plan(Exchange(send=m.send, receive=m.receive, base=None if unchanged else m.base, asks=decisions))


#: The Review question each case asks, whose answer picks the line of the decision table.
_QUESTION: dict[Case, Kind] = {Case.DELETED_HERE: DELETE, Case.DELETED_HERE_CHANGED_THERE: DELETED_CHANGED,
                                 Case.CHANGED_HERE_GONE_THERE: CHANGED_GONE}


def _question(d: Decision) -> str:
    if d.kind == MATCH:
        return f"possible match with QuickBooks contact {d.right!r}"
    if d.kind == DUPLICATE:
        return f"possible duplicate in QuickBooks of {d.contact!r}"
    return d.field or d.kind


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
    builder = _Builder(again, customer_names(inp.rows, again))
    link = inp.links.get(record.row_id)
    if link is not None:
        return builder.linked(link, row)
    if row is not None and listed is not None:
        return builder.both_new(row, record.remote_id)
    if row is not None:
        return builder.new_here(row)  # an add QuickBooks called stale: plan it again as the new row it is
    return RecordPlan(record.case, record.row_id, record.name, record.kind)  # nothing to do
