"""qbXML version negotiation against a sandbox front that answers HostQuery like QuickBooks, current or old:
the connector speaks the newest version both sides know, leaves out what an older QuickBooks lacks, and says
plainly when QuickBooks is too old."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from custmgr.company import SandboxCompany
from custmgr.connector import Change
from custmgr.contact import CUSTOMER, KINDS
from custmgr.errors import Invalid, Unavailable
from custmgr_qbd.connector import QbdConnector
from custmgr_qbd.front import QbxmlFront
from custmgr_qbd.front_host import ALL_VERSIONS, claim
from custmgr_qbd.responses import parse
from custmgr_qbd.transport import PARSE_ERROR, VERSION_ERROR, RequestRejected

from .frontkit import customer_add, envelope, query
from .schema import problems

Open = Callable[..., QbdConnector]
UP_TO_11 = ALL_VERSIONS[:ALL_VERSIONS.index("11.0") + 1]
HOST_QUERY = '<HostQueryRq requestID="1"/>'


def claim_2012(path: Path) -> None:
    with SandboxCompany(path) as store:
        claim(store, "QuickBooks Pro 2012", UP_TO_11)


def test_host_query_answers_product_and_versions_like_quickbooks(front: QbxmlFront, qbxml_schema: Any) -> None:
    answer = front.process(envelope(HOST_QUERY))
    assert problems(qbxml_schema, answer) == []
    (rs,) = parse(answer)
    ret = rs.rets[0]
    assert ret.tag == "HostRet" and ret.findtext("Country") == "US"
    assert [e.text for e in ret.findall("SupportedQBXMLVersion")][-1] == "13.0"


def test_an_old_quickbooks_claims_only_its_versions_and_answers_in_them(empty_path: Path) -> None:
    claim_2012(empty_path)
    with SandboxCompany(empty_path) as store:
        front = QbxmlFront(store)
        (rs,) = parse(front.process(envelope(HOST_QUERY, version="11.0")))
        assert rs.rets[0].findtext("ProductName") == "QuickBooks Pro 2012"
        assert [e.text for e in rs.rets[0].findall("SupportedQBXMLVersion")] == list(UP_TO_11)
        with pytest.raises(RequestRejected) as caught:
            front.process(envelope(HOST_QUERY))  # 13.0
        assert caught.value.hresult == VERSION_ERROR
        with pytest.raises(RequestRejected) as caught:  # JobTitle came with 12.0
            front.process(envelope(customer_add("Oak", "<JobTitle>Owner</JobTitle>"), version="11.0"))
        assert caught.value.hresult == PARSE_ERROR
        store.add("Oak", {"job_title": "Owner", "phone": "555-0100"})
        (rs,) = parse(front.process(envelope(query("<FullName>Oak</FullName>"), version="11.0")))
        assert rs.rets[0].findtext("Phone") == "555-0100" and rs.rets[0].find("JobTitle") is None


def test_a_current_quickbooks_gets_13_0_and_the_identity_costs_no_extra_round_trip(empty_path: Path,
                                                                                   open_connector: Open) -> None:
    connector = open_connector(empty_path)
    connector.company()
    assert connector.host is not None and connector.host.version == (13, 0)
    assert connector.round_trips == 2  # host, identity and custom fields together; then the stamp


def test_quickbooks_2012_is_spoken_to_in_11_0_without_job_title_and_cc(empty_path: Path, tmp_path: Path,
                                                                       open_connector: Open) -> None:
    claim_2012(empty_path)
    with SandboxCompany(empty_path) as store:
        oak = store.add("Oak", {"job_title": "Owner", "cc_email": "b@oak.example", "phone": "555-0100"})
    trace = tmp_path / "trace"
    connector = open_connector(empty_path, trace_dir=str(trace))
    connector.company()
    assert connector.host is not None and connector.host.version == (11, 0)
    (record,) = connector.fetch([item.remote_id for item in connector.listing(KINDS)])
    assert record.values["phone"] == "555-0100" and "job_title" not in record.values
    results = connector.apply([
        Change("1", "add", CUSTOMER, {"name": "Elm", "job_title": "Owner"}),
        Change("2", "update", CUSTOMER, {"phone": "555-0199", "cc_email": ""}, oak.remote_id, record.version),
        Change("3", "add", CUSTOMER, {"name": "Ash", "notes": "fine"}),
    ])
    refused = results[0].error
    assert isinstance(refused, Invalid) and refused.field == "job_title"
    assert "QuickBooks Pro 2012 (qbXML 11.0) has no JobTitle" in str(refused) and "QuickBooks 2013" in str(refused)
    assert results[1].error is None and results[1].record.values["phone"] == "555-0199"  # type: ignore[union-attr]
    assert results[2].error is None
    headers = {p.read_text(encoding="utf-8").split("\n")[1] for p in trace.glob("*-request.xml")}
    assert headers == {'<?qbxml version="8.0"?>', '<?qbxml version="11.0"?>'}  # the host query, then 11.0


def test_a_quickbooks_older_than_2009_is_told_to_update(empty_path: Path, open_connector: Open) -> None:
    with SandboxCompany(empty_path) as store:
        claim(store, "QuickBooks Pro 2008", ALL_VERSIONS[:ALL_VERSIONS.index("7.0") + 1])
    with pytest.raises(Unavailable, match=r"needs qbXML 8\.0 \(QuickBooks 2009\) or later\. Update QuickBooks"):
        open_connector(empty_path).company()


def test_the_newest_common_version_is_chosen_and_a_too_old_list_is_named() -> None:
    from custmgr_qbd.versions import choose

    assert choose("QuickBooks Enterprise 24.0", [*ALL_VERSIONS, "14.0", "CA3.0"]).version == (13, 0)
    assert choose("QuickBooks Premier 2013", ALL_VERSIONS[:-1]).version == (12, 0)
    with pytest.raises(Unavailable, match=r"QuickBooks Pro 2008 speaks qbXML up to 7\.0; Customer Manager needs"):
        choose("QuickBooks Pro 2008", ALL_VERSIONS[:ALL_VERSIONS.index("7.0") + 1])


def test_a_whole_sync_with_quickbooks_2012(tmp_path: Path, sample_path: Path) -> None:
    """Import, then a Job Title typed in the workbook: QuickBooks 2012 has no place for it, so it stays in the
    workbook only (said once in the summary) while the rest of the row syncs."""
    from click.testing import CliRunner

    from custmgr import sync as engine
    from custmgr.cli import main
    from workbooks import contacts, set_cells, statuses

    claim_2012(sample_path)
    book = tmp_path / "contacts.xlsx"
    for args in (["new", str(book)], ["setup", str(book), "--connector", "qbd", "--company", str(sample_path),
                                      "--transport", "sandbox"]):
        assert CliRunner().invoke(main, args).exit_code == 0
    summary, _ = engine.sync(book)
    assert summary.imported > 0 and summary.outcome != "failed"
    set_cells(book, "Okafor, Chidi", **{"Job Title": "Owner", "Phone": "(508) 555-0101"})
    summary, _ = engine.sync(book)
    assert summary.sent == 1 and not statuses(book).get("Okafor, Chidi"), statuses(book)
    assert "Job Title: kept in this workbook only; the qbd connector has no place for them in QuickBooks, so they " \
           "are never sent or compared." in summary.messages
    with SandboxCompany(sample_path) as store:
        stored = store.find("Okafor, Chidi").values  # type: ignore[union-attr]
        assert stored.get("job_title", "") == "" and stored["phone"] == "(508) 555-0101"
    assert contacts(book)["Okafor, Chidi"]["job_title"] == "Owner"
    assert engine.sync(book)[0].outcome == "nothing to do"
