"""XlsxWorkbook: the port suite, plus what only a file has (XML cell types, lock files, atomic saves)."""

from __future__ import annotations

import gc
import os
import stat
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.dimensions import ColumnDimension
from openpyxl.worksheet.formula import ArrayFormula

from custmgr.errors import WorkbookBusy, WorkbookError
from custmgr.workbook.port import Formula, WorkbookPort
from custmgr.workbook.rules import text_problem
from custmgr.workbook.xlsx import XlsxWorkbook

from .port_suite import TRICKY_TEXT, MakePort, PortSuite, Reopen

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


class TestXlsxWorkbook(PortSuite):
    """The shared port contract, run on an ``.xlsx`` file (every round trip goes through the saved file)."""

    @pytest.fixture
    def make_port(self) -> MakePort:
        return lambda folder: XlsxWorkbook.new(folder / "book.xlsx")

    @pytest.fixture
    def reopen(self) -> Reopen:
        def _reopen(port: WorkbookPort) -> WorkbookPort:
            assert isinstance(port, XlsxWorkbook)
            port.save()
            return XlsxWorkbook.open(port.path)

        return _reopen


# ---------------------------------------------------------------------------------------------- helpers


def saved(tmp_path: Path, grid: list[list[object]], name: str = "book.xlsx") -> XlsxWorkbook:
    """A saved one-sheet workbook (sheet Data) holding ``grid``, reopened."""
    book = XlsxWorkbook.new(tmp_path / name)
    book.add_sheet("Data")
    book.write("Data", grid)  # type: ignore[arg-type]
    book.save()
    return XlsxWorkbook.open(tmp_path / name)


def cell_xml(path: Path, part: str = "xl/worksheets/sheet1.xml") -> dict[str, ElementTree.Element]:
    """The ``<c>`` elements of one sheet, by cell reference."""
    with zipfile.ZipFile(path) as archive:
        root = ElementTree.fromstring(archive.read(part))
    return {c.get("r", ""): c for c in root.iter(f"{NS}c")}


def folder_listing(path: Path) -> list[str]:
    return sorted(os.listdir(path))


# ---------------------------------------------------------------------------------------------- text safety


def test_tricky_text_is_stored_as_text_in_the_file(tmp_path: Path) -> None:
    book = saved(tmp_path, [TRICKY_TEXT])
    cells = cell_xml(book.path)
    for col, text in enumerate(TRICKY_TEXT):
        ref = f"{get_column_letter(col + 1)}1"
        assert cells[ref].get("t") in ("s", "inlineStr"), (ref, text)
        assert cells[ref].find(f"{NS}f") is None, (ref, text)
    ws = openpyxl.load_workbook(book.path)["Data"]
    prefixed = {cell.value: cell.quotePrefix for cell in ws[1]}
    assert prefixed["=1+2"] and prefixed["+1 555"] and prefixed["-- note"] and prefixed["@home"]
    assert not prefixed["007"]


def test_rewriting_a_loaded_text_cell_keeps_it_text_in_the_file(tmp_path: Path) -> None:
    book = saved(tmp_path, [["H"], ["plain"]])
    book.write("Data", [["H"], ["=SUM(1,2)"]])
    book.save()
    cells = cell_xml(book.path)
    assert cells["A2"].get("t") in ("s", "inlineStr") and cells["A2"].find(f"{NS}f") is None


def test_a_users_formula_stays_a_formula_in_the_file(tmp_path: Path) -> None:
    book = saved(tmp_path, [["A", "B"], [2, Formula("=A2*3")]])
    book.write("Data", book.read("Data"))
    book.save()
    formula = cell_xml(book.path)["B2"].find(f"{NS}f")
    assert formula is not None and formula.text == "A2*3"


def test_array_formulas_are_read_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "array.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append([1, 2])
    ws["C1"] = ArrayFormula("C1", "=SUM(A1:B1*2)")
    wb.save(path)
    book = XlsxWorkbook.open(path)
    grid = book.read("Data")
    assert grid == [[1, 2, Formula("=SUM(A1:B1*2)")]]
    book.write("Data", grid)
    assert book.changed_cells == 0
    book.save()
    formula = cell_xml(path)["C1"].find(f"{NS}f")
    assert formula is not None and formula.get("t") == "array"


