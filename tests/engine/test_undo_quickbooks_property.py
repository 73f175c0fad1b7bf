"""Undo in QuickBooks, as properties (hypothesis): for random companies (jobs too), workbooks, settings and edits
on both sides, ``sync`` then ``undo --quickbooks`` leaves

1. QuickBooks as it was before the sync on every record nobody touched since, and every touched one as it was
   touched (left alone);
2. the workbook (Contacts, Review, links and bases) exactly as before the sync;
3. with the undo failing part way (refused writes, locks, a dropped connection): the workbook still as the sync
   left it, every QuickBooks record either put back or as the sync left it, and the same undo run again completes;
4. a dry run afterwards plans the undone sync again (when nothing was touched since).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custmgr import sync as engine
from custmgr.company import SandboxCompany
from custmgr.contact import CUSTOMER, FIELD_KEYS, VENDOR, custom_key
from custmgr.errors import ConnectorError, Invalid, Retryable, SyncRefused
from custmgr_sandbox.connector import SandboxConnector
from workbooks import reseed_row_ids

from .helpers import add_row, delete_row, differing, make_pair, read_book, read_company, set_cells

REGION = "Region"
KEYS = (*FIELD_KEYS, custom_key(REGION))
NAMES = ["Ada", "Bea", "Ada:Patio", "Ada:Patio:Phase 2", "Bea:Roof", "O'Brien & Sons", "<b>Bold</b> Ltd", "+Plus",
         "-Minus", "@At", "Café Zoë", "02134", "Acme", "Ωmega", "A name far too long for QuickBooks to hold it"]
FIELDS = ("name", "active", "company", "first_name", "phone", "email", "bill_city", "bill_state", "notes",
          custom_key(REGION))
TEXTS = ["O'Brien", "A & B", "<b>x</b>", "+44 20", "-5", "@home", "Café", "02134", "  padded  ", "two\nlines",
         "#N/A", "TRUE", "", "€uro"]


def value_for(key: str) -> st.SearchStrategy[str]:
    if key == "active":
        return st.sampled_from(["Yes", "No"])
    if key == "name":
        return st.sampled_from(NAMES)
    return st.sampled_from(TEXTS)


edit = st.sampled_from(FIELDS).flatmap(lambda k: st.tuples(st.just(k), value_for(k)))
contact = st.tuples(st.sampled_from(NAMES), st.lists(edit, max_size=3).map(dict),
                    st.sampled_from([CUSTOMER, CUSTOMER, VENDOR]))
FAULTS = {"refused": lambda: Invalid("phone", "refused (injected)"),
          "locked": lambda: Retryable("QuickBooks is busy (injected)")}
fault = st.one_of(st.none(), st.tuples(st.sampled_from(["refused", "locked", "outage"]), st.integers(0, 3),
                                       st.integers(1, 6)))


def injecting(chosen: tuple[str, int, int] | None) -> dict[str, object] | None:
    if chosen is None:
        return None
    kind, at, count = chosen

    def on_open(connector: SandboxConnector) -> None:
        if kind == "outage":
            connector.inject_outage(at)
        else:
            connector.inject(FAULTS[kind](), at=at, count=count)

    return {"on_open": on_open}


def workbook_of(book: Path | str, versions: bool = True):
    """Contacts, Review and links; without ``versions`` the links' versions are left out (an undo gives a link
    the version its own write left when QuickBooks holds the base again, so the next sync need not read it)."""
    view = read_book(book)
    links = view.links if versions else {k: (v.remote_id, v.base, v.flag) for k, v in view.links.items()}
    return view.contacts, view.review, links


def sync_then_undo(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    reseed_row_ids()  # replaying an example replays its Row IDs too
    folder = tmp_path_factory.mktemp("undo")
    policies = {"add_policy": data.draw(st.sampled_from(["Ask", "Add to QuickBooks"]), label="adds"),
                "delete_policy": data.draw(st.sampled_from(["Ask", "Make inactive in QuickBooks"]), label="deletes"),
                "conflict_default": data.draw(st.sampled_from(["Ask", "Customer Manager wins", "QuickBooks wins"]),
                                              label="conflicts"),
                "kinds": "Customers and vendors"}
    pair = make_pair(folder, custom_fields=[REGION], settings=policies, in_memory=True)
    with SandboxCompany(pair.company) as store:
        for name, values, kind in data.draw(st.lists(contact, min_size=1, max_size=5), label="company"):
            with contextlib.suppress(ConnectorError):
                store.add(name, values, kind=kind)
    engine.sync(pair.book, backoff=0)

    # Edits on both sides, then the sync to undo.
    rows = len(read_book(pair.book).rows)
    if rows:
        edits = data.draw(st.lists(st.tuples(st.integers(2, rows + 1), edit), max_size=4), label="workbook edits")
        set_cells(pair.book, [(row, key, value) for row, (key, value) in edits])
    for name, values, kind in data.draw(st.lists(contact, max_size=2), label="new rows"):
        add_row(pair.book, {"name": name, "kind": kind, **values})
    if rows and data.draw(st.booleans(), label="delete a row"):
        delete_row(pair.book, data.draw(st.integers(2, rows + 1), label="deleted row"))
    ids = sorted(read_company(pair.company))
    qb_edits = data.draw(st.lists(st.tuples(st.sampled_from(ids), edit), max_size=3), label="QuickBooks edits") \
        if ids else []
    with SandboxCompany(pair.company) as store:
        for remote_id, (key, value) in qb_edits:
            with contextlib.suppress(ConnectorError):
                store.modify_record(remote_id, None, {key: value})
    before_unversioned, before_qb = workbook_of(pair.book, versions=False), read_company(pair.company)
    before_links = read_book(pair.book).links
    try:
        _, planned = engine.sync(pair.book, dry_run=True)  # the plan, before QuickBooks answers any write
        engine.sync(pair.book, backoff=0)
    except SyncRefused:
        return  # a guard refused the sync (every row deleted): it changed nothing, so there is nothing to undo
    after_book, after_qb = workbook_of(pair.book), read_company(pair.company)

    # Someone works in QuickBooks after the sync: those records must be left alone.
    touched: set[str] = set()
    written = sorted(r for r in after_qb if r not in before_qb or after_qb[r] != before_qb[r])
    if written and data.draw(st.booleans(), label="touch one since"):
        remote_id = data.draw(st.sampled_from(written), label="touched")
        with SandboxCompany(pair.company) as store:
            store.modify_record(remote_id, None, {"fax": "555-0199"})
        touched.add(remote_id)
    touched_qb = read_company(pair.company)

    chosen = data.draw(fault, label="fault")
    summary = engine.undo(pair.book, quickbooks=True, backoff=0, connector_options=injecting(chosen))
    if summary.outcome == "partly failed":
        assert chosen is not None, summary.messages
        assert workbook_of(pair.book) == after_book, "a failed undo must leave the workbook as the sync left it"
        for remote_id, record in read_company(pair.company).items():
            assert record.values in (before_qb.get(remote_id, record).values, touched_qb[remote_id].values), (
                f"{record.values} is neither as before the sync nor as after it")
        summary = engine.undo(pair.book, quickbooks=True, backoff=0)
    assert summary.outcome == "ok", summary.messages

    now = read_company(pair.company)
    for remote_id, record in touched_qb.items():
        if remote_id in touched:
            assert now[remote_id].values == record.values, "a record changed since the sync was not left alone"
        elif remote_id in before_qb:
            assert now.get(remote_id) and now[remote_id].values == before_qb[remote_id].values, (
                "QuickBooks was not put back")
        else:
            assert remote_id not in now, "a contact the sync added is still in QuickBooks"
    assert workbook_of(pair.book, versions=False) == before_unversioned, "the workbook is not as before the sync"
    for row_id, link in read_book(pair.book).links.items():
        old = before_links[row_id]
        if link.version != old.version:  # given the undo's version: only where QuickBooks holds the base again
            record = now[link.remote_id]
            assert link.version == record.version and not differing(record.values, link.base, KEYS), (
                f"{link.base.get('name')!r}: the link took a version whose record is not its base")
    if not touched:
        _, again = engine.sync(pair.book, dry_run=True)
        assert sorted(again.describe()) == sorted(planned.describe()), "the next sync does not plan the undone one"


_CHECKS = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
test_sync_then_undo_in_quickbooks = settings(max_examples=25, deadline=None, suppress_health_check=_CHECKS)(
    given(data=st.data())(sync_then_undo))
test_sync_then_undo_in_quickbooks_deep = pytest.mark.slow(settings(
    max_examples=400, deadline=None, derandomize=False, suppress_health_check=_CHECKS)(
    given(data=st.data())(sync_then_undo)))
