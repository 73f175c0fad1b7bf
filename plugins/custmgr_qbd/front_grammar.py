"""What the sandbox front accepts: the qbXML 13 grammar of the requests it answers, checked as QuickBooks does.

QuickBooks reads a whole message before doing any of it: an element that is unknown, out of order, missing or
malformed (a bad boolean, date, GUID or enumeration value) makes it refuse the message with HRESULT 0x80040400
and change nothing. Lengths are not part of this check: QuickBooks answers an over-long value with status 3070 on
that request alone, and so does the sandbox.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from .elements import ADDRESS_CHILDREN, ADDRESSES, BOOLEANS, OPAQUE, REPEATS, SEQUENCES, is_reference

Slot = tuple[tuple[str, ...], int, int | None]  # element names allowed here, min and max occurrences
Sequence_ = list[Slot]


class GrammarError(Exception):
    """The message breaks the qbXML 13 schema; ``str()`` says where, for the sandbox's own log."""


def _one(*names: str) -> Slot:
    return (names, 1, 1)


def _opt(*names: str) -> Slot:
    return (names, 0, 1)


def _many(*names: str, least: int = 0) -> Slot:
    return (names, least, None)


def _body(kind: str, op: str) -> Sequence_:
    required = {"Add": ("Name",), "Mod": ("ListID", "EditSequence")}[op]
    return [((tag,), 1 if tag in required else 0, REPEATS.get(tag, 1)) for tag in SEQUENCES[(kind, op)]]


def _query(*, owners: bool, list_filters: bool) -> list[Sequence_]:
    tail: Sequence_ = [_many("IncludeRetElement")] + ([_many("OwnerID")] if owners else [])
    filters: Sequence_ = [_opt("MaxReturned"), _opt("ActiveStatus"), _opt("FromModifiedDate"),
                          _opt("ToModifiedDate"), _opt("NameFilter", "NameRangeFilter")]
    if list_filters:
        filters += [_opt("TotalBalanceFilter"), _opt("CurrencyFilter"), _opt("ClassFilter")]
    return [[_many("ListID", least=1), *tail], [_many("FullName", least=1), *tail], [*filters, *tail]]


def _data_ext(value: bool) -> list[Sequence_]:
    head: Sequence_ = [_one("OwnerID"), _one("DataExtName")]
    end: Sequence_ = [_one("DataExtValue")] if value else []
    return [[*head, _one("ListDataExtType"), _one("ListObjRef"), *end],
            [*head, _one("TxnDataExtType"), _one("TxnID"), _opt("TxnLineID"), *end],
            [*head, _one("OtherDataExtType"), *end]]


_QUERY_ATTRIBUTES = frozenset({"requestID", "metaData", "iterator", "iteratorID"})
#: Request element -> the sequences its content may follow (any one of them), and the attributes it may carry.
REQUESTS: dict[str, tuple[list[Sequence_], frozenset[str]]] = {
    "CustomerQueryRq": (_query(owners=True, list_filters=True), _QUERY_ATTRIBUTES),
    "VendorQueryRq": (_query(owners=True, list_filters=True), _QUERY_ATTRIBUTES),
    "EntityQueryRq": (_query(owners=False, list_filters=False), _QUERY_ATTRIBUTES),
    **{f"{kind}{op}Rq": ([[_one(f"{kind}{op}"), _many("IncludeRetElement")]], frozenset({"requestID"}))
       for kind in ("Customer", "Vendor") for op in ("Add", "Mod")},
    "DataExtAddRq": ([[_one("DataExtAdd")]], frozenset({"requestID"})),
    "DataExtModRq": ([[_one("DataExtMod")]], frozenset({"requestID"})),
    "DataExtDelRq": ([[_one("DataExtDel")]], frozenset({"requestID"})),
    "DataExtDefQueryRq": ([[_many("OwnerID"), _many("IncludeRetElement")],
                           [_many("AssignToObject"), _many("IncludeRetElement")]],
                          frozenset({"requestID", "metaData"})),
    "DataExtDefAddRq": ([[_one("DataExtDefAdd"), _many("IncludeRetElement")]], frozenset({"requestID"})),
    "ListDelRq": ([[_one("ListDelType"), _one("ListID")]], frozenset({"requestID"})),
    "ListMergeRq": ([[_one("ListMergeType"), _one("MergeFrom"), _one("MergeTo"), _opt("SameShipAddrOk")]],
                    frozenset({"requestID"})),
    "CompanyQueryRq": ([[_many("IncludeRetElement"), _many("OwnerID")]], frozenset({"requestID"})),
    "HostQueryRq": ([[_opt("IncludeListMetaData"), _many("IncludeRetElement")]], frozenset({"requestID"})),
}

