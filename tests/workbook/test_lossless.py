"""LosslessWorkbook: the port suite, run through the saved file on every round trip."""

from __future__ import annotations

import os
import re
import tracemalloc
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from custmgr.errors import WorkbookBusy, WorkbookError
from custmgr.workbook.disk import ChangedOnDisk
from custmgr.workbook.lossless import LosslessWorkbook
from custmgr.workbook.port import Formula, WorkbookPort
from custmgr.workbook.sheetxml import BLANK, SheetXml
from custmgr.workbook.xlsx import XlsxWorkbook

from .ooxml import check_package
from .port_suite import MakePort, PortSuite, Reopen


def blank(path: Path) -> Path:
    """A workbook with one empty sheet, laid out by openpyxl (as ``custmgr new`` does)."""
    book = XlsxWorkbook.new(path)
    book.add_sheet("Sheet1")
    book.save()
    return path


class TestLosslessWorkbook(PortSuite):
    @pytest.fixture
    def make_port(self) -> MakePort:
        return lambda folder: LosslessWorkbook.open(blank(folder / "book.xlsx"))

    @pytest.fixture
    def reopen(self) -> Reopen:
        def _reopen(port: WorkbookPort) -> WorkbookPort:
            assert isinstance(port, LosslessWorkbook)
            port.save()
            assert check_package(port.path) == []  # every file written passes the OOXML check
            port.close()
            return LosslessWorkbook.open(port.path)

        return _reopen


# ------------------------------------------------------------------------------------------- what only this port does


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def saved(tmp_path: Path, grid: list[list[object]]) -> LosslessWorkbook:
    book = LosslessWorkbook.open(blank(tmp_path / "book.xlsx"))
    book.write("Sheet1", grid)  # type: ignore[arg-type]
    book.save()
    return book


def test_a_save_with_nothing_changed_keeps_every_part(tmp_path: Path) -> None:
    book = saved(tmp_path, [["Name", "Zip"], ["Ann", "02134"], ["Bob", Formula("=1+1")]])
    before = parts(book.path)
    book.write("Sheet1", book.read("Sheet1"))
    book.set_column("Sheet1", 1, width=None)
    book.save()
    assert parts(book.path) == before


