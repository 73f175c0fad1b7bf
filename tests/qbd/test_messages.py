"""Every request the connector builds is valid qbXML 13 (checked against Intuit's schema), including edge values;
the element order in ``custmgr_qbd.elements`` is the schema's own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import xmlschema

from custmgr.connector import Change
from custmgr.contact import CUSTOMER, FIELD_BY_KEY, FIELD_KEYS, KINDS, NO, VENDOR
from custmgr.testing.contract import AWKWARD_TEXT
from custmgr_qbd import elements
from custmgr_qbd import messages as qb
from custmgr_qbd.connector import QbdConnector
from custmgr_qbd.elements import COMPANY_STAMP, OWNER_CUSTMGR, OWNER_CUSTOM

from .schema import problems

pytestmark = pytest.mark.usefixtures("qbxml_schema")


def at_limit(key: str) -> str:
    """A value of exactly the QuickBooks limit, Latin-1 beyond ASCII."""
    return ("Çé" * 3000)[:FIELD_BY_KEY[key].limit]


def full_values(kind: str) -> dict[str, str]:
    values = {k: at_limit(k) for k in FIELD_KEYS if k not in ("kind", "name", "active")}
    values |= {"name": "N" * 41, "active": "Yes", "kind": kind}
    return values


def message_of(*requests: Any, on_error: qb.OnError = "stopOnError") -> str:
    message = qb.Message(on_error)
    for request in requests:
        message.add(request)
    return message.xml()


def kinds_of_request() -> dict[str, Callable[[], Any]]:
    """One builder call per kind of request the connector sends, with edge values."""
    job = ":".join(["Parent " + "p" * 33] * 4 + ["Job " + "j" * 37])
    out: dict[str, Callable[[], Any]] = {}
    for kind in KINDS:
        out |= {
            f"{kind} listing start": lambda k=kind: qb.query(k, max_returned=1000, iterator="Start",
                                                            include=elements.LISTING_ELEMENTS[k]),
            f"{kind} listing continue": lambda k=kind: qb.query(
                k, max_returned=1000, iterator="Continue", iterator_id="{eb05f701-e727-472f-8ade-6753c4f67a46}",
                include=elements.LISTING_ELEMENTS[k]),
            f"{kind} changed since": lambda k=kind: qb.query(k, modified_since="2024-01-29T22:03:19-05:00",
                                                            include=elements.LISTING_ELEMENTS[k]),
            f"{kind} fetch": lambda k=kind: qb.query(k, ids=["80000001-1712345678", "8000001B-1405768916"],
                                                    include=elements.RECORD_ELEMENTS[k], owners=[OWNER_CUSTOM]),
            f"{kind} read back by name": lambda k=kind: qb.query(k, names=["O'Brien & Sons"],
                                                                include=elements.RECORD_ELEMENTS[k],
                                                                owners=[OWNER_CUSTOM]),
            f"{kind} add, every field at its limit": lambda k=kind: qb.add(k, full_values(k)),
            f"{kind} add, inactive": lambda k=kind: qb.add(k, {"name": "Retired", "active": NO}),
            f"{kind} mod, every field": lambda k=kind: qb.modify(k, "80000001-1712345678", "1712345678",
                                                                full_values(k)),
            f"{kind} mod, clearing": lambda k=kind: qb.modify(k, "80000001-1712345678", "1712345678",
                                                             {"phone": "", "notes": "", "company": "",
                                                              **{f"bill_line{i}": "" for i in range(1, 6)}}),
            f"{kind} deactivate": lambda k=kind: qb.modify(k, "80000001-1712345678", "1712345678", {"active": NO}),
            f"{kind} custom field add by name": lambda k=kind: qb.data_ext("Add", k, "Region", full_name="Café",
                                                                          value="v" * 1024),
            f"{kind} custom field mod": lambda k=kind: qb.data_ext("Mod", k, "Region", list_id="80000001-1",
                                                                  value="=SUM(A1:A9)"),
            f"{kind} custom field del": lambda k=kind: qb.data_ext("Del", k, "Region", list_id="80000001-1"),
            f"{kind} delete": lambda k=kind: qb.list_delete(k, "80000001-1712345678"),
        }
    out |= {
        "job add, five levels": lambda: qb.add(CUSTOMER, {"name": job, "phone": "(617) 555-0100"}),
        "job rename": lambda: qb.modify(CUSTOMER, "80000002-1", "2", {"name": "Willow:Spring Cleanup"}),
        "awkward text": lambda: qb.add(CUSTOMER, {"name": "Awkward", "notes": "\n".join(AWKWARD_TEXT),
                                                  "company": AWKWARD_TEXT[8], "bill_line1": AWKWARD_TEXT[0]}),
        "company": lambda: qb.company_query([OWNER_CUSTMGR]),
        "custom field definitions": lambda: qb.data_ext_def_query([OWNER_CUSTOM, OWNER_CUSTMGR]),
        "company stamp definition": lambda: qb.data_ext_def_add(OWNER_CUSTMGR, COMPANY_STAMP, ["Company"]),
        "company stamp": lambda: qb.company_data_ext_add(OWNER_CUSTMGR, COMPANY_STAMP, "9f0c" * 9),
    }
    return out


@pytest.mark.parametrize("name", sorted(kinds_of_request()))
def test_every_kind_of_request_is_valid_qbxml_13(qbxml_schema: Any, name: str) -> None:
    xml = message_of(kinds_of_request()[name]())
    assert xml.startswith('<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="13.0"?>')
    assert problems(qbxml_schema, xml) == []


def test_many_requests_in_one_message_are_valid(qbxml_schema: Any) -> None:
    requests = [build() for build in kinds_of_request().values()]
    for on_error in ("stopOnError", "continueOnError"):
        assert problems(qbxml_schema, message_of(*requests, on_error=on_error)) == []  # type: ignore[arg-type]


def test_the_schema_check_can_fail(qbxml_schema: Any) -> None:
    """The check above is real: out of order, a Mod without EditSequence, an over-long name all fail."""
    swapped = message_of(qb.add(CUSTOMER, {"name": "A", "phone": "1"})).replace(
        "<Name>A</Name>", "").replace("<Phone>1</Phone>", "<Phone>1</Phone><Name>A</Name>")
    no_sequence = message_of(qb.modify(CUSTOMER, "1-1", "", {"phone": "1"})).replace("<EditSequence />", "")
    too_long = message_of(qb.add(CUSTOMER, {"name": "N" * 42}))
    for xml in (swapped, no_sequence, too_long):
        assert problems(qbxml_schema, xml)


@pytest.mark.parametrize(("kind", "op"), list(elements.SEQUENCES))
def test_element_order_is_the_schemas(qbxml_schema: Any, kind: str, op: str) -> None:
    element = qbxml_schema.elements[f"{kind}{op}" if op != "Ret" else f"{kind}Ret"]
    names: list[str] = []

    def walk(group: Any) -> None:
        for item in group:
            names.append(item.local_name) if isinstance(item, xmlschema.validators.XsdElement) else walk(item)

    walk(element.type.content)
    assert tuple(names) == elements.SEQUENCES[(kind, op)]


def test_everything_a_sync_sends_is_valid(qbxml_schema: Any, sample_path: Path,
                                          open_connector: Callable[..., QbdConnector]) -> None:
    """Record the messages of real work (identity, listing, fetch, adds, updates with custom fields, partial
    addresses, deactivations, failures) and check every one of them."""
    connector = open_connector(sample_path, page_size=7)
    sent: list[str] = []
    real = connector.transport.process

    def recording(xml: str) -> str:
        sent.append(xml)
        return real(xml)

    connector.transport.process = recording  # type: ignore[method-assign]
    connector.company()
    listed = connector.listing(KINDS)
    records = connector.fetch([item.remote_id for item in listed])
    customer = next(r for r in records if r.kind == CUSTOMER and ":" not in r.values["name"])
    vendor = next(r for r in records if r.kind == VENDOR)
    changes = [
        Change("a", "add", CUSTOMER, {"name": "Zinnia & Co", "custom:Account Manager": "Pat", "bill_city": "Lee"}),
        Change("b", "add", CUSTOMER, {"name": customer.values["name"] + ":Patio " + "x" * 30,
                                      "custom:Service Area": "North"}),
        Change("c", "update", CUSTOMER, {"bill_line1": "1 Elm St", "custom:Account Manager": "",
                                         "custom:Referral Source": "Web"}, customer.remote_id, customer.version),
        Change("d", "add", VENDOR, {"name": customer.values["name"].upper()}),
        Change("e", "deactivate", VENDOR, {}, vendor.remote_id, vendor.version),
    ]
    results = connector.apply(changes)
    assert [r.ok for r in results] == [True, True, True, False, True]
    assert len(sent) > 5
    for xml in sent:
        assert problems(qbxml_schema, xml) == [], xml
