"""The sync invariants of docs/sync.md, checked by a hypothesis state machine (after vdirsyncer's sync tests).

Each example pairs a new workbook with a new sandbox company (kept in memory; a small run and the deep one use
files) with Settings drawn at random (conflict default, add, delete and gone policies, vendors, inactive contacts,
backups kept; one custom field mapped to a column), then
interleaves edits in the workbook and in QuickBooks (hostile text included), Review answers, syncs (some with
QuickBooks failing part way: refused changes, locks, stale versions, a dropped connection) and undos. After every
sync it checks:

1. idempotence: a second sync with no edits changes nothing (Contacts, Review, state, QuickBooks);
2. convergence: every linked contact with no open question is equal on both sides and to its base, every other
   row says why in Sync Status, and every QuickBooks contact the Settings select is in a row;
3. no lost update: a merge unit edited on one side only ends with that value on both sides;
4. conflict safety: an open conflict leaves both sides and its base untouched;
5. failure safety: a contact whose write failed keeps its row and link, and the next sync without faults ends
   where a single sync without faults would have (run on a copy of both files);
6. undo: Contacts, Review and the links are exactly as they were before the sync undone.

Plain regression tests for what the machine found follow it; known limitations are xfail tests at the end.
"""

from __future__ import annotations

import contextlib
import copy
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from custmgr.company import SandboxCompany
from custmgr.contact import CUSTOMER, FIELD_KEYS, VENDOR, custom_key, name_key, normalize, units
from custmgr.contact_sheet import ROW_ID, expected_columns
from custmgr.errors import ConnectorError, NotFound, Retryable, StaleVersion, SyncRefused, Unavailable
from custmgr.outcomes import DROPPED, LOCAL, STATUS_CONFLICT
from custmgr.plan import SyncPlan
from custmgr.review import CONFLICT
from custmgr.settle import from_remote
from custmgr.state import Link
from custmgr.sync import sync, undo
from custmgr.workbook.port import Grid
from custmgr_sandbox.connector import SandboxConnector
from workbooks import reseed_row_ids

from .helpers import (
    Book,
    BookView,
    Pair,
    Record,
    RowView,
    add_row,
    copy_pair,
    delete_row,
    differing,
    make_pair,
    mark_review,
    put_back_after,
    read_book,
    read_company,
    set_cell,
    set_cells,
)

MAX_CONTACTS = 8
REGION = "Region"  # a QuickBooks custom field, mapped to a Contacts column of that name
KEYS = (*FIELD_KEYS, custom_key(REGION))
UNITS = units(KEYS)
# What a sync moved; "failed" is not among them: a write QuickBooks refuses (a name in use) fails again each time.
MOVED = ("imported", "sent", "received", "added", "made_inactive", "removed", "restored")

# Names and values a bookkeeper's data really holds: apostrophes, markup, leading = + - @ (formula bait),
# accents, leading zeros, stray spaces and line breaks; now and then one QuickBooks refuses (not Latin-1, too
# long), which must stay on its row with a message until it is fixed.
NAMES = ["Ada", "ada", "O'Brien & Sons", "<b>Bold</b> Ltd", "=Equals Co", "+Plus", "-Minus", "@At", "Café Zoë",
         "02134", "Acme", "Ωmega", "A name far too long for QuickBooks to hold it"]
HOSTILE = ["O'Brien", "A & B", "<b>x</b>", "=1+2", "+44 20", "-5", "@home", "Café", "Zoë Ünal", "02134",
           "  padded  ", "two\nlines", "#N/A", "TRUE", "1.50"]
REFUSED = ["€uro", "toolongforthisfield" * 3]
EDIT_FIELDS = ("name", "active", "company", "first_name", "last_name", "phone", "email", "bill_line1", "bill_city",
               "bill_state", "bill_postal_code", "notes", custom_key(REGION))
NEW_FIELDS = (*EDIT_FIELDS[1:], "kind", "middle_name")  # also set on new contacts (fixed once in QuickBooks)
FOCUS = ("name", "active", "first_name", "last_name", "phone", "notes")  # edited often, so both sides meet

names = st.sampled_from(NAMES)
fields = st.one_of(st.sampled_from(EDIT_FIELDS), st.sampled_from(FOCUS))
texts = st.one_of(st.sampled_from(HOSTILE * 5 + REFUSED), st.text(alphabet="aé'&<=+-@0 \n", max_size=6))


def value_for(key: str) -> st.SearchStrategy[str]:
    if key == "active":
        return st.sampled_from(["Yes", "No", "no", ""])
    if key == "kind":
        return st.sampled_from([CUSTOMER, CUSTOMER, VENDOR])
    if key == "name":
        return names
    return texts


field_values = st.sampled_from(NEW_FIELDS).flatmap(lambda k: st.tuples(st.just(k), value_for(k)))
contact_values = st.lists(field_values, max_size=3).map(dict)
ERRORS: dict[str, Callable[[], ConnectorError]] = {
    "retryable": lambda: Retryable("QuickBooks is busy (injected)"),
    "stale": lambda: StaleVersion("The provided edit sequence is out-of-date (injected)."),
    "unavailable": lambda: Unavailable("QuickBooks stopped answering (injected)"),
    "not found": lambda: NotFound("Object cannot be found (injected)"),
}
faults = st.one_of(
    st.tuples(st.sampled_from(sorted(ERRORS)), st.integers(0, 2), st.integers(1, 6)),
    st.tuples(st.just("outage"), st.integers(0, 2), st.just(1)),
)
Fault = tuple[str, int, int]
Pending = dict[str, dict[str, dict[str, str]]]  # row id -> side ("here"/"there") -> field -> value typed


def unit_keys(unit: str) -> tuple[str, ...]:
    return UNITS.get(unit, (unit,))


