"""The xlwings double behaves as xlwings and Excel do for the calls the add-in makes, so the add-in's tests
against it mean something. Each test states one fact the add-in relies on (from xlwings' own code: its
``Range.value`` reader, ``prepare_xl_data_element``, ``Sheets.add``, ``DataValidation``; and from Excel's
object model: typed-text parsing, ``Worksheet.Visible``)."""

from __future__ import annotations

import datetime as dt

import pytest

from .fake_excel import ComError
from .fake_xlwings import MAC_KEYWORDS, App, Book, XlwingsError


def test_range_value_is_a_scalar_a_flat_list_or_rows_unless_ndim_is_2(book: Book) -> None:
    sheet = book.sheet("Sheet1")
    sheet.typed([["a", "b"], ["c", "d"]])
    assert sheet.range((1, 1)).value == "a"
    assert sheet.range((1, 1), (1, 2)).value == ["a", "b"]
    assert sheet.range((1, 1), (2, 1)).value == ["a", "c"]
    assert sheet.range((1, 1), (2, 2)).value == [["a", "b"], ["c", "d"]]
    assert sheet.range((1, 1)).options(ndim=2).value == [["a"]]


def test_numbers_are_floats_and_empty_cells_none(book: Book) -> None:
    rng = book.sheet("Sheet1").range((1, 1), (1, 3))
    rng.value = [[42, 2.5, None]]
    assert rng.value == [42.0, 2.5, None] and type(rng.value[0]) is float


@pytest.mark.parametrize(("typed", "read"), [
    ("007", 7.0), ("1e5", 100000.0), ("TRUE", True), ("=2*3", 6.0), ("'007", "007"), ("'=1+2", "=1+2"),
    ("2024-02-29", dt.datetime(2024, 2, 29)), ("8:30", dt.datetime(1899, 12, 30, 8, 30)), ("plain", "plain"),
])
def test_text_is_parsed_as_if_typed(book: Book, typed: str, read: object) -> None:
    rng = book.sheet("Sheet1").range((1, 1))
    rng.value = typed
    assert rng.value == read and type(rng.value) is type(read)


@pytest.mark.parametrize("typed", ["-- note", "@home", "+1 555"])
def test_text_that_is_neither_a_number_nor_a_formula_is_refused_when_it_starts_like_one(book: Book, typed: str
                                                                                         ) -> None:
    with pytest.raises(ComError):
        book.sheet("Sheet1").range((1, 1)).value = typed


def test_error_values_read_as_none_or_as_their_text(book: Book) -> None:
    rng = book.sheet("Sheet1").range((1, 1), (1, 2))
    rng.value = [["#N/A", "=1/0"]]
    assert rng.value == [None, None]
    assert rng.options(err_to_str=True).value == ["#N/A", "#DIV/0!"]


def test_dates_come_back_as_datetimes_and_a_time_cannot_be_sent(book: Book) -> None:
    rng = book.sheet("Sheet1").range((1, 1), (1, 2))
    rng.value = [[dt.date(2024, 2, 29), dt.datetime(2024, 2, 29, 13, 45)]]
    assert rng.value == [dt.datetime(2024, 2, 29), dt.datetime(2024, 2, 29, 13, 45)]
    with pytest.raises(TypeError, match="COM VARIANT"):
        rng.value = [[dt.time(8, 30), None]]


def test_formula_gives_the_formula_or_the_constant_as_text(excel: App, book: Book) -> None:
    rng = book.sheet("Sheet1").range((1, 1), (1, 4))
    rng.value = [["=2*3", "'=1+2", 42, True]]
    expected = [["=2*3", "=1+2", "42", "TRUE"]]
    assert rng.formula == (tuple(expected[0]),) if excel.platform == "win" else rng.formula == expected
    assert book.sheet("Sheet1").range((1, 2)).formula == "=1+2"


def test_the_used_range_covers_values_and_dropdowns_from_their_first_cell(book: Book) -> None:
    sheet = book.sheet("Sheet1")
    assert sheet.used_range.address == "$A$1"
    sheet.typed([["x"]], row=3, column=2)
    sheet.range((2, 4), (9, 4)).data_validation.set_list(["Yes", "No"])
    assert sheet.used_range.address == "$B$2:$D$9"


def test_excel_guards_the_visible_sheets(book: Book) -> None:
    sheet = book.sheet("Sheet1")
    with pytest.raises(ComError):  # the only visible sheet
        if book.app.platform == "win":
            sheet.api.Visible = 0
        else:
            sheet.api.visible.set(MAC_KEYWORDS.sheet_hidden)
    other = book.sheets.add("Other")
    assert book.sheets.active is other  # a new sheet is activated
    if book.app.platform == "win":
        other.api.Visible = 2
        assert other.api.Visible == 2
    else:
        other.api.visible.set(MAC_KEYWORDS.sheet_very_hidden)
        assert other.api.visible.get() is MAC_KEYWORDS.sheet_very_hidden
    assert book.sheets.active is sheet
    with pytest.raises(ComError):
        other.activate()
    with pytest.raises(ComError):
        other.delete()  # Excel refuses to delete a very hidden sheet
    with pytest.raises(ValueError, match="already present"):
        book.sheets.add("other")


def test_a_dropdown_cannot_be_set_over_cells_with_different_rules(book: Book) -> None:
    sheet = book.sheet("Sheet1")
    sheet.range((1, 1), (5, 1)).data_validation.set_list(["Yes", "No"])
    with pytest.raises(XlwingsError):
        sheet.range((1, 1), (9, 1)).data_validation.set_list(["Left", "Right"])
    with pytest.raises(ValueError):
        sheet.range((1, 1)).data_validation.set_list(["a,b"])


def test_a_table_keeps_a_data_row_and_unique_names(book: Book) -> None:
    sheet = book.sheet("Sheet1")
    sheet.typed([["Name", "Name"]])
    table = sheet.tables.add(source=sheet.range((1, 1), (1, 2)), name="People")
    assert table.range.address == "$A$1:$B$2" and sheet.grid() == [["Name", "Column2"]]
    with pytest.raises(ComError):
        sheet.tables.add(source=sheet.range((5, 1), (6, 1)), name="people")


def test_every_round_trip_is_counted(book: Book) -> None:
    book.app.calls.clear()
    sheet = book.sheets["Sheet1"]
    sheet.range((1, 1), (3, 3)).value = [[1, 2, 3]] * 3
    assert book.app.calls == {"Book.sheets": 1, "Sheets.item": 1, "Sheet.range": 1, "Range.value=": 1}
