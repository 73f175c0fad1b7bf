"""The workbook in a real spreadsheet application: LibreOffice Calc, run headless.

openpyxl writing a file is not proof that a spreadsheet application reads it the same way. Calc opens the demo
workbook after a sync with a conflict: each visible sheet, exported by Calc as CSV, must show what the engine wrote;
the sync state and backups must stay hidden; the Accept dropdowns must still be there; and the file Calc saves back
must still sync with nothing lost.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from custmgr import sync as engine
from custmgr.book import VISIBLE_SHEETS, create_workbook
from custmgr.company import create_company
from custmgr.workbook.xlsx import XlsxWorkbook
from workbooks import add_row, contacts, mark, qb_edit, remote, review, set_cells, state

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice is not installed (no soffice or libreoffice on PATH). On Debian or Ubuntu: "
                            "apt-get install --no-install-recommends libreoffice-calc-nogui")
CSV_ALL_SHEETS = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
XLSX = "xlsx:Calc MS Excel 2007 XML"
HIDDEN_PREFIX = "_cm_"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workbook after a sync with a conflict, a change each way and a new row to decide on."""
    folder = tmp_path_factory.mktemp("demo")
    company, book = folder / "company.qbsandbox", folder / "contacts.xlsx"
    create_company(company, name="Larkspur Landscaping & Design", sample=True)
    create_workbook(book)
    engine.setup(book, connector="sandbox", company=str(company), vendors=True, map_all=True)
    engine.sync(book, backoff=0)
    set_cells(book, "Okafor, Chidi", Phone="(508) 555-1111")
    qb_edit(company, "Okafor, Chidi", phone="(508) 555-2222")
    qb_edit(company, "Café Société", notes="=1+2 is not a formula\n-- and a second line")
    set_cells(book, "Kowalski, Ted", Notes="Gate code 0042\n+ side door")
    add_row(book, Name="Walk-in Customer", Type="Customer", Bill_ZIP="02134")
    summary, _ = engine.sync(book, backoff=0)
    assert (summary.conflicts_open, summary.decisions_open, summary.sent, summary.received) == (1, 1, 1, 1)
    return book


def calc(book: Path, target: str, out: Path, profile: Path) -> None:
    """Let LibreOffice Calc open ``book`` and save it as ``target`` into ``out``."""
    out.mkdir(exist_ok=True)
    done = subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                           "--convert-to", target, "--outdir", str(out), str(book)],
                          capture_output=True, text=True, timeout=240, env={**os.environ, "HOME": str(profile)})
    assert done.returncode == 0 and any(out.iterdir()), f"LibreOffice failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("libreoffice-profile")


@pytest.fixture(scope="module")
def calc_sheets(demo: Path, profile: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[list[str]]]:
    """Every sheet as Calc exports it to CSV (one file per sheet), by sheet name."""
    out = tmp_path_factory.mktemp("csv")
    calc(demo, CSV_ALL_SHEETS, out, profile)
    sheets = {}
    for path in out.glob(f"{demo.stem}-*.csv"):
        with path.open(newline="", encoding="utf-8") as f:
            sheets[path.stem.removeprefix(f"{demo.stem}-")] = trimmed(list(csv.reader(f)))
    return sheets


@pytest.fixture(scope="module")
def calc_saved(demo: Path, profile: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workbook as Calc saves it back (.xlsx to .xlsx); it is paired with the demo's company."""
    out = tmp_path_factory.mktemp("saved-by-calc")
    calc(demo, XLSX, out, profile)
    return out / demo.name


def as_shown(value: object) -> str:
    """A cell value as Calc writes it to CSV."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def trimmed(rows: list[list[str]]) -> list[list[str]]:
    """Without trailing empty cells and rows (neither side keeps them the same way)."""
    rows = [list(r) for r in rows]
    for row in rows:
        while row and row[-1] == "":
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


@pytest.mark.parametrize("sheet", VISIBLE_SHEETS)
def test_each_visible_sheet_reads_in_calc_as_the_engine_wrote_it(demo, calc_sheets, sheet):
    written = trimmed([[as_shown(v) for v in row] for row in XlsxWorkbook.open(demo, writable=False).read(sheet)])
    assert len(written) > 1
    assert calc_sheets[sheet] == written


def test_calc_shows_the_conflict_and_text_that_looks_like_formulas_as_text(calc_sheets):
    review_rows = {row[1]: row for row in calc_sheets["Review"][1:]}
    assert review_rows["Okafor, Chidi"][:6] == ["Conflict", "Okafor, Chidi", "Phone", "(508) 555-0161",
                                                "(508) 555-1111", "(508) 555-2222"]
    notes = {row[1]: row for row in calc_sheets["Contacts"][1:]}
    header = calc_sheets["Contacts"][0]
    assert notes["Café Société"][header.index("Notes")] == "=1+2 is not a formula\n-- and a second line"
    assert notes["Walk-in Customer"][header.index("Bill ZIP")] == "02134"


def test_state_and_backup_sheets_stay_hidden(demo, calc_saved):
    for path in (demo, calc_saved):
        states = {ws.title: ws.sheet_state for ws in openpyxl.load_workbook(path).worksheets}
        assert {name for name, s in states.items() if s == "visible"} == set(VISIBLE_SHEETS), path
        assert len([name for name in states if name.startswith(HIDDEN_PREFIX)]) >= 4
    ws = openpyxl.load_workbook(calc_saved)["Contacts"]
    assert ws.column_dimensions["A"].hidden and ws["A1"].value == "Row ID"


def test_the_accept_dropdowns_survive(demo, calc_saved):
    for path in (demo, calc_saved):
        ws = openpyxl.load_workbook(path)["Review"]
        header = [c.value for c in ws[1]]
        lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
        for column in ("Accept Left", "Accept Right"):
            letter = openpyxl.utils.get_column_letter(header.index(column) + 1)
            for row in range(2, ws.max_row + 1):
                cell = f"{letter}{row}"
                assert [dv.formula1 for dv in lists if cell in dv.sqref] == ['"Yes"'], (path.name, cell)


def test_the_workbook_calc_saved_still_syncs_without_losing_anything(demo, calc_saved):
    before_contacts, before_links, before_review = contacts(demo), state(demo).links, review(demo)
    summary, _ = engine.sync(calc_saved, backoff=0)
    assert (summary.sent, summary.received, summary.imported, summary.added, summary.removed, summary.failed,
            summary.errors) == (0, 0, 0, 0, 0, 0, 0)
    assert (summary.conflicts_open, summary.decisions_open) == (1, 1)
    assert contacts(calc_saved) == before_contacts
    assert state(calc_saved).links == before_links
    assert review(calc_saved).keys() == before_review.keys()
    mark(calc_saved, "Okafor, Chidi", "left")
    summary, _ = engine.sync(calc_saved, backoff=0)
    assert (summary.sent, summary.conflicts_open) == (1, 0)
    assert remote(demo.parent / "company.qbsandbox")["Okafor, Chidi"]["phone"] == "(508) 555-1111"
    engine.undo(calc_saved)  # the backups Calc carried over still restore
    assert review(calc_saved).keys() == before_review.keys()


def test_after_a_sync_the_state_and_backup_sheets_are_very_hidden_again(calc_saved):
    engine.sync(calc_saved, backoff=0)
    states = {ws.title: ws.sheet_state for ws in openpyxl.load_workbook(calc_saved).worksheets}
    assert all(s == "veryHidden" for name, s in states.items() if name.startswith(HIDDEN_PREFIX)), states