#: Aggregates inside requests -> the sequences their content may follow.
AGGREGATES: dict[str, list[Sequence_]] = {
    **{f"{kind}{op}": [_body(kind, op)] for kind in ("Customer", "Vendor") for op in ("Add", "Mod")},
    **{tag: [[_opt(child) for child in ADDRESS_CHILDREN]] for tag in ADDRESSES},
    "DataExtAdd": _data_ext(True), "DataExtMod": _data_ext(True), "DataExtDel": _data_ext(False),
    "DataExtDefAdd": [[_one("OwnerID"), _one("DataExtName"), _one("DataExtType"), _many("AssignToObject"),
                       _opt("DataExtListRequire"), _opt("DataExtTxnRequire"), _opt("DataExtFormatString")]],
    "NameFilter": [[_one("MatchCriterion"), _one("Name")]],
    "MergeFrom": [[_one("ListID"), _one("EditSequence")]],
    "MergeTo": [[_one("ListID"), _one("EditSequence")]],
    "NameRangeFilter": [[_opt("FromName"), _opt("ToName")]],
}
_REF: list[Sequence_] = [[_opt("ListID"), _opt("FullName")]]

_LIST_TYPES = ("Account", "Customer", "Employee", "Item", "OtherName", "Vendor")
_ASSIGN_TO = ("Account", "ARRefundCreditCard", "Bill", "BillPaymentCheck", "BillPaymentCreditCard", "BuildAssembly",
              "Charge", "Check", "Company", "CreditCardCharge", "CreditCardCredit", "CreditMemo", "Customer",
              "Deposit", "Employee", "Estimate", "InventoryAdjustment", "Invoice", "Item", "ItemReceipt",
              "JournalEntry", "OtherName", "PurchaseOrder", "ReceivePayment", "SalesOrder", "SalesReceipt",
              "SalesTaxPaymentCheck", "Vendor", "VendorCredit")
ENUMS: dict[str, frozenset[str]] = {
    "ActiveStatus": frozenset({"ActiveOnly", "InactiveOnly", "All"}),
    "ListMergeType": frozenset({"Account", "Class", "Customer", "ItemDiscount", "ItemGroup", "ItemInventory",
                                "ItemNonInventory", "ItemOtherCharge", "ItemPayment", "ItemSalesTax",
                                "ItemSalesTaxGroup", "ItemService", "ItemSubtotal", "Vendor"}),
    "MatchCriterion": frozenset({"StartsWith", "Contains", "EndsWith"}),
    "ListDataExtType": frozenset(_LIST_TYPES), "OtherDataExtType": frozenset({"Company"}),
    "DataExtType": frozenset({"AMTTYPE", "DATETIMETYPE", "INTTYPE", "PERCENTTYPE", "PRICETYPE", "QUANTYPE",
                              "STR1024TYPE", "STR255TYPE"}),
    "AssignToObject": frozenset(_ASSIGN_TO),
    "JobStatus": frozenset({"Awarded", "Closed", "InProgress", "None", "NotAwarded", "Pending"}),
    "SalesTaxCountry": frozenset({"Australia", "Canada", "UK", "US"}),
    "ListDelType": frozenset({
        "Account", "BillingRate", "Class", "Currency", "Customer", "CustomerMsg", "CustomerType", "DateDrivenTerms",
        "Employee", "InventorySite", "ItemDiscount", "ItemFixedAsset", "ItemGroup", "ItemInventory",
        "ItemInventoryAssembly", "ItemNonInventory", "ItemOtherCharge", "ItemPayment", "ItemSalesTax",
        "ItemSalesTaxGroup", "ItemService", "ItemSubtotal", "JobType", "OtherName", "PaymentMethod",
        "PayrollItemNonWage", "PayrollItemWage", "PriceLevel", "SalesRep", "SalesTaxCode", "ShipMethod",
        "StandardTerms", "ToDo", "UnitOfMeasureSet", "Vehicle", "Vendor", "VendorType", "WorkersCompCode"}),
}
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})?)?$")
_GUID = re.compile(r"^(0|\{[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\})$")
_FORMATS = {"MaxReturned": re.compile(r"^\d+$"), "FromModifiedDate": _DATETIME, "ToModifiedDate": _DATETIME,
            "OwnerID": _GUID, "DataExtListRequire": re.compile(r"^(true|false|1|0)$"),
            "DataExtTxnRequire": re.compile(r"^(true|false|1|0)$"),
            "SameShipAddrOk": re.compile(r"^(true|false|1|0)$")}