class SyncMachine(RuleBasedStateMachine):
    """Both sides of one pairing, edited at random between syncs."""

    IN_MEMORY = True  # the workbook and the company kept in memory, or files

    def __init__(self) -> None:
        super().__init__()
        reseed_row_ids()  # replaying an example replays its Row IDs too
        self.folder = Path(tempfile.mkdtemp(prefix="custmgr-stateful-"))
        self.pair: Pair | None = None
        self.view: BookView | None = None
        self.remote: dict[str, Record] = {}
        self.pending: Pending = {}  # edits since the contact last synced, to check nothing is lost
        self.undoable: list[tuple[BookView, Pending]] = []  # syncs with no edit since, newest last
        self.backups = 3
        self.kinds: tuple[str, ...] = (CUSTOMER,)
        self.include_inactive = False
        self.healthy = True  # False once a step failed: teardown then only cleans up

    # --- set-up and bookkeeping ---------------------------------------------------------------------------

    @initialize(conflicts=st.sampled_from(["Ask", "Ask", "Customer Manager wins", "QuickBooks wins"]),
                adds=st.sampled_from(["Ask", "Add to QuickBooks"]),
                deletes=st.sampled_from(["Ask", "Make inactive in QuickBooks"]),
                gone=st.sampled_from(["Mark row", "Remove row"]), backups=st.sampled_from([1, 3]),
                vendors=st.booleans(), inactive=st.booleans(),
                contacts=st.lists(st.tuples(names, contact_values), min_size=1, max_size=5),
                synced=st.sampled_from([True, True, False]))
    def start(self, conflicts: str, adds: str, deletes: str, gone: str, backups: int, vendors: bool,
              inactive: bool, contacts: list[tuple[str, dict[str, str]]], synced: bool) -> None:
        """A new pair; QuickBooks holds ``contacts`` (those it accepts), imported at once if ``synced``."""
        self.backups = backups
        self.kinds = (CUSTOMER, VENDOR) if vendors else (CUSTOMER,)
        self.include_inactive = inactive
        self.pair = make_pair(self.folder, custom_fields=[REGION], settings={
            "conflict_default": conflicts, "add_policy": adds, "delete_policy": deletes, "gone_policy": gone,
            "backups": str(backups), "kinds": "Customers and vendors" if vendors else "Customers",
            "include_inactive": "Yes" if inactive else "No"}, in_memory=self.IN_MEMORY)
        with SandboxCompany(self.pair.company) as store:
            for name, values in contacts:
                with contextlib.suppress(ConnectorError):  # refused (name in use, not Latin-1): never existed
                    store.add(name, values, kind=values.get("kind", CUSTOMER))
        self.refresh()
        if synced:
            self.sync(None)

    def refresh(self) -> None:
        assert self.pair is not None
        self.view = read_book(self.pair.book)
        self.remote = read_company(self.pair.company)

    @property
    def book(self) -> Book:
        assert self.pair is not None
        return self.pair.book

    def rows(self) -> list[RowView]:
        return self.view.rows if self.view else []

    def room(self) -> bool:
        """Whether a contact may be added: rows plus QuickBooks records in no row stay within MAX_CONTACTS."""
        assert self.view is not None
        linked = {link.remote_id for link in self.view.links.values()}
        return len(self.rows()) + sum(1 for r in self.remote if r not in linked) < MAX_CONTACTS

    def linked_row_id(self, remote_id: str) -> str | None:
        assert self.view is not None
        return next((rid for rid, link in self.view.links.items() if link.remote_id == remote_id), None)

    def note(self, row_id: str | None, side: str, key: str, value: str) -> None:
        assert self.view is not None
        link = self.view.links.get(row_id or "")
        if link is not None and link.remote_id and link.flag not in (LOCAL, DROPPED):
            self.pending.setdefault(link.row_id, {}).setdefault(side, {})[key] = value  # a side may be dropped

    def edited(self) -> None:
        """After any edit: undo could now discard it, so the machine stops undoing (the CLI would refuse)."""
        self.undoable.clear()
        self.refresh()

    # --- edits in the workbook ----------------------------------------------------------------------------

    @precondition(lambda self: self.rows())
    @rule(data=st.data())
    def edit_here(self, data: st.DataObject) -> None:
        edits = []
        for _ in range(data.draw(st.integers(1, 3), label="edits")):
            row = data.draw(st.sampled_from(self.rows()), label="row")
            key = data.draw(fields, label="field")
            value = data.draw(value_for(key), label="value")
            edits.append((row.number, key, value))
            self.note(row.row_id, "here", key, normalize(key, value))
        set_cells(self.book, edits)
        self.edited()

    @precondition(lambda self: self.room())
    @rule(name=names, values=contact_values)
    def add_here(self, name: str, values: dict[str, str]) -> None:
        add_row(self.book, {"name": name, **values})
        self.edited()

    @precondition(lambda self: self.rows())
    @rule(data=st.data())
    def delete_here(self, data: st.DataObject) -> None:
        row = data.draw(st.sampled_from(self.rows()), label="row")
        delete_row(self.book, row.number)
        self.pending.get(row.row_id, {}).pop("here", None)
        self.edited()

    @precondition(lambda self: self.view is not None and len(self.view.review) > 1)
    @rule(data=st.data())
    def mark(self, data: st.DataObject) -> None:
        assert self.view is not None
        number = data.draw(st.integers(2, len(self.view.review)), label="review row")
        left, right = data.draw(st.sampled_from([(True, False), (False, True), (True, True)]), label="accept")
        mark_review(self.book, number, left, right)
        self.edited()

    # --- edits in QuickBooks ------------------------------------------------------------------------------

    @precondition(lambda self: self.remote)
    @rule(data=st.data())
    def edit_there(self, data: st.DataObject) -> None:
        for _ in range(data.draw(st.integers(1, 3), label="edits")):
            record = data.draw(st.sampled_from(sorted(self.remote.values(), key=lambda r: r.remote_id)),
                               label="record")
            key = data.draw(fields, label="field")
            self.edit_record(record.remote_id, key, data.draw(value_for(key), label="value"))
        self.edited()

    def edit_record(self, remote_id: str, key: str, value: str) -> None:
        assert self.pair is not None
        with SandboxCompany(self.pair.company) as store:
            try:
                stored = store.modify_record(remote_id, None, {key: value})
            except ConnectorError:
                return  # QuickBooks refused the edit: nothing changed
        self.note(self.linked_row_id(remote_id), "there", key, from_remote(stored.values).get(key, ""))

    def linked_pairs(self) -> list[tuple[RowView, str]]:
        """Rows linked to a QuickBooks record that still exists, with its remote id."""
        assert self.view is not None
        links = self.view.links
        return [(r, links[r.row_id].remote_id) for r in self.rows()
                if r.row_id in links and links[r.row_id].remote_id in self.remote]

    @precondition(lambda self: self.linked_pairs())
    @rule(data=st.data())
    def edit_both(self, data: st.DataObject) -> None:
        """The same field of one contact edited on both sides: a conflict unless both typed the same."""
        row, remote_id = data.draw(st.sampled_from(self.linked_pairs()), label="contact")
        key = data.draw(st.sampled_from(FOCUS), label="field")
        here = data.draw(value_for(key), label="workbook value")
        there = data.draw(st.one_of(st.just(here), value_for(key)), label="QuickBooks value")
        set_cell(self.book, row.number, key, here)
        self.note(row.row_id, "here", key, normalize(key, here))
        self.edit_record(remote_id, key, there)
        self.edited()

    @precondition(lambda self: self.pair is not None and self.room())
    @rule(name=names, values=contact_values)
    def add_there(self, name: str, values: dict[str, str]) -> None:
        assert self.pair is not None
        with SandboxCompany(self.pair.company) as store:
            try:
                store.add(name, values, kind=values.get("kind", CUSTOMER))
            except ConnectorError:
                return
        self.edited()

    @precondition(lambda self: self.remote)
    @rule(data=st.data())
    def delete_there(self, data: st.DataObject) -> None:
        record = data.draw(st.sampled_from(sorted(self.remote.values(), key=lambda r: r.remote_id)),
                           label="record")
        assert self.pair is not None
        with SandboxCompany(self.pair.company) as store:
            store.delete_record(record.remote_id)
        self.pending.get(self.linked_row_id(record.remote_id) or "", {}).pop("there", None)
        self.edited()

    # --- sync and undo ------------------------------------------------------------------------------------

    @precondition(lambda self: self.pair is not None)
    @rule(fault=st.one_of(st.none(), st.none(), faults))
    def sync_now(self, fault: Fault | None) -> None:
        """A sync; with ``fault``, one QuickBooks fails part way, followed by one without faults: together they
        must end where a single sync without faults (on a copy of both files) ends."""
        if fault is None:
            self.sync(None)
            return
        assert self.pair is not None
        twin = copy_pair(self.pair, self.folder / "twin")
        if not self.sync(fault):
            return  # refused before QuickBooks was asked to change anything
        self.sync(None)
        sync(twin.book, backoff=0)
        assert self.view is not None
        alone = read_book(twin.book)
        skip = clashes(self.view, alone)
        assert outcome(self.view, self.remote, skip) == outcome(alone, read_company(twin.company), skip), (
            "after a failed sync, the next sync ends somewhere a sync with no failure would not")

    @precondition(lambda self: self.undoable)
    @rule()
    def undo_last(self) -> None:
        before, pending = self.undoable.pop()
        self.healthy = False
        undo(self.book)
        after = read_book(self.book)
        assert after.contacts == before.contacts, "undo must restore Contacts exactly"
        assert after.review == before.review, "undo must restore Review exactly"
        assert after.links == before.links, "undo must restore every link and base exactly"
        self.pending = pending
        self.healthy = True
        self.refresh()
        # QuickBooks keeps what the undone sync sent it: against the bases put back, those are edits made there
        # (the next sync brings them back, or finds a conflict with a field edited here again).
        for row_id, link in after.links.items():
            record = self.remote.get(link.remote_id) if link.remote_id else None
            if record is not None:
                there = from_remote(record.values)
                for key in KEYS:
                    if there.get(key, "") != link.base.get(key, ""):
                        self.note(row_id, "there", key, there.get(key, ""))

    def sync(self, fault: Fault | None) -> bool:
        """Sync and check every invariant; False if a guard refused the sync (which must change nothing)."""
        before, remote_before = self.view, self.remote
        assert before is not None
        pending_before = copy.deepcopy(self.pending)
        self.healthy = False
        try:
            _, plan = sync(self.book, backoff=0, connector_options=injecting(fault))
        except SyncRefused:
            self.refresh()
            assert self.view == before and self.remote == remote_before, "a refused sync must change nothing"
            self.healthy = True
            return False
        self.refresh()
        after = self.view
        assert after is not None
        check_conflicts_untouched(before, after, remote_before, self.remote, plan)
        check_failures_untouched(before, after, remote_before, self.remote, plan, fault)
        check_converged(after, self.remote, self.kinds, self.include_inactive)
        check_no_lost_update(self.pending, after, self.remote)
        if fault is None:
            check_idempotent(self.book, self.pair.company if self.pair else Path(), after, self.remote)
        self.undoable = [*self.undoable, (before, pending_before)][-self.backups:]
        self.healthy = True
        return True

    def teardown(self) -> None:
        try:
            if self.healthy and self.pair is not None:
                self.sync(None)  # whatever failed before, a sync without faults converges
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


