"""Every row of the classification table (docs/sync.md), and the field-level merge."""

from __future__ import annotations

import pytest

from custmgr.classify import Case, classify, merge
from custmgr.contact import normalize_values

KEYS = ("kind", "name", "active", "phone", "email", "bill_line1", "bill_city")
BASE = normalize_values({"name": "Ada's Café", "phone": "555-0100", "email": "ada@example.com"})
HERE_CHANGED = {**BASE, "phone": "555-0199"}
THERE_CHANGED = {**BASE, "email": "ada@new.example.com"}


@pytest.mark.parametrize(("base", "here", "there", "case"), [
    (None, BASE, None, Case.NEW_HERE),
    (None, None, BASE, Case.NEW_THERE),
    (None, BASE, BASE, Case.BOTH_NEW),
    (BASE, BASE, BASE, Case.UNCHANGED),
    (BASE, HERE_CHANGED, BASE, Case.CHANGED_HERE),
    (BASE, BASE, THERE_CHANGED, Case.CHANGED_THERE),
    (BASE, HERE_CHANGED, THERE_CHANGED, Case.CHANGED_BOTH),
    (BASE, None, BASE, Case.DELETED_HERE),
    (BASE, None, THERE_CHANGED, Case.DELETED_HERE_CHANGED_THERE),
    (BASE, BASE, None, Case.GONE_THERE),
    (BASE, HERE_CHANGED, None, Case.CHANGED_HERE_GONE_THERE),
    (BASE, None, None, Case.DELETED_BOTH),
])
def test_every_row_of_the_table(base, here, there, case):
    assert classify(base, here, there, KEYS) is case


def test_a_field_outside_the_synced_keys_is_not_a_change():
    there = {**BASE, "custom:Unmapped": "x"}
    assert classify(BASE, BASE, there, KEYS) is Case.UNCHANGED


def test_empty_and_missing_are_the_same():
    assert classify(BASE, {**BASE, "fax": ""}, BASE, (*KEYS, "fax")) is Case.UNCHANGED


def never(_):
    raise AssertionError("no conflict expected")


def test_merge_takes_each_side_where_only_it_changed():
    m = merge(BASE, HERE_CHANGED, THERE_CHANGED, KEYS, never)
    assert m.send == {"phone": "555-0199"}
    assert m.receive == {"email": "ada@new.example.com"}
    assert m.base == {**BASE, "phone": "555-0199", "email": "ada@new.example.com"}
    assert not m.conflicts


def test_merge_same_new_value_on_both_sides_is_no_conflict():
    m = merge(BASE, HERE_CHANGED, HERE_CHANGED, KEYS, never)
    assert (m.send, m.receive, m.conflicts) == ({}, {}, ())
    assert m.base["phone"] == "555-0199"


def test_open_conflict_keeps_base_and_both_sides():
    there = {**BASE, "phone": "555-0222"}
    m = merge(BASE, HERE_CHANGED, there, KEYS, lambda c: None)
    assert [c.unit for c in m.conflicts] == ["phone"]
    assert m.base["phone"] == BASE["phone"]
    assert "phone" not in m.send and "phone" not in m.receive


@pytest.mark.parametrize(("side", "winner"), [("left", "555-0199"), ("right", "555-0222")])
def test_resolved_conflict_takes_the_chosen_side(side, winner):
    there = {**BASE, "phone": "555-0222"}
    m = merge(BASE, HERE_CHANGED, there, KEYS, lambda c: side)
    assert m.base["phone"] == winner
    assert (m.send.get("phone") or m.receive.get("phone")) == winner


def test_an_address_block_merges_as_one_unit():
    base = {**BASE, "bill_line1": "1 Main St", "bill_city": "Springfield"}
    here = {**base, "bill_line1": "2 Oak Ave"}
    there = {**base, "bill_city": "Shelbyville"}
    m = merge(base, here, there, KEYS, lambda c: None)
    assert [c.unit for c in m.conflicts] == ["bill_address"]
    assert m.conflicts[0].keys == ("bill_line1", "bill_city")


def test_sending_an_address_sends_the_whole_block():
    base = {**BASE, "bill_line1": "1 Main St", "bill_city": "Springfield"}
    here = {**base, "bill_line1": "2 Oak Ave"}
    m = merge(base, here, base, KEYS, never)
    assert m.send == {"bill_line1": "2 Oak Ave", "bill_city": "Springfield"}


def test_merge_with_empty_base_fills_blanks_and_flags_differences():
    here = normalize_values({"name": "X", "phone": "1"})
    there = normalize_values({"name": "X", "email": "x@example.com", "phone": "2"})
    m = merge({}, here, there, KEYS, lambda c: None)
    assert m.receive == {"email": "x@example.com"}
    assert [c.unit for c in m.conflicts] == ["phone"]
