"""Conformance: every recorded QuickBooks Online answer (qbo_json/, qbo_xml/) reads as the right contacts or errors.

Answers are replayed through the connector's own HTTP path (an httpx transport that serves the recording), so what
is tested is what a sync does with them: the recorded sandbox company's 41 customers with their jobs, vendors with
an inactive "(deleted)" one, the 6240/5010/610/2xxx faults, CDC's deleted customer, throttles in XML.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from custmgr.connector import Change
from custmgr.contact import normalize_values
from custmgr.errors import ConnectorError, Invalid, NameInUse, NotFound, Retryable, StaleVersion, Unavailable
from custmgr_qbo import query
from custmgr_qbo.connector import QboConnector
from custmgr_qbo.contactlist import ContactList, _changed
from custmgr_qbo.faults import find_fault, parse_body, to_error
from custmgr_qbo.records import full_name, values_of
from custmgr_qbo.tokens import AppKeys, Tokens, TokenStore

from .helpers import Sleeps

REALM = "4620816365037572000"
Handler = Callable[[httpx.Request], httpx.Response]


def recording(folder: Path, name: str) -> list[dict[str, Any]]:
    return json.loads((folder / name).read_text(encoding="utf-8"))["interactions"]


def answer(body: Any, status: int = 200, xml: bool = False) -> httpx.Response:
    if xml:
        return httpx.Response(status, content=body, headers={"Content-Type": "application/xml"})
    return httpx.Response(status, json=body)


@pytest.fixture
def replay() -> Iterator[Callable[[Handler], QboConnector]]:
    """A connector on https://qbo.test whose answers come from ``handler`` (signed in, nothing cached)."""
    store = TokenStore("qbo.test")
    store.save_app(AppKeys("app-id", "app-secret-value"))
    store.save_tokens(REALM, Tokens("refresh-token-value", time.time() + 1e6, "access-token-value", time.time() + 3600))
    opened: list[QboConnector] = []

    def make(handler: Handler) -> QboConnector:
        def serve(request: httpx.Request) -> httpx.Response:
            if "/companyinfo/" in request.url.path:
                return answer({"CompanyInfo": {"CompanyName": "Craig's Design and Landscaping Services",
                                               "MetaData": {"CreateTime": "2015-10-01T16:48:43-07:00"}}})
            return handler(request)

        connector = QboConnector(REALM, {"base_url": "https://qbo.test", "transport": httpx.MockTransport(serve),
                                         "cache_dir": "off", "sleep": Sleeps()})
        opened.append(connector)
        return connector

    yield make
    for connector in opened:
        connector.close()


def query_of(request: httpx.Request) -> str:
    return request.content.decode("utf-8") if request.method == "POST" else request.url.params.get("query", "")


# --- customers and vendors ------------------------------------------------------------------------------------


def test_the_41_recorded_customers_with_their_jobs(recorded, replay):
    page = recording(recorded, "craigs_sandbox_customer_query_all.json")[1]["response"]["body"]
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(query_of(request))
        return answer(page)

    connector = replay(handler)
    listed = connector.listing(["Customer"])
    assert len(listed) == 41 and all(item.kind == "Customer" and item.active for item in listed)
    assert seen == [query.page("Customer", 1)]  # one page: 41 < 1000
    records = {r.values["name"]: r for r in connector.fetch([i.remote_id for i in listed])}
    assert len(records) == 41 and connector.round_trips == 2  # companyinfo and the page; fetch asked nothing
    jobs = sorted(name for name in records if ":" in name)
    assert jobs == ["Doe, Jack:Jack Doe", "Freeman Sporting Goods:0969 Ocean View Road",
                    "Freeman Sporting Goods:55 Twin Lane", "Shara Barnett:Barnett Design"]
    assert "Jack Doe" in records  # the customer whose DisplayName the job "Doe, Jack:Jack Doe" shares
    amy = records["Amy's Bird Sanctuary"]
    assert amy.remote_id == "C1" and amy.version.startswith("0.")
    assert dict(amy.values) == {
        "kind": "Customer", "name": "Amy's Bird Sanctuary", "active": "Yes", "company": "Amy's Bird Sanctuary",
        "first_name": "Amy", "last_name": "Lauterbach", "phone": "(650) 555-3311", "email": "Birds@Intuit.com",
        "bill_line1": "4581 Finch St.", "bill_city": "Bayshore", "bill_state": "CA", "bill_postal_code": "94326",
        "ship_line1": "4581 Finch St.", "ship_city": "Bayshore", "ship_state": "CA", "ship_postal_code": "94326"}
    for record in records.values():  # what the engine compares is already in normal form
        assert normalize_values(record.values) == dict(record.values)
    assert records["Dukes Basketball Camp"].version.startswith("1.")


