"""The IIF file format itself: cells, quotes, line breaks, encodings, and the line each message names."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from custmgr_iif.text import IifError, Row, cell, decode, join_rows, one_line, split_rows


def rows(text: str) -> list[tuple[int, tuple[str, ...]]]:
    return [(r.line, r.cells) for r in split_rows(text, "t.iif")]


def test_cells_are_separated_by_tabs_and_rows_by_any_line_break():
    assert rows("A\tB\r\nC\nD\rE\t") == [(1, ("A", "B")), (2, ("C",)), (3, ("D",)), (4, ("E", ""))]


def test_a_quoted_cell_holds_commas_tabs_line_breaks_and_doubled_quotes():
    text = 'CUST\t"Andres, Cristina"\t"a\tb\r\nsays ""hi"""\tend\r\nCUST\tnext\r\n'
    assert rows(text) == [(1, ("CUST", "Andres, Cristina", 'a\tb\nsays "hi"', "end")), (3, ("CUST", "next"))]


def test_a_quote_inside_an_unquoted_cell_is_an_ordinary_character():
    assert rows('CUST\t5" pipe\tO"Neil"\r\n') == [(1, ("CUST", '5" pipe', 'O"Neil"'))]


def test_a_lone_quote_inside_a_quoted_cell_is_kept():
    assert rows('CUST\t"The "Best" Shop, Inc"\tx\r\n') == [(1, ("CUST", 'The "Best" Shop, Inc', "x"))]


def test_a_quote_never_closed_is_reported_at_the_line_it_opens():
    with pytest.raises(IifError, match=r"(?s)t.iif has a problem.*line 2: .*never closed.*cut short"):
        split_rows('!CUST\tNAME\r\nCUST\t"Andres, Cris', "t.iif")


def test_a_row_cut_off_without_its_line_break_is_marked():
    last = split_rows("A\tB\r\nC\tD", "t.iif")[-1]
    assert last == Row(2, ("C", "D"), ended=False)


@pytest.mark.parametrize("value, written", [
    ("plain", "plain"),
    ("Andres, Cristina", '"Andres, Cristina"'),
    ('5" pipe', '5" pipe'),
    ('"quoted"', '"""quoted"""'),
    ("a\tb", "a b"),
    ("one\ntwo", "one two"),
    ("one\r\n\r\n  two", "one two"),
    ("Gate code, 4411.\n\tAsk for Carlos", '"Gate code, 4411. Ask for Carlos"'),
])
def test_cells_are_quoted_only_when_they_need_it(value, written):
    assert cell(value) == written


# Characters Windows-1252 can hold, with the ones that need care in a tab-separated file.
_TEXT = st.text(st.sampled_from(list('ab ,"\t\n€éü=+-@:\'')), max_size=12)


@given(st.lists(st.lists(_TEXT, min_size=1, max_size=5), min_size=1, max_size=5))
def test_any_rows_written_read_back_the_same(table):
    table = [r for r in table if any(c for c in r) or len(r) > 1]  # a row of one empty cell is a blank line
    assume(any(c.strip() for r in table for c in r))  # a file of blanks is an empty file
    text = decode(join_rows(table).encode("cp1252"), "t.iif")
    assert [list(r.cells) for r in split_rows(text, "t.iif")] == [[one_line(c) for c in r] for r in table]
    assert len(text.split("\r\n")) == len(table) + 1  # one record per physical line


def test_rows_written_end_in_crlf():
    assert join_rows([["!CUST", "NAME"], ["CUST", "A"]]) == "!CUST\tNAME\r\nCUST\tA\r\n"


# --- encodings -------------------------------------------------------------------------------------------------


def test_windows_1252_is_decoded():
    assert decode("Café €uro".encode("cp1252"), "t.iif") == "Café €uro"


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n  \t\r\n"])
def test_an_empty_file_is_refused_naming_line_1(data):
    with pytest.raises(IifError, match=r"line 1: the file is empty.*Export the list again"):
        decode(data, "t.iif")


def test_a_utf8_byte_order_mark_is_refused_with_what_to_do():
    with pytest.raises(IifError, match=r"line 1: .*UTF-8 byte-order mark.*Windows-1252"):
        decode(codecs.BOM_UTF8 + b"!CUST\tNAME\r\n", "t.iif")


def test_utf8_without_a_byte_order_mark_is_refused_at_its_first_accent():
    data = "!CUST\tNAME\r\nCUST\tA\r\nCUST\tCafé\r\n".encode()
    with pytest.raises(IifError, match=r"line 3: the file is saved as Unicode \(UTF-8\): this line would read "
                                       r"'CUST\\tCafÃ©'"):
        decode(data, "t.iif")


def test_utf16_from_excels_unicode_text_is_refused():
    with pytest.raises(IifError, match="UTF-16"):
        decode("!CUST\tNAME\r\n".encode("utf-16"), "t.iif")


def test_a_byte_windows_1252_does_not_define_is_refused_at_its_line():
    with pytest.raises(IifError, match=r"line 2: byte 0x81 is not a Windows-1252 character"):
        decode(b"!CUST\tNAME\r\nCUST\tA\x81\r\n", "t.iif")