# A name clash a sync only learns of from QuickBooks (a row it imports or brings back named like a row added or
# renamed here) is reported by that sync as a refused add, a conflict or nothing, and by the next sync as two rows
# with one name (see the xfail tests at the end). The comparisons below leave such rows out; all else must match.
NAME_CLASH = ("already in use", "is also used on row")


def clashes(*views: BookView) -> set[str]:
    """Names (as QuickBooks compares them) of rows any of ``views`` reports a name clash for."""
    return {name_key(r.values.get("name", "")) for view in views for r in view.rows
            if any(text in r.status for text in NAME_CLASH)}


def outcome(view: BookView, remote: dict[str, Record], skip: set[str]) -> tuple[list[str], list[str], list[str]]:
    """Rows, open questions and QuickBooks records as comparable text, leaving out ids, versions and the rows
    named in ``skip``."""
    rows = sorted(repr((sorted(r.values.items()), r.status)) for r in view.rows
                  if name_key(r.values.get("name", "")) not in skip)
    asked = sorted(repr((d.kind, d.contact, d.unit, d.base, d.left, d.right)) for d in view.decisions.values()
                   if name_key(d.contact) not in skip)
    records = sorted(repr(sorted(r.values.items())) for r in remote.values())
    return rows, asked, records


def sheets(view: BookView, skip: set[str]) -> tuple[Grid, Grid, dict[str, Link]]:
    """Contacts, Review and links, leaving out the contacts named in ``skip``."""
    ids = {r.row_id for r in view.rows if name_key(r.values.get("name", "")) in skip}
    header = [str(h or "") for h in view.contacts[0]]
    rid = header.index(expected_columns({})[ROW_ID])
    contacts = [row for row in view.contacts if rid >= len(row) or row[rid] not in ids]
    review_header = [str(h or "") for h in view.review[0]] if view.review else []
    key = review_header.index("Key") if "Key" in review_header else None
    review = [row for row in view.review
              if key is None or key >= len(row) or f"{row[key]}|".split("|")[1] not in ids]  # key: kind|row id|..
    links = {k: v for k, v in view.links.items() if k not in ids}
    return contacts, review, links


def injecting(fault: Fault | None) -> dict[str, object] | None:
    """Connector options that make the sync's own connector fail as ``fault`` says."""
    if fault is None:
        return None
    kind, at, count = fault

    def on_open(connector: SandboxConnector) -> None:
        if kind == "outage":
            connector.inject_outage(at)
        else:
            connector.inject(ERRORS[kind](), at=at, count=count)

    return {"on_open": on_open}


