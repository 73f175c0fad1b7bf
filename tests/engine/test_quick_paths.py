"""The quick paths a sync takes for every contact give exactly what the general code gives: plain text skips
``normalize``'s work, a state row is decoded without the general reader, and an unmoved link is written back as it
was read (a moved one is encoded afresh)."""

from __future__ import annotations

import json
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custmgr import sync as engine
from custmgr.contact import FIELD_KEYS, normalize
from custmgr.errors import WorkbookError
from custmgr.state import (
    FORMAT,
    STATE_SHEET,
    Link,
    SyncState,
    link_from_row,
    link_row,
    pairing_copy,
    state_grid,
    state_header,
)
from workbooks import paired
from workbooks import state as state_of

KEYS = [*FIELD_KEYS, "custom:Region", "custom:home_state"]


class Text(str):
    """A str that is not exactly ``str``, so ``normalize`` takes its general path."""


plain = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12)
near_plain = st.text(st.sampled_from([*"ab :xY", "\t", "\n", "\r", "é", "\x00", "\u00a0"]), max_size=8)


spellings = st.sampled_from(["Yes", "No", "yes", "Customer", "Vendor", "vendor", "CT", "ct", "Ct", "C1", "New York"])


@given(st.sampled_from(KEYS), st.one_of(plain, near_plain, spellings))
def test_plain_text_normalizes_as_the_general_path_does(key, text):
    assert normalize(key, text) == normalize(key, Text(text))


@pytest.mark.parametrize(("key", "text", "want"), [
    ("bill_state", "ca", "CA"), ("custom:home_state", "ny", "NY"), ("active", "no", "No"), ("kind", "vendor", "Vendor"),
    ("name", "Smith :Kitchen", "Smith:Kitchen"), ("name", "Smith: Kitchen", "Smith:Kitchen"),
    ("phone", " 555", "555"), ("phone", "5  55", "5 55"), ("notes", "a  b", "a  b"), ("active", "", "Yes"),
])
def test_text_that_is_not_canonical_still_is_normalized(key, text, want):
    assert normalize(key, text) == want


cells = st.one_of(st.none(), st.text(max_size=6), st.integers(-3, 3), st.floats(allow_nan=False, width=16))
bases = st.lists(st.text(st.sampled_from("ab é\n"), max_size=3), max_size=8)


@given(st.lists(cells, min_size=4, max_size=4), bases, st.lists(st.none(), max_size=3))
def test_a_state_row_reads_as_the_general_reader_reads_it(first, values, trailing):
    row = [*first, json.dumps(values, ensure_ascii=False, separators=(",", ":")), *trailing]
    keys = KEYS[:6]
    general = [*row, ""]  # an empty text cell after the base: not the quick path's shape, read the long way
    assert _read(row, keys) == _read(general, keys)


def _read(row: list, keys: list[str]) -> object:
    """The link, or the message of the error (a flag Customer Manager never writes is refused either way)."""
    try:
        return link_from_row(row, keys, 2)
    except WorkbookError as err:
        return str(err)


@pytest.mark.parametrize("text", ['{"a":"b"}', '"ab"', "[1,2]", '["a",null]', "[", "[[]]", '["a",]'])
def test_a_damaged_base_is_refused_with_its_row(text):
    """Refused when read, or (a base read lazily) when first looked at: a row cannot read as a damaged base."""
    with pytest.raises(WorkbookError) as err:
        link = link_from_row(["R1", "7", "1", None, text], KEYS, 9)
        assert link is not None and not link.is_base({"kind": "Customer"})
    assert "_cm_state" in str(err.value) and "9" in str(err.value) and "R1" in str(err.value)


def test_an_unmoved_link_is_written_back_as_read_and_a_moved_one_afresh():
    stored = '["Customer", "Acme",\n"Yes"]'  # valid, though not as Customer Manager spells it
    link = link_from_row(["R1", "7", "3", None, stored, None, None], KEYS, 2)
    assert link is not None and link.base == {"kind": "Customer", "name": "Acme", "active": "Yes"}
    assert link_row(link, KEYS) == ["R1", "7", "3", None, stored]
    assert link_row(link, [*KEYS, "custom:New"]) == ["R1", "7", "3", None, stored]  # a field added later
    moved = link.moved(version="4")
    assert link_row(moved, KEYS) == ["R1", "7", "4", None, '["Customer","Acme","Yes"]']
    changed = link.moved(base={**link.base, "phone": "555"})
    assert json.loads(link_row(changed, KEYS)[4])[KEYS.index("phone")] == "555"
    assert link_row(link, ["name", "kind"])[4] == '["Acme","Customer"]'  # other fields: encoded afresh


