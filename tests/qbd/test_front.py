"""The sandbox's qbXML front answers as QuickBooks Desktop does: identifiers, statuses and their wording,
filters, iterators, custom fields, ``onError``, and whole-message refusal of anything that breaks the schema."""

from __future__ import annotations

import re

import pytest

from custmgr_qbd.front import QbxmlFront
from custmgr_qbd.transport import PARSE_ERROR, VERSION_ERROR, RequestRejected

from .frontkit import ask, customer_add, customer_mod, envelope, query, ret_text


def add(front: QbxmlFront, name: str, *inner: str, kind: str = "Customer") -> tuple[str, str]:
    (rs,) = ask(front, customer_add(name, *inner, kind=kind))
    assert rs.code == 0, rs.message
    return ret_text(rs, "ListID"), ret_text(rs, "EditSequence")


# --- identifiers and stamps ---------------------------------------------------------------------------------


def test_an_add_answers_like_quickbooks(front: QbxmlFront) -> None:
    (rs,) = ask(front, customer_add("O'Brien &amp; Sons", "<CompanyName>O'Brien &amp; Sons</CompanyName>",
                                    "<Phone>(617) 555-0100</Phone>"))
    assert (rs.tag, rs.request_id, rs.code, rs.severity, rs.message) == (
        "CustomerAddRs", "1", 0, "Info", "Status OK")
    ret = rs.rets[0]
    assert re.fullmatch(r"[0-9A-F]{8}-\d{10}", ret_text(rs, "ListID"))
    assert re.fullmatch(r"\d{10}", ret_text(rs, "EditSequence"))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", ret_text(rs, "TimeCreated"))
    assert [child.tag for child in ret][:8] == ["ListID", "TimeCreated", "TimeModified", "EditSequence", "Name",
                                                "FullName", "IsActive", "Sublevel"]
    assert ret_text(rs, "CompanyName") == "O'Brien & Sons" and ret_text(rs, "Balance") == "0.00"


def test_every_write_gives_a_new_edit_sequence(front: QbxmlFront) -> None:
    list_id, first = add(front, "Alder")
    (rs,) = ask(front, customer_mod(list_id, first, "<Phone>1</Phone>"))
    second = ret_text(rs, "EditSequence")
    (rs,) = ask(front, customer_mod(list_id, second, "<Phone>2</Phone>"))
    assert int(first) < int(second) < int(ret_text(rs, "EditSequence"))


def test_a_job_is_named_by_parent_ref_and_gets_its_full_name(front: QbxmlFront) -> None:
    parent_id, _ = add(front, "Willow")
    (rs,) = ask(front, customer_add("Spring Cleanup", f"<ParentRef><ListID>{parent_id}</ListID></ParentRef>"))
    assert ret_text(rs, "FullName") == "Willow:Spring Cleanup" and ret_text(rs, "Sublevel") == "1"
    assert rs.rets[0].findtext("ParentRef/FullName") == "Willow"


# --- statuses and their wording -----------------------------------------------------------------------------


def test_names_are_unique_across_customers_and_vendors_ignoring_case(front: QbxmlFront) -> None:
    add(front, "Maple Grove")
    (rs,) = ask(front, customer_add("MAPLE GROVE", kind="Vendor"))
    assert (rs.code, rs.message) == (3100, 'The name "MAPLE GROVE" of the list element is already in use.')


def test_stale_edit_sequence(front: QbxmlFront) -> None:
    list_id, version = add(front, "Birch")
    ask(front, customer_mod(list_id, version, "<Phone>1</Phone>"))
    (rs,) = ask(front, customer_mod(list_id, version, "<Phone>2</Phone>"))
    assert (rs.code, rs.message) == (3200, f'The provided edit sequence "{version}" is out-of-date. ')


def test_unknown_list_id(front: QbxmlFront) -> None:
    (rs,) = ask(front, customer_mod("8000001B-1405768916", "1", "<Phone>1</Phone>"))
    assert rs.code == 3120 and rs.message.startswith('Object "8000001B-1405768916" specified in the request '
                                                     "cannot be found.")


def list_del(list_id: str, kind: str = "Customer") -> str:
    return f"<ListDelRq><ListDelType>{kind}</ListDelType><ListID>{list_id}</ListID></ListDelRq>"


def test_list_del_refuses_a_name_used_in_transactions_and_a_customer_with_jobs(front: QbxmlFront) -> None:
    used, _ = add(front, "Hawthorn")
    front.store.add_transaction("Hawthorn")
    (rs,) = ask(front, list_del(used))
    assert rs.failed and "used in transactions" in rs.message and front.store.get(used) is not None
    parent, _ = add(front, "Ivy")
    ask(front, customer_add("Porch", "<ParentRef><FullName>Ivy</FullName></ParentRef>"))
    (rs,) = ask(front, list_del(parent))
    assert rs.failed and "has jobs" in rs.message
    job = front.store.find("Ivy:Porch")
    assert job is not None
    (rs,) = ask(front, list_del(job.remote_id))
    assert rs.code == 0 and rs.rets[-1].text == "Ivy:Porch" and front.store.get(job.remote_id) is None