_ATTRIBUTES = {"iterator": frozenset({"Start", "Continue"}),
               "metaData": frozenset({"NoMetaData", "MetaDataOnly", "MetaDataAndResponseData"})}
ON_ERROR = frozenset({"stopOnError", "continueOnError", "rollbackOnError"})


def check_message(root: ET.Element) -> tuple[str, list[ET.Element]]:
    """``onError`` and the requests of a ``QBXML`` request document; raises ``GrammarError``."""
    if root.tag != "QBXML":
        raise GrammarError(f"the root is <{root.tag}>, not <QBXML>")
    parts = [child for child in root if child.tag != "SignonMsgsRq"]
    if len(parts) != 1 or parts[0].tag != "QBXMLMsgsRq":
        raise GrammarError("there must be exactly one <QBXMLMsgsRq>")
    messages = parts[0]
    on_error = messages.get("onError", "")
    if on_error not in ON_ERROR:
        raise GrammarError(f"onError={on_error!r}; it is required: stopOnError or continueOnError")
    for request in messages:
        check_request(request)
    return on_error, list(messages)


def check_request(request: ET.Element) -> None:
    if not request.tag.endswith("Rq"):
        raise GrammarError(f"<{request.tag}> is not a request")
    if request.tag not in REQUESTS:
        return  # schema-valid or not, the front answers it as unsupported
    sequences, attributes = REQUESTS[request.tag]
    extra = set(request.attrib) - attributes
    if extra:
        raise GrammarError(f"<{request.tag}> has unknown attributes {sorted(extra)}")
    for name, allowed in _ATTRIBUTES.items():
        if name in request.attrib and request.get(name) not in allowed:
            raise GrammarError(f"{name}={request.get(name)!r} on <{request.tag}>")
    if request.get("iterator") == "Continue" and not request.get("iteratorID"):
        raise GrammarError(f'<{request.tag} iterator="Continue"> needs its iteratorID')
    _check_content(request, sequences)


def _check_content(element: ET.Element, sequences: list[Sequence_]) -> None:
    children = list(element)
    if not any(_matches(children, sequence) for sequence in sequences):
        found = ", ".join(child.tag for child in children) or "nothing"
        raise GrammarError(f"<{element.tag}> holds {found}, which is not the schema's order")
    if (element.text or "").strip():
        raise GrammarError(f"<{element.tag}> holds text where elements belong")
    for child in children:
        _check_element(child)


def _check_element(element: ET.Element) -> None:
    tag = element.tag
    if tag in OPAQUE:
        return
    if tag in AGGREGATES or tag in ADDRESSES or is_reference(tag) or tag == "ListObjRef":
        _check_content(element, AGGREGATES.get(tag, _REF))
        return
    if len(element):
        raise GrammarError(f"<{tag}> holds elements where text belongs")
    text = element.text or ""
    if tag in BOOLEANS and text not in ("true", "false", "1", "0"):
        raise GrammarError(f"<{tag}>{text}</{tag}> is not a boolean")
    if tag in ENUMS and text not in ENUMS[tag]:
        raise GrammarError(f"<{tag}>{text}</{tag}> is not one of {sorted(ENUMS[tag])}")
    pattern = _FORMATS.get(tag)
    if pattern is not None and not pattern.match(text):
        raise GrammarError(f"<{tag}>{text}</{tag}> is malformed")


def _matches(children: Sequence[ET.Element], sequence: Sequence_) -> bool:
    """Whether ``children`` follow ``sequence`` (greedy: qbXML's sequences are never ambiguous)."""
    at = 0
    for names, least, most in sequence:
        count = 0
        while at < len(children) and children[at].tag in names and (most is None or count < most):
            at += 1
            count += 1
        if count < least:
            return False
    return at == len(children)
