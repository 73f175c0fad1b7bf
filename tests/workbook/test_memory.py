"""MemoryWorkbook: the port suite, reopened from what was saved at its location on every round trip; what only a
workbook in memory does; and the same writes through it and through the lossless file port read back the same."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custmgr.errors import WorkbookError
from custmgr.workbook.disk import ChangedOnDisk
from custmgr.workbook.lossless import LosslessWorkbook
from custmgr.workbook.memory import Dropdown, MemoryWorkbook, Table, in_memory
from custmgr.workbook.port import CellValue, Formula, WorkbookPort

from .port_suite import REFUSED_TEXT, TRICKY_TEXT, MakePort, PortSuite, Reopen
from .test_lossless import blank


class TestMemoryWorkbook(PortSuite):
    @pytest.fixture
    def make_port(self) -> MakePort:
        return lambda folder: MemoryWorkbook.new()

    @pytest.fixture
    def reopen(self) -> Reopen:
        def _reopen(port: WorkbookPort) -> WorkbookPort:
            assert isinstance(port, MemoryWorkbook)
            port.save()
            return MemoryWorkbook.open(port.location)  # what was saved, not what the old port holds

        return _reopen


def saved(*rows: list[CellValue]) -> MemoryWorkbook:
    book = MemoryWorkbook.new()
    book.add_sheet("Data")
    book.write("Data", list(rows))
    book.save()
    return book


# ------------------------------------------------------------------------------------------- locations and saving


def test_reopening_gives_what_was_saved_not_what_a_port_holds() -> None:
    book = saved(["Name"], ["Ann"])
    book.write("Data", [["Name"], ["Bob"]])
    book.add_sheet("Unsaved")
    again = MemoryWorkbook.open(book.location)
    assert again.read("Data") == [["Name"], ["Ann"]] and again.sheet_names() == ["Data"]
    book.save()
    assert MemoryWorkbook.open(book.location).read("Data") == [["Name"], ["Bob"]]


def test_a_new_workbook_is_not_there_until_saved_and_a_location_is_not_reused() -> None:
    book = MemoryWorkbook.new()
    assert in_memory(book.location) and book.path is None
    with pytest.raises(WorkbookError, match="no workbook in memory"):
        MemoryWorkbook.open(book.location)
    with pytest.raises(WorkbookError, match="already holds a workbook"):
        MemoryWorkbook.new(book.location)
    for bad in ("book.xlsx", "memory:"):
        with pytest.raises(WorkbookError, match="not a location in memory"):
            MemoryWorkbook.open(bad)


def test_the_content_lasts_while_a_workbook_open_there_is_alive() -> None:
    book = saved(["Name"])
    location = book.location
    kept = MemoryWorkbook.open(location)
    del book  # CPython frees it at once: nothing refers to it any more
    assert MemoryWorkbook.open(location).read("Data") == [["Name"]]
    del kept
    with pytest.raises(WorkbookError, match=f"no workbook in memory at {location}"):
        MemoryWorkbook.open(location)


def test_a_save_over_another_workbooks_save_is_refused_and_keeps_theirs() -> None:
    first = saved(["Name"], ["Ann"])
    second = MemoryWorkbook.open(first.location)
    first.write("Data", [["Name"], ["Bob"]])
    first.save()
    second.write("Data", [["Name"], ["Cy"]])
    with pytest.raises(ChangedOnDisk, match="saved by someone else"):
        second.check_save()
    with pytest.raises(ChangedOnDisk):
        second.save()
    assert MemoryWorkbook.open(first.location).read("Data") == [["Name"], ["Bob"]]
    first.write("Data", [["Name"], ["Dee"]])
    first.save()  # the one that saved last may save again
    assert MemoryWorkbook.open(first.location).read("Data") == [["Name"], ["Dee"]]


def test_a_refused_save_leaves_the_saved_content_as_it_was() -> None:
    book = saved(["Name"], ["Ann"])
    reader = MemoryWorkbook.open(book.location, writable=False)
    reader.write("Data", [["Name"], ["Bob"]])
    with pytest.raises(WorkbookError, match="read-only"):
        reader.save()
    empty = MemoryWorkbook.new()
    with pytest.raises(WorkbookError, match="has no sheets"):
        empty.save()
    assert MemoryWorkbook.open(book.location).read("Data") == [["Name"], ["Ann"]]


def test_save_as_copies_and_replaces() -> None:
    book = saved(["Name"], ["Ann"])
    copy = MemoryWorkbook.open(book.location)
    copy.save_as("memory:copy-of-test")
    copy.write("Data", [["Name"], ["Bob"]])
    copy.save()
    assert MemoryWorkbook.open(book.location).read("Data") == [["Name"], ["Ann"]]
    snapshot = MemoryWorkbook.open(book.location)
    book.write("Data", [["Name"], ["Cy"]])
    book.save()
    snapshot.save_as(book.location)  # put back as it was, over the newer save
    assert MemoryWorkbook.open(book.location).read("Data") == [["Name"], ["Ann"]]
    book.write("Data", [])
    with pytest.raises(ChangedOnDisk):
        book.save()


# ------------------------------------------------------------------------------------------- formatting kept


def test_tables_columns_dropdowns_and_frozen_header_are_kept() -> None:
    book = saved(["Name", "Accept"], ["Ann", None])
    book.set_table("Data", "Contacts", 2, 2)
    book.set_table("Data", "contacts", 5, 2)  # the same table (names ignore case), resized
    book.set_column("Data", 1, width=30, hidden=True)
    book.set_column("Data", 1, hidden=False)
    book.set_dropdown("Data", 2, 2, 20, ["Yes", "No"])
    book.set_dropdown("Data", 2, 5, 9, ["Maybe"])
    book.set_dropdown("Data", 2, 15, 30, [])
    book.freeze_header("Data")
    book.save()
    again = MemoryWorkbook.open(book.location)
    assert again.tables("Data") == [Table("Contacts", 5, 2)]
    assert again.columns("Data") == ({1: 30}, set())
    assert sorted(again.dropdowns("Data"), key=lambda d: d[1].first_row) == [
        (2, Dropdown(2, 4, "Yes,No")), (2, Dropdown(5, 9, "Maybe")), (2, Dropdown(10, 14, "Yes,No"))]
    assert again.header_frozen("Data")


def test_a_table_name_is_one_per_workbook_and_tables_do_not_overlap() -> None:
    book = saved(["Name"], ["Ann"])
    book.add_sheet("Other")
    book.write("Other", [["Name"]])
    book.set_table("Data", "Contacts", 2, 1)
    with pytest.raises(WorkbookError, match="already exists on sheet Data"):
        book.set_table("Other", "CONTACTS", 1, 1)
    with pytest.raises(WorkbookError, match="would overlap table Contacts"):
        book.set_table("Data", "Second", 2, 1)
    with pytest.raises(WorkbookError, match="would overlap"):
        book.check_table("Data", "Second", 2, ["Name"])
    book.check_table("Data", "Contacts", 9, ["Name"])
    book.check_table("New sheet", "Anything", 2, ["Name"])  # not there yet: nothing to check against
    with pytest.raises(WorkbookError) as caught:
        book.check_table("Data", "Contacts", 2, ["Name", "name"])
    assert caught.value.field == "B"
    book.remove_sheet("Data")
    book.set_table("Other", "Contacts", 1, 1)  # the sheet's tables went with it


def test_check_write_refuses_what_write_refuses_and_changes_nothing() -> None:
    book = saved(["Name", "Notes"], ["Ann", "ok"])
    rows = [["Name", "Notes"], ["Ann", "x" * 40_000]]
    with pytest.raises(WorkbookError) as checked:
        book.check_write("Data", rows)
    with pytest.raises(WorkbookError) as written:
        book.write("Data", rows)
    assert str(checked.value) == str(written.value) and "the Notes value" in str(written.value)
    with pytest.raises(WorkbookError):
        book.check_write("Not yet", [["a\ufffe"]])
    assert book.read("Data") == [["Name", "Notes"], ["Ann", "ok"]]


# ------------------------------------------------------------------------------------------- the same as a file


def both(tmp_path: Path) -> tuple[MemoryWorkbook, LosslessWorkbook]:
    memory = MemoryWorkbook.new()
    memory.add_sheet("Sheet1")
    return memory, LosslessWorkbook.open(blank(tmp_path / "book.xlsx"))


def reopened(memory: MemoryWorkbook, file: LosslessWorkbook) -> tuple[MemoryWorkbook, LosslessWorkbook]:
    memory.save()
    file.save()
    file.close()
    return MemoryWorkbook.open(memory.location), LosslessWorkbook.open(file.path)


@pytest.mark.parametrize("bad", [*REFUSED_TEXT.values(), float("nan"), Formula("SUM(A1)")],
                         ids=[*REFUSED_TEXT, "nan", "not a formula"])
def test_refusals_read_as_the_file_ports_do(tmp_path: Path, bad: CellValue) -> None:
    errors = []
    for port in both(tmp_path):
        port.write("Sheet1", [["Name", "Notes"], ["Ann", "ok"]])
        with pytest.raises(WorkbookError) as caught:
            port.write("Sheet1", [["Name", "Notes"], ["Ann", bad]])
        errors.append((str(caught.value).replace(port.label, "BOOK"), caught.value.row, caught.value.field))
    assert errors[0] == errors[1]


_TEXT = st.one_of(st.sampled_from([*TRICKY_TEXT, " ", "\n ", "a\r\nb", "&<>\"'", "a\x07b", "_x0041_"]),
                  st.text(st.characters(blacklist_categories=("Cs",)), max_size=12))
VALUES = st.one_of(
    st.none(), _TEXT, st.integers(-10**9, 10**9), st.floats(-1e9, 1e9, allow_nan=False), st.booleans(),
    st.dates(dt.date(1901, 1, 1), dt.date(2100, 1, 1)), st.sampled_from([Formula("=1+2"), Formula("=A1&B1")]),
)
GRIDS = st.lists(st.lists(VALUES, max_size=5), max_size=6)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=GRIDS, second=GRIDS)
def test_the_same_writes_read_back_the_same_as_from_a_file(tmp_path: Path, first: list[list[CellValue]],
                                                          second: list[list[CellValue]]) -> None:
    (tmp_path / "book.xlsx").unlink(missing_ok=True)
    memory, file = both(tmp_path)
    for grid in (first, second):
        memory.write("Sheet1", grid)
        file.write("Sheet1", grid)
        assert memory.read("Sheet1") == file.read("Sheet1")
        memory, file = reopened(memory, file)
        assert memory.read("Sheet1") == file.read("Sheet1")
    file.close()
