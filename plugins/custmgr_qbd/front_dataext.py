"""The sandbox front's data extensions and company: DataExtAdd/Mod/Del, DataExtDefQuery/Add, CompanyQuery.

Custom fields (``OwnerID`` 0) are the store's own custom fields, kept in the contact. Private data extensions (an
application's GUID) live beside the record or the company in the store's annex. As in QuickBooks: DataExtAdd
needs a field with no value yet, DataExtMod one that has a value and cannot clear it (DataExtDel does), and every
change counts as a change of the record (new EditSequence and TimeModified).
"""

from __future__ import annotations

import datetime as _dt
import json
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from custmgr.connector import CustomFieldDef, RemoteRecord
from custmgr.contact import CUSTOMER, KINDS, VENDOR, custom_key
from custmgr.errors import ConnectorError, NameInUse

from .elements import OWNER_CUSTOM
from .front_records import PRIVATE, data_ext_ret, private_key, ref_element, text_element, type_of
from .front_words import (
    NO_MATCH,
    OK,
    Answer,
    Refusal,
    Status,
    already_set,
    bad_reference,
    from_store,
    invalid,
    name_in_use,
    not_found,
    unsupported,
)

if TYPE_CHECKING:
    from .front import QbxmlFront

COMPANY = "company"
DEFINITIONS = "dataextdefs"
PRIVATE_LIMIT = 4096  # bytes of private data per object, all applications together


def _definitions(front: QbxmlFront) -> dict[tuple[str, str], dict[str, object]]:
    """Private data extension definitions: (owner, name) -> {type, assign}."""
    return {tuple(json.loads(k)): json.loads(v) for k, v in front.store.annex(DEFINITIONS).items()}


def _custom(front: QbxmlFront, name: str) -> CustomFieldDef | None:
    return next((d for d in front.store.custom_fields() if d.name.casefold() == name.casefold()), None)


def _target(front: QbxmlFront, body: ET.Element) -> tuple[str, RemoteRecord | None]:
    """What the data extension is on: ("Company", None) or (kind, record)."""
    if body.find("OtherDataExtType") is not None:
        return "Company", None
    if body.find("TxnDataExtType") is not None:
        raise unsupported("data extensions on transactions")
    kind = body.findtext("ListDataExtType") or ""
    if kind not in KINDS:
        raise unsupported(f"data extensions on the {kind} list")
    list_id, full_name = body.findtext("ListObjRef/ListID"), body.findtext("ListObjRef/FullName")
    record = front.store.get(list_id) if list_id else front.store.find(full_name or "")
    if record is None or record.kind != kind:
        raise bad_reference(kind, list_id or full_name or "", "DataExt")
    return kind, record


def data_ext(front: QbxmlFront, request: ET.Element) -> Answer:
    """``DataExtAddRq``, ``DataExtModRq``, ``DataExtDelRq``."""
    op = request.tag[len("DataExt"):-len("Rq")]
    body = request[0]
    owner, name = body.findtext("OwnerID") or "", body.findtext("DataExtName") or ""
    value = body.findtext("DataExtValue") or ""
    target, record = _target(front, body)
    if op != "Del" and not value:
        raise invalid("DataExtValue", value, "A value cannot be empty; use DataExtDel to clear a data extension.")
    if owner == OWNER_CUSTOM:
        if record is None:
            raise bad_reference("DataExtDef", name, target)
        stored, type_ = _custom_write(front, op, record, name, value)
    else:
        stored, type_ = _private_write(front, op, owner, name, value, record)
    if op == "Del":
        deleted = ET.Element("DataExtDelRet")
        deleted.extend([text_element("OwnerID", owner), text_element("DataExtName", stored)])
        if record is None:
            deleted.append(text_element("OtherDataExtType", "Company"))
        else:
            deleted.append(text_element("ListDataExtType", target))
            deleted.append(ref_element("ListObjRef", record.remote_id, record.values["name"]))
        deleted.append(text_element("TimeDeleted", _dt.datetime.now().astimezone().isoformat(timespec="seconds")))
        return Answer(OK, [deleted])
    return Answer(OK, [data_ext_ret(owner, stored, value, type_)])


def _custom_write(front: QbxmlFront, op: str, record: RemoteRecord, name: str, value: str) -> tuple[str, str]:
    definition = _custom(front, name)
    if definition is None or record.kind not in definition.kinds:
        raise bad_reference("DataExtDef", name, record.kind)
    key = custom_key(definition.name)
    has_value = bool(record.values.get(key))
    if op == "Add" and has_value:
        raise already_set(record.kind, record.values["name"], definition.name)
    if op in ("Mod", "Del") and not has_value:
        raise not_found(definition.name)
    change = {key: "" if op == "Del" else value}
    try:
        front.store.modify_record(record.remote_id, None, change, kind=record.kind)
    except ConnectorError as err:
        raise from_store(err, record.kind, change, ident=record.remote_id) from None
    return definition.name, type_of(definition)