@pytest.mark.parametrize("stored", ['["Customer","Acme",""]', '["Customer","Acme","Yes","x"]'])
def test_a_base_with_trailing_blanks_or_more_values_than_fields_is_encoded_afresh(stored):
    undecoded = link_from_row(["R1", "7", "3", None, stored], KEYS[:3], 2)
    assert undecoded is not None and link_row(undecoded, KEYS[:3])[4] == stored  # never looked at: as read
    assert link_row(undecoded, KEYS[:4])[4] == json.dumps([undecoded.base.get(k, "") for k in KEYS[:3]],
                                                          separators=(",", ":")).replace(',""]', "]")
    link = link_from_row(["R1", "7", "3", None, stored], KEYS[:3], 2)
    assert link is not None and link.base
    assert link_row(link, KEYS[:3])[4] == json.dumps([link.base.get(k, "") for k in KEYS[:3]],
                                                     separators=(",", ":")).replace(',""]', "]")


def test_links_compare_by_what_they_say_not_how_it_was_stored():
    a = link_from_row(["R1", "7", "3", None, '["Customer"]'], KEYS, 2)
    assert a == Link("R1", "7", "3", {"kind": "Customer"})


def test_the_pairing_copy_is_kept_while_only_the_count_and_time_of_syncs_move():
    pair = {"company_id": "C1", "company_name": "Acme Books", "syncs": "4", "last_sync": "2026-01-01 10:00:00"}
    header = state_header({**pair, "format": FORMAT, "fields": json.dumps(KEYS)})
    kept = SyncState(dict(pair, syncs="5", last_sync="2026-01-02 09:00:00"), {}, header=header)
    assert state_grid(kept, KEYS)[1][0] is header
    for moved in ({"company_name": "Acme Books Ltd"}, {"keep apart|a|b": "keep apart"}):
        fresh = SyncState(dict(pair, **moved), {}, header=header)
        assert pairing_copy([state_grid(fresh, KEYS)[1][0]]) == {**pair, **moved, "format": FORMAT,
                                                                   "fields": json.dumps(KEYS)}
    other_fields = SyncState(dict(pair), {}, header=header)
    assert state_grid(other_fields, [*KEYS, "custom:New"])[1][0] != header


def test_a_sync_that_changes_nothing_leaves_the_state_sheet_as_it_was(tmp_path):
    book, _company = paired(tmp_path)
    engine.sync(book, backoff=0)
    part = state_part(book)
    before = zip_entry(book, part)
    summary, _ = engine.sync(book, backoff=0)
    assert summary.outcome == "nothing to do"
    assert zip_entry(book, part) == before  # not even inflated and deflated again
    assert state_of(book).sync_count == 3  # the pairing sheet counts every sync


def state_part(book):
    from custmgr.workbook.lossless import LosslessWorkbook

    port = LosslessWorkbook.open(book, writable=False)
    try:
        return port._sheet(STATE_SHEET).part
    finally:
        port.close()


def zip_entry(book, part):
    with zipfile.ZipFile(book) as z:
        info = z.getinfo(part)
        return info.CRC, info.compress_size, z.read(part)


@pytest.mark.parametrize("flag", ["pending", "local", "dropped"])
def test_a_flagged_link_written_back_as_read_keeps_its_flag_as_text(flag):
    """A link with an open question (or kept here, or dropped) that no sync moves is written back from its stored
    text: its flag must go into the cell as text, not as the enum (deep state machine: "the Flag value is a
    LinkFlag, which cannot be stored in a cell")."""
    link = link_from_row(["R1", "7", "3", flag, '["Customer","Acme","Yes"]'], KEYS[:3], 2)
    assert link is not None and link.stored is not None
    row = link_row(link, KEYS[:3])
    assert row[3] == flag and type(row[3]) is str
