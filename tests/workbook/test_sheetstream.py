"""A changed sheet is saved while its original part is read piece by piece (sheetstream.py): the same bytes whatever
the size of the pieces, rows inserted anywhere, an exact ``dimension``, and a failure half way changing nothing."""

from __future__ import annotations

import io
import os
import re
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from custmgr.errors import WorkbookError
from custmgr.workbook import lossless, sheetstream
from custmgr.workbook.lossless import LosslessWorkbook
from custmgr.workbook.package import Stream, write_package
from custmgr.workbook.sheetxml import SheetXml

from .ooxml import check_package
from .test_lossless import blank, parts, rewrite_part

SHEET = "xl/worksheets/sheet1.xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@pytest.fixture(params=[1 << 20, 29], ids=["whole", "pieces"])
def piece(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Sheets read whole, and in pieces shorter than a row (so a row's extent is found across pieces)."""
    monkeypatch.setattr(lossless, "_PIECE", request.param)
    return int(request.param)


def with_rows(tmp_path: Path, rows: str, name: str = "book.xlsx") -> Path:
    """A workbook whose first sheet holds exactly ``rows`` (its XML), with a wrong dimension to be put right."""
    path = blank(tmp_path / name)
    rewrite_part(path, SHEET, (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><dimension '
                               f'ref="A1"/><sheetData>{rows}</sheetData><pageMargins left="0.7" right="0.7" '
                               'top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>').encode())
    return path


def dimension(path: Path) -> str:
    found = re.search(rb'<dimension ref="([^"]*)"', parts(path)[SHEET])
    assert found is not None
    return found.group(1).decode()


def text(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def big_grid(n: int) -> list[list[object]]:
    return [["Name", "Notes", "Count"]] + [[f"Contact {i}", "note " * (i % 7), i] for i in range(1, n)]


def save_with_pieces(tmp_path: Path, piece: int, monkeypatch: pytest.MonkeyPatch, name: str) -> bytes:
    """Open a 2,000-row sheet read ``piece`` bytes at a time, change rows near its start, middle and end, insert
    rows between and after them, save, and give the sheet's part."""
    path = blank(tmp_path / name)
    book = LosslessWorkbook.open(path)
    book.write("Sheet1", big_grid(2000))
    book.save()
    book.close()
    monkeypatch.setattr(lossless, "_PIECE", piece)
    book = LosslessWorkbook.open(path)
    grid = book.read("Sheet1")
    for r in (1, 2, 57, 58, 999, 1000, 1998, 1999):
        grid[r][1] = f"changed {r} =x & <y>"
    grid[500][2] = None
    grid += [["After", None, 1], [], ["Last", "=not a formula", 2]]
    book.write("Sheet1", grid)
    book.save()
    monkeypatch.setattr(lossless, "_PIECE", 1 << 20)
    assert check_package(path) == []
    again = LosslessWorkbook.open(path, writable=False).read("Sheet1")
    assert again[:2001] == grid[:2001] and again[2001] == [None, None, None] and again[2002] == grid[2002]
    return parts(path)[SHEET]


def test_a_part_read_in_pieces_smaller_than_a_row_is_written_as_when_read_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = save_with_pieces(tmp_path, 1 << 30, monkeypatch, "whole.xlsx")
    assert b'<dimension ref="A1:C2003"/>' in whole
    for piece in (97, 1000, 4096):  # row and piece boundaries fall everywhere, changed rows straddle them
        assert save_with_pieces(tmp_path, piece, monkeypatch, f"p{piece}.xlsx") == whole
    monkeypatch.setattr(sheetstream, "_KEEP", 0)  # changed rows rebuilt again while writing, none kept
    assert save_with_pieces(tmp_path, 1000, monkeypatch, "rebuilt.xlsx") == whole


@pytest.mark.usefixtures("piece")
def test_rows_the_part_lacks_go_before_the_first_row_between_rows_and_after_the_last(tmp_path: Path) -> None:
    path = with_rows(tmp_path, f'<row r="3">{text("A3", "three")}</row><row r="5">{text("A5", "five")}</row>')
    book = LosslessWorkbook.open(path)
    book.write("Sheet1", [["one"], ["two"], ["three"], ["four"], ["five"], ["six"]])
    book.save()
    assert check_package(path) == []
    rows = re.findall(rb'<row r="(\d+)"', parts(path)[SHEET])
    assert rows == [b"1", b"2", b"3", b"4", b"5", b"6"]
    assert dimension(path) == "A1:A6"
    assert b'<row r="3">' + text("A3", "three").encode() + b"</row>" in parts(path)[SHEET]  # kept as it was


@pytest.mark.usefixtures("piece")
def test_rows_without_a_number_follow_the_row_before_them(tmp_path: Path) -> None:
    path = with_rows(tmp_path, f'<row r="2">{text("A2", "two")}</row><row>{text("A3", "three")}</row><row>'
                               f'{text("A4", "four")}</row>')
    book = LosslessWorkbook.open(path)
    assert book.read("Sheet1") == [[None], ["two"], ["three"], ["four"]]
    book.write("Sheet1", [[None], ["two"], ["THREE"], ["four"], ["five"]])
    book.save()
    data = parts(path)[SHEET]
    assert dimension(path) == "A1:A5" and data.index(b"four") < data.index(b'<row r="5">')
    assert LosslessWorkbook.open(path, writable=False).read("Sheet1") == [[None], ["two"], ["THREE"], ["four"],
                                                                          ["five"]]


# --------------------------------------------------------------------------------------------- dimension


@pytest.mark.usefixtures("piece")
def test_the_dimension_covers_the_users_own_cells_right_of_and_below_the_rows_written(tmp_path: Path) -> None:
    path = with_rows(tmp_path, f'<row r="1">{text("A1", "Name")}{text("Z1", "mine")}</row>'
                               f'<row r="2">{text("A2", "Ann")}</row><row r="40"><c r="D40" s="0"><v>7</v></c></row>')
    book = LosslessWorkbook.open(path)
    grid = book.read("Sheet1")
    grid[1][0] = "Bob"
    book.write("Sheet1", grid)
    book.save()
    assert dimension(path) == "A1:Z40" and check_package(path) == []


@pytest.mark.usefixtures("piece")
def test_the_dimension_shrinks_when_rows_at_the_end_are_removed(tmp_path: Path) -> None:
    path = with_rows(tmp_path, "".join(f'<row r="{r}">{text(f"A{r}", str(r))}{text(f"C{r}", "x")}</row>'
                                       for r in range(1, 11)))
    book = LosslessWorkbook.open(path)
    book.write("Sheet1", [[str(r), None, "x"] for r in range(1, 5)])
    book.save()
    assert dimension(path) == "A1:C4" and check_package(path) == []


@pytest.mark.usefixtures("piece")
def test_the_dimension_narrows_when_the_widest_cell_is_cleared_and_keeps_a_formatted_one(tmp_path: Path) -> None:
    path = with_rows(tmp_path, f'<row r="1">{text("A1", "a")}{text("E1", "wide")}</row>'
                               f'<row r="2">{text("A2", "b")}<c r="C2" s="1" t="inlineStr"><is><t>f</t></is></c>'
                               '</row>')
    book = LosslessWorkbook.open(path)
    book.write("Sheet1", [["a"], ["b"]])
    book.save()
    assert dimension(path) == "A1:C2" and check_package(path) == []  # C2 keeps its format, empty


@pytest.mark.usefixtures("piece")
def test_an_emptied_sheet_has_the_dimension_of_an_empty_sheet(tmp_path: Path) -> None:
    path = with_rows(tmp_path, "".join(f'<row r="{r}">{text(f"B{r}", str(r))}</row>' for r in range(1, 6)))
    book = LosslessWorkbook.open(path)
    book.write("Sheet1", [])
    book.save()
    assert dimension(path) == "A1" and b"<row" not in parts(path)[SHEET]
    assert LosslessWorkbook.open(path, writable=False).read("Sheet1") == []


# --------------------------------------------------------------------------------------------- failures


def test_a_failure_half_way_through_writing_a_sheet_leaves_the_old_file_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = blank(tmp_path / "book.xlsx")
    book = LosslessWorkbook.open(path)
    book.write("Sheet1", big_grid(3000))
    book.save()
    before = path.read_bytes()
    grid = book.read("Sheet1")
    grid += [[f"New {i}", None, i] for i in range(3000)]
    book.write("Sheet1", grid)
    made = 0
    real = sheetstream.patch_row

    def failing(*args: object, **kwargs: object) -> bytes | None:
        nonlocal made
        made += 1
        if made == 2000:  # well into the rows, after pieces of the sheet have gone into the new file
            raise MemoryError
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sheetstream, "patch_row", failing)
    with pytest.raises(MemoryError):
        book.save()
    assert made == 2000 and path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["book.xlsx"]
    monkeypatch.setattr(sheetstream, "patch_row", real)
    book.save()  # the same changes save once the cause is gone
    assert LosslessWorkbook.open(path, writable=False).read("Sheet1") == grid


def test_a_format_wanted_only_while_writing_stops_the_save(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The survey picks every format before styles.xml is written; if writing ever wanted another, the file would
    name a format it lacks, so the save is refused instead."""
    path = blank(tmp_path / "book.xlsx")
    book = LosslessWorkbook.open(path)
    book.write("Sheet1", [["Name"], ["Ann"]])
    book.save()
    before = path.read_bytes()
    book.write("Sheet1", [["Name"], ["Bob"]])
    real = sheetstream.SheetWriter.pieces

    def pieces(self: sheetstream.SheetWriter) -> Iterator[bytes | memoryview]:
        self.pick(0, "=new format")
        yield from real(self)

    monkeypatch.setattr(sheetstream.SheetWriter, "pieces", pieces)
    with pytest.raises(WorkbookError, match=r"format that was not prepared.*unchanged"):
        book.save()
    assert path.read_bytes() == before


# --------------------------------------------------------------------------------------------- zip64


def test_a_streamed_part_larger_than_its_hint_is_written_again_with_zip64(monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"".join(b"<row>%d</row>" % i for i in range(20_000))
    calls = 0

    def pieces() -> Iterator[bytes]:
        nonlocal calls
        calls += 1
        for i in range(0, len(data), 4096):
            yield data[i:i + 4096]

    out = io.BytesIO()
    with monkeypatch.context() as m:
        m.setattr(zipfile, "ZIP64_LIMIT", 50_000)  # stands in for 2 GB: the part is over it, its hint under it
        write_package(out, None, ["a.xml", "b.xml"], {"a.xml": Stream(pieces, size_hint=10), "b.xml": b"<b/>"})
    assert calls == 2
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None
        assert z.read("a.xml") == data and z.read("b.xml") == b"<b/>" and z.namelist() == ["a.xml", "b.xml"]
        assert len(z.getinfo("a.xml").extra) > 0  # the zip64 sizes


def test_a_part_too_large_for_an_output_that_cannot_seek_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    class Pipe(io.BytesIO):
        def seekable(self) -> bool:
            return False

        def seek(self, *args: object) -> int:
            raise OSError("not seekable")

        def tell(self) -> int:
            return len(self.getvalue())

    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 1000)
    stream = Stream(lambda: [b"x" * 5000], size_hint=10)
    with pytest.raises(WorkbookError, match="too large"):
        write_package(Pipe(), None, ["a.xml"], {"a.xml": stream})


@pytest.mark.parametrize("size", [16, 50, 333])
def test_a_tail_longer_than_a_piece_is_read_whole_and_the_rows_given_in_pieces_are_the_rows(size: int) -> None:
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (r, r, r) for r in range(1, 40))
    tail = b'<mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells>' * 20 + b"</worksheet>"
    data = b'<worksheet xmlns="x"><dimension ref="A1:A39"/><sheetData>' + rows + b"</sheetData>" + tail
    pieces = [data[i:i + size] for i in range(0, len(data), size)]
    xml, _ = SheetXml.scan(pieces, lambda: iter(pieces))
    assert xml.tail == tail
    assert b"".join(xml.body_chunks()) == rows and max(len(c) for c in xml.body_chunks()) <= size * 2
    with pytest.raises(ValueError, match="changed while it was read"):
        damaged = [data[:-5]]
        xml2, _ = SheetXml.scan(pieces, lambda: iter(damaged))
        b"".join(xml2.body_chunks())


def test_rows_out_of_order_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    path = with_rows(tmp_path, f'<row r="1">{text("A1", "one")}</row><row r="3">{text("A3", "three")}</row>'
                               f'<row r="2">{text("A2", "two")}</row>')
    before = path.read_bytes()
    book = LosslessWorkbook.open(path)
    grid = book.read("Sheet1")
    grid[0][0] = "ONE"
    book.write("Sheet1", grid)
    with pytest.raises(WorkbookError, match=r"Sheet1.*rows are out of order.*save it again.*unchanged"):
        book.save()
    assert path.read_bytes() == before


def test_rows_out_of_order_are_found_by_the_check_before_a_write(tmp_path: Path) -> None:
    """check_write (what a sync runs before it writes to QuickBooks) refuses the sheet the save would refuse."""
    path = with_rows(tmp_path, f'<row r="1">{text("A1", "one")}</row><row r="3">{text("A3", "three")}</row>'
                               f'<row r="2">{text("A2", "two")}</row>')
    book = LosslessWorkbook.open(path)
    grid = book.read("Sheet1")
    grid[0][0] = "ONE"
    with pytest.raises(WorkbookError, match=r"Sheet1.*rows are out of order \(row 2 comes after row 3\).*save it "
                                            r"again.*nothing was changed"):
        book.check_write("Sheet1", grid)


@pytest.mark.parametrize("size", [1, 7, 29, 1 << 16])
@pytest.mark.parametrize(("rows", "in_order"), [
    ('<row r="1"/><row r="2"/><row r="10"/>', True),
    ('<row spans="1:2" r="1"/><row/><row r="3" ht="15"/>', True),  # a row without r follows the one before
    ('<row r="2"/><row r="1"/>', False),
    ('<row r="1"/><row r="1"/>', False),
    ('<row r="5"/><row/><row r="6"/>', False),  # the row without r is 6 already
])
def test_the_row_order_check_reads_the_part_a_piece_at_a_time(size: int, rows: str, in_order: bool) -> None:
    from custmgr.workbook.sheetstream import check_row_order

    data = f'<worksheet xmlns="x"><sheetData>{rows}</sheetData></worksheet>'.encode()
    pieces = [data[i:i + size] for i in range(0, len(data), size)]
    xml, _ = SheetXml.scan(pieces, lambda: iter(pieces))
    if in_order:
        check_row_order(xml)
    else:
        with pytest.raises(ValueError, match="out of order"):
            check_row_order(xml)


def test_a_sheet_is_saved_without_holding_its_rows_or_its_new_rows(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Changed rows in a large sheet and as many rows again added: the save holds a few pieces, not the part."""
    path = blank(tmp_path / "big.xlsx")
    book = LosslessWorkbook.open(path)
    grid: list[list[object]] = [[f"r{i}", "x" * 300, i] for i in range(1, 10_001)]
    book.write("Sheet1", grid)
    book.save()
    monkeypatch.setattr(lossless, "_PIECE", 1 << 16)
    book = LosslessWorkbook.open(path)
    grid = book.read("Sheet1")
    for r in range(0, 10_000, 100):
        grid[r][1] = "changed"
    grid += [[f"new {i}", "y" * 300, i] for i in range(10_000)]
    book.write("Sheet1", grid)
    tracemalloc.start()
    book.save()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    size = len(parts(path)[SHEET])
    assert size > 6_000_000 and peak < size / 4  # pieces, a batch of new rows, deflate state, the new file read back
    assert LosslessWorkbook.open(path, writable=False).read("Sheet1") == grid