def test_error_cells_read_as_their_text_and_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "errors.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    wb.active["A1"] = "#N/A"  # openpyxl makes this an error cell
    wb.save(path)
    book = XlsxWorkbook.open(path)
    assert book.read("Data") == [["#N/A"]]
    book.write("Data", [["#N/A"]])
    assert book.changed_cells == 0


# Text the port must store exactly: anything but the characters Excel cannot hold.
STORABLE_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60
).filter(lambda text: not text_problem(text))


@settings(max_examples=25, deadline=None)
@given(texts=st.lists(STORABLE_TEXT, min_size=1, max_size=20))
def test_any_storable_text_round_trips(tmp_path_factory: pytest.TempPathFactory, texts: list[str]) -> None:
    book = saved(tmp_path_factory.mktemp("text"), [[t] for t in texts])
    assert book.read("Data") == [[t] for t in texts]


@settings(max_examples=40, deadline=None)
@given(text=st.text(max_size=20), bad=st.sampled_from("\ufffe\uffff\ud800\udfff"))
def test_any_text_with_a_bad_character_is_refused(
    tmp_path_factory: pytest.TempPathFactory, text: str, bad: str
) -> None:
    book = XlsxWorkbook.new(tmp_path_factory.getbasetemp() / "never-saved.xlsx")
    book.add_sheet("Data")
    with pytest.raises(WorkbookError) as caught:
        book.write("Data", [["H"], [text[:5] + bad + text[5:]]])
    assert (caught.value.sheet, caught.value.row, caught.value.field) == ("Data", 2, "A")


def test_refused_text_leaves_the_file_untouched(tmp_path: Path) -> None:
    book = saved(tmp_path, [["Name"], ["Ann"]])
    with pytest.raises(WorkbookError, match="32,767"):
        book.write("Data", [["Name"], ["x" * 40_000]])
    book.save()
    assert XlsxWorkbook.open(book.path).read("Data") == [["Name"], ["Ann"]]


def test_the_error_names_the_column_header(tmp_path: Path) -> None:
    book = XlsxWorkbook.new(tmp_path / "b.xlsx")
    book.add_sheet("Contacts")
    with pytest.raises(WorkbookError, match="sheet Contacts, row 3, column B: the Email value contains"):
        book.write("Contacts", [["Name", "Email"], ["Ann", "a@x"], ["Bob", "b\uffff@x"]])


def test_time_zones_and_old_dates_are_refused(tmp_path: Path) -> None:
    import datetime as dt

    book = XlsxWorkbook.new(tmp_path / "b.xlsx")
    book.add_sheet("Data")
    with pytest.raises(WorkbookError, match="time zone"):
        book.write("Data", [[dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)]])
    with pytest.raises(WorkbookError, match="1900"):
        book.write("Data", [[dt.date(1899, 12, 1)]])


def test_writing_into_merged_cells_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "merged.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    wb.active["A1"] = "title"
    wb.active.merge_cells("A1:B1")
    wb.save(path)
    book = XlsxWorkbook.open(path)
    assert book.read("Data") == [["title"]]
    book.write("Data", [["new title", None]])  # None over the merged part is fine
    with pytest.raises(WorkbookError, match="merged"):
        book.write("Data", [["t", "x"]])


# ---------------------------------------------------------------------------------------------- diff writes


def test_only_changed_cells_are_assigned(tmp_path: Path) -> None:
    grid = [["Name", "Phone"]] + [[f"n{i}", f"0{i:04d}"] for i in range(200)]
    book = saved(tmp_path, grid)
    book.write("Data", grid)
    assert book.changed_cells == 0
    ws = book._book["Data"]
    untouched = ws["A2"]
    untouched.font = Font(bold=True)
    style_before = untouched._style
    grid[5][1] = "changed"
    grid[7][0] = None
    book.write("Data", grid)
    assert book.changed_cells == 2
    assert ws["A2"] is untouched and ws["A2"]._style is style_before and ws["A2"].font.b
    book.save()
    reread = XlsxWorkbook.open(book.path)
    assert reread.read("Data") == grid
    assert openpyxl.load_workbook(book.path)["Data"]["A2"].font.b


