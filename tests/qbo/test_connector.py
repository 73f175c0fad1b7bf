"""The qbo connector beyond the contract kit: registration, settings, what QuickBooks Online has no place for,
sparse writes only, jobs and their parents, "(deleted)" names read back stably, hostile text."""

from __future__ import annotations

import importlib.metadata
import json
from typing import Any

import pluggy
import pytest

from custmgr import hookspecs
from custmgr.connector import Change, Connector
from custmgr.contact import KINDS
from custmgr.errors import CustmgrError, Invalid, NameInUse
from custmgr_qbo import plugin
from custmgr_qbo.endpoints import resolve
from custmgr_qbo.standin import StandIn

from .helpers import open_connector, options, requests_to


def add(name: str, kind: str = "Customer", **values: str) -> Change:
    return Change(f"r-{name}", "add", kind, {"name": name, **values})


def batch_bodies(standin: StandIn) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in standin.api_requests() if r.path.endswith("/batch")]


# --- registration and settings --------------------------------------------------------------------------------


def test_registered_through_the_hook_and_declared_as_an_entry_point(standin):
    pm = pluggy.PluginManager("custmgr")
    pm.add_hookspecs(hookspecs)
    pm.register(plugin, name="qbo")
    found: dict[str, Any] = {}
    pm.hook.custmgr_register_connectors(register=lambda name, factory, description: found.update(
        {name: (factory, description)}))
    factory, description = found["qbo"]
    assert "\n" not in description and "realm" in description
    with factory(standin.realm, options(standin)) as connector:
        assert isinstance(connector, Connector) and connector.name == "qbo"
        assert connector.charset is None and connector.limits["name"] == 500 and connector.limits["notes"] == 2000
        assert connector.batch_size == 30
    points = importlib.metadata.entry_points(group="custmgr")
    assert any(p.name == "qbo" and p.value == "custmgr_qbo.plugin" for p in points)


@pytest.mark.parametrize("company", ["", "Craig's Design", "123 456", "../company.qbsandbox"])
def test_the_company_setting_must_be_a_realm_id(company):
    with pytest.raises(CustmgrError, match="realm ID"):
        plugin.open_qbo(company, {})


def test_endpoints_from_settings_win_over_the_environment():
    env = {"CUSTMGR_QBO_BASE_URL": "https://env.example", "CUSTMGR_QBO_TOKEN_URL": "https://env.example/token"}
    chosen = resolve({"base_url": "http://127.0.0.1:9/v3/"}, env)
    assert chosen.api_base == "http://127.0.0.1:9" and chosen.token_url == "https://env.example/token"
    assert resolve({}, {}).api_base == "https://quickbooks.api.intuit.com"
    assert resolve({"environment": "sandbox"}, {}).api_base == "https://sandbox-quickbooks.api.intuit.com"
    assert "openid_sandbox_configuration" in resolve({}, {"CUSTMGR_QBO_ENVIRONMENT": "Sandbox"}).discovery_url


@pytest.mark.parametrize(("key", "url"), [("base_url", "http://qbo.example.com"), ("token_url", "ftp://x"),
                                          ("discovery_url", "not a url")])
def test_tokens_never_travel_unencrypted_to_another_computer(key, url):
    with pytest.raises(CustmgrError, match="https://"):
        resolve({key: url}, {})


def test_unknown_environment_is_refused():
    with pytest.raises(CustmgrError, match="production' or 'sandbox"):
        resolve({"environment": "staging"}, {})


def test_no_custom_fields(standin):
    with open_connector(standin) as connector:
        assert connector.custom_fields() == []
        result = connector.apply([add("Alder", **{"custom:Region": "West"})])[0]
    assert isinstance(result.error, Invalid) and result.error.field == "custom:Region"
    assert "Settings" in str(result.error) and standin.company.all("Customer") == []


# --- what QuickBooks Online has no place for ------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "key"), [("Customer", "job_title"), ("Customer", "cc_email"),
                                           ("Vendor", "notes"), ("Vendor", "ship_city")])
def test_a_field_quickbooks_online_lacks_is_refused_not_dropped(standin, kind, key):
    with open_connector(standin) as connector:
        result = connector.apply([add("Birch", kind, **{key: "something"})])[0]
    assert isinstance(result.error, Invalid) and result.error.field == key
    assert "QuickBooks Online has no" in str(result.error) and "clear the cell" in str(result.error)
    assert standin.company.all(kind) == []


def test_clearing_a_field_quickbooks_online_lacks_is_harmless(standin):
    with open_connector(standin) as connector:
        made = connector.apply([add("Cedar", "Vendor")])[0].record
        result = connector.apply([Change("u", "update", "Vendor", {"notes": "", "phone": "555-0100"},
                                         made.remote_id, made.version)])[0]
    assert result.ok and result.record.values["phone"] == "555-0100"


def test_the_type_cannot_change(standin):
    with open_connector(standin) as connector:
        made = connector.apply([add("Dogwood")])[0].record
        result = connector.apply([Change("u", "update", "Customer", {"kind": "Vendor"}, made.remote_id,
                                         made.version)])[0]
    assert isinstance(result.error, Invalid) and result.error.field == "kind"