def test_a_vendor_is_not_found_as_a_customer(front: QbxmlFront) -> None:
    list_id, version = add(front, "Cedar Supply", kind="Vendor")
    (rs,) = ask(front, customer_mod(list_id, version, "<Phone>1</Phone>"))
    assert rs.code == 3120


def test_missing_parent_is_an_invalid_reference(front: QbxmlFront) -> None:
    (rs,) = ask(front, customer_add("Patio", "<ParentRef><FullName>Nobody</FullName></ParentRef>"))
    assert rs.code == 3140 and 'invalid reference to QuickBooks Customer "Nobody"' in rs.message


def test_too_long_and_unstorable_values(front: QbxmlFront) -> None:
    (rs,) = ask(front, customer_add("Dogwood", f"<CompanyName>{'x' * 42}</CompanyName>"))
    assert (rs.code, rs.message) == (3070, f'The string "{"x" * 42}" in the field "CompanyName" is too long.')
    (rs,) = ask(front, customer_add("Dogwood", "<CompanyName>Euro € Ltd</CompanyName>"))
    assert rs.code == 3210 and '"CompanyName" field has an invalid value "Euro € Ltd"' in rs.message
    (rs,) = ask(front, query("<FullName>Dogwood</FullName>"))
    assert rs.code == 500  # neither was stored


def test_latin_1_text_is_stored_exactly(front: QbxmlFront) -> None:
    text = "Müller, Peña &amp; Søn – «quoted»".replace("–", "-")
    list_id, _ = add(front, "Elm", f"<Notes>{text}\nline two</Notes>")
    (rs,) = ask(front, query(f"<ListID>{list_id}</ListID>"))
    assert ret_text(rs, "Notes") == "Müller, Peña & Søn - «quoted»\nline two"


def test_queries_by_id_and_name_report_what_is_missing(front: QbxmlFront) -> None:
    list_id, _ = add(front, "Fir")
    (rs,) = ask(front, query(f"<ListID>{list_id}</ListID><ListID>80000099-1000000000</ListID>"))
    assert (rs.code, len(rs.rets)) == (500, 1) and '("80000099-1000000000")' in rs.message
    (rs,) = ask(front, query("<ListID>80000099-1000000000</ListID>"))
    assert (rs.code, rs.rets) == (3120, ())
    (rs,) = ask(front, query("<FullName>Nope</FullName>"))
    assert (rs.code, rs.severity) == (500, "Warn")


def test_no_match(front: QbxmlFront) -> None:
    (rs,) = ask(front, query())
    assert (rs.code, rs.severity, rs.message) == (1, "Info", "A query request did not find a matching object "
                                                             "in QuickBooks")


# --- filters and iterators ----------------------------------------------------------------------------------


def test_active_status_filters_and_defaults_to_active_only(front: QbxmlFront) -> None:
    add(front, "Active One")
    add(front, "Gone One", "<IsActive>false</IsActive>")

    def names(*inner: str) -> list[str]:
        (rs,) = ask(front, query(*inner))
        return [ret.findtext("FullName") or "" for ret in rs.rets]

    assert names() == ["Active One"]
    assert names("<ActiveStatus>InactiveOnly</ActiveStatus>") == ["Gone One"]
    assert names("<ActiveStatus>All</ActiveStatus>") == ["Active One", "Gone One"]
    assert names("<ActiveStatus>All</ActiveStatus><NameFilter><MatchCriterion>StartsWith</MatchCriterion>"
                 "<Name>gone</Name></NameFilter>") == ["Gone One"]


def test_modified_date_filter(front: QbxmlFront) -> None:
    add(front, "Ginkgo")
    (rs,) = ask(front, query("<FromModifiedDate>1984-01-29T22:03:19</FromModifiedDate>"))
    assert len(rs.rets) == 1
    (rs,) = ask(front, query("<FromModifiedDate>2999-01-01</FromModifiedDate>"))
    assert rs.code == 1