# --- the invariants ---------------------------------------------------------------------------------------------


def rows_before(before: BookView, plan: SyncPlan) -> dict[str, RowView]:
    """Rows as they were before the sync, by the Row ID they have after it (new rows got one from the sync)."""
    return {r.row_id or plan.new_row_ids.get(r.number, ""): r for r in before.rows}


def open_units(view: BookView, row_id: str) -> set[str]:
    return {d.unit for d in view.decisions_for(row_id) if d.kind == CONFLICT}


def settled(view: BookView, row_id: str) -> RowView | None:
    """The row of a linked contact with nothing asked about it but field conflicts, or None."""
    link = view.links.get(row_id)
    row = view.row(row_id)
    if link is None or not link.remote_id or link.flag in (LOCAL, DROPPED) or row is None:
        return None
    if row.status not in ("", STATUS_CONFLICT) or any(d.kind != CONFLICT for d in view.decisions_for(row_id)):
        return None
    return row


def check_converged(after: BookView, remote: dict[str, Record], kinds: tuple[str, ...], include_inactive: bool
                    ) -> None:
    """Invariant 2: apart from open conflicts, a settled contact is the same on both sides and in its base; every
    other row says why in Sync Status, and every QuickBooks contact the Settings select is in a row (or asked
    about on Review as a possible match or duplicate)."""
    for row_id, link in after.links.items():
        row = settled(after, row_id)
        if row is None:
            continue
        record = remote.get(link.remote_id)
        assert record is not None, f"{row.values.get('name')!r} is linked to a record QuickBooks no longer has"
        skip = {k for unit in open_units(after, row_id) for k in unit_keys(unit)}
        keys = tuple(k for k in KEYS if k not in skip)
        assert not differing(row.values, record.values, keys), (
            f"{row.values.get('name')!r} differs: workbook {row.values} vs QuickBooks {record.values}")
        assert not differing(row.values, link.base, keys), (
            f"{row.values.get('name')!r}: base {link.base} is not what both sides hold, {row.values}")
        assert link.version == record.version, f"{row.values.get('name')!r}: stored version is not current"
    for row in after.rows:
        link = after.links.get(row.row_id)
        if row.status or after.decisions_for(row.row_id) or (link is None and row.values["kind"] not in kinds):
            continue
        assert link is not None and link.remote_id, f"row {row.values.get('name')!r} has no status but is not " \
                                                    "in QuickBooks"
    linked = {link.remote_id for link in after.links.values()}
    linked |= {d.unit for d in after.decisions.values() if d.kind in ("match", "duplicate")}  # asked: not imported
    waiting = {name_key(r.values.get("name", "")) for r in after.rows if r.status}
    for record in remote.values():
        if record.values["kind"] in kinds and (include_inactive or record.values["active"] == "Yes"):
            assert record.remote_id in linked or name_key(record.values.get("name", "")) in waiting, (
                f"{record.values['kind'].lower()} {record.values.get('name')!r} is in no row")


def check_no_lost_update(pending: Pending, after: BookView, remote: dict[str, Record]) -> None:
    """Invariant 3: a unit edited on one side only since the contact last synced now holds that edit on both."""
    for row_id in list(pending):
        link = after.links.get(row_id)
        if link is None or not link.remote_id or link.flag in (LOCAL, DROPPED):
            del pending[row_id]  # no longer synced with QuickBooks: nothing to carry over
            continue
        row = settled(after, row_id)
        record = remote.get(link.remote_id)
        if row is None or record is None:
            continue  # still waiting (problem, failure or decision): the edits stay pending
        sides = pending[row_id]
        held = open_units(after, row_id)
        for unit, keys in UNITS.items():
            here = {k: v for k, v in sides.get("here", {}).items() if k in keys}
            there = {k: v for k, v in sides.get("there", {}).items() if k in keys}
            if not (here or there) or unit in held:
                continue
            if not (here and there):
                side = "workbook" if here else "QuickBooks"
                for k, v in (here or there).items():
                    assert row.values.get(k, "") == v == record.values.get(k, ""), (
                        f"{row.values.get('name')!r}: {k} = {v!r} edited in the {side} only, but the workbook "
                        f"has {row.values.get(k, '')!r} and QuickBooks {record.values.get(k, '')!r}")
            for k in keys:
                sides.get("here", {}).pop(k, None)
                sides.get("there", {}).pop(k, None)


def check_conflicts_untouched(before: BookView, after: BookView, remote_before: dict[str, Record],
                              remote_after: dict[str, Record], plan: SyncPlan) -> None:
    """Invariant 4: an open conflict's unit is unchanged in the row, in QuickBooks and in the base."""
    old_rows = rows_before(before, plan)
    for d in after.decisions.values():
        if d.kind != CONFLICT:
            continue
        row, old_row = after.row(d.row_id), old_rows.get(d.row_id)
        link, old_link = after.links.get(d.row_id), before.links.get(d.row_id)
        assert row is not None and old_row is not None, f"conflict {d.key} lost its row"
        keys = unit_keys(d.unit)
        assert not differing(row.values, old_row.values, keys), f"open conflict {d.key} changed the row"
        if link is None:  # a first match whose write failed: still unlinked, asked again next time
            assert old_link is None and row.status.startswith("Failed"), f"conflict {d.key} lost its link"
            continue
        record, old_record = remote_after.get(link.remote_id), remote_before.get(link.remote_id)
        assert record is not None and old_record is not None
        old_base = old_link.base if old_link else {}
        assert not differing(record.values, old_record.values, keys), f"open conflict {d.key} changed QuickBooks"
        assert not differing(link.base, old_base, keys), f"open conflict {d.key} moved the base"


def check_failures_untouched(before: BookView, after: BookView, remote_before: dict[str, Record],
                             remote_after: dict[str, Record], plan: SyncPlan, fault: Fault | None) -> None:
    """Invariant 5: a contact whose QuickBooks write failed keeps its row values and its link exactly."""
    old_rows = rows_before(before, plan)
    for row in after.rows:
        if not row.status.startswith("Failed"):
            continue
        assert fault is not None or "already in use" in row.status, (
            f"{row.values.get('name')!r} failed with no fault injected: {row.status}")
        old = old_rows[row.row_id]
        assert row.values == old.values, f"failed contact {row.values.get('name')!r} had its row changed"
        assert after.links.get(row.row_id) == before.links.get(row.row_id), "a failed contact's link moved"
        link = before.links.get(row.row_id)
        if link is not None and link.remote_id and (fault is None or fault[0] != "outage"):
            assert remote_after.get(link.remote_id) == remote_before.get(link.remote_id), (
                "a change QuickBooks refused was made anyway")
    for row_id, old_link in before.links.items():
        if before.row(row_id) is not None or after.row(row_id) is not None:
            continue
        link = after.links.get(row_id)
        if link is None or link == old_link:
            continue
        record = remote_after.get(link.remote_id)
        if link.flag == DROPPED:
            assert record is None or record.values.get("active") == "No", "dropped, yet active in QuickBooks"
        else:
            assert not differing(link.base, old_link.base, KEYS), "a deleted row's base moved with no decision"


