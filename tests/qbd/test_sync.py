"""Whole syncs through the qbd connector and the sandbox's qbXML front: setup, the demo, stale versions, names in
use, locks, and bad answers from QuickBooks (which must leave the workbook untouched)."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from custmgr import sync as engine
from custmgr.book import create_workbook
from custmgr.cli import main
from custmgr.company import SandboxCompany, create_company
from custmgr.errors import CustmgrError
from custmgr_qbd.connector import QbdConnector
from custmgr_qbd.plugin import default_transport
from workbooks import add_row, contacts, delete_row, mark, review, set_cells, set_settings, statuses

from .conftest import front_of


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture(scope="module")
def paired_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample company and a workbook set up with ``--connector qbd --transport sandbox``, synced once; the
    company named relative to the workbook, so a copy of the folder is a pair of its own."""
    folder = tmp_path_factory.mktemp("paired")
    company, book = folder / "larkspur.qbsandbox", folder / "contacts.xlsx"
    create_company(company, sample=True)
    run("new", str(book))
    out = run("setup", str(book), "--connector", "qbd", "--company", str(company), "--transport", "sandbox",
              "--vendors")
    assert "Paired" in out and "Custom fields you can sync: Account Manager" in out
    set_settings(book, company=company.name)
    assert "imported" in run("sync", str(book))
    return folder


