"""Building qbXML 13 requests: one message holds several requests, each in the schema's exact element order.

Values arrive normalized and already checked (``custmgr.contact.validate``): the builder never cuts or rewrites
text, it only escapes it. A job's full name ``Parent:Job`` is sent as QuickBooks wants it: ``Name`` is the last
part and ``ParentRef`` names the parent. An address is always sent whole, because a Mod replaces the address
aggregate: any line left out would be cleared.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from custmgr.contact import CUSTOMER, JOB_SEPARATOR, NO, custom_key, is_custom

from .elements import ADDRESS_PARTS, OWNER_CUSTOM, QBXML_VERSION, SIMPLE_FIELDS, address_tag

OnError = Literal["stopOnError", "continueOnError"]


def header(version: str = QBXML_VERSION) -> str:
    return f'<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="{version}"?>\n'



@dataclass
class Message:
    """One ``QBXMLMsgsRq``: requests numbered 1, 2, ... in the order added.

    ``stopOnError``: QuickBooks stops at the first failing request and leaves the rest undone, which is what
    requests that depend on each other need. ``continueOnError``: each request stands alone (reads).
    """

    on_error: OnError = "stopOnError"
    requests: list[ET.Element] = field(default_factory=list)
    version: str = QBXML_VERSION  # the session's (``custmgr_qbd.versions``)

    def add(self, request: ET.Element) -> str:
        """Append ``request``; return its requestID."""
        request_id = str(len(self.requests) + 1)
        request.set("requestID", request_id)
        self.requests.append(request)
        return request_id

    def xml(self) -> str:
        root = ET.Element("QBXML")
        msgs = ET.SubElement(root, "QBXMLMsgsRq", onError=self.on_error)
        msgs.extend(self.requests)
        ET.indent(root)
        # A bare CR in XML text would reach QuickBooks as LF (XML parsers normalize line ends): send it as a
        # character reference. Only values hold a CR; the layout uses LF.
        return header(self.version) + ET.tostring(root, encoding="unicode").replace("\r", "&#13;") + "\n"


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    child = ET.SubElement(parent, tag)
    child.text = text
    return child


def _ref(parent: ET.Element, tag: str, *, list_id: str = "", full_name: str = "") -> None:
    ref = ET.SubElement(parent, tag)
    _text(ref, "ListID", list_id) if list_id else _text(ref, "FullName", full_name)


# --- queries ------------------------------------------------------------------------------------------------


def query(kind: str, *, ids: Sequence[str] = (), names: Sequence[str] = (), active: str = "All",
          max_returned: int | None = None, modified_since: str = "", iterator: str = "", iterator_id: str = "",
          include: Iterable[str] = (), owners: Iterable[str] = (), name_starts: str = "") -> ET.Element:
    """``CustomerQueryRq`` / ``VendorQueryRq``: by ListIDs, by full names, or by filters (inactive ones too
    unless ``active`` says otherwise; ``name_starts``: full names beginning so); ``iterator`` ``Start``/``Continue``
    pages a big list."""
    request = ET.Element(f"{kind}QueryRq")
    if iterator:
        request.set("iterator", iterator)
        if iterator_id:
            request.set("iteratorID", iterator_id)
    if ids:
        for list_id in ids:
            _text(request, "ListID", list_id)
    elif names:
        for name in names:
            _text(request, "FullName", name)
    else:
        if max_returned is not None:
            _text(request, "MaxReturned", str(max_returned))
        _text(request, "ActiveStatus", active)
        if modified_since:
            _text(request, "FromModifiedDate", modified_since)
        if name_starts:
            name_filter = ET.SubElement(request, "NameFilter")
            _text(name_filter, "MatchCriterion", "StartsWith")
            _text(name_filter, "Name", name_starts)
    for tag in include:
        _text(request, "IncludeRetElement", tag)
    for owner in owners:
        _text(request, "OwnerID", owner)
    return request


def host_query() -> ET.Element:
    """``HostQueryRq``: the product and the qbXML versions it supports."""
    return ET.Element("HostQueryRq")


def company_query(owners: Iterable[str] = ()) -> ET.Element:
    request = ET.Element("CompanyQueryRq")
    for tag in ("CompanyName", "DataExtRet"):
        _text(request, "IncludeRetElement", tag)
    for owner in owners:
        _text(request, "OwnerID", owner)
    return request


def data_ext_def_query(owners: Iterable[str]) -> ET.Element:
    request = ET.Element("DataExtDefQueryRq")
    for owner in owners:
        _text(request, "OwnerID", owner)
    return request


def data_ext_def_add(owner: str, name: str, assign_to: Sequence[str], type_: str = "STR255TYPE") -> ET.Element:
    request = ET.Element("DataExtDefAddRq")
    body = ET.SubElement(request, "DataExtDefAdd")
    _text(body, "OwnerID", owner)
    _text(body, "DataExtName", name)
    _text(body, "DataExtType", type_)
    for target in assign_to:
        _text(body, "AssignToObject", target)
    return request


# --- writes -------------------------------------------------------------------------------------------------


def add(kind: str, values: Mapping[str, str]) -> ET.Element:
    """``CustomerAddRq`` / ``VendorAddRq`` with every non-empty field of ``values`` (custom fields excluded:
    those go through DataExtAdd)."""
    request = ET.Element(f"{kind}AddRq")
    body = ET.SubElement(request, f"{kind}Add")
    _fields(body, kind, values, adding=True)
    return request


def modify(kind: str, list_id: str, edit_sequence: str, values: Mapping[str, str]) -> ET.Element:
    """``CustomerModRq`` / ``VendorModRq``: only the fields in ``values`` ('' clears one); an address block
    must be given whole."""
    request = ET.Element(f"{kind}ModRq")
    body = ET.SubElement(request, f"{kind}Mod")
    _text(body, "ListID", list_id)
    _text(body, "EditSequence", edit_sequence)
    _fields(body, kind, values, adding=False)
    return request


def _fields(body: ET.Element, kind: str, values: Mapping[str, str], *, adding: bool) -> None:
    name = values.get("name")
    if name is not None:
        parent, _, leaf = name.rpartition(JOB_SEPARATOR)
        _text(body, "Name", leaf)
    if "active" in values:
        _text(body, "IsActive", "false" if values["active"] == NO else "true")
    if name is not None and kind == CUSTOMER and parent:
        _ref(body, "ParentRef", full_name=parent)
    before_addresses, after_addresses = SIMPLE_FIELDS[:6], SIMPLE_FIELDS[6:]
    for key, tag in before_addresses:
        _simple(body, key, tag, values, adding)
    for prefix in ("bill", "ship"):
        keys = [f"{prefix}_{part}" for part, _ in ADDRESS_PARTS]
        if any(values.get(k) for k in keys) or (not adding and any(k in values for k in keys)):
            block = ET.SubElement(body, address_tag(kind, prefix))
            for (_, tag), key in zip(ADDRESS_PARTS, keys, strict=True):
                if values.get(key):
                    _text(block, tag, values[key])
    for key, tag in after_addresses:
        _simple(body, key, tag, values, adding)


def _simple(body: ET.Element, key: str, tag: str, values: Mapping[str, str], adding: bool) -> None:
    if key in values and (values[key] or not adding):
        _text(body, tag, quickbooks_text(key, values[key]))


def quickbooks_text(key: str, value: str) -> str:
    """``value`` as QuickBooks Desktop stores it: line breaks in Notes are CR LF (the workbook keeps LF)."""
    return value.replace("\n", "\r\n") if key == "notes" else value


def data_ext(op: Literal["Add", "Mod", "Del"], kind: str, field_name: str, *, list_id: str = "",
             full_name: str = "", value: str = "", owner: str = OWNER_CUSTOM) -> ET.Element:
    """``DataExtAddRq`` / ``DataExtModRq`` / ``DataExtDelRq`` for one custom field of one customer or vendor,
    named by ListID or (for a record added in the same message) by full name. Mod only changes a value that
    exists and cannot clear one: Del does."""
    request = ET.Element(f"DataExt{op}Rq")
    body = ET.SubElement(request, f"DataExt{op}")
    _text(body, "OwnerID", owner)
    _text(body, "DataExtName", field_name)
    _text(body, "ListDataExtType", kind)
    _ref(body, "ListObjRef", list_id=list_id, full_name=full_name)
    if op != "Del":
        _text(body, "DataExtValue", value)
    return request


def company_data_ext_add(owner: str, name: str, value: str) -> ET.Element:
    """A private data extension on the company itself (``OtherDataExtType`` Company)."""
    request = ET.Element("DataExtAddRq")
    body = ET.SubElement(request, "DataExtAdd")
    _text(body, "OwnerID", owner)
    _text(body, "DataExtName", name)
    _text(body, "OtherDataExtType", "Company")
    _text(body, "DataExtValue", value)
    return request


def list_delete(kind: str, list_id: str) -> ET.Element:
    """``ListDelRq``: delete for good (QuickBooks refuses once the name is used in a transaction)."""
    request = ET.Element("ListDelRq")
    _text(request, "ListDelType", kind)
    _text(request, "ListID", list_id)
    return request


def list_merge(kind: str, from_id: str, from_sequence: str, to_id: str, to_sequence: str) -> ET.Element:
    """``ListMergeRq``: merge ``from_id`` into ``to_id`` (both of list ``kind``); the first disappears."""
    request = ET.Element("ListMergeRq")
    _text(request, "ListMergeType", kind)
    for tag, list_id, sequence in (("MergeFrom", from_id, from_sequence), ("MergeTo", to_id, to_sequence)):
        part = ET.SubElement(request, tag)
        _text(part, "ListID", list_id)
        _text(part, "EditSequence", sequence)
    return request


def custom_values(values: Mapping[str, str]) -> dict[str, str]:
    """The custom fields of ``values`` by field name."""
    return {key[len(custom_key("")):]: text for key, text in values.items() if is_custom(key)}
