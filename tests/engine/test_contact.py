"""normalize() is idempotent and canonical; validate() names the field and says what is wrong."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custmgr.contact import FIELD_KEYS, normalize, normalize_values, validate


@given(st.sampled_from(FIELD_KEYS), st.one_of(st.text(), st.integers(), st.floats(allow_nan=False),
                                              st.none(), st.booleans()))
def test_normalize_is_idempotent(key, value):
    once = normalize(key, value)
    assert normalize(key, once) == once


@pytest.mark.parametrize(("key", "raw", "want"), [
    ("phone", 5550100, "5550100"),
    ("bill_postal_code", 2134.0, "2134"),
    ("notes", "line 1  \r\nline 2\r\n", "line 1\nline 2"),
    ("name", "  Smith  :  Kitchen ", "Smith:Kitchen"),
    ("bill_state", "ca", "CA"),
    ("active", True, "Yes"),
    ("active", "inactive", "No"),
    ("kind", "vendor", "Vendor"),
    ("company", "A\tB\nC", "A B C"),
    ("email", None, ""),
    ("notes", dt.date(2026, 1, 2), "2026-01-02"),
])
def test_normalize(key, raw, want):
    assert normalize(key, raw) == want


def test_empty_is_missing_but_kind_and_active_always_present():
    assert normalize_values({"name": "X", "phone": "  "}) == {"name": "X", "kind": "Customer", "active": "Yes"}


def problems(**values):
    return {(p.field, p.message) for p in validate(normalize_values(values))}


def test_name_too_long_names_both_lengths():
    (field, msg), = problems(name="N" * 47)
    assert field == "name" and "47 > 41" in msg


def test_job_segments_are_checked_one_by_one_and_the_full_name_too():
    assert not problems(name="A" * 41 + ":" + "B" * 41)
    assert any("full name" in m for _, m in problems(name=":".join(["C" * 41] * 5) + "x"))


def test_colon_in_a_vendor_name():
    assert any("':'" in m for f, m in problems(name="Acme:Parts", kind="Vendor") if f == "name")


def test_more_than_five_levels():
    assert any("levels" in m for _, m in problems(name="a:b:c:d:e:f"))


def test_non_latin1_character_is_an_error_not_a_question_mark():
    (field, msg), = problems(name="Zoë Ltd", company="東京")
    assert field == "company" and "東" in msg


def test_control_characters():
    assert any("control" in m for f, m in problems(name="X", notes="a\x07b") if f == "notes")


def test_limits_can_be_loosened_by_a_connector():
    values = normalize_values({"name": "N" * 100})
    assert not validate(values, limits={"name": 500}, charset=None)


@settings(max_examples=300)
@given(st.lists(st.one_of(st.none(), st.text(max_size=12), st.text(alphabet="ab :,-", max_size=8),
                          st.integers(), st.floats(allow_nan=False, allow_infinity=False)),
                min_size=6, max_size=6))
def test_a_row_read_from_the_sheet_is_normalized_as_normalize_values_does(cells):
    """Reading Contacts answers plain text without a call per cell; what it gives must be ``normalize_values``'
    answer for every kind of cell (names with ':', states, Type and Active, spaces, numbers, control characters)."""
    from custmgr.contact import clean_text, normalize_values
    from custmgr.contact_sheet import ROW_ID, STATUS, ContactsSheet

    keys = ["name", "kind", "active", "bill_state", "notes", "phone"]
    columns = {ROW_ID: 0, **{k: i + 1 for i, k in enumerate(keys)}, STATUS: len(keys) + 1}
    sheet = ContactsSheet(header=[None] * (len(keys) + 2), rows=[["R1", *cells, None]], columns=columns, labels={})
    (row,) = sheet.contact_rows()
    raw = {k: clean_text(v)[0] if isinstance(v, str) else v for k, v in zip(keys, cells, strict=True)}
    assert row.values == normalize_values({k: v for k, v in raw.items() if v is not None or k in ("kind", "active")})
