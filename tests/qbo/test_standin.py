"""The stand-in enforces QuickBooks Online's rules, spoken to over plain HTTP as any client would.

If these hold, the connector's tests against it mean something: SyncTokens, sparse versus full updates, names
unique across customers and vendors, "(deleted)" names, limits, fault codes, paging, CDC, batch, sign-in.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from custmgr_qbo.standin import StandIn, StandInCompany
from custmgr_qbo.standin.company import PACIFIC
from custmgr_qbo.standin.seed import load_generated


class Api:
    """A bare HTTP client of the stand-in's API for one company."""

    def __init__(self, standin: StandIn) -> None:
        self.standin = standin
        self.token = standin.auth.issue_tokens()["access_token"]
        self.http = httpx.Client(base_url=f"{standin.url}/v3/company/{standin.realm}", verify=False)

    def call(self, method: str, path: str, body: Any = None, **params: str) -> httpx.Response:
        return self.http.request(method, path, json=body, params={"minorversion": "75", **params},
                                 headers={"Authorization": f"Bearer {self.token}"})

    def ok(self, method: str, path: str, body: Any = None, **params: str) -> dict[str, Any]:
        response = self.call(method, path, body, **params)
        assert response.status_code == 200, response.text
        return response.json()

    def fault(self, method: str, path: str, body: Any = None, **params: str) -> tuple[int, dict[str, Any]]:
        response = self.call(method, path, body, **params)
        assert response.status_code >= 400, response.text
        return response.status_code, response.json()["Fault"]["Error"][0]

    def create(self, kind: str = "customer", **props: Any) -> dict[str, Any]:
        return self.ok("POST", f"/{kind}", props)[kind.title()]

    def query(self, statement: str) -> dict[str, Any]:
        return self.ok("GET", "/query", query=statement)["QueryResponse"]


@pytest.fixture
def api() -> Iterator[Api]:
    with StandIn() as server:
        client = Api(server)
        yield client
        client.http.close()


def test_create_fills_in_what_quickbooks_does(api):
    made = api.create(DisplayName="Alder Co", PrimaryPhone={"FreeFormNumber": "(617) 555-0100"})
    assert made["SyncToken"] == "0" and made["Active"] is True and made["Job"] is False
    assert made["FullyQualifiedName"] == "Alder Co" and made["PrintOnCheckName"] == "Alder Co"
    assert api.ok("GET", f"/customer/{made['Id']}")["Customer"] == made


def test_a_sparse_update_changes_only_what_it_sends_and_bumps_the_sync_token(api):
    made = api.create(DisplayName="Birch", CompanyName="Birch LLC", PrimaryEmailAddr={"Address": "b@example.com"})
    body = {"Id": made["Id"], "SyncToken": "0", "sparse": True, "CompanyName": "Birch Inc"}
    updated = api.ok("POST", "/customer", body)["Customer"]
    assert updated["SyncToken"] == "1" and updated["CompanyName"] == "Birch Inc"
    assert updated["PrimaryEmailAddr"] == {"Address": "b@example.com"}


def test_a_full_update_clears_what_it_leaves_out(api):
    made = api.create(DisplayName="Cedar", CompanyName="Cedar LLC", PrimaryEmailAddr={"Address": "c@example.com"})
    updated = api.ok("POST", "/customer", {"Id": made["Id"], "SyncToken": "0", "DisplayName": "Cedar"})["Customer"]
    assert "CompanyName" not in updated and "PrimaryEmailAddr" not in updated


def test_empty_text_clears_a_field_in_a_sparse_update(api):
    made = api.create(DisplayName="Dogwood", Notes="call first", PrimaryPhone={"FreeFormNumber": "555"})
    body = {"Id": made["Id"], "SyncToken": "0", "sparse": True, "Notes": "", "PrimaryPhone": {"FreeFormNumber": ""}}
    updated = api.ok("POST", "/customer", body)["Customer"]
    assert "Notes" not in updated and "PrimaryPhone" not in updated


def test_an_old_sync_token_is_5010_and_changes_nothing(api):
    made = api.create(DisplayName="Elm")
    api.ok("POST", "/customer", {"Id": made["Id"], "SyncToken": "0", "sparse": True, "Notes": "one"})
    status, error = api.fault("POST", "/customer", {"Id": made["Id"], "SyncToken": "0", "sparse": True,
                                                    "Notes": "two"})
    assert (status, error["code"]) == (400, "5010")
    assert api.ok("GET", f"/customer/{made['Id']}")["Customer"]["Notes"] == "one"