def test_iterators_page_through_with_the_remaining_count(front: QbxmlFront) -> None:
    for i in range(7):
        add(front, f"Hazel {i}")
    (rs,) = ask(front, query("<MaxReturned>3</MaxReturned>", attributes=' iterator="Start"'))
    seen = [ret.findtext("FullName") for ret in rs.rets]
    assert rs.remaining == 4 and re.fullmatch(r"\{[0-9a-f-]{36}\}", rs.iterator_id)
    iterator = rs.iterator_id
    while rs.remaining:
        (rs,) = ask(front, query("<MaxReturned>3</MaxReturned>", attributes=f' iterator="Continue" '
                                                                             f'iteratorID="{iterator}"'))
        seen += [ret.findtext("FullName") for ret in rs.rets]
    assert seen == [f"Hazel {i}" for i in range(7)] and rs.remaining == 0
    (rs,) = ask(front, query("<MaxReturned>3</MaxReturned>", attributes=f' iterator="Continue" '
                                                                         f'iteratorID="{iterator}"'))
    assert rs.code == 3000  # an iterator is used up once it has returned everything


def test_include_ret_element_and_meta_data(front: QbxmlFront) -> None:
    add(front, "Holly", "<Phone>1</Phone>")
    (rs,) = ask(front, query("<IncludeRetElement>ListID</IncludeRetElement>"
                             "<IncludeRetElement>EditSequence</IncludeRetElement>"))
    assert [child.tag for child in rs.rets[0]] == ["ListID", "EditSequence"]
    (rs,) = ask(front, query(attributes=' metaData="MetaDataOnly"'))
    assert (rs.ret_count, rs.rets) == (1, ())


# --- custom fields ------------------------------------------------------------------------------------------


def data_ext(op: str, list_id: str, value: str | None = "Pat", name: str = "Account Manager") -> str:
    value_part = f"<DataExtValue>{value}</DataExtValue>" if value is not None else ""
    return (f"<DataExt{op}Rq><DataExt{op}><OwnerID>0</OwnerID><DataExtName>{name}</DataExtName>"
            f"<ListDataExtType>Customer</ListDataExtType><ListObjRef><ListID>{list_id}</ListID></ListObjRef>"
            f"{value_part}</DataExt{op}></DataExt{op}Rq>")


def custom_values(front: QbxmlFront, list_id: str, owner: str = "<OwnerID>0</OwnerID>") -> dict[str, str]:
    (rs,) = ask(front, query(f"<ListID>{list_id}</ListID>", owner))
    return {e.findtext("DataExtName") or "": e.findtext("DataExtValue") or ""
            for e in rs.rets[0].findall("DataExtRet")}


def test_custom_fields_add_mod_del_as_quickbooks(front: QbxmlFront) -> None:
    list_id, version = add(front, "Juniper")
    (rs,) = ask(front, data_ext("Mod", list_id))
    assert rs.code == 3120  # Mod needs a value to change
    (rs,) = ask(front, data_ext("Add", list_id))
    assert rs.code == 0 and rs.rets[0].findtext("DataExtValue") == "Pat"
    assert custom_values(front, list_id) == {"Account Manager": "Pat"}
    assert custom_values(front, list_id, owner="") == {}  # no OwnerID, no custom fields
    (rs,) = ask(front, data_ext("Add", list_id, "Lee"))
    assert rs.code == 3180 and "already has a value" in rs.message  # Add needs a field without a value
    (rs,) = ask(front, data_ext("Mod", list_id, ""))
    assert rs.code == 3210  # Mod cannot clear: Del does
    assert ask(front, data_ext("Mod", list_id, "Lee"))[0].code == 0
    assert ask(front, data_ext("Del", list_id, None))[0].code == 0
    assert custom_values(front, list_id) == {}
    (rs,) = ask(front, query(f"<ListID>{list_id}</ListID>"))
    assert int(ret_text(rs, "EditSequence")) > int(version)  # each was a change of the customer


def test_a_custom_field_must_exist_for_that_list(front: QbxmlFront) -> None:
    list_id, _ = add(front, "Larch")
    (rs,) = ask(front, data_ext("Add", list_id, name="Shoe Size"))
    assert rs.code == 3140
    vendor_id, _ = add(front, "Larch Supply", kind="Vendor")
    (rs,) = ask(front, data_ext("Add", vendor_id).replace("<ListDataExtType>Customer", "<ListDataExtType>Vendor"))
    assert rs.code == 3140  # Account Manager is for customers only


# --- messages -----------------------------------------------------------------------------------------------


def test_stop_on_error_leaves_the_rest_out(front: QbxmlFront) -> None:
    answers = ask(front, customer_add("Oak", request_id="1"), customer_add("OAK", request_id="2"),
                  customer_add("Pine", request_id="3"))
    assert [(rs.request_id, rs.code) for rs in answers] == [("1", 0), ("2", 3100)]
    assert ask(front, query("<FullName>Pine</FullName>"))[0].code == 500


def test_continue_on_error_answers_every_request(front: QbxmlFront) -> None:
    answers = ask(front, customer_add("Quince", request_id="1"), customer_add("QUINCE", request_id="2"),
                  customer_add("Rowan", request_id="3"), on_error="continueOnError")
    assert [(rs.request_id, rs.code) for rs in answers] == [("1", 0), ("2", 3100), ("3", 0)]