def _private_write(front: QbxmlFront, op: str, owner: str, name: str, value: str,
                   record: RemoteRecord | None) -> tuple[str, str]:
    definition = _definitions(front).get((owner, name))
    if definition is None or (record is None and "Company" not in definition["assign"]) or (
            record is not None and record.kind not in definition["assign"]):
        raise bad_reference("DataExtDef", name, "Company" if record is None else record.kind)
    holder = COMPANY if record is None else record.remote_id
    kept = front.store.annex(holder)
    key = private_key(owner, name)
    if op == "Add" and key in kept:
        raise already_set(record.kind if record else "Company", record.values["name"] if record else "Company",
                          name)
    if op in ("Mod", "Del") and key not in kept:
        raise not_found(name)
    kept = {k: v for k, v in kept.items() if k != key} | ({} if op == "Del" else {key: value})
    if sum(len(v.encode()) for k, v in kept.items() if k.startswith(PRIVATE)) > PRIVATE_LIMIT:
        raise invalid("DataExtValue", value, f"An object holds at most {PRIVATE_LIMIT} bytes of private data.")
    front.store.set_annex(holder, kept)
    if record is not None:  # a change of the record, as QuickBooks counts it
        front.store.modify_record(record.remote_id, None, {}, kind=record.kind)
    return name, str(definition["type"])


# --- definitions and the company ----------------------------------------------------------------------------


def definition_query(front: QbxmlFront, request: ET.Element) -> Answer:
    owners = {e.text or "" for e in request.findall("OwnerID")}
    objects = {e.text or "" for e in request.findall("AssignToObject")}
    rets = []
    for number, d in enumerate(front.store.custom_fields(), start=1):
        rets.append(_definition_ret(OWNER_CUSTOM, number, d.name, type_of(d), d.kinds))
    for number, ((owner, name), d) in enumerate(_definitions(front).items(), start=1001):
        rets.append(_definition_ret(owner, number, name, str(d["type"]), tuple(d["assign"])))  # type: ignore
    rets = [r for r in rets if (not owners or r.findtext("OwnerID") in owners) and (
        not objects or objects & {e.text for e in r.findall("AssignToObject")})]
    return Answer(OK if rets else NO_MATCH, rets)


def _definition_ret(owner: str, number: int, name: str, type_: str, assign: tuple[str, ...]) -> ET.Element:
    ret = ET.Element("DataExtDefRet")
    ret.extend([text_element("OwnerID", owner), text_element("DataExtID", str(number)),
                text_element("DataExtName", name), text_element("DataExtType", type_)])
    ret.extend(text_element("AssignToObject", target) for target in assign)
    ret.extend([text_element("DataExtListRequire", "false"), text_element("DataExtTxnRequire", "false"),
                text_element("DataExtFormatString", "")])
    return ret


def definition_add(front: QbxmlFront, request: ET.Element) -> Answer:
    body = request[0]
    owner, name, type_ = (body.findtext(t) or "" for t in ("OwnerID", "DataExtName", "DataExtType"))
    assign = tuple(e.text or "" for e in body.findall("AssignToObject"))
    if owner == OWNER_CUSTOM:
        if not assign or set(assign) - {CUSTOMER, VENDOR} or type_ not in ("STR255TYPE", "STR1024TYPE"):
            raise unsupported("custom fields other than text fields for customers and vendors")
        try:
            definition = front.store.define_custom_field(name, assign, 1024 if type_ == "STR1024TYPE" else 255)
        except NameInUse:
            raise name_in_use(name) from None
        except ConnectorError as err:
            raise invalid("DataExtName", name, str(err)) from None
        number = len(front.store.custom_fields())
        return Answer(OK, [_definition_ret(owner, number, definition.name, type_, definition.kinds)])
    if not name or len(name) > 31:
        raise Refusal(Status(3070, f'The string "{name}" in the field "DataExtName" is too long.'))
    defined = front.store.annex(DEFINITIONS)
    key = json.dumps([owner, name])
    if any(tuple(json.loads(k)) == (owner, name) for k in defined):
        raise name_in_use(name)
    front.store.set_annex(DEFINITIONS, {**defined, key: json.dumps({"type": type_, "assign": list(assign)})})
    return Answer(OK, [_definition_ret(owner, 1000 + len(defined) + 1, name, type_, assign)])


def company_query(front: QbxmlFront, request: ET.Element) -> Answer:
    include = {e.text for e in request.findall("IncludeRetElement")}
    owners = [e.text or "" for e in request.findall("OwnerID")]
    ret = ET.Element("CompanyRet")
    if not include or "CompanyName" in include:
        ret.append(text_element("CompanyName", front.store.identity().name[:59]))
    if not include or "DataExtRet" in include:
        kept = front.store.annex(COMPANY)
        for owner in owners:
            prefix = f"{PRIVATE}{owner}:"
            ret.extend(data_ext_ret(owner, k[len(prefix):], v) for k, v in kept.items() if k.startswith(prefix))
    return Answer(OK, [ret])


HANDLERS = {
    "DataExtAddRq": data_ext, "DataExtModRq": data_ext, "DataExtDelRq": data_ext,
    "DataExtDefQueryRq": definition_query, "DataExtDefAddRq": definition_add, "CompanyQueryRq": company_query,
}