def test_int_and_float_of_equal_value_are_not_rewritten(tmp_path: Path) -> None:
    book = saved(tmp_path, [[1, 2.0]])
    book.write("Data", [[1.0, 2]])
    assert book.changed_cells == 0


def test_cleared_cells_keep_their_formatting(tmp_path: Path) -> None:
    book = saved(tmp_path, [["a", "b", "c"], ["d", "e", "f"]])
    ws = book._book["Data"]
    ws["C2"].font = Font(italic=True)
    book.write("Data", [["a", "b"]])
    assert book.changed_cells == 4
    assert ws["C2"].value is None and ws["C2"].font.i  # formatting kept
    assert (1, 3) not in ws._cells  # an unformatted cleared cell is dropped entirely
    book.save()
    ws = openpyxl.load_workbook(book.path)["Data"]
    assert ws["C2"].value is None and ws["C2"].font.i


def test_quote_prefix_is_cleared_when_a_number_replaces_text(tmp_path: Path) -> None:
    book = saved(tmp_path, [["=x"]])
    book.write("Data", [[5]])
    book.save()
    cell = openpyxl.load_workbook(book.path)["Data"]["A1"]
    assert cell.value == 5 and not cell.quotePrefix


def test_sheet_names_are_found_ignoring_case(tmp_path: Path) -> None:
    book = saved(tmp_path, [["x"]])
    assert book.read("data") == [["x"]]


# ---------------------------------------------------------------------------------------------- tables


def tables(path: Path, sheet: str = "Data") -> dict[str, tuple[str, list[str]]]:
    ws = openpyxl.load_workbook(path)[sheet]
    return {t.displayName: (t.ref, [c.name for c in t.tableColumns]) for t in ws.tables.values()}


def test_table_is_created_resized_and_its_columns_follow_the_header(tmp_path: Path) -> None:
    book = saved(tmp_path, [["Name", "Email"], ["Ann", "a@x"], ["Bob", "b@x"]])
    book.set_table("Data", "Contacts", 3, 2)
    book.save()
    assert tables(book.path) == {"Contacts": ("A1:B3", ["Name", "Email"])}
    table = openpyxl.load_workbook(book.path)["Data"].tables["Contacts"]
    assert table.autoFilter.ref == "A1:B3" and table.tableStyleInfo.name

    book = XlsxWorkbook.open(book.path)
    book.write("Data", [["Name", "Email", "Phone"]] + [[f"n{i}", "e", "p"] for i in range(9)])
    book.set_table("Data", "Contacts", 10, 3)
    book.save()
    assert tables(book.path) == {"Contacts": ("A1:C10", ["Name", "Email", "Phone"])}

    book = XlsxWorkbook.open(book.path)
    book.write("Data", [["Name", "Mail"], ["Ann", "a"]])
    book.set_table("Data", "contacts", 2, 2)  # table names ignore case, like Excel's
    book.save()
    assert tables(book.path) == {"Contacts": ("A1:B2", ["Name", "Mail"])}
    table = openpyxl.load_workbook(book.path)["Data"].tables["Contacts"]
    assert table.autoFilter.ref == "A1:B2"
    assert [c.id for c in table.tableColumns] == [1, 2]


def test_a_header_only_table_keeps_one_data_row(tmp_path: Path) -> None:
    book = saved(tmp_path, [["Name", "Email"]])
    book.set_table("Data", "Contacts", 1, 2)
    book.save()
    assert tables(book.path) == {"Contacts": ("A1:B2", ["Name", "Email"])}


