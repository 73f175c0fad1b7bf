"""A sync of a workbook kept in memory keeps the promises a sync of a file keeps: a workbook saved by someone else
after the sync read it is never saved over; before the QuickBooks writes that stops the sync with nothing written
(exit 1), after them it says exactly what QuickBooks took (exit 2); the next sync converges either way."""

from __future__ import annotations

from pathlib import Path

import pytest

from custmgr.errors import PartlySynced
from custmgr.sync import one_at_a_time, open_book, sync
from custmgr.workbook.disk import ChangedOnDisk
from custmgr.workbook.memory import MemoryWorkbook
from custmgr_sandbox.connector import SandboxConnector

from .helpers import Pair, make_pair, read_book, read_company, set_cell


@pytest.fixture
def pair(tmp_path: Path) -> Pair:
    pair = make_pair(tmp_path, {"Ada": {"phone": "555-0100"}, "Bob": {"notes": "old"}}, in_memory=True)
    sync(pair.book, backoff=0)
    set_cell(pair.book, 2, "phone", "555-0101")  # Ada: a write for the next sync
    return pair


def values(pair: Pair) -> dict[str, dict[str, str]]:
    return {r.values["name"]: r.values for r in read_book(pair.book).rows}


def remote(pair: Pair) -> dict[str, dict[str, str]]:
    return {r.values["name"]: r.values for r in read_company(pair.company).values()}


def test_a_save_elsewhere_before_the_quickbooks_writes_stops_the_sync_with_nothing_written(pair: Pair) -> None:
    qb_before = read_company(pair.company)

    def meanwhile(connector: SandboxConnector) -> None:  # the workbook was read; now someone else saves it
        set_cell(pair.book, 3, "notes", "typed meanwhile")

    with pytest.raises(ChangedOnDisk, match="saved by someone else"):
        sync(pair.book, backoff=0, connector_options={"on_open": meanwhile})
    assert read_company(pair.company) == qb_before
    assert values(pair)["Bob"]["notes"] == "typed meanwhile"
    sync(pair.book, backoff=0)
    assert remote(pair)["Ada"]["phone"] == "555-0101" and remote(pair)["Bob"]["notes"] == "typed meanwhile"


def test_a_save_elsewhere_during_the_quickbooks_writes_is_kept_and_the_sync_exits_2(pair: Pair) -> None:
    def meanwhile(connector: SandboxConnector) -> None:
        apply = connector.apply

        def apply_then_someone_saves(changes):  # type: ignore[no-untyped-def]
            answer = apply(changes)
            set_cell(pair.book, 3, "notes", "typed meanwhile")
            return answer

        connector.apply = apply_then_someone_saves  # type: ignore[method-assign]

    with pytest.raises(PartlySynced) as caught:
        sync(pair.book, backoff=0, connector_options={"on_open": meanwhile})
    assert "saved by someone else" in str(caught.value)
    assert "QuickBooks already has these changes from this sync: changed Phone of 'Ada'." in str(caught.value)
    assert values(pair)["Bob"]["notes"] == "typed meanwhile"  # their save stands
    sync(pair.book, backoff=0)
    assert values(pair)["Ada"]["phone"] == "555-0101" and remote(pair)["Bob"]["notes"] == "typed meanwhile"


def test_a_workbook_in_memory_is_opened_by_its_location_with_no_lock_file(pair: Pair, tmp_path: Path) -> None:
    book, path = open_book(pair.book, writable=False)
    assert isinstance(book, MemoryWorkbook) and path is None and not book.writable
    with one_at_a_time(pair.book):
        assert not list(tmp_path.iterdir())  # no lock file, no workbook file: nothing on disk
