"""QuickBooks Online objects <-> contact values, without a server."""

from __future__ import annotations

import pytest

from custmgr_qbo.records import (
    LIMITS,
    fields_body,
    full_name,
    shown_name,
    token_of,
    values_of,
    version_of,
)


def test_the_deleted_suffix_comes_off_inactive_names_only():
    assert shown_name({"DisplayName": "Thrifty Meats (deleted)", "Active": False}) == "Thrifty Meats"
    assert shown_name({"DisplayName": "Vendor Corporation (Deleted)", "Active": "false"}) == "Vendor Corporation"
    assert shown_name({"DisplayName": "Oak (deleted-2)", "Active": False}) == "Oak"
    assert shown_name({"DisplayName": "Museum of (deleted) Things", "Active": False}) == "Museum of (deleted) Things"
    assert shown_name({"DisplayName": "Oak (deleted)", "Active": True}) == "Oak (deleted)"  # an active name is its own


def test_full_names_from_the_parents_or_quickbooks_own():
    parents = {"1": {"Id": "1", "DisplayName": "Fir (deleted)", "Active": False},
               "2": {"Id": "2", "DisplayName": "Lawn (deleted)", "Active": False, "ParentRef": {"value": "1"}}}
    job = {"Id": "3", "DisplayName": "Edge (deleted)", "Active": False, "ParentRef": {"value": "2"},
           "FullyQualifiedName": "Fir (deleted):Lawn (deleted):Edge (deleted)"}
    assert full_name(job, parents.get) == "Fir:Lawn:Edge"
    assert full_name(job, lambda _: None) == "Fir:Lawn:Edge"  # parents not at hand: QuickBooks' full name
    assert full_name({"Id": "9", "DisplayName": "Solo"}, parents.get) == "Solo"


def test_values_are_normalized_and_ignore_what_is_not_a_contact_field():
    entity = {"DisplayName": " Amy's  Bird ", "Active": True, "Balance": 739.0, "Notes": "a\r\nb ",
              "BillAddr": {"Id": "2", "Line1": "4581 Finch St.", "CountrySubDivisionCode": "ca", "Lat": "INVALID"},
              "PrimaryPhone": {"FreeFormNumber": "(650) 555-3311"}, "WebAddr": {"URI": "http://x"}}
    assert values_of(entity, "Customer", "Amy's Bird") == {
        "kind": "Customer", "name": "Amy's Bird", "active": "Yes", "notes": "a\nb", "bill_line1": "4581 Finch St.",
        "bill_state": "CA", "phone": "(650) 555-3311"}


def test_versions_carry_the_sync_token_and_move_with_the_full_name():
    entity = {"SyncToken": "7"}
    assert token_of(version_of(entity, "A:B")) == "7"
    assert version_of(entity, "A:B") != version_of(entity, "A2:B")


def test_an_address_is_written_whole_and_empty_text_clears():
    current = {"BillAddr": {"Id": "5", "Line1": "1 Main", "City": "Salem", "PostalCode": "97301", "Lat": "1"}}
    body = fields_body({"bill_city": "Portland", "email": "", "phone": "555"}, current)
    assert body == {"BillAddr": {"Id": "5", "Line1": "1 Main", "City": "Portland", "PostalCode": "97301"},
                    "PrimaryEmailAddr": {"Address": ""}, "PrimaryPhone": {"FreeFormNumber": "555"}}


def test_limits_are_quickbooks_onlines():
    assert LIMITS["name"] == 500 and LIMITS["notes"] == 2000 and LIMITS["company"] == 100
    assert LIMITS["bill_line1"] == 500 and LIMITS["ship_postal_code"] == 30 and "job_title" not in LIMITS


@pytest.mark.parametrize("name", ["Amy's Bird Sanctuary", 'The "Best" Nursery', "Back\\slash & Sons", "Crème Brûlée"])
def test_names_in_messages_are_shown_as_typed_not_escaped(name: str) -> None:
    from custmgr_qbo.faults import Fault, FaultError, to_error

    for code in ("6240", "5010", "610"):
        message = str(to_error(Fault("ValidationFault", (FaultError(code, "x"),)), name=name))
        assert f'"{name}"' in message and "\\" not in message.replace(name, "")
