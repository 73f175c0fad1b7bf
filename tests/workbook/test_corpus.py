"""Workbooks from other writers keep every part the sync does not own byte for byte, through setup and syncs
with changes on both sides."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from custmgr.company import SandboxCompany, create_company
from custmgr.sync import setup, sync
from custmgr.workbook.lossless import LosslessWorkbook

from .corpus import make_corpus_book
from .ooxml import check_package

#: Parts the sync may rewrite: its own sheets (and their relationships and tables) and the package's sheet list.
#: (styles.xml changes only when a written cell needs a format the workbook lacks, which no value here does.)
OWNED_SHEETS = ("Contacts", "Review", "Sync Log", "Sync Changes", "Settings")


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def owned_parts(path: Path) -> set[str]:
    book = LosslessWorkbook.open(path, writable=False)
    try:
        # docProps/app.xml lists the sheets by name, so it follows the sheets the sync adds (see below).
        out = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "docProps/app.xml"}
        for s in book._sheets:
            if s.entry.name in OWNED_SHEETS or s.entry.name.startswith("_cm_"):
                out |= {s.part, s.part.replace("worksheets/", "worksheets/_rels/") + ".rels"}
                out |= {t[1] for t in book._tables() if t[0] is s}
        return out
    finally:
        book.close()


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def saved_by_libreoffice(book: Path, folder: Path) -> Path:
    """``book`` opened and saved again by LibreOffice Calc (headless)."""
    out = folder / "calc"
    out.mkdir()
    profile = folder / "profile"
    subprocess.run([str(SOFFICE), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(book)],
                   check=True, capture_output=True, timeout=240, env={**os.environ, "HOME": str(profile)})
    return next(out.iterdir())


@pytest.mark.parametrize("writer", [
    ".xlsx", ".xlsm",
    pytest.param("libreoffice", marks=pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")),
])
def test_setup_and_syncs_keep_every_part_the_sync_does_not_own(tmp_path: Path, writer: str) -> None:
    suffix = ".xlsm" if writer == ".xlsm" else ".xlsx"
    macro = b"\xd0\xcf\x11\xe0 a VBA project stand-in" * 40 if suffix == ".xlsm" else None
    book = make_corpus_book(tmp_path / f"clients{suffix}", macro=macro)
    if writer == "libreoffice":
        book = saved_by_libreoffice(book, tmp_path)
    before = parts(book)
    company = tmp_path / "company.qbsandbox"
    create_company(company, name="Corpus Co")
    with SandboxCompany(company) as store:
        store.add("Ann Archer", {"phone": "555-0100"})
        store.add("Bob Baker", {"email": "bob@example.com"})
    setup(book, connector="sandbox", company=str(company))
    sync(book)
    # A change on each side, then a sync that moves both.
    wb = LosslessWorkbook.open(book)
    grid = wb.read("Contacts")
    name_col = grid[0].index("Name")
    phone_col = grid[0].index("Phone")
    for row in grid[1:]:
        if row[name_col] == "Bob Baker":
            row[phone_col] = "555-0199"
    wb.write("Contacts", grid)
    wb.save()
    wb.close()
    with SandboxCompany(company) as store:
        store.edit("Ann Archer", {"email": "ann@example.com"})
    summary, _ = sync(book)
    assert (summary.sent, summary.received) == (1, 1)

    after = parts(book)
    owned = owned_parts(book)
    kept = set(before) - owned
    assert "xl/worksheets/sheet1.xml" in kept  # the dashboard
    if writer != "libreoffice":  # Calc keeps its own selection of these
        assert b"sparklineGroup" in before["xl/worksheets/sheet1.xml"]
        assert {"xl/drawings/drawing1.xml", "xl/charts/chart1.xml", "xl/comments1.xml"} <= kept
    assert ("xl/vbaProject.bin" in kept) == (suffix == ".xlsm")
    for name, data in before.items():
        if name in owned:
            continue
        assert name in after, f"{name} was dropped"
        assert after[name] == data, f"{name} changed"
    assert check_package(book) == []
    if b"<TitlesOfParts>" in before.get("docProps/app.xml", b""):  # it names every sheet, the sync's new ones
        # too, and nothing else in it changed
        port = LosslessWorkbook.open(book, writable=False)
        sheets = [s.entry.name for s in port._sheets if port._is_worksheet(s)]
        port.close()
        app = after["docProps/app.xml"].decode()
        titles = re.findall(r"<vt:lpstr>([^<]*)</vt:lpstr>", re.search(r"<TitlesOfParts>(.*)</TitlesOfParts>", app,
                                                                        re.DOTALL).group(1))
        if "Dashboard" in re.findall(r"<vt:lpstr>([^<]*)</vt:lpstr>", before["docProps/app.xml"].decode()):
            assert titles[:len(sheets)] == sheets
        outside = re.compile(r"<HeadingPairs>.*</TitlesOfParts>", re.DOTALL)
        assert outside.sub("", app) == outside.sub("", before["docProps/app.xml"].decode())