@pytest.fixture
def pair(paired_once: Path, tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "pair"
    shutil.copytree(paired_once, folder)
    return folder / "contacts.xlsx", folder / "larkspur.qbsandbox"


def with_front(action: Callable[[Any], None]) -> dict[str, Any]:
    """Connector options that hand the sandbox front of the connector a sync opens to ``action``."""
    return {"on_open": lambda connector: action(front_of(connector))}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_setup_stores_the_transport_and_status_shows_the_pairing(pair: tuple[Path, Path]) -> None:
    book, _ = pair
    info = json.loads(run("status", str(book), "--json"))
    assert info["connector"] == "qbd" and info["paired_with"] == "Larkspur Landscaping & Design"
    assert info["linked"] == 46
    assert "nothing to do" in run("sync", str(book))


def test_the_transport_defaults_from_the_company_file(tmp_path: Path, sample_path: Path) -> None:
    assert default_transport(str(sample_path)) == "sandbox"
    assert default_transport(r"C:\Books\Larkspur.QBW") == "com"
    assert default_transport("") == "com"  # the company open in QuickBooks
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("hello")
    assert default_transport(str(not_sqlite)) == "com"
    disguised = tmp_path / "copy.QBW"
    disguised.write_bytes(sample_path.read_bytes())
    assert default_transport(str(disguised)) == "com"


def test_the_demo_syncs_through_qbxml(tmp_path: Path) -> None:
    out = run("demo", str(tmp_path / "demo"))
    assert "46  imported from QuickBooks" in out and "(qbd)" in out
    book, company = tmp_path / "demo" / "contacts.xlsx", tmp_path / "demo" / "sample-company.qbsandbox"
    run("sandbox", "edit", str(company), "Okafor, Chidi", "custom:Account Manager=Pat Lee")
    set_cells(book, "Café Société", Notes="-- espresso + croissant")
    summary = json.loads(run("sync", str(book), "--json"))
    assert (summary["received"], summary["sent"]) == (1, 1)
    assert contacts(book)["Okafor, Chidi"]["custom:Account Manager"] == "Pat Lee"
    with SandboxCompany(company) as store:
        assert store.find("Café Société").values["notes"] == "-- espresso + croissant"  # type: ignore[union-attr]


def test_both_ways_with_custom_fields_addresses_and_jobs(pair: tuple[Path, Path]) -> None:
    book, company = pair
    run("setup", str(book), "--connector", "qbd", "--company", str(company), "--map-all")
    run("sync", str(book))
    set_cells(book, "Okafor, Chidi", **{"Bill City": "Salem", "Account Manager": "Robin Diaz"})
    set_settings(book, add_policy="Add to QuickBooks")
    add_row(book, Name="Okafor, Chidi:Patio", Type="Customer", Phone="(508) 555-0123")
    run("sandbox", "edit", str(company), "Beacon Hill Dental Group", "phone=(617) 555-0999")
    summary = json.loads(run("sync", str(book), "--json"))
    assert (summary["sent"], summary["added"], summary["received"]) == (1, 1, 1), summary
    with SandboxCompany(company) as store:
        chidi = store.find("Okafor, Chidi")
        assert chidi is not None and chidi.values["bill_city"] == "Salem"
        assert chidi.values["custom:Account Manager"] == "Robin Diaz"
        assert chidi.values["bill_line1"]  # the address went whole: the other lines are still there
        assert store.find("okafor, chidi:patio").values["phone"] == "(508) 555-0123"  # type: ignore[union-attr]
    assert contacts(book)["Beacon Hill Dental Group"]["phone"] == "(617) 555-0999"
    assert "nothing to do" in run("sync", str(book))


def test_a_record_edited_between_listing_and_writing_is_read_again_not_overwritten(pair: tuple[Path, Path]) -> None:
    book, company = pair
    set_cells(book, "Okafor, Chidi", Phone="(508) 555-1111")

    def someone_edits(front: Any) -> None:
        front.before("CustomerModRq", lambda store: store.edit("Okafor, Chidi", {"email": "chidi@new.example.com"}))

    summary, _ = engine.sync(book, connector_options=with_front(someone_edits), backoff=0)
    assert summary.sent == 1 and summary.received == 1 and summary.failed == 0
    with SandboxCompany(company) as store:
        chidi = store.find("Okafor, Chidi")
        assert chidi is not None
        assert (chidi.values["phone"], chidi.values["email"]) == ("(508) 555-1111", "chidi@new.example.com")
    assert contacts(book)["Okafor, Chidi"]["email"] == "chidi@new.example.com"


def test_a_name_taken_meanwhile_becomes_a_decision_on_review(pair: tuple[Path, Path]) -> None:
    book, _ = pair
    set_settings(book, add_policy="Add to QuickBooks")
    add_row(book, Name="Zinnia Gardens", Type="Customer", Phone="(617) 555-0101")

    def someone_adds(front: Any) -> None:
        front.before("CustomerAddRq", lambda store: store.add("ZINNIA GARDENS", kind="Vendor"))

    summary, _ = engine.sync(book, connector_options=with_front(someone_adds), backoff=0)
    assert summary.added == 0
    (decision,) = [d for d in review(book).values() if d.contact == "Zinnia Gardens"]
    assert decision.kind == "add" and "name in use" in decision.detail and "Rename the row" in decision.note
    assert contacts(book)["Zinnia Gardens"]["phone"] == "(617) 555-0101"  # nothing lost


def test_locks_are_retried_then_reported(pair: tuple[Path, Path]) -> None:
    book, company = pair
    set_cells(book, "Okafor, Chidi", Phone="(508) 555-2222")
    summary, _ = engine.sync(book, connector_options=with_front(lambda f: f.inject(3180, count=2)), backoff=0)
    assert summary.sent == 1 and summary.failed == 0
    set_cells(book, "Okafor, Chidi", Phone="(508) 555-3333")
    summary, _ = engine.sync(book, connector_options=with_front(lambda f: f.inject(3175, count=99)), backoff=0)
    assert summary.failed == 1 and summary.outcome == "failed"
    assert "modified by another user" in statuses(book)["Okafor, Chidi"]
    with SandboxCompany(company) as store:
        assert store.find("Okafor, Chidi").values["phone"] == "(508) 555-2222"  # type: ignore[union-attr]


EVIL = {
    "malformed": "<QBXML><QBXMLMsgsRs><CustomerQueryRs",
    "bomb": '<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            '<QBXML><QBXMLMsgsRs><CustomerQueryRs statusCode="0" statusSeverity="Info" statusMessage="&b;"/>'
            "</QBXMLMsgsRs></QBXML>",
    "external entity": '<?xml version="1.0"?><!DOCTYPE q [<!ENTITY x SYSTEM "file:///etc/passwd">]><QBXML>'
                       '<QBXMLMsgsRs><CustomerQueryRs statusCode="0" statusSeverity="Info" statusMessage="&x;"/>'
                       "</QBXMLMsgsRs></QBXML>",
    "fewer answers": '<?xml version="1.0" ?><QBXML><QBXMLMsgsRs><CustomerQueryRs requestID="1" statusCode="0" '
                     'statusSeverity="Info" statusMessage="Status OK"/></QBXMLMsgsRs></QBXML>',
}


def tamper(call: int, change: Callable[[str], str]) -> dict[str, Any]:
    """Connector options that let ``change`` rewrite QuickBooks' answer to the ``call``-th message."""

    def install(connector: QbdConnector) -> None:
        real, count = connector.transport.process, [0]

        def process(xml: str) -> str:
            count[0] += 1
            answer = real(xml)
            return change(answer) if count[0] == call else answer

        connector.transport.process = process  # type: ignore[method-assign]

    return {"on_open": install}


@pytest.mark.parametrize("evil", sorted(EVIL))
@pytest.mark.parametrize("call", [2, 3], ids=["listing", "fetch"])
def test_bad_answers_stop_the_sync_and_leave_the_workbook_untouched(pair: tuple[Path, Path], evil: str,
                                                                    call: int) -> None:
    book, company = pair
    run("sandbox", "edit", str(company), "Okafor, Chidi", "phone=(508) 555-4444")  # so there is a fetch
    before = digest(book)
    with pytest.raises(CustmgrError, match="cannot trust") as caught:
        engine.sync(book, connector_options=tamper(call, lambda answer: EVIL[evil]))
    assert "root:" not in str(caught.value) and digest(book) == before


def test_an_unknown_element_in_a_record_stops_the_sync(pair: tuple[Path, Path]) -> None:
    book, company = pair
    run("sandbox", "edit", str(company), "Okafor, Chidi", "phone=(508) 555-5555")
    before = digest(book)
    inject = tamper(3, lambda answer: answer.replace("<EditSequence>", "<Birthday>1970-01-01</Birthday>"
                                                                       "<EditSequence>", 1))
    with pytest.raises(CustmgrError, match="Birthday"):
        engine.sync(book, connector_options=inject)
    assert digest(book) == before


def test_cli_sync_with_a_bad_answer_is_one_plain_line(pair: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
                                                      ) -> None:
    from custmgr_qbd import front

    book, _ = pair
    monkeypatch.setattr(front.QbxmlFront, "process", lambda self, xml: "<html>proxy error</html>")
    out = run("sync", str(book), code=1)
    assert out.startswith("Error: QuickBooks sent an answer custmgr cannot trust") and "Traceback" not in out


def test_setup_with_an_unknown_transport_says_which_exist(tmp_path: Path, sample_path: Path) -> None:
    book = tmp_path / "b.xlsx"
    create_workbook(book)
    out = run("setup", str(book), "--connector", "qbd", "--company", str(sample_path), "--transport", "odbc",
              code=1)
    assert "Unknown QuickBooks Desktop transport 'odbc'" in out and "sandbox" in out


def test_a_bad_connector_option_says_how_to_fix_it(tmp_path: Path, sample_path: Path) -> None:
    book = tmp_path / "b.xlsx"
    create_workbook(book)
    out = run("setup", str(book), "--connector", "qbd", "--company", str(sample_path), "--option", "page_size=lots",
              code=1)
    assert "page_size must be a whole number" in out and "Settings" in out
    out = run("setup", str(book), "--connector", "qbd", "--company", r"C:\Books\Larkspur.QBW", "--option",
              "mode=shared", code=1)
    assert "Unknown file mode 'shared'" in out


def test_a_save_quickbooks_refuses_for_good_is_reported_at_once_not_retried(pair: tuple[Path, Path]) -> None:
    book, _ = pair
    set_cells(book, "Okafor, Chidi", Phone="(508) 555-2323")
    refusal = ('There was an error when saving a Customer list, element "Okafor, Chidi".  QuickBooks error message: '
               'The data extension "Account Manager" already has a value.')
    fronts: list[Any] = []

    def refuse(front: Any) -> None:
        fronts.append(front)
        front.inject(3180, count=99, message=refusal)

    summary, _ = engine.sync(book, connector_options=with_front(refuse), backoff=0)
    assert summary.failed == 1 and "already has a value" in statuses(book)["Okafor, Chidi"]
    assert [f._faults[0].count for f in fronts] == [98]  # refused once, never sent again


def test_a_control_character_in_quickbooks_does_not_stop_the_sync(pair: tuple[Path, Path]) -> None:
    book, company = pair
    run("sandbox", "edit", str(company), "Okafor, Chidi", "notes=Gate code 4411")
    summary, _ = engine.sync(book, connector_options=tamper(3, lambda answer: answer.replace(
        "Gate code", "Gate\x07code")))
    assert summary.outcome != "failed" and summary.received == 1
    assert contacts(book)["Okafor, Chidi"]["notes"] == "Gatecode 4411"  # the character the workbook cannot hold


def test_a_parent_renamed_with_its_jobs_in_one_edit(pair: tuple[Path, Path]) -> None:
    book, company = pair
    set_settings(book, add_policy="Add to QuickBooks")
    add_row(book, Name="Okafor, Chidi:Patio", Type="Customer")
    run("sync", str(book))
    set_cells(book, "Okafor, Chidi", Name="Okafor-Reyes, Chidi")
    set_cells(book, "Okafor, Chidi:Patio", Name="Okafor-Reyes, Chidi:Patio")
    summary, _ = engine.sync(book, backoff=0)
    assert summary.failed == 0, statuses(book)
    with SandboxCompany(company) as store:
        assert store.find("Okafor-Reyes, Chidi:Patio") is not None
    assert "nothing to do" in run("sync", str(book))


def test_a_deactivation_quickbooks_refuses_is_asked_again_with_the_reason(pair: tuple[Path, Path]) -> None:
    book, company = pair
    set_settings(book, delete_policy="Make inactive in QuickBooks")
    delete_row(book, "Okafor, Chidi")
    refusal = 'The "IsActive" field has an invalid value "false".  QuickBooks error message: This customer has an ' \
              'open balance.'
    summary, _ = engine.sync(book, backoff=0, connector_options=with_front(
        lambda f: f.inject(3210, requests=("CustomerModRq",), message=refusal)))
    assert summary.failed == 1
    (asked,) = [d for d in review(book).values() if d.contact == "Okafor, Chidi"]
    assert asked.side is None and "QuickBooks refused to make it inactive" in asked.note and "open balance" in \
        asked.note
    summary, _ = engine.sync(book, backoff=0)
    assert summary.failed == 0 and summary.made_inactive == 0  # waits for the bookkeeper
    mark(book, "Okafor, Chidi", "left")
    summary, _ = engine.sync(book, backoff=0)  # the balance was settled meanwhile: it goes through now
    assert summary.made_inactive == 1
    with SandboxCompany(company) as store:
        assert store.find("Okafor, Chidi").values["active"] == "No"  # type: ignore[union-attr]