def test_a_mod_replaces_an_address_whole(front: QbxmlFront) -> None:
    list_id, version = add(front, "Spruce", "<BillAddress><Addr1>1 Elm St</Addr1><City>Lee</City></BillAddress>")
    (rs,) = ask(front, customer_mod(list_id, version, "<BillAddress><City>Lenox</City></BillAddress>"))
    address = rs.rets[0].find("BillAddress")
    assert address is not None and [(e.tag, e.text) for e in address] == [("City", "Lenox")]


def test_an_empty_element_clears_a_field(front: QbxmlFront) -> None:
    list_id, version = add(front, "Tamarack", "<Phone>1</Phone>", "<Email>t@example.com</Email>")
    (rs,) = ask(front, customer_mod(list_id, version, "<Phone></Phone>"))
    assert rs.rets[0].find("Phone") is None and ret_text(rs, "Email") == "t@example.com"


@pytest.mark.parametrize("broken", [
    customer_add("A", "<Phone>1</Phone>", "<CompanyName>late</CompanyName>"),  # out of order
    customer_add("A", "<Birthday>1970-01-01</Birthday>"),  # unknown element
    customer_add("A", "<IsActive>yes</IsActive>"),  # not a boolean
    customer_mod("1-1", "", "<Phone>1</Phone>").replace("<EditSequence></EditSequence>", ""),  # required
    query("<ActiveStatus>Sometimes</ActiveStatus>"),  # not in the enumeration
    query("<OwnerID>me</OwnerID>"),  # not a GUID
    query(attributes=' iterator="Continue"'),  # no iteratorID
    "<CustomerAdd><Name>A</Name></CustomerAdd>",  # not a request
    customer_add("A <unclosed"),  # not XML
])
def test_a_message_breaking_the_schema_is_refused_whole(front: QbxmlFront, broken: str) -> None:
    with pytest.raises(RequestRejected) as caught:
        front.process(envelope(customer_add("Before", request_id="0"), broken))
    assert caught.value.hresult == PARSE_ERROR
    assert "QuickBooks found an error when parsing the provided XML text stream." in str(caught.value)
    assert ask(front, query("<FullName>Before</FullName>"))[0].code == 500  # the valid request was not done


@pytest.mark.parametrize("text", [
    envelope(query()).replace('<?qbxml version="13.0"?>', ""),
    envelope(query()).replace('onError="stopOnError"', ""),
    '<?xml version="1.0"?><!DOCTYPE QBXML [<!ENTITY x "y">]><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq '
    'onError="stopOnError"><CustomerQueryRq/></QBXMLMsgsRq></QBXML>',
])
def test_envelope_problems_are_parse_errors(front: QbxmlFront, text: str) -> None:
    with pytest.raises(RequestRejected) as caught:
        front.process(text)
    assert caught.value.hresult == PARSE_ERROR


def test_a_newer_qbxml_version_is_refused(front: QbxmlFront) -> None:
    with pytest.raises(RequestRejected) as caught:
        front.process(envelope(query(), version="16.0"))
    assert caught.value.hresult == VERSION_ERROR


def test_older_versions_and_unsupported_requests(front: QbxmlFront) -> None:
    from custmgr_qbd.responses import parse

    (rs,) = parse(front.process(envelope(query(), version="2.0")))
    assert rs.code == 1
    (rs,) = parse(front.process(envelope('<InvoiceQueryRq requestID="5"/>')))
    assert (rs.tag, rs.code) == ("InvoiceQueryRs", 1030) and "sandbox company" in rs.message


# --- on cue -------------------------------------------------------------------------------------------------


def test_injected_locks_then_success(front: QbxmlFront) -> None:
    list_id, version = add(front, "Viburnum")
    front.inject(3180, count=2)
    for _ in range(2):
        (rs,) = ask(front, customer_mod(list_id, version, "<Phone>1</Phone>"))
        assert rs.code == 3180 and "modified by another user" in rs.message
    assert ask(front, customer_mod(list_id, version, "<Phone>1</Phone>"))[0].code == 0


def test_injected_stale_version_and_a_concurrent_edit(front: QbxmlFront) -> None:
    list_id, version = add(front, "Walnut")
    front.inject(3200, requests=["CustomerModRq"])
    assert ask(front, customer_mod(list_id, version, "<Phone>1</Phone>"))[0].code == 3200
    front.before("CustomerModRq", lambda store: store.edit("Walnut", {"email": "w@example.com"}))
    (rs,) = ask(front, customer_mod(list_id, version, "<Phone>1</Phone>"))
    assert rs.code == 3200  # someone saved the customer in QuickBooks just before
