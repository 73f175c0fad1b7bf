"""ListMergeRq: valid qbXML 13, answered by the sandbox front with QuickBooks' merge rules, and used by a sync to
merge a duplicate the bookkeeper confirmed on Review."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from custmgr import sync as engine
from custmgr.cli import main
from custmgr.company import SandboxCompany, create_company
from custmgr.company.merge import add_transaction, transactions
from custmgr.connector import Change
from custmgr.errors import Invalid, NotFound, StaleVersion
from custmgr.review import read_decisions
from custmgr.workbook.xlsx import XlsxWorkbook
from custmgr_qbd import messages as qb
from custmgr_qbd.connector import QbdConnector
from workbooks import contacts, mark, set_cells

from .conftest import front_of
from .schema import problems


@pytest.mark.parametrize("kind", ["Customer", "Vendor"])
def test_the_merge_request_is_valid_qbxml(qbxml_schema: Any, kind: str) -> None:
    message = qb.Message()
    message.add(qb.list_merge(kind, "80000001-1712345678", "1712345678", "8000001B-1405768916", "1405768999"))
    assert problems(qbxml_schema, message.xml()) == []


def test_the_front_answers_a_merge_in_the_schemas_order(qbxml_schema: Any, sample_path: Path,
                                                        open_connector: Callable[..., QbdConnector]) -> None:
    conn = open_connector(sample_path)
    with SandboxCompany(sample_path) as co:
        a, b = co.find("Kowalski, Ted"), co.find("Okafor, Chidi")
        add_transaction(co, "Kowalski, Ted")
    message = qb.Message()
    message.add(qb.list_merge("Customer", a.remote_id, a.version, b.remote_id, b.version))
    answer = front_of(conn).process(message.xml())
    assert problems(qbxml_schema, answer) == []
    rs = ET.fromstring(answer).find("QBXMLMsgsRs/ListMergeRs")
    assert rs is not None and rs.get("statusCode") == "0"
    assert [c.tag for c in rs] == ["ListMergeType", "MergedFrom", "MergedTo"]
    assert rs.findtext("MergedFrom/FullName") == "Kowalski, Ted"
    assert rs.findtext("MergedTo/ListID") == b.remote_id
    with SandboxCompany(sample_path) as co:
        assert co.find("Kowalski, Ted") is None and len(transactions(co, b.remote_id)) == 1


def test_the_connector_merges_and_reports_refusals(sample_path: Path,
                                                   open_connector: Callable[..., QbdConnector]) -> None:
    conn = open_connector(sample_path)
    assert conn.can_merge
    ids = {r.values["name"]: r for r in conn.fetch([i.remote_id for i in conn.listing(["Customer", "Vendor"])])}
    ted, chidi, mulch = ids["Kowalski, Ted"], ids["Okafor, Chidi"], ids["Cape Cod Mulch Co."]
    bakery = ids["O'Brien's Bakery"]
    results = conn.apply([
        Change("stale", "merge", "Customer", remote_id=ted.remote_id, version="1", into_id=chidi.remote_id,
               into_version=chidi.version),
        Change("lists", "merge", "Customer", remote_id=ted.remote_id, version=ted.version, into_id=mulch.remote_id,
               into_version=mulch.version),
        Change("jobs", "merge", "Customer", remote_id=bakery.remote_id, version=bakery.version,
               into_id=chidi.remote_id, into_version=chidi.version),
        Change("ok", "merge", "Customer", remote_id=ted.remote_id, version=ted.version, into_id=chidi.remote_id,
               into_version=chidi.version),
    ])
    assert isinstance(results[0].error, StaleVersion)
    assert isinstance(results[1].error, NotFound)  # a CustomerMerge cannot find a vendor
    assert isinstance(results[2].error, Invalid) and "jobs" in str(results[2].error)
    assert results[3].ok and results[3].record.remote_id == chidi.remote_id
    assert results[3].record.version != chidi.version
    assert ted.remote_id not in {i.remote_id for i in conn.listing(["Customer"])}


def test_a_sync_through_qbxml_merges_a_confirmed_duplicate(tmp_path: Path) -> None:
    company, book = tmp_path / "larkspur.qbsandbox", tmp_path / "contacts.xlsx"
    create_company(company, sample=True)
    runner = CliRunner()
    for args in (["new", str(book)],
                 ["setup", str(book), "--connector", "qbd", "--company", str(company), "--transport", "sandbox"]):
        assert runner.invoke(main, args, catch_exceptions=False).exit_code == 0
    engine.sync(book, backoff=0)
    with SandboxCompany(company) as co:
        co.add("Ted Kowalski", {"phone": "(508) 555-0177"})
        add_transaction(co, "Kowalski, Ted")
    engine.sync(book, backoff=0)
    asked = [d for d in read_decisions(XlsxWorkbook.open(book, writable=False)).values() if d.kind == "duplicate"]
    assert [d.contact for d in asked] == ["Kowalski, Ted"] and "QuickBooks merges" in asked[0].note
    mark(book, "Kowalski, Ted", "right")
    set_cells(book, "Kowalski, Ted", Mobile="(508) 555-0188")  # goes to the record that stays, after the merge
    summary, _ = engine.sync(book, backoff=0)
    assert summary.merged == 1 and summary.outcome == "ok"
    with SandboxCompany(company) as co:
        assert co.find("Kowalski, Ted") is None
        assert len(transactions(co, co.find("Ted Kowalski").remote_id)) == 1
        assert co.find("Ted Kowalski").values["mobile"] == "(508) 555-0188"
    assert "Ted Kowalski" in contacts(book) and "Kowalski, Ted" not in contacts(book)  # in the same sync
    assert engine.sync(book, backoff=0)[0].outcome == "nothing to do"