@pytest.mark.parametrize(("first", "second"), [("customer", "customer"), ("customer", "vendor"),
                                               ("vendor", "customer")])
def test_names_are_unique_across_customers_and_vendors_ignoring_case(api, first, second):
    api.create(first, DisplayName="Maple Grove")
    status, error = api.fault("POST", f"/{second}", {"DisplayName": "MAPLE grove"})
    assert (status, error["code"]) == (400, "6240")


def test_a_job_may_share_its_display_name_with_a_customer(api):
    """As in the recorded company: job "Doe, Jack:Jack Doe" next to customer "Jack Doe"."""
    parent = api.create(DisplayName="Doe, Jack")
    api.create(DisplayName="Jack Doe")
    job = api.create(DisplayName="Jack Doe", ParentRef={"value": parent["Id"]}, Job=True)
    assert job["FullyQualifiedName"] == "Doe, Jack:Jack Doe" and job["Level"] == 1
    assert api.fault("POST", "/customer", {"DisplayName": "jack doe", "ParentRef": {"value": parent["Id"]}}
                     )[1]["code"] == "6240"


def test_a_job_needs_an_existing_customer_as_parent(api):
    vendor = api.create("vendor", DisplayName="Walnut Supply")
    assert api.fault("POST", "/customer", {"DisplayName": "Patio", "ParentRef": {"value": "999"}})[1]["code"] == "2500"
    assert api.fault("POST", "/customer", {"DisplayName": "Patio", "ParentRef": {"value": vendor["Id"]}}
                     )[1]["code"] in ("2500", "6240")


def test_deactivating_renames_and_takes_the_jobs_along(api):
    parent = api.create(DisplayName="Fir")
    job = api.create(DisplayName="Lawn", ParentRef={"value": parent["Id"]})
    made_inactive = api.ok("POST", "/customer", {"Id": parent["Id"], "SyncToken": "0", "sparse": True,
                                                 "Active": False})["Customer"]
    assert made_inactive["DisplayName"] == "Fir (deleted)" and made_inactive["Active"] is False
    after = api.ok("GET", f"/customer/{job['Id']}")["Customer"]
    assert after["Active"] is False and after["SyncToken"] == "1"
    assert after["FullyQualifiedName"] == "Fir (deleted):Lawn (deleted)"
    api.create(DisplayName="Fir")  # the name is free again
    back = api.ok("POST", "/customer", {"Id": parent["Id"], "SyncToken": "1", "sparse": True, "Active": True})
    assert back["Customer"]["DisplayName"] == "Fir (deleted)"  # "Fir" is taken now: the suffix stays


def test_reactivating_takes_the_suffix_off(api):
    made = api.create("vendor", DisplayName="Ginkgo")
    api.ok("POST", "/vendor", {"Id": made["Id"], "SyncToken": "0", "sparse": True, "Active": False})
    back = api.ok("POST", "/vendor", {"Id": made["Id"], "SyncToken": "1", "sparse": True, "Active": True})
    assert back["Vendor"]["DisplayName"] == "Ginkgo"


def test_renaming_a_parent_reaches_its_jobs_full_names(api):
    parent = api.create(DisplayName="Hazel")
    job = api.create(DisplayName="Hedges", ParentRef={"value": parent["Id"]})
    api.ok("POST", "/customer", {"Id": parent["Id"], "SyncToken": "0", "sparse": True, "DisplayName": "Hazel Co"})
    moved = api.ok("GET", f"/customer/{job['Id']}")["Customer"]
    assert moved["FullyQualifiedName"] == "Hazel Co:Hedges" and moved["SyncToken"] == "0"


@pytest.mark.parametrize(("props", "element"), [
    ({"DisplayName": "x" * 501}, "DisplayName"), ({"CompanyName": "x" * 101}, "CompanyName"),
    ({"Notes": "x" * 2001}, "Notes"), ({"PrimaryPhone": {"FreeFormNumber": "5" * 31}}, "PrimaryPhone.FreeFormNumber"),
    ({"BillAddr": {"PostalCode": "1" * 31}}, "BillAddr.PostalCode")])