def test_an_id_of_the_other_list_is_not_found(standin):
    with open_connector(standin) as connector:
        made = connector.apply([add("Elm")])[0].record
        result = connector.apply([Change("u", "update", "Vendor", {"phone": "1"}, made.remote_id, made.version)])[0]
    assert type(result.error).__name__ == "NotFound"


# --- sparse writes --------------------------------------------------------------------------------------------


def test_every_update_is_sparse_with_id_and_sync_token(standin):
    with open_connector(standin) as connector:
        made = connector.apply([add("Fir", email="fir@example.com", bill_line1="1 Main St", bill_city="Salem",
                                    bill_postal_code="97301")])[0].record
        updated = connector.apply([Change("u", "update", "Customer", {"bill_city": "Portland", "phone": "555"},
                                          made.remote_id, made.version)])[0].record
        connector.apply([Change("d", "deactivate", "Customer", {}, updated.remote_id, updated.version)])
    items = [item for body in batch_bodies(standin) for item in body["BatchItemRequest"]]
    updates = [item["Customer"] for item in items if item["operation"] == "update"]
    assert all(u["sparse"] is True and u["Id"] == made.remote_id[1:] and u["SyncToken"] for u in updates)
    assert updates[1] == {"Id": made.remote_id[1:], "SyncToken": "1", "sparse": True, "Active": False}
    assert updates[0]["BillAddr"]["Line1"] == "1 Main St"  # the address goes whole, completed from what is held
    assert updated.values["email"] == "fir@example.com" and updated.values["bill_postal_code"] == "97301"


# --- jobs -----------------------------------------------------------------------------------------------------


def test_a_job_and_its_new_parent_in_one_call_go_in_two_batches(standin):
    with open_connector(standin) as connector:
        results = connector.apply([add("Ginkgo:Patio:Phase 2"), add("Ginkgo:Patio"), add("Ginkgo")])
    assert all(r.ok for r in results), results
    assert [r.record.values["name"] for r in results] == ["Ginkgo:Patio:Phase 2", "Ginkgo:Patio", "Ginkgo"]
    assert requests_to(standin, "batch") == 3


def test_a_job_whose_parent_failed_is_refused_with_the_reason(standin):
    with open_connector(standin) as connector:
        connector.apply([add("Hazel", "Vendor")])
        results = connector.apply([add("Hazel"), add("Hazel:Hedges")])
    assert isinstance(results[0].error, NameInUse)
    assert isinstance(results[1].error, Invalid) and 'no customer "Hazel"' in str(results[1].error)


def test_a_parent_not_read_yet_is_looked_up_by_name_even_with_a_curly_apostrophe(standin):
    standin.company.create("Customer", {"DisplayName": "Holly’s \\ Garden's"})
    with open_connector(standin) as connector:  # no listing first: the connector knows no customer
        result = connector.apply([add("Holly’s \\ Garden's:Spring")])[0]
    assert result.ok and result.record.values["name"] == "Holly’s \\ Garden's:Spring"
    statements = [r.body.decode() for r in standin.api_requests() if r.path.endswith("/query")]
    assert statements == ["SELECT * FROM Customer WHERE Active IN (true,false) AND DisplayName LIKE "
                          "'Holly%s \\\\ Garden\\'s%' MAXRESULTS 1000"]


def test_moving_a_job_under_another_customer_but_not_to_the_top(standin):
    with open_connector(standin) as connector:
        made = [r.record for r in connector.apply([add("Ivy"), add("Juniper")])]
        job = connector.apply([add("Ivy:Fence")])[0].record
        moved = connector.apply([Change("m", "update", "Customer", {"name": "Juniper:Fence"}, job.remote_id,
                                        job.version)])[0].record
        top = connector.apply([Change("t", "update", "Customer", {"name": "Fence"}, moved.remote_id,
                                      moved.version)])[0]
    assert moved.values["name"] == "Juniper:Fence" and made[0].values["name"] == "Ivy"
    # "Job": false alone would leave it under Juniper: refused with what to do, nothing sent
    assert isinstance(top.error, Invalid) and "does not move a sub-customer" in str(top.error)
    assert requests_to(standin, "batch") == 3  # Ivy and Juniper, the job, the move


def test_a_parent_renamed_in_quickbooks_shows_in_its_jobs_at_the_next_listing(standin):
    with open_connector(standin) as connector:
        connector.apply([add("Larch")])
        job = connector.apply([add("Larch:Hedge")])[0].record
    kind, qbo_id = standin.company.find("Larch")
    standin.company.update(kind, {"Id": qbo_id, "sparse": True, "DisplayName": "Larch Co"}, check_token=False)
    with open_connector(standin) as connector:
        listed = {i.remote_id: i for i in connector.listing(KINDS)}
        assert listed[job.remote_id].version != job.version  # so the engine reads it again
        assert connector.fetch([job.remote_id])[0].values["name"] == "Larch Co:Hedge"


