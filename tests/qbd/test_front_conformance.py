"""The sandbox front against the conformance data: Intuit's own sample requests (and the recorded ones) are
accepted and answered, and every answer the front gives is valid qbXML 13 by Intuit's schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from custmgr.company import SandboxCompany, create_company
from custmgr_qbd.front import QbxmlFront
from custmgr_qbd.responses import parse

from .frontkit import ask, customer_add, customer_mod, envelope, query
from .schema import problems


@pytest.fixture
def intuit_front(tmp_path: Path) -> Any:
    """A company holding what Intuit's samples refer to: the customers of its sample company file and the
    custom field "Spouse's Name", with a value for Abercrombie, Kristy (DataExtMod changes an existing value)."""
    path = tmp_path / "intuit.qbsandbox"
    create_company(path, name="Sample Product-based Business")
    with SandboxCompany(path) as store:
        store.define_custom_field("Spouse's Name", ["Customer"])
        store.add("Baker, Chris")
        store.add("Abercrombie, Kristy", {"custom:Spouse's Name": "Gary Senior"})
        store.add("Keith Palmer")
    with SandboxCompany(path) as store:
        yield QbxmlFront(store)


def sample_files(quickbooks_reference: Path) -> list[Path]:
    return [*sorted((quickbooks_reference / "qbxml_requests").glob("*.xml")),
            *sorted((quickbooks_reference / "qbxml").glob("*_rq.xml"))]


def test_every_sample_request_is_accepted_and_answered(quickbooks_reference: Path, intuit_front: QbxmlFront,
                                                       qbxml_schema: Any) -> None:
    files = sample_files(quickbooks_reference)
    assert len(files) >= 10
    for path in files:
        answer = intuit_front.process(path.read_text(encoding="utf-8"))
        responses = parse(answer)
        assert responses, path.name
        for rs in responses:
            assert rs.code in (0, 1), f"{path.name}: {rs.code} {rs.message}"
        assert problems(qbxml_schema, answer) == [], path.name


def test_what_intuits_samples_did_is_in_the_company(quickbooks_reference: Path, intuit_front: QbxmlFront) -> None:
    for path in sample_files(quickbooks_reference):
        intuit_front.process(path.read_text(encoding="utf-8"))
    store = intuit_front.store
    job = store.find("Joe Customer:Equipment Installation")
    assert job is not None and store.find("Joe Customer").values["company"] == "Joes Garage"  # type: ignore[union-attr]
    assert store.find("Acme").kind == "Vendor"  # type: ignore[union-attr]
    assert store.find("Baker, Chris").values["custom:Spouse's Name"] == "Robin"  # type: ignore[union-attr]
    assert store.find("Abercrombie, Kristy").values["custom:Spouse's Name"] == "Gary"  # type: ignore[union-attr]
    (rs,) = ask(intuit_front, query("<FullName>Joe Customer:Equipment Installation</FullName>"))
    ret = rs.rets[0]
    assert (ret.findtext("JobStatus"), ret.findtext("JobDesc")) == ("Awarded", "Install new smog equipment")
    assert ret.findtext("ParentRef/FullName") == "Joe Customer"
    (rs,) = ask(intuit_front, query("<FullName>Joe Customer</FullName>"))
    assert rs.rets[0].findtext("TermsRef/FullName") == "Net 30"  # kept as given, in its place


def test_the_fronts_answers_are_valid_qbxml(front: QbxmlFront, qbxml_schema: Any) -> None:
    requests = [
        customer_add("Alder &amp; Co", "<IsActive>true</IsActive>", "<CompanyName>Alder</CompanyName>",
                     "<BillAddress><Addr1>1 Elm</Addr1><City>Lee</City></BillAddress>", "<Phone>1</Phone>",
                     "<Notes>n</Notes>", request_id="1"),
        customer_add("Job", "<ParentRef><FullName>Alder &amp; Co</FullName></ParentRef>", request_id="2"),
        customer_add("Birch", kind="Vendor", request_id="3"),
        customer_add("BIRCH", request_id="4"),
        customer_mod("80000099-1000000000", "1", "<Phone>2</Phone>"),
        query("<ActiveStatus>All</ActiveStatus>", "<OwnerID>0</OwnerID>"),
        query("<MaxReturned>1</MaxReturned>", attributes=' iterator="Start"'),
        query(kind="Vendor", attributes=' metaData="MetaDataAndResponseData"'),
        query("<FullName>Nope</FullName>"),
        '<EntityQueryRq requestID="9"/>',
        '<DataExtDefQueryRq requestID="10"><OwnerID>0</OwnerID></DataExtDefQueryRq>',
        '<CompanyQueryRq requestID="11"/>',
        '<InvoiceQueryRq requestID="12"/>',
    ]
    answer = front.process(envelope(*requests, on_error="continueOnError"))
    assert len(parse(answer)) == len(requests)
    assert problems(qbxml_schema, answer) == []