def test_lengths_are_intuits(api, props, element):
    status, error = api.fault("POST", "/customer", {"DisplayName": "Holly", **props})
    assert (status, error["code"], error["element"]) == (400, "2050", element)


@pytest.mark.parametrize("name", ["Ivy:Job", "Ivy\tTab", "Ivy\nLine"])
def test_display_name_cannot_hold_colon_tab_or_newline(api, name):
    assert api.fault("POST", "/customer", {"DisplayName": name})[1]["code"] == "6000"


def test_unknown_property_and_unknown_record(api):
    assert api.fault("POST", "/customer", {"DisplayName": "Juniper", "BadJson": True})[1]["code"] == "2010"
    assert api.fault("POST", "/customer", {"Id": "999", "SyncToken": "0", "sparse": True})[1]["code"] == "610"
    assert api.fault("POST", "/customer", {"Id": "999", "sparse": True})[1]["code"] == "2020"


def test_queries_leave_inactive_out_unless_asked_and_page_from_one(api):
    for n in range(5):
        api.create(DisplayName=f"Larch {n}")
    made = api.create(DisplayName="Linden")
    api.ok("POST", "/customer", {"Id": made["Id"], "SyncToken": "0", "sparse": True, "Active": False})
    assert len(api.query("SELECT * FROM Customer")["Customer"]) == 5
    every = "SELECT * FROM Customer WHERE Active IN (true,false) ORDERBY Id"
    assert len(api.query(every)["Customer"]) == 6
    page = api.query(every + " STARTPOSITION 3 MAXRESULTS 2")
    assert [c["DisplayName"] for c in page["Customer"]] == ["Larch 2", "Larch 3"] and page["startPosition"] == 3
    assert api.query("SELECT COUNT(*) FROM Customer WHERE Active IN (true,false)") == {"totalCount": 6}
    assert api.query(every + " STARTPOSITION 7") == {}


@pytest.mark.parametrize(("statement", "code"), [
    ("SELECT * FROM Customer WHERE DisplayName = 'Amy's Bird Sanctuary'", "4000"),  # unescaped quote
    ("SELECT * FROM Customer WHERE DisplayName = 'Amy’s'", "4000"),  # a curly apostrophe
    ("SELECT * FROM Custmoer", "4001"),
    ("SELECT * FROM Customer MAXRESULTS 1001", "4001"),
    ("SELECT * FROM Customer STARTPOSITION 0", "4001"),
])
def test_bad_queries_are_refused_as_quickbooks_does(api, statement, code):
    assert api.fault("GET", "/query", query=statement)[1]["code"] == code


def test_escaped_quotes_and_backslashes_and_like(api):
    api.create(DisplayName="Amy's \\ Bird Sanctuary")
    api.create(DisplayName="Bird’s Nest")
    equal = api.query(r"SELECT * FROM Customer WHERE DisplayName = 'Amy\'s \\ Bird Sanctuary'")
    assert [c["DisplayName"] for c in equal["Customer"]] == ["Amy's \\ Bird Sanctuary"]
    like = api.query("SELECT * FROM Customer WHERE DisplayName LIKE 'Bird%s Nest'")
    assert [c["DisplayName"] for c in like["Customer"]] == ["Bird’s Nest"]


def test_batch_answers_each_item_alone_and_allows_30(api):
    taken = api.create(DisplayName="Maple")
    items = [{"bId": "a", "operation": "create", "Customer": {"DisplayName": "Oak"}},
             {"bId": "b", "operation": "create", "Vendor": {"DisplayName": "maple"}},
             {"bId": "c", "operation": "update", "Customer": {"Id": taken["Id"], "SyncToken": "9", "sparse": True}},
             {"bId": "d", "Query": "SELECT COUNT(*) FROM Customer"}]
    answers = api.ok("POST", "/batch", {"BatchItemRequest": items})["BatchItemResponse"]
    assert [a["bId"] for a in answers] == ["a", "b", "c", "d"]
    assert answers[0]["Customer"]["DisplayName"] == "Oak"
    assert [answers[1]["Fault"]["Error"][0]["code"], answers[2]["Fault"]["Error"][0]["code"]] == ["6240", "5010"]
    assert answers[3]["QueryResponse"] == {"totalCount": 2}
    too_many = [{"bId": str(n), "operation": "create", "Customer": {"DisplayName": f"P{n}"}} for n in range(31)]
    assert api.fault("POST", "/batch", {"BatchItemRequest": too_many})[0] == 400


