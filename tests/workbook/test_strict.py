"""A workbook saved as *Strict Open XML Spreadsheet* goes through setup, syncs with changes on both sides and
undo, and comes out Strict: every part the sync writes or adds is in Strict's namespaces, every other part is
byte for byte as it was, and the values read back are those the same steps leave in a transitional workbook.

Readers: python-calamine reads Strict (the port reads through it). openpyxl cannot read Strict at all (it finds
no sheet in a Strict package, or fails on one Excel saved), so it reads a copy translated back to transitional
(``to_transitional``), as converters for such readers do. LibreOffice Calc, where installed, opens the Strict
file itself.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

import custmgr.workbook.lossless as lossless
from custmgr.company import SandboxCompany, create_company
from custmgr.sync import setup, sync, undo
from custmgr.workbook.lossless import LosslessWorkbook
from custmgr.workbook.package import TRANSITIONAL
from custmgr.workbook.xlsx import XlsxWorkbook

from .corpus import make_corpus_book
from .flavours import to_strict, to_transitional, transitional_leftovers
from .ooxml import check_package
from .port_suite import MakePort, PortSuite, Reopen
from .test_corpus import owned_parts, parts
from .test_differential import GRIDS
from .test_lossless import blank

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def test_the_strict_helper_writes_what_excel_writes(tmp_path: Path) -> None:
    """``to_strict`` makes a package laid out as Excel lays out a Strict file (see flavours.py)."""
    book = make_corpus_book(tmp_path / "book.xlsx", comment=False)
    before = parts(book)
    got = parts(to_strict(book))
    assert transitional_leftovers(book) == [] and check_package(book) == []
    assert got["[Content_Types].xml"] == before["[Content_Types].xml"]  # content types are shared
    assert b'Type="http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument" Target="xl/workbook.xml"' \
        in got["_rels/.rels"]
    assert b'Type="http://purl.oclc.org/ooxml/officeDocument/relationships/extendedProperties"' in got["_rels/.rels"]
    assert b'Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"' \
        in got["_rels/.rels"]
    assert b'<Properties xmlns="http://purl.oclc.org/ooxml/officeDocument/extendedProperties" ' \
           b'xmlns:vt="http://purl.oclc.org/ooxml/officeDocument/docPropsVTypes">' in got["docProps/app.xml"]
    workbook = got["xl/workbook.xml"]
    assert b'<workbook xmlns="http://purl.oclc.org/ooxml/spreadsheetml/main" ' \
           b'xmlns:r="http://purl.oclc.org/ooxml/officeDocument/relationships" conformance="strict">' in workbook
    assert b'dateCompatibility="0"' in workbook
    assert b"<border><start/><end/><top/><bottom/><diagonal/></border>" in got["xl/styles.xml"]
    assert b'xmlns:a="http://purl.oclc.org/ooxml/drawingml/main"' in got["xl/theme/theme1.xml"]
    assert b'"http://purl.oclc.org/ooxml/drawingml/chart"' in got["xl/charts/chart1.xml"]
    # python-calamine reads it; openpyxl reads the copy made transitional again as it read the original.
    assert read_all(book)["Dashboard"] == read_all(make_corpus_book(tmp_path / "again.xlsx", comment=False))[
        "Dashboard"]
    back = XlsxWorkbook.open(to_transitional(book, tmp_path / "back.xlsx"), writable=False)
    assert back.read("Dashboard") == XlsxWorkbook.open(tmp_path / "again.xlsx", writable=False).read("Dashboard")


class TestStrictWorkbook(PortSuite):
    """Every promise of the workbook port, on a Strict workbook; every file saved is all Strict."""

    @pytest.fixture
    def make_port(self) -> MakePort:
        return lambda folder: LosslessWorkbook.open(to_strict(blank(folder / "book.xlsx")))

    @pytest.fixture
    def reopen(self) -> Reopen:
        def _reopen(port):
            assert isinstance(port, LosslessWorkbook) and port.flavour.strict
            port.save()
            assert transitional_leftovers(port.path) == [] and check_package(port.path) == []
            port.close()
            return LosslessWorkbook.open(port.path)

        return _reopen


def company_with_two(path: Path) -> Path:
    create_company(path, name="Strict Co")
    with SandboxCompany(path) as store:
        store.add("Ann Archer", {"phone": "555-0100"})
        store.add("Bob Baker", {"email": "bob@example.com"})
    return path


def read_all(book: Path) -> dict[str, list[list[object]]]:
    port = LosslessWorkbook.open(book, writable=False)
    try:
        return {name: port.read(name) for name in port.sheet_names() if port._is_worksheet(port._find(name))}
    finally:
        port.close()


def contacts(grid: list[list[object]]) -> dict[str, dict[str, object]]:
    """Contacts by name, each as header -> value (without the Row ID, which is random)."""
    header = grid[0]
    return {row[header.index("Name")]: {h: v for h, v in zip(header, row, strict=False) if h != "Row ID"}
            for row in grid[1:]}


def steps(book: Path, company: Path, check=lambda: None) -> dict[str, dict[str, list[list[object]]]]:
    """Setup, a first sync, two with nothing to do, one with a change on each side, and undo; the values after
    each (``check`` runs after each too)."""
    seen = {}
    setup(book, connector="sandbox", company=str(company))
    check()
    seen["setup"] = read_all(book)
    sync(book)
    check()
    seen["import"] = read_all(book)
    for _ in range(2):  # nothing to do, but each keeps a backup (three by default; the next drops the oldest)
        sync(book)
        check()
    seen["more"] = read_all(book)
    wb = LosslessWorkbook.open(book)
    grid = wb.read("Contacts")
    header = grid[0]
    for row in grid[1:]:
        if row[header.index("Name")] == "Bob Baker":
            row[header.index("Phone")] = "555-0199"
    grid.append([None] * len(header))
    grid[-1][header.index("Name")] = "Cy Cole"  # a row new in the workbook: a candidate to add, on Review
    wb.write("Contacts", grid)
    wb.save()
    wb.close()
    with SandboxCompany(company) as store:
        store.edit("Ann Archer", {"email": "ann@example.com", "notes": "=1+2 is not a formula"})
    summary, _ = sync(book)
    assert (summary.sent, summary.received) == (1, 1)
    check()
    seen["sync"] = read_all(book)
    undo(book)
    check()
    seen["undo"] = read_all(book)
    return seen


ROW_ID = re.compile(r"R[0-9A-F]{12}")
WHEN = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


def timeless(grid: list[list[object]]) -> list[list[object]]:
    return [[WHEN.sub("(when)", v) if isinstance(v, str) else v for v in row[1:]] for row in grid]


def comparable(values: dict[str, list[list[object]]]) -> dict[str, object]:
    """What two runs of the same steps must agree on: which sheets there are (backups by position, not by their
    number), the contacts, Review, the Sync Log and Sync Changes (without the time), and the agreed values in the
    sync state (without the random Row IDs and QuickBooks' own ids)."""
    review = [[ROW_ID.sub("R-", v) if isinstance(v, str) else v for v in row] for row in values["Review"]]
    state = sorted(str(row[4]) for row in values["_cm_state"][1:]) if "_cm_state" in values else []
    return {"sheets": [n if not n.startswith("_cm_backup") else "_cm_backup" for n in values],
            "contacts": contacts(values["Contacts"]), "review": review,
            "log": timeless(values["Sync Log"]), "changes": timeless(values["Sync Changes"]),
            "state": state}


def check_saved_as_strict(book: Path, before: dict[str, bytes], folder: Path) -> None:
    assert transitional_leftovers(book) == []
    assert check_package(book) == []
    after = parts(book)
    # styles.xml too is written once a value needs a format it lacks: the notes starting with "=" need the quote
    # prefix (then, like every part written, it is all Strict: see above).
    for name in set(before) - owned_parts(book) - {"xl/styles.xml"}:
        assert after.get(name) == before[name], f"{name} changed"
    with zipfile.ZipFile(book) as z:
        assert b'conformance="strict"' in z.read("xl/workbook.xml")
    # openpyxl, through a transitional copy, reads what calamine reads.
    copy = to_transitional(book, folder / "as-transitional.xlsx")
    oracle = XlsxWorkbook.open(copy, writable=False)
    for name, grid in read_all(book).items():
        assert oracle.read(name) == grid, name


def test_setup_sync_and_undo_save_a_strict_workbook_as_strict(tmp_path: Path) -> None:
    book = to_strict(make_corpus_book(tmp_path / "strict.xlsx", comment=False))
    twin = make_corpus_book(tmp_path / "transitional.xlsx", comment=False)
    before = parts(book)
    assert transitional_leftovers(book) == []

    seen = steps(book, company_with_two(tmp_path / "strict.qbsandbox"),
                 lambda: check_saved_as_strict(book, before, tmp_path))
    expected = steps(twin, company_with_two(tmp_path / "transitional.qbsandbox"))
    for step in ("setup", "import", "more", "sync", "undo"):
        assert comparable(seen[step]) == comparable(expected[step]), step

    after_sync = contacts(seen["sync"]["Contacts"])
    assert after_sync["Ann Archer"]["Email"] == "ann@example.com"
    assert after_sync["Ann Archer"]["Notes"] == "=1+2 is not a formula"  # text, never a formula
    assert after_sync["Bob Baker"]["Phone"] == "555-0199"
    after_undo = contacts(seen["undo"]["Contacts"])
    assert after_undo["Ann Archer"]["Email"] is None and after_undo["Bob Baker"]["Phone"] == "555-0199"
    def backups(step: str) -> list[str]:
        return [n for n in seen[step] if n.startswith("_cm_backup")]

    assert (len(backups("import")), len(backups("more")), len(backups("sync"))) == (1, 3, 3)
    assert backups("sync")[:2] == backups("more")[1:]  # the oldest dropped, one added
    assert backups("undo") == backups("sync")[:-1]  # undo takes the last back


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_strict_workbook_the_sync_saved(tmp_path: Path) -> None:
    book = to_strict(make_corpus_book(tmp_path / "strict.xlsx", comment=False))
    company = company_with_two(tmp_path / "strict.qbsandbox")
    setup(book, connector="sandbox", company=str(company))
    sync(book)
    with SandboxCompany(company) as store:
        store.edit("Ann Archer", {"email": "ann@example.com", "notes": "=1+2 is not a formula"})
    sync(book)
    out, profile = tmp_path / "csv", tmp_path / "profile"
    done = subprocess.run([str(SOFFICE), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                           "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,"
                           "false,-1", "--outdir", str(out), str(book)],
                          capture_output=True, text=True, timeout=240, env={**os.environ, "HOME": str(profile)})
    assert done.returncode == 0, done.stderr
    with (out / "strict-Contacts.csv").open(newline="", encoding="utf-8") as f:
        calc = [row for row in csv.reader(f) if any(row)]
    ours = read_all(book)["Contacts"]
    assert calc[0] == [str(v) for v in ours[0]]  # the header, the hidden Row ID column included
    as_text = [["" if v is None else str(v) for v in row] for row in ours[1:]]
    assert sorted(r[:len(ours[0])] for r in calc[1:]) == sorted(as_text)
    assert {"Ann Archer", "Bob Baker", "ann@example.com", "=1+2 is not a formula"} <= {v for r in calc for v in r}


def test_the_strict_check_catches_parts_written_in_transitional(tmp_path: Path, monkeypatch) -> None:
    """The check above would fail on the writer as it was before Strict was saved: sheets, tables, relationships
    and styles in transitional namespaces inside a Strict package."""
    monkeypatch.setattr(lossless, "flavour_of", lambda rels, xml: TRANSITIONAL)
    book = to_strict(make_corpus_book(tmp_path / "strict.xlsx", comment=False))
    setup(book, connector="sandbox", company=str(company_with_two(tmp_path / "strict.qbsandbox")))
    sync(book)
    found = transitional_leftovers(book)
    assert any("xl/_rels/workbook.xml.rels: http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
               "worksheet" in f for f in found), found
    assert any(f.startswith("xl/worksheets/sheet") and "spreadsheetml/2006/main" in f for f in found), found


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=GRIDS, second=GRIDS)
def test_writes_read_back_from_strict_as_from_transitional(tmp_path_factory, first, second) -> None:
    """The same writes to a Strict and a transitional copy of one workbook read back alike, by calamine and by
    openpyxl (through a transitional copy of the Strict file)."""
    folder = tmp_path_factory.mktemp("strict-diff")
    ours = blank(folder / "strict.xlsx")
    theirs = shutil.copy(ours, folder / "transitional.xlsx")
    to_strict(ours)
    for grid in (first, second):
        for path in (ours, theirs):
            book = LosslessWorkbook.open(path)
            book.write("Sheet1", grid)
            book.save()
            book.close()
    assert transitional_leftovers(ours) == [] and check_package(ours) == []
    assert read_all(ours) == read_all(theirs)
    copy = to_transitional(ours, folder / "copy.xlsx")
    assert XlsxWorkbook.open(copy, writable=False).read("Sheet1") == XlsxWorkbook.open(theirs, writable=False).read(
        "Sheet1")