def test_renaming_a_header_renames_the_table_column_on_save(tmp_path: Path) -> None:
    book = saved(tmp_path, [["Name", "Email"], ["Ann", "a"]])
    book.set_table("Data", "Contacts", 2, 2)
    book.save()
    book = XlsxWorkbook.open(book.path)
    book.write("Data", [["Name", "E-mail"], ["Ann", "a"]])
    book.save()
    assert tables(book.path) == {"Contacts": ("A1:B2", ["Name", "E-mail"])}


def test_breaking_a_table_header_is_refused_at_save(tmp_path: Path) -> None:
    book = saved(tmp_path, [["Name", "Email"], ["Ann", "a"]])
    book.set_table("Data", "Contacts", 2, 2)
    book.write("Data", [["Name", None], ["Ann", "a"]])
    with pytest.raises(WorkbookError) as caught:
        book.save()
    assert (caught.value.sheet, caught.value.row, caught.value.field) == ("Data", 1, "B")


def test_a_table_name_is_unique_in_the_workbook(tmp_path: Path) -> None:
    book = saved(tmp_path, [["Name"], ["Ann"]])
    book.add_sheet("Other")
    book.write("Other", [["Name"], ["Bob"]])
    book.set_table("Data", "Contacts", 2, 1)
    with pytest.raises(WorkbookError, match="already exists on sheet Data"):
        book.set_table("Other", "Contacts", 2, 1)


def test_tables_may_not_overlap(tmp_path: Path) -> None:
    book = saved(tmp_path, [["Name", "Email"], ["Ann", "a"]])
    book.set_table("Data", "One", 2, 2)
    with pytest.raises(WorkbookError, match="overlap"):
        book.set_table("Data", "Two", 2, 1)


# ---------------------------------------------------------------------------------------------- formatting


def validations(path: Path, sheet: str = "Data") -> list[tuple[str, str | None, str]]:
    ws = openpyxl.load_workbook(path)[sheet]
    return sorted((str(dv.sqref), dv.formula1, dv.type) for dv in ws.data_validations.dataValidation)


def test_a_dropdown_is_replaced_not_duplicated(tmp_path: Path) -> None:
    book = saved(tmp_path, [["Accept Left", "Accept Right"]])
    book.set_dropdown("Data", 1, 2, 10, ["x"])
    book.set_dropdown("Data", 2, 2, 10, ["x"])
    book.save()
    book = XlsxWorkbook.open(book.path)
    book.set_dropdown("Data", 1, 2, 50, ["Accept", "Skip"])
    book.save()
    assert validations(book.path) == [("A2:A50", '"Accept,Skip"', "list"), ("B2:B10", '"x"', "list")]
    book.set_dropdown("Data", 1, 2, 50, [])
    book.save()
    assert validations(book.path) == [("B2:B10", '"x"', "list")]


def test_a_validation_spanning_columns_is_split(tmp_path: Path) -> None:
    path = tmp_path / "dv.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    dv = DataValidation(type="whole", operator="greaterThan", formula1="0")
    dv.add("A2:C9")
    wb.active.add_data_validation(dv)
    wb.save(path)
    book = XlsxWorkbook.open(path)
    book.set_dropdown("Data", 2, 2, 9, ["Y", "N"])
    book.save()
    assert validations(path) == [("A2:A9 C2:C9", "0", "whole"), ("B2:B9", '"Y,N"', "list")]


def test_the_dropdown_limit_is_255_characters(tmp_path: Path) -> None:
    book = saved(tmp_path, [["H"]])
    book.set_dropdown("Data", 1, 2, 3, ["x" * 127, "y" * 127])  # 255 with the comma
    with pytest.raises(WorkbookError, match="255"):
        book.set_dropdown("Data", 1, 2, 3, ["x" * 128, "y" * 127])


def test_column_width_hidden_and_frozen_header(tmp_path: Path) -> None:
    book = saved(tmp_path, [["Row ID", "Name"]])
    book.set_column("Data", 1, width=38, hidden=True)
    book.set_column("Data", 2, width=24)
    book.freeze_header("Data")
    book.save()
    ws = openpyxl.load_workbook(book.path)["Data"]
    assert ws.column_dimensions["A"].hidden and ws.column_dimensions["A"].width == 38
    assert ws.column_dimensions["B"].width == 24 and not ws.column_dimensions["B"].hidden
    assert ws.freeze_panes == "A2"