def test_only_changed_rows_are_rewritten_and_shared_strings_stay(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    with xlsxwriter.Workbook(str(path)) as xl:  # Excel and xlsxwriter keep text in shared strings
        ws = xl.add_worksheet("Data")
        for r, row in enumerate([["Name", "Phone"], ["Ann", "555-0100"], ["Bob", "555-0101"]]):
            ws.write_row(r, 0, row)
    before = parts(path)
    book = LosslessWorkbook.open(path)
    book.write("Data", [["Name", "Phone"], ["Ann", "=cmd|' /C calc'!A0"], ["Bob", "555-0101"]])
    book.save()
    after = parts(book.path)
    assert after["xl/sharedStrings.xml"] == before["xl/sharedStrings.xml"]
    sheet = after["xl/worksheets/sheet1.xml"]
    row3 = re.search(rb'<row r="3".*?</row>', before["xl/worksheets/sheet1.xml"], re.DOTALL)
    assert row3 is not None and row3.group(0) in sheet  # the unchanged row, byte for byte
    assert b't="inlineStr"' in sheet and b"<f>" not in sheet
    assert XlsxWorkbook.open(book.path, writable=False).read("Data")[1][1] == "=cmd|' /C calc'!A0"
    quoted = re.search(rb'<c r="B2" s="(\d+)"', sheet)
    assert quoted is not None
    xfs = re.findall(rb"<xf\b[^>]*>", after["xl/styles.xml"].split(b"<cellXfs")[1])
    assert b'quotePrefix="1"' in xfs[int(quoted.group(1))]  # Excel will not re-read it as a formula either
    assert check_package(book.path) == []


def test_removing_a_sheet_moves_the_names_of_the_sheets_after_it(tmp_path: Path) -> None:
    book = LosslessWorkbook.open(blank(tmp_path / "book.xlsx"))
    for name in ("A", "B", "C"):
        book.add_sheet(name)
    book.save()
    data = book._pkg.read("xl/workbook.xml")
    names = (b'<definedNames><definedName name="_xlnm.Print_Area" localSheetId="2">B!$A$1:$B$2</definedName>'
             b'<definedName name="_xlnm.Print_Area" localSheetId="3">C!$A$1:$B$2</definedName></definedNames>')
    patched = data.replace(b"</sheets>", b"</sheets>" + names)
    rewrite_part(book.path, "xl/workbook.xml", patched)
    book = LosslessWorkbook.open(book.path)
    book.remove_sheet("B")
    book.save()
    workbook_xml = parts(book.path)["xl/workbook.xml"]
    assert b'localSheetId="2">C!' in workbook_xml and b">B!" not in workbook_xml
    assert book.sheet_names() == ["Sheet1", "A", "C"]


def rewrite_part(path: Path, part: str, data: bytes) -> None:
    old = parts(path)
    old[part] = data
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in old.items():
            z.writestr(name, content)


def test_a_file_changed_by_another_program_meanwhile_is_not_saved(tmp_path: Path) -> None:
    book = saved(tmp_path, [["Name"], ["Ann"]])
    other = LosslessWorkbook.open(book.path)
    other.write("Sheet1", [["Name"], ["Bob"]])
    other.save()
    changed = book.path.read_bytes()
    book.write("Sheet1", [["Name"], ["Cy"]])
    book.check_write("Sheet1", [["Name"], ["Cy"]])  # the cells are fine; the file on disk is not
    with pytest.raises(ChangedOnDisk, match="saved by another program"):
        book.check_save()
    with pytest.raises(ChangedOnDisk, match=r"saved by another program.*kept as book \(not saved"):
        book.save()
    assert book.path.read_bytes() == changed
    names = sorted(os.listdir(tmp_path))
    assert names[0] == "book (not saved" + names[0][len("book (not saved"):] and names[1] == "book.xlsx"
    assert LosslessWorkbook.open(tmp_path / names[0]).read("Sheet1") == [["Name"], ["Cy"]]


def test_a_crash_while_saving_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = saved(tmp_path, [["Name"], ["Ann"]])
    before = book.path.read_bytes()
    book.write("Sheet1", [["Name"], ["Bob"]])

    def crash(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("custmgr.workbook.lossless.write_package", crash)
    with pytest.raises(WorkbookError, match=r"could not be saved.*unchanged"):
        book.save()
    assert book.path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["book.xlsx"]


@pytest.mark.parametrize("lock", ["~$book.xlsx", ".~lock.book.xlsx#"])
def test_a_file_opened_elsewhere_meanwhile_is_not_saved(tmp_path: Path, lock: str) -> None:
    book = saved(tmp_path, [["Name"], ["Ann"]])
    before = book.path.read_bytes()
    (tmp_path / lock).write_bytes(b"")
    book.write("Sheet1", [["Name"], ["Bob"]])
    with pytest.raises(WorkbookBusy):
        book.save()
    assert book.path.read_bytes() == before


def test_a_workbook_without_workbook_part_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    with pytest.raises(WorkbookError, match="not an Excel workbook"):
        LosslessWorkbook.open(path)


@pytest.mark.parametrize("size", [1, 7, 64, 1 << 20])
def test_a_sheet_read_piece_by_piece_is_the_sheet_read_whole(size: int) -> None:
    data = (b'<?xml version="1.0"?><worksheet xmlns="x"><dimension ref="A1:B2"/><sheetData>'
            b'<row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve">  </t></is></c></row>'
            b'<row r="2"><c r="B2"><f>1+1</f><v>2</v></c></row></sheetData><pageMargins/></worksheet>')
    pieces = [data[i:i + size] for i in range(0, len(data), size)]
    whole = SheetXml.parse(data)
    scanned, seen = SheetXml.scan(pieces, lambda: data, [b"<f", b't="e"'])
    assert (scanned.head, scanned.tail, scanned.prefix) == (whole.head, whole.tail, whole.prefix)
    assert seen == {b"<f", BLANK}
    assert scanned.body == whole.body


def test_overwriting_a_formula_drops_the_calculation_chain(tmp_path: Path) -> None:
    book = saved(tmp_path, [["Total"], [Formula("=1+1")]])
    book.close()
    rels = parts(book.path)["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/'
                             b'2006/relationships/calcChain" Target="calcChain.xml"/></Relationships>')
    rewrite_part(book.path, "xl/_rels/workbook.xml.rels", rels)
    rewrite_part(book.path, "xl/calcChain.xml", b'<calcChain xmlns="http://schemas.openxmlformats.org/'
                                                b'spreadsheetml/2006/main"><c r="A2" i="1"/></calcChain>')
    book = LosslessWorkbook.open(book.path)
    book.write("Sheet1", [["Total"], [2]])
    book.save()
    after = parts(book.path)
    assert "xl/calcChain.xml" not in after and b"calcChain" not in after["xl/_rels/workbook.xml.rels"]


def test_a_sheet_written_with_a_namespace_prefix_is_patched_in_kind(tmp_path: Path) -> None:
    """Some writers (the .NET Open XML SDK) spell every element x:row, x:c, ..."""
    path = blank(tmp_path / "book.xlsx")
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="{main}"><x:sheetData>'
             '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Name</x:t></x:is></x:c></x:row>'
             '<x:row r="2"><x:c r="A2"><x:f>1+1</x:f><x:v>2</x:v></x:c></x:row>'
             '</x:sheetData></x:worksheet>').encode()
    rewrite_part(path, "xl/worksheets/sheet1.xml", sheet)
    book = LosslessWorkbook.open(path)
    assert book.read("Sheet1") == [["Name"], [Formula("=1+1")]]
    book.write("Sheet1", [["Name", "Phone"], [Formula("=1+1"), "+1 555"], ["Bob", "=x"]])
    book.set_dropdown("Sheet1", 2, 2, 9, ["Yes", "No"])
    book.freeze_header("Sheet1")
    book.save()
    assert check_package(path) == []
    data = parts(path)["xl/worksheets/sheet1.xml"]
    assert b"<c " not in data and b"<x:c r=\"B2\"" in data
    assert XlsxWorkbook.open(path, writable=False).read("Sheet1") == [
        ["Name", "Phone"], [Formula("=1+1"), "+1 555"], ["Bob", "=x"]]


def test_a_large_written_sheet_is_streamed_into_the_file_and_reads_back_whole(tmp_path):
    """A sheet is written from pieces of the part as it is read again (no joined copy), deflated quickly when large,
    and its dimension covers every row; the rows are read again if the workbook is used after the save."""
    path = blank(tmp_path / "big.xlsx")
    book = XlsxWorkbook.open(path)
    book.write("Sheet1", [[f"r{i}", "x" * 40, i] for i in range(1, 30_001)])
    book.save()
    port = LosslessWorkbook.open(path)
    grid = port.read("Sheet1")
    grid[4][1], grid[29_999][2] = "changed", 7
    grid.append(["new", None, 1])
    port.write("Sheet1", grid)
    tracemalloc.start()
    port.save()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    again = LosslessWorkbook.open(path, writable=False)
    assert again.read("Sheet1") == grid
    with zipfile.ZipFile(path) as z:
        part = next(n for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
        data = z.read(part)
    assert len(data) > 1 << 20 and b'<dimension ref="A1:C30001"/>' in data
    assert peak < 3 * len(data)  # pieces of the part as read and written, and the new file read back
    assert check_package(path) == []


@pytest.mark.parametrize("date1904", [False, True])
def test_dates_are_written_in_the_workbook_s_own_date_system(tmp_path: Path, date1904: bool) -> None:
    """An older Mac workbook counts days from 1904 (its ``date1904`` setting): a date the save writes (a row moved
    up when one above is removed, a new one) is counted from that base too, or Excel shows it four years late."""
    import datetime as dt

    import openpyxl

    path = tmp_path / "dates.xlsx"
    with xlsxwriter.Workbook(path, {"date_1904": date1904}) as wb:
        ws = wb.add_worksheet("Contacts")
        fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
        ws.write_row(0, 0, ["Name", "Since"])
        ws.write(1, 0, "Ada")
        ws.write_datetime(1, 1, dt.datetime(2020, 1, 2), fmt)
        ws.write(2, 0, "Bob")
        ws.write_datetime(2, 1, dt.datetime(2021, 3, 4), fmt)
    book = LosslessWorkbook.open(path, writable=True)
    grid = book.read("Contacts")
    book.write("Contacts", [grid[0], grid[2], ["Cy", dt.date(1950, 6, 1)], ["Di", dt.datetime(1999, 12, 31, 18)]])
    book.save()
    loaded = openpyxl.load_workbook(path)  # it reads each workbook's own base
    assert [[c.value for c in r] for r in loaded["Contacts"].iter_rows()] == [
        ["Name", "Since"], ["Bob", dt.datetime(2021, 3, 4)], ["Cy", dt.datetime(1950, 6, 1)],
        ["Di", dt.datetime(1999, 12, 31, 18)]]
    assert LosslessWorkbook.open(path, writable=False).read("Contacts")[1][1] == dt.date(2021, 3, 4)
    check_package(path)
