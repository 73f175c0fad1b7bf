"""The command line end to end: demo, edits on both sides, sync, conflict, resolve on Review, sync, undo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from custmgr.cli import main
from workbooks import contacts, mark, remote, set_cells, statuses


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture
def demo(tmp_path: Path) -> tuple[Path, Path]:
    out = run("demo", str(tmp_path / "demo"))
    assert "imported from QuickBooks" in out and "Try next" in out
    return tmp_path / "demo" / "contacts.xlsx", tmp_path / "demo" / "sample-company.qbsandbox"


def test_demo_then_a_whole_round_of_work(demo):
    book, company = demo
    run("sandbox", "edit", str(company), "Okafor, Chidi", "Phone=(508) 555-0000", "email=chidi@new.example.com")
    set_cells(book, "Okafor, Chidi", Phone="(508) 555-1111")
    set_cells(book, "Café Société", Notes="-- espresso + croissant")
    out = run("sync", str(book), "--dry-run")
    assert "Dry run" in out and "Okafor, Chidi" in out
    summary = json.loads(run("sync", str(book), "--json"))
    assert summary["conflicts_open"] == 1 and summary["received"] == 1 and summary["sent"] == 1
    assert remote(company)["Café Société"]["notes"] == "-- espresso + croissant"
    assert statuses(book)["Okafor, Chidi"] == "Conflict: see Review"
    mark(book, "Okafor, Chidi", "left")
    summary = json.loads(run("sync", str(book), "--json"))
    assert summary["conflicts_open"] == 0 and summary["sent"] == 1
    assert remote(company)["Okafor, Chidi"]["phone"] == "(508) 555-1111"
    assert remote(company)["Okafor, Chidi"]["email"] == "chidi@new.example.com"
    out = run("undo", str(book))
    assert "NOT changed back" in out and "Okafor, Chidi" in out
    assert contacts(book)["Okafor, Chidi"]["phone"] == "(508) 555-1111"  # the edit made before that sync
    info = json.loads(run("status", str(book), "--json"))
    assert info["conflicts_open"] == 1 and info["paired_with"] == "Larkspur Landscaping & Design"


def test_demo_refuses_to_overwrite(demo):
    book, _ = demo
    out = run("demo", str(book.parent), code=1)
    assert "already exists" in out


def test_custom_fields_are_mapped_in_the_demo(demo):
    book, company = demo
    here = contacts(book)
    assert any(v.get("custom:Account Manager") for v in here.values())
    run("sandbox", "edit", str(company), "Okafor, Chidi", "custom:Account Manager=Pat Lee")
    run("sync", str(book))
    assert contacts(book)["Okafor, Chidi"]["custom:Account Manager"] == "Pat Lee"


def test_new_setup_sync_from_scratch(tmp_path):
    book, company = tmp_path / "b.xlsx", tmp_path / "c.qbsandbox"
    run("sandbox", "new", str(company), "--sample")
    run("new", str(book))
    out = run("setup", str(book), "--connector", "sandbox", "--company", str(company))
    assert "Custom fields you can sync" in out
    out = run("sync", str(book))
    assert "imported" in out
    assert all(v["kind"] == "Customer" for v in contacts(book).values())


def test_errors_are_one_plain_line_and_a_nonzero_exit(tmp_path):
    out = run("sync", str(tmp_path / "missing.xlsx"), code=1)
    assert out.startswith("Error:") and "Traceback" not in out
    book = tmp_path / "b.xlsx"
    run("new", str(book))
    out = run("sync", str(book), code=1)
    assert "custmgr setup" in out
    out = run("setup", str(book), "--connector", "nope", "--company", "x", code=1)
    assert "No connector named 'nope'" in out and "sandbox" in out


def test_connectors_lists_the_sandbox():
    assert "sandbox" in run("connectors")


def test_failed_writes_exit_with_status_2(demo, monkeypatch):
    from custmgr_qbd.front import QbxmlFront

    book, _ = demo
    set_cells(book, "Okafor, Chidi", Phone="1")
    real_process = QbxmlFront.process

    def locked(self, text):
        self.inject(3180, count=1)  # every write QuickBooks is asked for finds the list locked
        return real_process(self, text)
    monkeypatch.setattr(QbxmlFront, "process", locked)
    monkeypatch.setattr("custmgr.push.BACKOFF", 0)
    out = run("sync", str(book), code=2)
    assert "failed" in out
    assert statuses(book)["Okafor, Chidi"].startswith("Failed: There was an error when saving a Customer list")
