"""A workbook in memory against a workbook file: the same engine operations (syncs, edits on both sides, Review
answers, refusals, undo, undo in QuickBooks) on a pair kept in memory and on a pair of files leave every sheet with
the same values, and raise the same errors. What must differ (record ids and versions, which carry the time; the
company's id; the times of syncs; where each side lives) is masked before comparing."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from custmgr.company import SandboxCompany
from custmgr.errors import CustmgrError
from custmgr.sync import open_book, status, sync, undo
from workbooks import repeatable_row_id, reseed_row_ids

from .helpers import Pair, add_row, delete_row, make_pair, mark_review, set_cell, set_cells

CONTACTS = {"Ada": {"phone": "555-0100", "email": "ada@example.com", "custom:Region": "North"},
            "Bob": {"company": "Bob's Bikes", "notes": "two\nlines"},
            "=Equals Co": {"bill_city": "Boston"}}
_MASKS = [
    (re.compile(r"[0-9A-F]{8}-\d{10}"), "<id>"),  # a record's id carries the time it was made
    (re.compile(r"\b\d{10}\b"), "<version>"),  # so does its edit sequence
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<company id>"),
    (re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?([+-]\d\d:\d\d)?"), "<time>"),
]


def masked(value: Any, pair: Pair) -> Any:
    if isinstance(value, str):
        for where, name in ((pair.book, "<book>"), (pair.company, "<company>")):
            value = value.replace(str(where), name).replace(Path(where).name, name)
        for pattern, mark in _MASKS:
            value = pattern.sub(mark, value)
    return value


def sheets(pair: Pair) -> dict[str, tuple[str, list[list[Any]]]]:
    """Every sheet (hidden ones too): its visibility and values, masked."""
    book, _ = open_book(pair.book, writable=False)
    return {masked(name, pair): (book.visibility(name), [[masked(v, pair) for v in row] for row in book.read(name)])
            for name in book.sheet_names()}


def outcome(step: Callable[[Pair], object], pair: Pair) -> object:
    """What ``step`` returned (a summary's counts and messages) or raised, masked."""
    try:
        result = step(pair)
    except CustmgrError as exc:
        return type(exc).__name__, masked(str(exc), pair)
    if isinstance(result, tuple):  # sync: (summary, plan)
        result = result[0]
    if hasattr(result, "messages"):
        return [masked(m, pair) for m in result.messages], result.outcome, result.sent, result.received
    return masked(repr(result), pair)


def edit_there(name: str, values: dict[str, str]) -> Callable[[Pair], object]:
    def step(pair: Pair) -> object:
        with SandboxCompany(pair.company) as store:
            return store.edit(name, values).values

    return step


STEPS: list[tuple[str, Callable[[Pair], object]]] = [
    ("first sync", lambda p: sync(p.book, backoff=0)),
    ("edits here", lambda p: set_cells(p.book, [(2, "phone", "=1+2"), (3, "notes", "a\x07b"),
                                                (4, "custom:Region", "  South  ")])),
    ("a new row", lambda p: add_row(p.book, {"name": "Cy", "email": "cy@example.com"})),
    ("edits there", edit_there("Bob", {"phone": "+44 20", "bill_city": "Zoë's Town"})),
    ("both sides", lambda p: (set_cell(p.book, 2, "email", "here@example.com"),
                              edit_there("Ada", {"email": "there@example.com"})(p))),
    ("sync with a conflict", lambda p: sync(p.book, backoff=0)),
    ("a row deleted", lambda p: delete_row(p.book, 3)),
    ("sync asking about it", lambda p: sync(p.book, backoff=0)),
    ("answers", lambda p: mark_review(p.book, 2, True, False)),
    ("a value Excel refuses", lambda p: set_cell(p.book, 2, "notes", "x" * 40_000)),
    ("sync of the answers", lambda p: sync(p.book, backoff=0)),
    ("status", lambda p: {k: v for k, v in status(p.book).items() if k != "workbook"}),
    ("undo", lambda p: undo(p.book)),
    ("sync again", lambda p: sync(p.book, backoff=0)),
    ("undo in QuickBooks", lambda p: undo(p.book, quickbooks=True, backoff=0)),
    ("undo with nothing left", lambda p: undo(p.book)),
    ("last sync", lambda p: sync(p.book, backoff=0)),
]


@pytest.mark.parametrize("adds", ["Ask", "Add to QuickBooks"])
def test_the_same_operations_leave_the_same_workbook_in_memory_as_on_file(tmp_path: Path, adds: str,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    for module in ("custmgr.contact_sheet", "custmgr.plan", "custmgr.transfer"):  # whatever the profile
        monkeypatch.setattr(f"{module}.new_row_id", repeatable_row_id)
    pairs = []
    for in_memory in (False, True):
        folder = tmp_path / ("memory" if in_memory else "file")
        folder.mkdir()
        reseed_row_ids()
        pairs.append(make_pair(folder, CONTACTS, {"add_policy": adds, "delete_policy": "Ask"}, custom_fields=["Region"],
                               in_memory=in_memory))
    on_file, in_memory = pairs
    assert sheets(in_memory) == sheets(on_file)
    for what, step in STEPS:
        results = []
        for pair in pairs:
            reseed_row_ids()  # the same Row IDs for the same new rows
            results.append(outcome(step, pair))
        assert results[1] == results[0], what
        assert sheets(in_memory) == sheets(on_file), what
