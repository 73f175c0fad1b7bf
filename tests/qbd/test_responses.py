"""QuickBooks' answers are read safely: every recorded response in the conformance data parses to the right
records or errors, and anything QuickBooks never sends (a DTD, entities, unknown elements, missing answers) is
a clear ``BadResponse``."""

from __future__ import annotations

from pathlib import Path

import pytest

from custmgr.contact import CUSTOMER
from custmgr.errors import ConnectorError, Invalid, NameInUse, NotFound, Retryable, StaleVersion, Unavailable
from custmgr_qbd import messages as qb
from custmgr_qbd.connector import match
from custmgr_qbd.responses import BadResponse, Response, error_of, parse, record


def recorded(quickbooks_reference: Path, name: str) -> list[Response]:
    return parse((quickbooks_reference / "qbxml" / name).read_text(encoding="utf-8"))


# --- the recorded responses ---------------------------------------------------------------------------------


def test_customer_query_response(quickbooks_reference: Path) -> None:
    (rs,) = recorded(quickbooks_reference, "qbwc-qbxml_customer_query_rs.xml")
    assert (rs.tag, rs.request_id, rs.code, rs.failed) == ("CustomerQueryRs", "Q3VzdG9tZXJRdWVyeXwyODk2", 0, False)
    (customer,) = [record(ret) for ret in rs.rets]
    assert (customer.remote_id, customer.version) == ("10006-1211236622", "1213155356")
    assert customer.values == {
        "kind": CUSTOMER, "name": "Keith Palmer", "active": "Yes", "first_name": "Keith", "last_name": "Palmer",
        "bill_line1": "134 Stonemill Road", "bill_line2": "Suite D", "bill_city": "Storrs", "bill_state": "CT",
        "bill_postal_code": "06268", "bill_country": "USA",
        "ship_line1": "134 Stonemill Road", "ship_line2": "Suite D", "ship_city": "Storrs", "ship_state": "CT",
        "ship_postal_code": "06268", "ship_country": "USA",
        "phone": "(860) 634-1602", "fax": "(860) 429-5182", "email": "keith@uglyslug.com"}


def test_iterator_response_says_how_many_remain(quickbooks_reference: Path) -> None:
    (rs,) = recorded(quickbooks_reference, "qbwc-qbxml_customer_query_terator_rs.xml")
    assert (rs.remaining, rs.iterator_id) == (18, "{eb05f701-e727-472f-8ade-6753c4f67a46}")
    assert [record(ret).values["name"] for ret in rs.rets] == ["10th Customer"]


@pytest.mark.parametrize(("name", "list_id", "expected"), [
    ("qbwc-qbxml_customer_add_rs.xml", "F540000-1197683154",
     {"company": "Eastern XYZ University", "alt_phone": "860-429-0021", "fax": "860-429-5183",
      "bill_postal_code": "88130", "name": "20706 - Eastern XYZ University"}),
    ("qbwc-gem_customer_add_rs.xml", "8000001B-1405768916",
     {"salutation": "Mr", "company": "Joes Garage", "name": "Joseph Customer", "bill_city": "Mountain View"}),
])
def test_customer_add_responses(quickbooks_reference: Path, name: str, list_id: str,
                                expected: dict[str, str]) -> None:
    (rs,) = recorded(quickbooks_reference, name)
    created = record(rs.rets[0])
    assert rs.code == 0 and created.remote_id == list_id and created.version.isdigit()
    assert {k: created.values[k] for k in expected} == expected


@pytest.mark.parametrize(("name", "code", "error", "words"), [
    ("qbwc-gem_customer_query_rs_3120_object_not_found.xml", 3120, NotFound,
     'Object "8000001B-1405768916" specified in the request cannot be found.'),
    ("consolibyte_customer_add_rs_3180_modified_by_another_user.xml", 3180, Retryable,
     "This list has been modified by another user."),
    ("consolibyte_receive_payment_add_rs_3210_invalid_value.xml", 3210, Invalid,
     "You cannot pay more than the amount due."),
])
def test_recorded_errors_map_to_the_vocabulary(quickbooks_reference: Path, name: str, code: int,
                                               error: type[ConnectorError], words: str) -> None:
    (rs,) = recorded(quickbooks_reference, name)
    assert rs.code == code and rs.failed  # 3210 comes with severity Info: the code decides
    mapped = error_of(rs)
    assert type(mapped) is error and words in str(mapped) and f"statusCode {code}" in mapped.detail