def test_hiding_a_column_leaves_its_width_unset(tmp_path: Path) -> None:
    book = saved(tmp_path, [["Row ID", "Name"]])
    book.set_column("Data", 1, hidden=True)
    book.save()
    with zipfile.ZipFile(book.path) as archive:
        root = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
    (col,) = root.iter(f"{NS}col")
    assert col.get("hidden") == "1" and col.get("width") is None


def test_a_column_inside_a_loaded_span_is_split_out(tmp_path: Path) -> None:
    path = tmp_path / "cols.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    wb.active.column_dimensions["B"] = ColumnDimension(wb.active, index="B", width=20, min=2, max=5)
    wb.save(path)
    book = XlsxWorkbook.open(path)
    book.set_column("Data", 3, width=40)
    book.save()
    with zipfile.ZipFile(path) as archive:
        root = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
    cols = [
        (int(c.get("min", 0)), int(c.get("max", 0)), float(c.get("width", 0))) for c in root.iter(f"{NS}col")
    ]
    assert cols == [(2, 2, 20), (3, 3, 40), (4, 5, 20)]


# ---------------------------------------------------------------------------------------------- sheets


def test_hiding_the_active_sheet_makes_a_visible_one_active(tmp_path: Path) -> None:
    book = saved(tmp_path, [["x"]])
    book.add_sheet("Other")
    book.set_visibility("Data", "veryHidden")
    book.save()
    wb = openpyxl.load_workbook(book.path)
    assert wb.active.title == "Other"
    assert wb["Data"].sheet_state == "veryHidden" and not wb["Data"].sheet_view.tabSelected
    assert wb.views[0].firstSheet == 1


def test_a_workbook_needs_a_visible_sheet_to_be_saved(tmp_path: Path) -> None:
    book = XlsxWorkbook.new(tmp_path / "b.xlsx")
    with pytest.raises(WorkbookError, match="no sheets"):
        book.save()
    book.add_sheet("_state", "veryHidden")
    with pytest.raises(WorkbookError, match="visible"):
        book.save()
    assert folder_listing(tmp_path) == []


# ---------------------------------------------------------------------------------------------- opening


def test_new_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "b.xlsx").write_bytes(b"x")
    with pytest.raises(WorkbookError, match="already exists"):
        XlsxWorkbook.new(tmp_path / "b.xlsx")


def test_new_then_save_then_open(tmp_path: Path) -> None:
    book = XlsxWorkbook.new(tmp_path / "clients.xlsx")
    assert book.label == "clients.xlsx" and book.path == tmp_path / "clients.xlsx"
    assert book.sheet_names() == []
    book.add_sheet("Contacts")
    book.save()
    assert XlsxWorkbook.open(tmp_path / "clients.xlsx").sheet_names() == ["Contacts"]


