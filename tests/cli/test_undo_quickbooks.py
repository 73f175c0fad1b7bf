"""``custmgr undo BOOK --quickbooks`` end to end through the command line: on the sandbox connector and on QuickBooks
Desktop over the sandbox transport (the qbXML front); a refused write exits 2 naming it; IIF is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from custmgr.cli import main
from workbooks import add_row, contacts, delete_row, remote, review, set_cells, set_settings, state


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture(params=["sandbox", "qbd"])
def pair(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, Path]:
    """The sample company and a workbook synced with it once, through the ``sandbox`` connector or ``qbd`` over
    its sandbox transport."""
    company, book = tmp_path / "larkspur.qbsandbox", tmp_path / "contacts.xlsx"
    run("sandbox", "new", str(company), "--sample")
    run("new", str(book))
    extra = ["--transport", "sandbox"] if request.param == "qbd" else []
    run("setup", str(book), "--connector", request.param, "--company", str(company), "--vendors",
        "--map", "Account Manager=Account Manager", *extra)
    set_settings(book, add_policy="Add to QuickBooks", delete_policy="Make inactive in QuickBooks")
    assert "imported" in run("sync", str(book))
    return book, company


def test_sync_then_undo_quickbooks_puts_both_sides_back(pair):
    book, company = pair
    set_cells(book, "Okafor, Chidi", Phone="(508) 555-1111", Account_Manager="")
    set_cells(book, "Café Société", Notes="+1 call ahead -- @Dana")
    add_row(book, Name="Fresh Start LLC", Phone="555-0100")
    add_row(book, Name="Okafor, Chidi:Garden Shed")
    delete_row(book, "Kowalski, Ted")
    run("sandbox", "edit", str(company), "Harborview Condominium Trust", "Fax=555-0001")  # received
    before = contacts(book), review(book), remote(company)
    sent = json.loads(run("sync", str(book), "--json"))
    assert (sent["sent"], sent["added"], sent["made_inactive"], sent["received"]) == (2, 2, 1, 1)
    out = run("undo", str(book), "--quickbooks", "--dry-run")
    assert "Undo dry run (nothing changed)" in out
    assert "Okafor, Chidi:Garden Shed: delete from QuickBooks (the sync added it)" in out
    assert "Kowalski, Ted: make active again" in out
    assert "Also put QuickBooks back? 5 changes can be undone there; 0 records were changed" in out
    summary = json.loads(run("undo", str(book), "--quickbooks", "--json"))
    assert (summary["outcome"], summary["undone"], summary["left_alone"]) == ("ok", 5, 0)
    assert (contacts(book), review(book), remote(company)) == before
    again = json.loads(run("sync", str(book), "--dry-run", "--json"))  # the undone sync, planned again
    assert (again["sent"], again["added"], again["made_inactive"], again["received"]) == (2, 2, 1, 1)


def test_a_contact_changed_in_quickbooks_since_is_left_alone(pair):
    book, company = pair
    set_cells(book, "Okafor, Chidi", Phone="(508) 555-1111")
    set_cells(book, "Café Société", Phone="(508) 555-2222")
    run("sync", str(book))
    run("sandbox", "edit", str(company), "Café Société", "Email=owner@cafe.example.com")
    out = run("undo", str(book), "--quickbooks")
    assert "1  contacts put back in QuickBooks" in out and "1  contacts left alone in QuickBooks" in out
    assert "Café Société (changed in QuickBooks since the sync; would have done: put back Phone" in out
    qb = remote(company)
    assert qb["Okafor, Chidi"]["phone"] != "(508) 555-1111" and qb["Café Société"]["phone"] == "(508) 555-2222"
    run("sync", str(book))  # the next sync merges QuickBooks' newer values, losing nothing
    here = contacts(book)["Café Société"]
    assert (here["phone"], here["email"]) == ("(508) 555-2222", "owner@cafe.example.com")


def test_a_contact_used_in_transactions_is_made_inactive(pair):
    book, company = pair
    add_row(book, Name="Fresh Start LLC")
    run("sync", str(book))
    assert "cannot be deleted" in run("sandbox", "transaction", str(company), "Fresh Start LLC")
    out = run("undo", str(book), "--quickbooks")
    assert "Made inactive instead of deleted" in out and "Fresh Start LLC" in out
    assert remote(company)["Fresh Start LLC"]["active"] == "No"


def test_a_refused_write_exits_2_naming_it_and_the_same_undo_finishes(pair, monkeypatch):
    from custmgr.errors import Invalid
    from custmgr_qbd.front import QbxmlFront
    from custmgr_sandbox.connector import SandboxConnector

    book, company = pair
    set_cells(book, "Okafor, Chidi", Phone="(508) 555-1111")
    set_cells(book, "Café Société", Phone="(508) 555-2222")
    before = contacts(book), remote(company)
    run("sync", str(book))
    after_sync = contacts(book), state(book).links
    real_apply, real_process = SandboxConnector.apply, QbxmlFront.process

    def refuse_apply(self, changes):
        self.inject(Invalid("phone", "refused (injected)"), at=0)
        return real_apply(self, changes)

    injected: list[bool] = []

    def refuse_process(self, text):
        if "CustomerModRq" in text and not injected:  # the first write only
            injected.append(True)
            self.inject(3210, requests=("CustomerModRq",), message="The \"Phone\" field has an invalid value.")
        return real_process(self, text)

    monkeypatch.setattr(SandboxConnector, "apply", refuse_apply)
    monkeypatch.setattr(QbxmlFront, "process", refuse_process)
    out = run("undo", str(book), "--quickbooks", code=2)
    assert "QuickBooks refused to put back:" in out and "run the same undo again" in out
    assert (contacts(book), state(book).links) == after_sync
    monkeypatch.undo()
    summary = json.loads(run("undo", str(book), "--quickbooks", "--json"))
    assert (summary["outcome"], summary["undone"], summary["failed"]) == ("ok", 1, 0)  # the one refused before
    assert (contacts(book), remote(company)) == before


def test_dry_run_needs_quickbooks_and_iif_is_refused(tmp_path):
    book, iif = tmp_path / "b.xlsx", tmp_path / "list.iif"
    iif.write_bytes(b"!CUST\tNAME\r\nCUST\tSomeone\r\n")
    run("new", str(book))
    assert "use it with --quickbooks" in run("undo", str(book), "--dry-run", code=2)
    run("setup", str(book), "--connector", "iif", "--company", str(iif))
    out = run("undo", str(book), "--quickbooks", code=1)
    assert "one way only" in out and "Undo without --quickbooks" in out


def test_a_customer_and_its_job_added_by_the_sync_are_both_deleted(pair):
    book, company = pair
    add_row(book, Name="Granite Works")
    add_row(book, Name="Granite Works:Quarry Road")
    before = remote(company)
    assert json.loads(run("sync", str(book), "--json"))["added"] == 2
    summary = json.loads(run("undo", str(book), "--quickbooks", "--json"))
    assert (summary["outcome"], summary["undone"]) == ("ok", 2)
    assert remote(company) == before


def test_a_customer_made_inactive_is_made_active_again_with_its_jobs(pair):
    book, company = pair
    delete_row(book, "Peña, Rosa")  # QuickBooks makes its job inactive too
    before = remote(company)
    assert json.loads(run("sync", str(book), "--json"))["made_inactive"] == 1
    assert remote(company)["Peña, Rosa:Backyard Patio"]["active"] == "No"
    assert "Peña, Rosa:Backyard Patio: make active again" in run("undo", str(book), "--quickbooks", "--dry-run")
    run("undo", str(book), "--quickbooks")
    assert remote(company) == before