def test_a_partial_query_is_a_warning_not_a_failure(quickbooks_reference: Path) -> None:
    (rs,) = recorded(quickbooks_reference, "qbwc-gem_customer_query_rs_500_warn.xml")
    assert (rs.code, rs.severity, rs.failed, rs.rets) == (500, "Warn", False, ())


def test_every_recorded_response_parses(quickbooks_reference: Path) -> None:
    for path in sorted((quickbooks_reference / "qbxml").glob("*_rs*.xml")):
        for rs in parse(path.read_text(encoding="utf-8")):
            for ret in rs.rets:
                if ret.tag in ("CustomerRet", "VendorRet"):
                    assert record(ret).remote_id


# --- status codes -------------------------------------------------------------------------------------------


def status(code: int, message: str = "", severity: str = "Error") -> Response:
    return Response("CustomerModRs", "1", code, severity, message)


@pytest.mark.parametrize(("code", "error"), [
    (1, NotFound), (3120, NotFound), (3100, NameInUse), (3200, StaleVersion), (3175, Retryable),
    (3176, Retryable), (3210, Invalid), (3070, Invalid), (3140, Invalid),
])
def test_status_codes(code: int, error: type[ConnectorError]) -> None:
    assert type(error_of(status(code, "msg"))) is error


LOCKED = 'There was an error when saving a Customer list, element "Oak".  QuickBooks error message: This list has ' \
         'been modified by another user.'


@pytest.mark.parametrize(("code", "message", "retried"), [
    (3180, LOCKED, True),
    (3170, LOCKED.replace("saving", "modifying"), True),
    (3180, 'There was an error when saving a Customer list, element "Oak".  QuickBooks error message: The data '
           'extension "Region" already has a value.', False),
    (3170, 'There was an error when modifying a Customer list, element "Oak".  QuickBooks error message: '
           'Invalid argument.', False),
    (3172, "msg", False), (3178, "msg", False),
])
def test_only_locks_are_retried_other_save_errors_are_reported(code: int, message: str, retried: bool) -> None:
    """3170-3180 hold permanent save errors too: retrying them only delays the same refusal."""
    err = error_of(status(code, message))
    assert isinstance(err, Retryable) is retried
    if not retried:
        assert f"status {code}" in str(err) and message in str(err)


def test_an_invalid_value_names_the_field() -> None:
    assert error_of(status(3070, 'The string "x" in the field "CompanyName" is too long.')).field == "company"
    assert error_of(status(3140, 'There is an invalid reference to QuickBooks Customer "Nobody"'),
                    "name").field == "name"
    assert error_of(status(3210, 'The "DataExtValue" field has an invalid value'),
                    "custom:Region").field == "custom:Region"


def test_an_unknown_status_keeps_quickbooks_own_words() -> None:
    err = error_of(status(3999, "Something QuickBooks says."))
    assert type(err) is ConnectorError
    assert str(err) == "QuickBooks refused this (status 3999): Something QuickBooks says."


# --- bad input from QuickBooks ------------------------------------------------------------------------------

BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<QBXML><QBXMLMsgsRs><CustomerQueryRs statusCode="0" statusSeverity="Info" statusMessage="&lol3;"/></QBXMLMsgsRs>
</QBXML>"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE QBXML [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<QBXML><QBXMLMsgsRs><CustomerQueryRs statusCode="0" statusSeverity="Info" statusMessage="&secret;"/></QBXMLMsgsRs>
</QBXML>"""


def rs_xml(inner: str) -> str:
    return f'<?xml version="1.0" ?><QBXML><QBXMLMsgsRs>{inner}</QBXMLMsgsRs></QBXML>'


CUSTOMER_RET = ("<CustomerRet><ListID>1-1</ListID><EditSequence>1</EditSequence><Name>A</Name><FullName>A</FullName>"
                "{extra}</CustomerRet>")


@pytest.mark.parametrize(("text", "why"), [
    ("", "empty"),
    ("<QBXML><QBXMLMsgsRs><CustomerQueryRs", "malformed"),
    ("not xml at all", "malformed"),
    (BOMB, "DTD"),
    (EXTERNAL, "DTD"),
    ("<HTML><BODY>Service unavailable</BODY></HTML>", "root"),
    (rs_xml('<CustomerQueryRs statusCode="zero" statusSeverity="Info"/>'), "statusCode"),
    (rs_xml('<CustomerQueryRs statusCode="0" statusSeverity="Fine"/>'), "statusSeverity"),
    (rs_xml('<CustomerQuery statusCode="0" statusSeverity="Info"/>'), "not a response"),
    (rs_xml('<CustomerQueryRs statusCode="0" statusSeverity="Info" iteratorRemainingCount="-1"/>'), "number"),
])
def test_unreadable_answers_are_refused(text: str, why: str) -> None:
    with pytest.raises(BadResponse, match=why) as caught:
        parse(text)
    assert isinstance(caught.value, Unavailable) and "Nothing was saved to the workbook" in str(caught.value)
    assert "root:x:0" not in str(caught.value)


@pytest.mark.parametrize(("extra", "why"), [
    ("<Birthday>1970-01-01</Birthday>", "Birthday"),
    ("<BillAddress><Addr9>x</Addr9></BillAddress>", "Addr9"),
    ("<IsActive>maybe</IsActive>", "IsActive"),
])
def test_unknown_or_malformed_elements_in_a_record_are_refused(extra: str, why: str) -> None:
    (rs,) = parse(rs_xml(f'<CustomerQueryRs statusCode="0" statusSeverity="Info">'
                         f'{CUSTOMER_RET.format(extra=extra)}</CustomerQueryRs>'))
    with pytest.raises(BadResponse, match=why):
        record(rs.rets[0])


def test_a_record_without_its_list_id_is_refused() -> None:
    ret = CUSTOMER_RET.format(extra="").replace("<ListID>1-1</ListID>", "")
    (rs,) = parse(rs_xml(f'<CustomerQueryRs statusCode="0" statusSeverity="Info">{ret}</CustomerQueryRs>'))
    with pytest.raises(BadResponse, match="ListID"):
        record(rs.rets[0])


def two_requests(on_error: qb.OnError) -> qb.Message:
    message = qb.Message(on_error)
    message.add(qb.query(CUSTOMER, ids=["1-1"]))
    message.add(qb.query(CUSTOMER, ids=["2-2"]))
    return message


def answer(request_id: str, code: int = 0, tag: str = "CustomerQueryRs") -> str:
    severity = "Info" if code < 500 else "Error"
    return f'<{tag} requestID="{request_id}" statusCode="{code}" statusSeverity="{severity}" statusMessage="m"/>'


def test_fewer_answers_than_requests_is_refused() -> None:
    with pytest.raises(BadResponse, match="only 1 answers to 2 requests"):
        match(two_requests("continueOnError"), parse(rs_xml(answer("1"))))
    with pytest.raises(BadResponse, match="only 1 answers to 2 requests"):
        match(two_requests("stopOnError"), parse(rs_xml(answer("1"))))  # nothing failed, so nothing stopped it


def test_fewer_answers_after_a_failure_with_stop_on_error_is_quickbooks_stopping() -> None:
    assert len(match(two_requests("stopOnError"), parse(rs_xml(answer("1", 3100))))) == 1


@pytest.mark.parametrize("answers", [
    answer("1") + answer("2") + answer("3"),
    answer("2") + answer("1"),
    answer("1") + answer("2", tag="VendorQueryRs"),
])
def test_answers_that_do_not_match_the_requests_are_refused(answers: str) -> None:
    with pytest.raises(BadResponse):
        match(two_requests("continueOnError"), parse(rs_xml(answers)))


def two_customers(notes: str) -> str:
    first = ('<CustomerRet><ListID>80000001-1</ListID><EditSequence>1</EditSequence><Name>Oak</Name>'
             f'<FullName>Oak</FullName><Notes>{notes}</Notes></CustomerRet>')
    second = CUSTOMER_RET.format(extra="<Notes>fine</Notes>").replace("1-1", "80000002-1")
    return rs_xml('<CustomerQueryRs requestID="1" statusCode="0" statusSeverity="Info" statusMessage="Status OK">'
                  f"{first}{second}</CustomerQueryRs>")


@pytest.mark.parametrize(("raw", "value"), [("ring\x07ring", "ring\x07ring"), ("page&#12;break", "page\x0cbreak"),
                                            ("nul&#x0;here", "nul\x00here"), ("tab\tand&#13;cr", "tab\tand\rcr")])
def test_a_control_character_in_one_record_does_not_stop_the_rest(raw: str, value: str) -> None:
    """XML forbids most control characters, raw or as references, but a QuickBooks user can type one into
    Notes: the record is read with the character as it is (the engine then reports it on that row) and every
    other record is read as usual."""
    (rs,) = parse(two_customers(raw))
    oak, other = (record(ret) for ret in rs.rets)
    assert oak.values["notes"] == value.replace("\r", "\n").strip() and oak.values["name"] == "Oak"
    assert other.values["notes"] == "fine"


def test_other_damage_names_the_record_it_is_in() -> None:
    with pytest.raises(BadResponse, match=r'malformed XML in the record of Customer "Oak" \(ListID 80000001-1\)'):
        parse(two_customers("a < b"))