# --- inactive contacts and their "(deleted)" names ------------------------------------------------------------


def test_made_inactive_reads_back_under_its_own_name(standin):
    with open_connector(standin) as connector:
        made = connector.apply([add("Linden", phone="555")])[0].record
        done = connector.apply([Change("d", "deactivate", "Customer", {}, made.remote_id, made.version)])[0]
        assert done.record.values == {**made.values, "active": "No"}
    assert standin.company.get("Customer", made.remote_id[1:])["DisplayName"] == "Linden (deleted)"
    with open_connector(standin) as connector:
        again = {r.values["name"]: r for r in connector.fetch([i.remote_id for i in connector.listing(KINDS)])}
    assert again["Linden"].values["active"] == "No" and again["Linden"].version == done.record.version


def test_made_active_again_gets_its_name_back(standin):
    with open_connector(standin) as connector:
        made = connector.apply([add("Maple", "Vendor")])[0].record
        off = connector.apply([Change("d", "deactivate", "Vendor", {}, made.remote_id, made.version)])[0].record
        on = connector.apply([Change("a", "update", "Vendor", {"active": "Yes"}, off.remote_id, off.version)])[0]
    assert on.ok and on.record.values["name"] == "Maple" and on.record.values["active"] == "Yes"
    assert standin.company.get("Vendor", made.remote_id[1:])["DisplayName"] == "Maple"


def test_a_second_contact_deleted_under_one_name(standin):
    with open_connector(standin) as connector:
        first = connector.apply([add("Oak")])[0].record
        connector.apply([Change("d", "deactivate", "Customer", {}, first.remote_id, first.version)])
        second = connector.apply([add("Oak")])[0].record
        gone = connector.apply([Change("d", "deactivate", "Customer", {}, second.remote_id, second.version)])[0]
    assert standin.company.get("Customer", second.remote_id[1:])["DisplayName"] == "Oak (deleted-1)"
    assert gone.record.values["name"] == "Oak"


# --- hostile text ---------------------------------------------------------------------------------------------


HOSTILE = ["O'Brien's \"Best\" Bakery", "Back\\slash \\\\ Co", "Bird’s Nest", "=HYPERLINK(\"x\")", "+1 (617) 555",
           "&amp; <b>&lt;</b> ]]>", "Ünïcödé Café 中文 😀", "100% _under_ %", "Robertson & Associates"]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_round_trips_through_add_update_and_a_fresh_read(standin, text):
    with open_connector(standin) as connector:
        made = connector.apply([add(text, company=text[:100], notes=f"{text}\nline 2")])[0]
        assert made.ok, made.error
        changed = connector.apply([Change("u", "update", "Customer", {"bill_line1": text}, made.record.remote_id,
                                          made.record.version)])[0].record
    with open_connector(standin) as fresh:
        read = fresh.fetch([i.remote_id for i in fresh.listing(KINDS)])[0]
    assert read.values["name"] == text and read.values["notes"] == f"{text}\nline 2"
    assert read.values["bill_line1"] == text and read == changed


@pytest.mark.parametrize(("values", "field"), [
    ({"name": "x" * 501}, "name"), ({"name": "Tab\u0007Bell"}, "name"), ({"company": "x" * 101}, "company"),
    ({"name": "Quince", "phone": "5" * 31}, "phone"), ({"name": "Quince", "notes": "n" * 2001}, "notes"),
    ({"name": "Quince", "email": "e" * 101}, "email"), ({"name": ""}, "name"),
    ({"name": "Quince:"}, "name"), ({"name": "Quince", "bill_postal_code": "9" * 31}, "bill_postal_code")])
def test_values_quickbooks_online_would_refuse_are_never_sent(standin, values, field):
    with open_connector(standin) as connector:
        result = connector.apply([Change("r", "add", "Customer", values)])[0]
    assert isinstance(result.error, Invalid) and result.error.field == field, result.error
    assert requests_to(standin, "batch") == 0


@pytest.mark.parametrize(("key", "value"), [("page_size", "lots"), ("page_size", "5000"), ("page_size", "0"),
                                            ("throttle_patience", "-1"), ("throttle_patience", "nan")])
def test_a_bad_numeric_option_names_itself_and_where_to_fix_it(standin, key, value):
    with pytest.raises(CustmgrError, match=f"option {key} must be a number.*Settings sheet"):
        plugin.open_qbo(standin.realm, {**standin.options(), key: value})


def test_a_job_goes_under_the_active_customer_of_a_name_not_the_deleted_one(standin):
    with open_connector(standin) as connector:
        old = connector.apply([add("Poplar")])[0].record
        connector.apply([Change("d", "deactivate", "Customer", {}, old.remote_id, old.version)])
        new = connector.apply([add("Poplar")])[0].record
        job = connector.apply([add("Poplar:Shade")])[0]
    assert job.ok and standin.company.get("Customer", job.record.remote_id[1:])["ParentRef"] == {
        "value": new.remote_id[1:]}