def test_a_new_workbook_is_not_saved_over_a_file_that_appeared(tmp_path: Path) -> None:
    book = XlsxWorkbook.new(tmp_path / "b.xlsx")
    book.add_sheet("Data")
    (tmp_path / "b.xlsx").write_bytes(b"someone else's")
    with pytest.raises(WorkbookError, match="meanwhile"):
        book.save()
    assert (tmp_path / "b.xlsx").read_bytes() == b"someone else's"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.xlsx", None, "Cannot find"),
        ("notes.xlsx", b"Name,Email\nAnn,a@x\n", "not a valid Excel workbook"),
        ("broken.xlsx", b"PK\x03\x04" + b"\x00" * 200, "cannot be read"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, r"\.xls"),
        ("locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "password"),
        ("list.csv", b"a,b\n", "not an Excel workbook"),
    ],
)
def test_unreadable_files_are_refused_with_a_plain_message(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    if content is not None:
        (tmp_path / name).write_bytes(content)
    with pytest.raises(WorkbookError, match=message) as caught:
        XlsxWorkbook.open(tmp_path / name)
    assert not isinstance(caught.value, WorkbookBusy)


def test_a_damaged_zip_is_refused(tmp_path: Path) -> None:
    book = saved(tmp_path, [["x"]])
    data = book.path.read_bytes()
    book.path.write_bytes(data[: len(data) // 2])
    with pytest.raises(WorkbookError, match="cannot be read"):
        XlsxWorkbook.open(book.path)


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "photos.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(WorkbookError, match="cannot be read"):
        XlsxWorkbook.open(path)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dir.xlsx").mkdir()
    with pytest.raises(WorkbookError, match="folder"):
        XlsxWorkbook.open(tmp_path / "dir.xlsx")


def test_macros_are_kept_in_an_xlsm(tmp_path: Path) -> None:
    path = tmp_path / "macros.xlsm"
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    wb.save(path)
    with zipfile.ZipFile(path, "a") as archive:  # a stand-in VBA project: only its bytes matter here
        archive.writestr("xl/vbaProject.bin", b"VBA-PROJECT-BYTES")
    book = XlsxWorkbook.open(path)
    book.write("Data", [["x"]])
    book.save()
    with zipfile.ZipFile(path) as archive:
        assert archive.read("xl/vbaProject.bin") == b"VBA-PROJECT-BYTES"
        assert "macroEnabled" in archive.read("[Content_Types].xml").decode()


def test_read_only_open_cannot_save(tmp_path: Path) -> None:
    book = saved(tmp_path, [["x"]])
    (tmp_path / f"~${book.label}").write_bytes(b"\x03Ann")
    reader = XlsxWorkbook.open(book.path, writable=False)  # reading a file open in Excel is fine
    assert reader.read("Data") == [["x"]]
    with pytest.raises(WorkbookError, match="read-only"):
        reader.save()


# ---------------------------------------------------------------------------------------------- busy files


EXCEL_LOCK = b"\x04jane" + b" " * 50 + "jane".encode("utf-16-le")
LIBREOFFICE_LOCK = b",jane,host,01.01.2025 10:00,file:///tmp/book.xlsx;"


@pytest.mark.parametrize(
    ("lock", "content", "app"),
    [("~$book.xlsx", EXCEL_LOCK, "Excel"), (".~lock.book.xlsx#", LIBREOFFICE_LOCK, "LibreOffice")],
)
def test_a_file_open_elsewhere_is_refused_at_open(
    tmp_path: Path, lock: str, content: bytes, app: str
) -> None:
    saved(tmp_path, [["x"]])
    (tmp_path / lock).write_bytes(content)
    message = rf"^book\.xlsx is open in {app} by jane\. Close it in {app} and try again"
    with pytest.raises(WorkbookBusy, match=message):
        XlsxWorkbook.open(tmp_path / "book.xlsx")


@pytest.mark.parametrize("lock", ["~$book.xlsx", ".~lock.book.xlsx#"])
def test_a_file_opened_elsewhere_meanwhile_is_not_saved(tmp_path: Path, lock: str) -> None:
    book = saved(tmp_path, [["x"]])
    before = book.path.read_bytes()
    book.write("Data", [["changed"]])
    (tmp_path / lock).write_bytes(b"\x04Jane")
    with pytest.raises(WorkbookBusy, match=r"book\.xlsx is open"):
        book.save()
    assert book.path.read_bytes() == before
    assert folder_listing(tmp_path) == sorted(["book.xlsx", lock])


def test_the_lock_owner_is_named(tmp_path: Path) -> None:
    saved(tmp_path, [["x"]])
    (tmp_path / "~$book.xlsx").write_bytes(b"\x08Jane Doe" + b" " * 46)
    with pytest.raises(WorkbookBusy, match="open in Excel by Jane Doe"):
        XlsxWorkbook.open(tmp_path / "book.xlsx")


def test_a_read_only_file_is_refused(tmp_path: Path) -> None:
    book = saved(tmp_path, [["x"]])
    os.chmod(book.path, stat.S_IREAD)
    try:
        with pytest.raises(WorkbookBusy, match="read-only"):
            XlsxWorkbook.open(book.path)
        book.write("Data", [["changed"]])
        with pytest.raises(WorkbookBusy, match="read-only"):
            book.save()
        assert XlsxWorkbook.open(book.path, writable=False).read("Data") == [["x"]]
    finally:
        os.chmod(book.path, stat.S_IREAD | stat.S_IWRITE)


@pytest.mark.skipif(IS_ROOT or sys.platform == "win32", reason="needs a folder the user cannot write to")
def test_a_read_only_folder_is_refused(tmp_path: Path) -> None:
    book = saved(tmp_path, [["x"]])
    os.chmod(tmp_path, stat.S_IREAD | stat.S_IEXEC)
    try:
        with pytest.raises(WorkbookBusy, match="folder"):
            book.save()
    finally:
        os.chmod(tmp_path, stat.S_IRWXU)


def test_an_unwritable_folder_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above, for test runs with privileges that write anywhere: the folder reports read-only."""
    book = saved(tmp_path, [["x"]])
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != tmp_path and real_access(p, mode))
    with pytest.raises(WorkbookBusy, match="folder"):
        book.save()
    assert folder_listing(tmp_path) == ["book.xlsx"]


# ---------------------------------------------------------------------------------------------- atomic save


def test_a_crash_while_saving_leaves_the_old_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = saved(tmp_path, [["Name"], ["Ann"]])
    before = book.path.read_bytes()
    book.write("Data", [["Name"], ["Bob"]])

    def half_then_crash(target: object) -> None:
        target.write(b"PK\x03\x04 half a workbook")  # type: ignore[attr-defined]
        raise RuntimeError("disk went away")

    monkeypatch.setattr(book._book, "save", half_then_crash)
    with pytest.raises(WorkbookError, match=r"could not be saved.*unchanged"):
        book.save()
    assert book.path.read_bytes() == before
    assert folder_listing(tmp_path) == ["book.xlsx"]


def test_an_interrupted_save_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = saved(tmp_path, [["x"]])
    before = book.path.read_bytes()

    def interrupted(target: object) -> None:
        target.write(b"partial")  # type: ignore[attr-defined]
        raise KeyboardInterrupt

    monkeypatch.setattr(book._book, "save", interrupted)
    with pytest.raises(KeyboardInterrupt):
        book.save()
    assert book.path.read_bytes() == before
    assert folder_listing(tmp_path) == ["book.xlsx"]


def test_a_failed_rename_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = saved(tmp_path, [["x"]])
    before = book.path.read_bytes()

    def refused(src: object, dst: object) -> None:
        raise PermissionError(13, "The process cannot access the file")

    monkeypatch.setattr(os, "replace", refused)
    with pytest.raises(WorkbookBusy):
        book.save()
    assert book.path.read_bytes() == before
    assert folder_listing(tmp_path) == ["book.xlsx"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_saving_keeps_the_file_permissions(tmp_path: Path) -> None:
    book = saved(tmp_path, [["x"]])
    os.chmod(book.path, 0o640)
    book.save()
    assert stat.S_IMODE(os.stat(book.path).st_mode) == 0o640


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_saving_through_a_symlink_replaces_the_target(tmp_path: Path) -> None:
    real = saved(tmp_path, [["x"]], name="real.xlsx")
    link = tmp_path / "link.xlsx"
    link.symlink_to(real.path)
    book = XlsxWorkbook.open(link)
    book.write("Data", [["via link"]])
    book.save()
    assert link.is_symlink()
    assert XlsxWorkbook.open(real.path).read("Data") == [["via link"]]


@pytest.mark.parametrize("enabled", [True, False])
def test_the_garbage_collector_state_is_restored(tmp_path: Path, enabled: bool) -> None:
    book = saved(tmp_path, [["x"]])
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        XlsxWorkbook.open(book.path).save()
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