def check_idempotent(book: Book, company: Path | str, after: BookView, remote: dict[str, Record]) -> None:
    """Invariant 1: syncing again with no edits changes nothing. The workbook is put back afterwards, so the
    machine's undo still undoes the sync under test."""
    with put_back_after(book):
        summary, plan = sync(book, backoff=0)
        again = read_book(book)
        moved = {k: getattr(summary, k) for k in MOVED if getattr(summary, k)}
        assert not moved, f"a second sync still did {moved}: {plan.describe()}"
        skip = clashes(after, again)
        contacts, review, links = sheets(after, skip)
        assert sheets(again, skip) == (contacts, review, links), "a second sync changed Contacts, Review or state"
        assert read_company(company) == remote, "a second sync changed QuickBooks"


class FileSyncMachine(SyncMachine):
    """The same machine on a workbook file and a company file, so the file ports take every step too."""

    IN_MEMORY = False


TestSyncInvariants = SyncMachine.TestCase
TestSyncInvariants.settings = settings(max_examples=40, stateful_step_count=12, deadline=None,
                                       suppress_health_check=[HealthCheck.too_slow])
TestSyncInvariantsOnFiles = FileSyncMachine.TestCase
TestSyncInvariantsOnFiles.settings = settings(max_examples=4, stateful_step_count=12, deadline=None,
                                              suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.slow
class TestSyncInvariantsDeep(FileSyncMachine.TestCase):
    settings = settings(max_examples=400, stateful_step_count=30, deadline=None, derandomize=False,
                        suppress_health_check=[HealthCheck.too_slow])


# --- regressions found by the machine ------------------------------------------------------------------------


@pytest.mark.parametrize("settled_first", [False, True])
def test_a_row_deleted_and_added_again_with_its_name_is_that_contact(tmp_path: Path, settled_first: bool) -> None:
    """With New contacts = Add to QuickBooks, the new row was added again under a name QuickBooks still had: the
    same doomed add every sync, exit 2 (deep profile seed 70411057319713729575828072730064805583)."""
    pair = make_pair(tmp_path, {"Ada": {"phone": "555-0100", "email": "ada@example.com"}, "Bob": {}},
                     {"add_policy": "Add to QuickBooks"})
    sync(pair.book, backoff=0)
    delete_row(pair.book, 2)
    if settled_first:
        sync(pair.book, backoff=0)  # the deletion is a question on Review first
    add_row(pair.book, {"name": "Ada", "phone": "555-0100", "bill_city": "Boston"})
    summary, _ = sync(pair.book, backoff=0)
    assert (summary.failed, summary.added, summary.sent) == (0, 0, 1)
    view = read_book(pair.book)
    (ada,) = [r for r in view.rows if r.values["name"] == "Ada"]
    assert ada.values["email"] == "ada@example.com"  # nothing the contact held is lost
    (there,) = [r for r in read_company(pair.company).values() if r.values["name"] == "Ada"]
    assert there.values["bill_city"] == "Boston"
    assert [row[0] for row in view.review[1:]] == []  # the deletion question went with the deleted row
    assert [link.row_id for link in view.links.values() if link.base.get("name") == "Ada"] == [ada.row_id]
    summary, _ = sync(pair.book, backoff=0)
    assert summary.outcome == "nothing to do"


def test_a_field_sent_then_undone_in_the_workbook_only_and_edited_again_is_a_conflict(tmp_path: Path) -> None:
    """Undo of the workbook alone leaves in QuickBooks what the sync sent: against the base put back, that is an
    edit made there, so editing the field again here is a conflict on Review, never a silent overwrite either way
    (explore profile: the machine's own bookkeeping had taken the workbook's second edit as the only one)."""
    pair = make_pair(tmp_path, {"Ada": {}})
    sync(pair.book, backoff=0)
    row = read_book(pair.book).rows[0]
    set_cell(pair.book, row.number, "company", "O'Brien")
    sync(pair.book, backoff=0)
    undo(pair.book)
    set_cell(pair.book, row.number, "company", "A & B")
    summary, _ = sync(pair.book, backoff=0)
    assert summary.conflicts_open == 1
    (record,) = read_company(pair.company).values()
    assert record.values["company"] == "O'Brien" and read_book(pair.book).rows[0].values["company"] == "A & B"


@pytest.mark.parametrize("first", ["Ada", "Bob"])
def test_a_name_given_up_and_taken_in_one_sync_moves_in_that_sync(tmp_path: Path, first: str) -> None:
    """One row renamed to the name another row gives up in the same sync: QuickBooks refused the rename when it
    went first, and the next sync sent it (CI seed, teardown: "a second sync still did {'sent': 1}")."""
    pair = make_pair(tmp_path, {"Ada": {}, "Bob": {}}, {})
    sync(pair.book, backoff=0)
    other = "Bob" if first == "Ada" else "Ada"
    rows = {r.values["name"]: r.number for r in read_book(pair.book).rows}
    set_cells(pair.book, [(rows[first], "name", other), (rows[other], "name", other + " Ltd")])
    summary, _ = sync(pair.book, backoff=0)
    assert (summary.failed, summary.sent) == (0, 2)
    assert sorted(r.values["name"] for r in read_company(pair.company).values()) == sorted([other, other + " Ltd"])
    summary, _ = sync(pair.book, backoff=0)
    assert summary.outcome == "nothing to do"


def test_two_names_swapped_in_one_sync_stay_refused_with_a_message(tmp_path: Path) -> None:
    """A swap never settles in QuickBooks (each name is in use while the other holds it): both renames are refused,
    each row says why, and nothing loops."""
    pair = make_pair(tmp_path, {"Ada": {}, "Bob": {}}, {})
    sync(pair.book, backoff=0)
    rows = {r.values["name"]: r.number for r in read_book(pair.book).rows}
    set_cells(pair.book, [(rows["Ada"], "name", "Bob"), (rows["Bob"], "name", "Ada")])
    summary, _ = sync(pair.book, backoff=0)
    assert sorted(r.values["name"] for r in read_company(pair.company).values()) == ["Ada", "Bob"]
    assert (summary.sent, summary.failed) == (0, 2)
    assert all("in use" in r.status for r in read_book(pair.book).rows), read_book(pair.book).rows


def test_a_row_added_again_whose_write_failed_keeps_the_old_link_until_it_goes_through(tmp_path: Path) -> None:
    """A new row named like a deleted row is that contact again: the old link is handed over only once the new
    row's write succeeds. It was dropped even when the write failed, so the next sync imported the contact as a
    second row and asked to add the first (deep profile, "customer 'Ada' is in no row")."""
    pair = make_pair(tmp_path, {"Café Zoë": {}, "Bob": {}}, {"conflict_default": "Customer Manager wins"})
    sync(pair.book, backoff=0)
    add_row(pair.book, {"name": "Café Zoë"})
    delete_row(pair.book, 2)
    (record,) = [r for r in read_company(pair.company).values() if r.values["name"] == "Café Zoë"]
    with SandboxCompany(pair.company) as store:
        store.modify_record(record.remote_id, None, {"name": "Ada"})
    summary, _ = sync(pair.book, backoff=0, connector_options=injecting(("not found", 0, 1)))
    assert summary.failed == 1
    summary, _ = sync(pair.book, backoff=0)
    assert (summary.sent, summary.imported, summary.decisions_open) == (1, 0, 0)
    assert sorted(r.values["name"] for r in read_book(pair.book).rows) == ["Bob", "Café Zoë"]
    assert sorted(r.values["name"] for r in read_company(pair.company).values()) == ["Bob", "Café Zoë"]
    assert sync(pair.book, backoff=0)[0].outcome == "nothing to do"


@pytest.mark.parametrize("gone", [False, True])
def test_a_deactivation_quickbooks_cannot_find_is_not_asked_about(tmp_path: Path, gone: bool) -> None:
    """"Object cannot be found" for a deleted row's deactivation is not QuickBooks refusing it (as an open balance
    is): the next sync reads the listing again and deactivates, or forgets a contact that is really gone (deep
    profile: the faulted run kept a "delete" question the fault-free twin never had)."""
    pair = make_pair(tmp_path, {"Acme": {}, "Bob": {}}, {"delete_policy": "Make inactive in QuickBooks"})
    sync(pair.book, backoff=0)
    delete_row(pair.book, 2)
    summary, _ = sync(pair.book, backoff=0, connector_options=injecting(("not found", 0, 1)))
    assert summary.failed == 1 and read_book(pair.book).review[1:] == []
    if gone:
        with SandboxCompany(pair.company) as store:
            store.delete("Acme")
    summary, _ = sync(pair.book, backoff=0)
    assert summary.decisions_open == 0 and summary.made_inactive == (0 if gone else 1)
    assert sync(pair.book, backoff=0)[0].outcome == "nothing to do"


def test_jobs_left_unread_after_a_lost_connection_catch_up_next_sync(tmp_path: Path) -> None:
    """The read of the jobs after a customer's rename is a catch-up: if QuickBooks stops answering then, the
    rename it already took is still saved, and the jobs follow at the next sync."""
    pair = make_pair(tmp_path, {"Ada": {}, "Ada:Kitchen": {}})
    sync(pair.book, backoff=0)
    parent = next(r for r in read_book(pair.book).rows if r.values["name"] == "Ada")
    set_cell(pair.book, parent.number, "name", "Ada Lovelace")
    calls = []

    def failing(self: SandboxConnector, ids: list[str]) -> list:
        calls.append(ids)  # only QuickBooks moved nothing: the sync's one read is the catch-up after its write
        raise Unavailable("QuickBooks stopped answering (injected)")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(SandboxConnector, "fetch", failing)
        summary, _ = sync(pair.book, backoff=0)
    assert summary.sent == 1 and len(calls) == 1
    assert sorted(r.values["name"] for r in read_book(pair.book).rows) == ["Ada Lovelace", "Ada:Kitchen"]
    sync(pair.book, backoff=0)
    assert sorted(r.values["name"] for r in read_book(pair.book).rows) == ["Ada Lovelace", "Ada Lovelace:Kitchen"]


def test_add_again_answered_for_a_row_quickbooks_cannot_take_stays_asked(tmp_path: Path) -> None:
    """Changed here, deleted in QuickBooks, Accept Left (add it again) on a row whose name QuickBooks cannot hold:
    the question vanished while the row had a problem and came back the next sync, so that sync changed Review
    (default profile seed 211898383954686137229877092545385343709)."""
    pair = make_pair(tmp_path, {"Ada": {}, "Bob": {}}, {})
    sync(pair.book, backoff=0)
    with SandboxCompany(pair.company) as store:
        store.delete("Ada")
    row = next(r for r in read_book(pair.book).rows if r.values["name"] == "Ada")
    set_cell(pair.book, row.number, "name", "A name far too long for QuickBooks to hold it")
    sync(pair.book, backoff=0)
    mark_review(pair.book, 2, True, False)
    summary, _ = sync(pair.book, backoff=0)
    assert summary.added == 0
    view = read_book(pair.book)
    assert len(view.review) == 2 and "too long" in next(r.status for r in view.rows if r.row_id == row.row_id)
    summary, _ = sync(pair.book, backoff=0)
    assert read_book(pair.book).review == view.review and summary.outcome == "needs attention"


def test_an_add_quickbooks_refused_for_its_name_is_asked_not_resent(tmp_path: Path) -> None:
    """A name QuickBooks keeps for a contact the workbook does not sync (a vendor here) is refused once; the add
    waits on Review until the row is renamed or the add is asked for again, instead of failing every sync."""
    pair = make_pair(tmp_path, {"Bob": {}}, {"add_policy": "Add to QuickBooks"})
    with SandboxCompany(pair.company) as store:
        store.add("Acme", kind=VENDOR)
    sync(pair.book, backoff=0)
    add_row(pair.book, {"name": "Acme"})
    summary, _ = sync(pair.book, backoff=0)
    assert summary.failed == 1
    for _ in range(2):
        summary, _ = sync(pair.book, backoff=0)
        assert (summary.failed, summary.outcome) == (0, "needs attention")
    row = next(r for r in read_book(pair.book).rows if r.values["name"] == "Acme")
    assert "already uses this name" in row.status
    set_cell(pair.book, row.number, "name", "Acme Customer")
    summary, _ = sync(pair.book, backoff=0)
    assert summary.added == 1
    assert "Acme Customer" in {r.values["name"] for r in read_company(pair.company).values()}


def test_a_contact_deleted_and_made_inactive_stays_settled(tmp_path: Path) -> None:
    """The link of a row deleted here and made inactive there kept flipping between settled and not, so every
    sync rewrote the state."""
    pair = make_pair(tmp_path, {"Ada": {}, "Bob": {}}, {"delete_policy": "Make inactive in QuickBooks"})
    sync(pair.book, backoff=0)
    delete_row(pair.book, 2)
    sync(pair.book, backoff=0)
    links = read_book(pair.book).links
    summary, _ = sync(pair.book, backoff=0)
    assert summary.outcome == "nothing to do"
    assert read_book(pair.book).links == links


def test_a_deactivation_whose_answer_was_lost_is_not_asked_about(tmp_path: Path) -> None:
    """QuickBooks made Ada inactive, then the connection dropped before it answered. The next sync used to ask
    "deleted here, changed in QuickBooks" about a change the sync had made itself."""
    pair = make_pair(tmp_path, {"Ada": {}, "Bob": {}, "Cy": {}}, {"delete_policy": "Make inactive in QuickBooks"})
    sync(pair.book, backoff=0)
    delete_row(pair.book, 2)
    delete_row(pair.book, 2)
    summary, _ = sync(pair.book, backoff=0, connector_options=injecting(("outage", 1, 1)))
    assert summary.failed == 2
    summary, _ = sync(pair.book, backoff=0)
    assert not read_book(pair.book).decisions
    assert {r.values["name"]: r.values["active"] for r in read_company(pair.company).values()} == {
        "Ada": "No", "Bob": "No", "Cy": "Yes"}


def test_undoing_a_confirmed_deactivation_does_not_ask_again(tmp_path: Path) -> None:
    """Undo puts the link back as before the deactivation; QuickBooks keeps the contact inactive, which is what
    the bookkeeper had confirmed, so the next sync settles it without a new question."""
    pair = make_pair(tmp_path, {"Ada": {}, "Bob": {}})
    sync(pair.book, backoff=0)
    delete_row(pair.book, 2)
    sync(pair.book, backoff=0)
    mark_review(pair.book, 2, left=True, right=False)
    summary, _ = sync(pair.book, backoff=0)
    assert summary.made_inactive == 1
    undo(pair.book)
    summary, _ = sync(pair.book, backoff=0)
    view = read_book(pair.book)
    assert not view.decisions and summary.decisions_open == 0
    assert [link.flag for link in view.links.values()].count(DROPPED) == 1


def test_an_add_answered_stale_is_planned_again(tmp_path: Path) -> None:
    """A stale answer to an add used to re-plan it as nothing at all: no add, no status, no message."""
    pair = make_pair(tmp_path, settings={"add_policy": "Add to QuickBooks"})
    add_row(pair.book, {"name": "Ada"})
    summary, _ = sync(pair.book, backoff=0, connector_options=injecting(("stale", 0, 1)))
    assert summary.added == 1
    assert [r.values["name"] for r in read_company(pair.company).values()] == ["Ada"]
    summary, _ = sync(pair.book, backoff=0, connector_options=None)
    assert summary.outcome == "nothing to do"


def test_deleting_the_last_row_can_be_confirmed_without_force(tmp_path: Path) -> None:
    """An empty Contacts sheet is refused when rows were synced before, but once the deletion is on Review the
    bookkeeper must be able to confirm it with a plain sync."""
    pair = make_pair(tmp_path, {"Ada": {}})
    sync(pair.book, backoff=0)
    delete_row(pair.book, 2)
    with pytest.raises(SyncRefused, match="no contacts"):
        sync(pair.book, backoff=0)
    sync(pair.book, backoff=0, force=True)
    mark_review(pair.book, 2, left=True, right=False)
    summary, _ = sync(pair.book, backoff=0)
    assert summary.made_inactive == 1
    assert [r.values["active"] for r in read_company(pair.company).values()] == ["No"]


def test_a_new_row_may_take_the_name_of_a_row_the_same_sync_removes(tmp_path: Path) -> None:
    """The duplicate-name check counted a row the sync was about to remove (deleted in QuickBooks), so the new
    row was only added by the sync after: a second sync with no edits still had work to do."""
    pair = make_pair(tmp_path, {"Ada": {}, "Bob": {}}, {"gone_policy": "Remove row", "add_policy": "Add to QuickBooks"})
    sync(pair.book, backoff=0)
    with SandboxCompany(pair.company) as store:
        store.delete("Ada")
    add_row(pair.book, {"name": "Ada", "phone": "555-0100"})
    summary, _ = sync(pair.book, backoff=0)
    assert (summary.removed, summary.added, summary.errors) == (1, 1, 0)
    summary, _ = sync(pair.book, backoff=0)
    assert summary.outcome == "nothing to do"


def test_a_conflict_names_the_contact_as_it_is_after_the_sync(tmp_path: Path) -> None:
    """Review showed a conflict under the contact's old name when the same sync brought in a rename made in
    QuickBooks; the next sync, with no edits, then rewrote the Review row with the new name."""
    pair = make_pair(tmp_path, {"Café Zoë": {"notes": "call first"}})
    sync(pair.book, backoff=0)
    set_cell(pair.book, 2, "notes", "call after 5")
    with SandboxCompany(pair.company) as store:
        store.edit("Café Zoë", {"name": "Café Zoë & Co", "notes": "email only"})
    sync(pair.book, backoff=0)
    review = read_book(pair.book).review
    assert [row[:2] for row in review[1:]] == [["Conflict", "Café Zoë & Co"]]
    sync(pair.book, backoff=0)
    assert read_book(pair.book).review == review


def test_a_new_row_may_take_the_name_a_rename_in_the_same_sync_gives_up(tmp_path: Path) -> None:
    """Adds go before updates, so adding a new "Acme" while renaming the old one failed as "name in use", and the
    add only went through on the sync after."""
    pair = make_pair(tmp_path, {"Acme": {}}, {"add_policy": "Add to QuickBooks"})
    sync(pair.book, backoff=0)
    set_cell(pair.book, 2, "name", "Acme Holdings")
    add_row(pair.book, {"name": "Acme"})
    summary, _ = sync(pair.book, backoff=0)
    assert (summary.sent, summary.added, summary.failed) == (1, 1, 0)
    assert sorted(r.values["name"] for r in read_company(pair.company).values()) == ["Acme", "Acme Holdings"]
    summary, _ = sync(pair.book, backoff=0)
    assert summary.outcome == "nothing to do"


def test_duplicate_name_messages_give_row_numbers_as_they_are_after_the_sync(tmp_path: Path) -> None:
    """The message named the other row by its number before the sync removed a row above it, so the next sync
    rewrote every such message."""
    pair = make_pair(tmp_path, {"Ada": {}, "Bob": {}}, {"gone_policy": "Remove row"})
    sync(pair.book, backoff=0)
    with SandboxCompany(pair.company) as store:
        store.delete("Ada")
    add_row(pair.book, {"name": "Cy"})
    add_row(pair.book, {"name": "cy"})
    summary, _ = sync(pair.book, backoff=0)
    assert summary.removed == 1
    view = read_book(pair.book)
    assert [(r.number, r.values["name"], r.status.split(";")[0]) for r in view.rows] == [
        (2, "Bob", ""), (3, "Cy", "Name is also used on row 4"), (4, "cy", "Name is also used on row 3")]
    sync(pair.book, backoff=0)
    assert read_book(pair.book).contacts == view.contacts


def test_the_duplicate_name_check_sees_renames_coming_from_quickbooks(tmp_path: Path) -> None:
    """A row's name after the sync is the one QuickBooks gave it. A new row taking the old name was refused as a
    duplicate, and one taking the new name failed as "name in use"; either way the next sync changed the row."""
    pair = make_pair(tmp_path, {"Ada": {}, "Bob": {}}, {"add_policy": "Add to QuickBooks"})
    sync(pair.book, backoff=0)
    with SandboxCompany(pair.company) as store:
        store.edit("Ada", {"name": "Ada Lovelace"})
        store.edit("Bob", {"name": "Robert"})
    add_row(pair.book, {"name": "Ada"})
    add_row(pair.book, {"name": "Robert"})
    summary, _ = sync(pair.book, backoff=0)
    assert (summary.received, summary.added, summary.failed, summary.errors) == (2, 1, 0, 1)
    statuses = sorted((r.values["name"], r.status) for r in read_book(pair.book).rows)
    assert [name for name, _ in statuses] == ["Ada", "Ada Lovelace", "Robert", "Robert"]
    assert "also used" in statuses[3][1] or "also used" in statuses[2][1]
    contacts = read_book(pair.book).contacts
    summary, _ = sync(pair.book, backoff=0)
    assert summary.outcome == "needs attention" and read_book(pair.book).contacts == contacts


def test_an_answer_whose_write_failed_stays_on_review(tmp_path: Path) -> None:
    """Accept Left on "Add to QuickBooks?" was used up even when the add failed (connection lost), so the next
    sync asked the same question again instead of adding the contact."""
    pair = make_pair(tmp_path, {"Bob": {}})
    sync(pair.book, backoff=0)
    add_row(pair.book, {"name": "Ada"})
    sync(pair.book, backoff=0)
    mark_review(pair.book, 2, left=True, right=False)
    summary, _ = sync(pair.book, backoff=0, connector_options=injecting(("outage", 0, 1)))
    assert summary.failed == 1
    assert [d.side for d in read_book(pair.book).decisions.values()] == ["left"]
    summary, _ = sync(pair.book, backoff=0)
    assert summary.added == 1 and not read_book(pair.book).decisions


def test_review_rows_keep_their_order_from_sync_to_sync(tmp_path: Path) -> None:
    """A first match's conflict moved above an older question once the contact was linked, so a sync with no
    edits reordered the Review sheet."""
    pair = make_pair(tmp_path, {"Ada": {"phone": "555-0100"}})
    add_row(pair.book, {"name": "Bob"})
    add_row(pair.book, {"name": "Ada", "phone": "555-0199"})
    sync(pair.book, backoff=0)
    review = read_book(pair.book).review
    assert [row[0] for row in review[1:]] == ["Add to QuickBooks?", "Conflict"]
    sync(pair.book, backoff=0)
    assert read_book(pair.book).review == review


@pytest.mark.parametrize("edit", ["renamed", "made inactive"])
def test_renaming_a_customer_renames_its_job_rows_in_the_same_sync(tmp_path: Path, edit: str) -> None:
    """QuickBooks renames (and makes inactive) a customer's jobs along with the customer: the job rows follow in
    the same sync, so the next one has nothing to do; undo puts all of it back."""
    pair = make_pair(tmp_path, {"Ada": {}, "Ada:Kitchen": {}, "Ada:Kitchen:Sink": {}, "Adam": {}})
    sync(pair.book, backoff=0)
    before = read_book(pair.book)
    parent = next(r for r in before.rows if r.values["name"] == "Ada")
    if edit == "renamed":
        set_cell(pair.book, parent.number, "name", "Ada Lovelace")
        want = ["Ada Lovelace", "Ada Lovelace:Kitchen", "Ada Lovelace:Kitchen:Sink", "Adam"]
    else:
        set_cell(pair.book, parent.number, "active", "No")
        want = ["Ada", "Ada:Kitchen", "Ada:Kitchen:Sink", "Adam"]
    edited = read_book(pair.book)
    summary, _ = sync(pair.book, backoff=0)
    after = read_book(pair.book)
    assert sorted(r.values["name"] for r in after.rows) == want
    active = {r.values["name"]: r.values["active"] for r in after.rows}
    assert active["Adam"] == "Yes" and (edit == "renamed") == (active[want[1]] == "Yes")
    assert (summary.sent, summary.received) == (1, 2)
    undo(pair.book)
    assert read_book(pair.book).contacts == edited.contacts and read_book(pair.book).links == before.links
    sync(pair.book, backoff=0)
    summary, _ = sync(pair.book, backoff=0)
    assert summary.outcome == "nothing to do"


@pytest.mark.parametrize("arriving", [
    "imported",  # the new QuickBooks contact is asked about as a possible duplicate of the renamed row, not imported
    "brought back",  # a row added with the deleted row's name is that contact again: nothing is brought back
])
def test_a_row_named_like_a_row_the_sync_brings_in_is_reported_at_once(tmp_path: Path, arriving: str) -> None:
    pair = make_pair(tmp_path, {"Ada": {}, "Bob": {}}, {"add_policy": "Add to QuickBooks"})
    sync(pair.book, backoff=0)
    if arriving == "imported":
        with SandboxCompany(pair.company) as store:
            store.add("Acme")
        set_cell(pair.book, 3, "name", "Acme")  # Bob renamed to the name of the new QuickBooks contact
    else:
        delete_row(pair.book, 2)
        sync(pair.book, backoff=0)
        mark_review(pair.book, 2, left=False, right=True)  # bring Ada's row back
        add_row(pair.book, {"name": "Ada", "phone": "555-0100"})
    sync(pair.book, backoff=0)
    contacts = read_book(pair.book).contacts
    sync(pair.book, backoff=0)
    assert read_book(pair.book).contacts == contacts