def test_cdc_reports_changes_and_deletions_since_a_time(api):
    company: StandInCompany = api.standin.company
    before = company.now() - _dt.timedelta(seconds=1)
    kept = api.create(DisplayName="Quince")
    gone = api.create("vendor", DisplayName="Redwood Supply")
    company.remove("Vendor", gone["Id"])
    since = before.isoformat(timespec="seconds")
    answer = api.ok("GET", "/cdc", entities="Customer,Vendor", changedSince=since)["CDCResponse"][0]
    by_kind = {next(k for k in block if k in ("Customer", "Vendor")): block for block in answer["QueryResponse"]}
    assert [c["Id"] for c in by_kind["Customer"]["Customer"]] == [kept["Id"]]
    assert by_kind["Vendor"]["Vendor"] == [{"domain": "QBO", "status": "Deleted", "Id": gone["Id"],
                                            "MetaData": by_kind["Vendor"]["Vendor"][0]["MetaData"]}]
    old = (company.now() - _dt.timedelta(days=31)).isoformat(timespec="seconds")
    assert api.fault("GET", "/cdc", entities="Customer", changedSince=old)[0] == 400


def test_cdc_stops_at_1000_a_kind():
    company = StandInCompany("Big", "1")
    load_generated(company, 1200, vendors=0)
    start = company.now() - _dt.timedelta(seconds=1)
    for record in company.all("Customer"):
        company.update("Customer", {"Id": record["Id"], "sparse": True, "Notes": "x"}, check_token=False)
    assert len(company.cdc(["Customer"], start)["Customer"]) == 1000


def test_sign_in_rules(api):
    standin = api.standin
    assert api.call("GET", f"/companyinfo/{standin.realm}").status_code == 200
    standin.auth.expire_access_tokens()
    expired = api.call("GET", f"/companyinfo/{standin.realm}")
    assert expired.status_code == 401 and expired.json()["fault"]["error"][0]["code"] == "3200"
    api.token = standin.auth.issue_tokens()["access_token"]
    other = httpx.get(f"{standin.url}/v3/company/123/companyinfo/123",
                      headers={"Authorization": f"Bearer {api.token}"})
    assert other.status_code == 403 and other.json()["Fault"]["Error"][0]["code"] == "3100"


def test_refresh_tokens_rotate(api):
    auth = api.standin.auth
    basic = httpx.BasicAuth(auth.client_id, auth.client_secret)
    first = auth.issue_tokens()["refresh_token"]
    url = api.standin.url + "/oauth2/tokens/bearer"
    fresh = httpx.post(url, data={"grant_type": "refresh_token", "refresh_token": first}, auth=basic)
    assert fresh.status_code == 200 and fresh.json()["refresh_token"] != first
    again = httpx.post(url, data={"grant_type": "refresh_token", "refresh_token": first}, auth=basic)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    wrong = httpx.post(url, data={"grant_type": "refresh_token", "refresh_token": fresh.json()["refresh_token"]},
                       auth=httpx.BasicAuth(auth.client_id, "wrong"))
    assert wrong.status_code == 401


def test_throttles_and_failures_on_demand(api):
    standin = api.standin
    standin.throttle(1, status=403, xml=True)
    throttled = api.call("GET", f"/companyinfo/{standin.realm}")
    assert throttled.status_code == 403 and b"ThrottleExceeded" in throttled.content
    assert throttled.headers["content-type"].startswith("application/xml")
    standin.fail(1)
    assert api.call("GET", f"/companyinfo/{standin.realm}").status_code == 500
    assert api.call("GET", f"/companyinfo/{standin.realm}").status_code == 200


def test_a_write_sent_twice_with_one_requestid_happens_once(api):
    first = api.ok("POST", "/customer", {"DisplayName": "Spruce"}, requestid="abc")
    second = api.ok("POST", "/customer", {"DisplayName": "Spruce"}, requestid="abc")
    assert first == second
    assert len(api.query("SELECT * FROM Customer")["Customer"]) == 1


def test_times_are_pacific_as_quickbooks_writes_them(api):
    made = api.create(DisplayName="Tamarack")
    created = _dt.datetime.fromisoformat(made["MetaData"]["CreateTime"])
    assert created.utcoffset() == PACIFIC.utcoffset(None)
