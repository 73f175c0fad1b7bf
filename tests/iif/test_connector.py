"""The IIF connector: registered like any plugin, one-way, and refused by the engine with what to do instead."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from custmgr import plugins
from custmgr import sync as engine
from custmgr.book import create_workbook
from custmgr.cli import main
from custmgr.connector import Change, Connector
from custmgr.errors import CustmgrError, Invalid
from custmgr.settings import Settings
from custmgr_iif.connector import IDENTITY, IifConnector
from workbooks import contacts, set_settings

from .samples import windows_export


@pytest.fixture
def lists_file(tmp_path: Path) -> Path:
    path = tmp_path / "lists.iif"
    path.write_bytes(windows_export())
    return path


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def test_it_comes_from_its_entry_point_and_says_it_is_one_way(lists_file):
    info = plugins.connectors()["iif"]
    assert info.plugin == "iif" and "one-way" in info.description
    connector = plugins.open_connector("iif", str(lists_file))
    assert isinstance(connector, Connector) and connector.two_way is False and connector.charset == "cp1252"


def test_it_answers_what_the_engine_asks_of_any_company(lists_file):
    with IifConnector(lists_file) as connector:
        assert connector.company() == IDENTITY
        listing = connector.listing(["Customer"])
        assert len(listing) == 5 and all(item.kind == "Customer" for item in listing)
        assert [item.active for item in listing if item.remote_id == "Hastings, Margaret"] == [False]
        record, = connector.fetch(["Bay State Stone & Tile", "No Such Name"])
        assert record.kind == "Vendor" and record.values["bill_city"] == "Milford"
        assert {f.name for f in connector.custom_fields()} == {"Spouse's Name", "Region"}


def test_it_cannot_write_a_record_and_says_why(lists_file):
    with IifConnector(lists_file) as connector:
        result, = connector.apply([Change("r1", "add", "Customer", {"name": "A"})])
    assert isinstance(result.error, Invalid) and "custmgr export" in str(result.error)


def test_opening_reads_nothing_so_a_moved_file_still_gets_the_one_way_answer(tmp_path):
    settings = Settings(connector="iif", company=str(tmp_path / "moved-away.iif"))
    with pytest.raises(CustmgrError, match=r"only moves lists one way.*custmgr import.*custmgr export"):
        engine.open_company(settings)


def test_sync_on_a_workbook_set_up_for_iif_says_to_use_import_and_export(tmp_path, lists_file):
    book = tmp_path / "contacts.xlsx"
    run("new", str(book))
    out = run("import", str(book), str(lists_file))
    assert "Imported from lists.iif: 5 new" in out and "cannot be synced both ways" in out
    before = book.read_bytes()
    out = run("sync", str(book), code=1)
    assert out.startswith("Error: The iif connector only moves lists one way") and "custmgr import" in out
    assert "custmgr export" in out and "Traceback" not in out
    assert book.read_bytes() == before


def test_a_workbook_set_up_by_hand_for_iif_is_refused_too(tmp_path, lists_file):
    book = tmp_path / "contacts.xlsx"
    create_workbook(book)
    set_settings(book, connector="iif", company="lists.iif")
    assert "custmgr import" in run("sync", str(book), code=1)


def test_import_and_export_from_the_command_line(tmp_path, lists_file):
    book = tmp_path / "contacts.xlsx"
    run("new", str(book))
    assert "Dry run: nothing was changed" in run("import", str(book), str(lists_file), "--dry-run")
    assert contacts(book) == {}
    run("import", str(book), str(lists_file))
    run("sandbox", "new", str(tmp_path / "unused.qbsandbox"))  # other commands still there
    out = run("export", str(book), str(tmp_path / "out.iif"))
    assert "Exported 4 customer(s) and 1 vendor(s)" in out
    out = run("export", str(book), str(tmp_path / "new.iif"), "--only-new")
    assert "No contacts to export" in out
    out = run("undo", str(book))
    assert "Restored contacts" in out and contacts(book) == {}


def test_command_line_errors_are_one_message_and_exit_1(tmp_path):
    book = tmp_path / "contacts.xlsx"
    run("new", str(book))
    (tmp_path / "bom.iif").write_bytes(b"\xef\xbb\xbf!CUST\tNAME\r\nCUST\tA\r\n")
    out = run("import", str(book), str(tmp_path / "bom.iif"), code=1)
    assert out.startswith("Error: bom.iif has a problem; nothing was imported.") and "line 1:" in out
    out = run("import", str(book), str(tmp_path / "missing.iif"), code=1)
    assert "Cannot find" in out and "Traceback" not in out


def test_a_workbook_holding_iif_lists_is_not_paired_with_another_company_by_mistake(tmp_path, lists_file):
    book = tmp_path / "contacts.xlsx"
    run("new", str(book))
    run("import", str(book), str(lists_file))
    run("sandbox", "new", str(tmp_path / "other.qbsandbox"), "--sample")
    out = run("setup", str(book), "--connector", "sandbox", "--company", str(tmp_path / "other.qbsandbox"), code=1)
    assert "paired with the QuickBooks company 'QuickBooks lists (IIF files)'" in out and "custmgr new" in out