def test_vendors_active_and_inactive_with_the_deleted_one_by_its_own_name(recorded, replay):
    body = recording(recorded, "craigs_sandbox_vendor_query_active_and_inactive.json")[0]["response"]["body"]
    connector = replay(lambda request: answer(body))
    listed = {i.remote_id: i for i in connector.listing(["Vendor"])}
    assert len(listed) == 27 and not listed["V53"].active
    treasury = connector.fetch(["V53"])[0]
    assert treasury.values["name"] == "United States Treasury" and treasury.values["active"] == "No"
    assert treasury.values["email"] == "taxesaregreat@intuit.com"
    names = {r.values["name"] for r in connector.fetch(list(listed))}
    assert {"Bob's Burger Joint", "PG&E", "Robertson & Associates", "Tania's Nursery"} <= names


def test_vendor_pages_of_five_read_as_one_list(recorded, replay):
    interactions = recording(recorded, "craigs_sandbox_vendor_query_page5.json")
    assert interactions[0]["response"]["body"]["QueryResponse"]["totalCount"] == 26
    pages = [i["response"]["body"] for i in interactions[1:]]

    def handler(request: httpx.Request) -> httpx.Response:
        statement = query_of(request)
        start = int(statement.split("STARTPOSITION ")[1].split()[0])
        assert "MAXRESULTS 5" in statement
        return answer(pages[(start - 1) // 5] if start <= 26 else {"QueryResponse": {}})

    paged = replay(handler)
    paged.lists.page_size = 5
    listed = paged.listing(["Vendor"])
    assert len(listed) == 26 and len({i.remote_id for i in listed}) == 26
    assert paged.round_trips == 1 + 6  # companyinfo, six pages (the last has 1 < 5)


def test_names_are_quoted_as_the_recorded_queries_were(recorded):
    by_name = recording(recorded, "craigs_sandbox_customer_query_by_displayname_apostrophe.json")[0]
    sent = unquote(by_name["request"]["uri"].split("query=")[1])
    assert "DisplayName = " + query.quote("Amy's Bird Sanctuary") in sent
    ampersand = recording(recorded, "craigs_sandbox_vendor_query_ampersand.json")[0]
    assert f"DisplayName = {query.quote('Robertson & Associates')}" in unquote(ampersand["request"]["uri"])
    amy = by_name["response"]["body"]["QueryResponse"]["Customer"][0]
    assert values_of(amy, "Customer", "Amy's Bird Sanctuary")["email"] == "Birds@Intuit.com"


def test_create_answer_reads_as_the_new_customer(recorded):
    created = recording(recorded, "craigs_sandbox_customer_create.json")[0]
    body = created["response"]["body"]["Customer"]
    assert values_of(body, "Customer", full_name(body, lambda _: None)) == {
        "kind": "Customer", "name": "Doe5, Jane", "active": "Yes"}


def test_the_recorded_full_update_and_what_the_connector_sends_instead(recorded, standin):
    """The recording updates with Id and SyncToken but no ``sparse``: QuickBooks then clears what it leaves out.
    The stand-in does the same with the recorded request; the connector only ever sends sparse updates."""
    read, full = recording(recorded, "craigs_sandbox_customer_full_update.json")
    before, request = read["response"]["body"]["Customer"], full["request"]["body"]
    after = full["response"]["body"]["Customer"]
    assert "sparse" not in request and after["SyncToken"] == "1"
    assert values_of(after, "Customer", after["DisplayName"]) == {
        "kind": "Customer", "name": "Jack Moe", "active": "Yes", "phone": "(415) 444-1234"}
    standin.company.load("Customer", [{**before, "CompanyName": "Doe Holdings"}])
    replayed = standin.company.update("Customer", request)
    assert replayed["DisplayName"] == "Jack Moe" and "CompanyName" not in replayed  # cleared: not sent


def test_every_recorded_file_is_tested_here(recorded, recorded_xml):
    source = Path(__file__).read_text(encoding="utf-8")
    untested = [p.name for folder in (recorded, recorded_xml) for p in sorted(folder.iterdir())
                if p.name not in source]
    assert untested == []


# --- faults ---------------------------------------------------------------------------------------------------


def test_6240_duplicate_name_is_name_in_use(recorded, replay):
    fault = recording(recorded, "fault_6240_duplicate_name.json")[0]["response"]
    assert isinstance(to_error(find_fault(fault["body"]), status=fault["status"]), NameInUse)

    def handler(request: httpx.Request) -> httpx.Response:  # a batch item answered with the recorded fault
        items = json.loads(request.content)["BatchItemRequest"]
        return answer({"BatchItemResponse": [{"bId": items[0]["bId"], **fault["body"]}]})

    result = replay(handler).apply([Change("r1", "add", "Customer", {"name": "Weiskopf Consulting"})])[0]
    assert isinstance(result.error, NameInUse) and "Weiskopf Consulting" in str(result.error)
    assert "Rename" in str(result.error) and "6240" in result.error.detail


def test_recorded_batch_answers_created_not_found_and_stale(recorded, replay):
    """The recorded batch: a vendor created, 610 Object Not Found, 5010 Stale Object Error."""
    answers = recording(recorded, "craigs_sandbox_batch_vendor_create.json")[0]["response"]["body"]
    items = answers["BatchItemResponse"][:3]

    def handler(request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)["BatchItemRequest"]
        paired = zip(items, sent, strict=True)
        return answer({"BatchItemResponse": [{**item, "bId": mine["bId"]} for item, mine in paired]})

    results = replay(handler).apply([
        Change("a", "add", "Vendor", {"name": "Boraski Family Store"}),
        Change("b", "update", "Vendor", {"phone": "555"}, remote_id="V129", version="0.x"),
        Change("c", "update", "Vendor", {"notes": ""}, remote_id="V11", version="0.x")])
    assert results[0].ok and results[0].record.values["name"] == "Boraski Family Store"
    assert results[0].record.remote_id == "V71"
    assert isinstance(results[1].error, NotFound) and isinstance(results[2].error, StaleVersion)


def test_invalid_query_4001_and_invalid_property_2010(recorded):
    bad_query = recording(recorded, "fault_4001_invalid_query.json")[1]["response"]
    error = to_error(find_fault(bad_query["body"]), status=400)
    assert type(error) is ConnectorError and "Invalid query" in str(error)
    bad_property = recording(recorded, "fault_2010_invalid_property.json")[0]["response"]
    assert isinstance(to_error(find_fault(bad_property["body"]), status=400), Invalid)


def test_cdc_answer_shape(recorded):
    body = recording(recorded, "craigs_sandbox_cdc_estimate.json")[0]["response"]["body"]
    assert len(list(_changed(body, {"Estimate"}))) == len(body["CDCResponse"][0]["QueryResponse"][0]["Estimate"])
    assert list(_changed(body, {"Customer", "Vendor"})) == []


# --- XML ------------------------------------------------------------------------------------------------------


def xml_body(folder: Path, name: str) -> dict[str, Any]:
    return parse_body((folder / name).read_bytes())


def test_xml_customers_with_a_job(recorded_xml):
    customers = xml_body(recorded_xml, "customers.xml")["QueryResponse"]["Customer"]
    held = ContactList()
    for entity in customers:
        held.put("Customer", entity)
    names = {held.full_name(rid) for rid in held.entities}
    assert "Acme Enterprises:Little Acme, Inc." in names and "Acme Enterprises" in names


@pytest.mark.parametrize(("name", "kind", "expected"), [
    ("customer.xml", "Customer", {"name": "Thrifty Meats", "active": "Yes", "phone": "(415) 555-1212",
                                  "bill_country": "USA"}),
    ("fetch_customer_by_id.xml", "Customer", {"name": "Thrifty Meats", "alt_phone": "OtherWhat",
                                              "mobile": "(831) 330-1234", "fax": "(707) 560-1212"}),
    ("deleted_customer.xml", "Customer", {"name": "Thrifty Meats", "active": "No", "company": "Neo Pets"}),
    ("deleted_vendor.xml", "Vendor", {"name": "Vendor Corporation", "active": "No", "salutation": "Mr.",
                                      "middle_name": "S."}),
    ("vendor.xml", "Vendor", {"name": "John Vendor-UudRGTA2p7", "first_name": "John-MbRSxOmFXk"}),
    ("fetch_vendor_by_id.xml", "Vendor", {"name": "John Vendor-UudRGTA2p7", "bill_city": "New York"}),
])
def test_xml_single_records(recorded_xml, name, kind, expected):
    body = xml_body(recorded_xml, name)
    entity = body[kind]
    values = values_of(entity, kind, full_name(entity, lambda _: None))
    assert {k: values.get(k) for k in expected} == expected
    assert normalize_values(values) == values


def test_xml_vendor_list(recorded_xml):
    vendors = xml_body(recorded_xml, "vendors.xml")["QueryResponse"]["Vendor"]
    assert [v["DisplayName"] for v in vendors] == ["Vendor-gqqh", "Vendor-gqgcMz92ue"]


@pytest.mark.parametrize("name", ["customer_changes.xml", "vendor_changes.xml"])
def test_cdc_deleted_record_leaves_the_list(recorded_xml, name):
    body = xml_body(recorded_xml, name)
    kind = "Customer" if name.startswith("customer") else "Vendor"
    changes = list(_changed(body, {kind}))
    assert changes == [(kind, {"Id": "39", "MetaData": {"LastUpdatedTime": "2014-12-08T19:36:24-08:00"},
                               "domain": "QBO", "status": "Deleted"})]
    single = xml_body(recorded_xml, "customer_change.xml")["Customer"]
    assert single["status"] == "Deleted"


def test_xml_faults(recorded_xml):
    duplicate = find_fault(xml_body(recorded_xml, "customer_duplicate_error.xml"))
    assert isinstance(to_error(duplicate, status=400), NameInUse)
    too_long = to_error(find_fault(xml_body(recorded_xml, "fault.xml")), status=400)
    assert isinstance(too_long, Invalid) and too_long.field == "first_name" and "21 chars" in str(too_long)
    bad_query = to_error(find_fault(xml_body(recorded_xml, "query_validation_error.xml")), status=400)
    assert type(bad_query) is ConnectorError
    batch = xml_body(recorded_xml, "batch_response.xml")["BatchItemResponse"]
    assert batch[0]["bId"] == "1a" and isinstance(to_error(find_fault(batch[0])), Invalid)
    assert batch[1]["Customer"]["DisplayName"] == "Mark Basler" and find_fault(batch[1]) is None
    cdc = xml_body(recorded_xml, "change_data_capture_response.xml")
    assert list(_changed(cdc, {"Customer", "Vendor"})) == []


@pytest.mark.parametrize(("name", "status"), [("throttle_exceeded_error.xml", 403),
                                              ("too_many_requests_error.xml", 429)])
def test_throttles_in_xml_are_waited_out(recorded_xml, replay, name, status):
    throttle = (recorded_xml / name).read_bytes()
    calls = []
    page = {"QueryResponse": {"Customer": [{"Id": "1", "SyncToken": "0", "DisplayName": "Ann", "Active": True}]},
            "time": "2020-09-29T06:03:53.438-07:00"}

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return answer(throttle, status, xml=True) if len(calls) <= 3 else answer(page)

    connector = replay(handler)
    assert [i.remote_id for i in connector.listing(["Customer"])] == ["C1"]
    assert connector.client.sleep == [1.0, 2.0, 4.0]  # growing pauses, then the page
    assert isinstance(to_error(find_fault(parse_body(throttle)), status=status), Retryable)


def test_system_fault_is_tried_again_then_unavailable(recorded_xml, replay):
    failure = (recorded_xml / "generic_error.xml").read_bytes()
    connector = replay(lambda request: answer(failure, 500, xml=True))
    with pytest.raises(Unavailable, match="sync again later") as raised:
        connector.listing(["Customer"])
    assert "10000" in raised.value.detail and connector.round_trips == 1 + 3


@pytest.mark.parametrize(("status", "body"), [(200, b"<html>proxy login</html>"), (200, b'{"Custo'),
                                              (400, b"Bad Request"), (200, b"")])
def test_an_answer_that_cannot_be_read_is_an_error_that_says_what_to_do(replay, status, body):
    connector = replay(lambda request: httpx.Response(status, content=body))
    with pytest.raises(ConnectorError, match="--trace DIR"):
        connector.listing(["Customer"])
