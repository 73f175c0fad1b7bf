"""The sandbox front's customer and vendor requests: Query (and EntityQuery), Add, Mod, ListDel."""

from __future__ import annotations

import datetime as _dt
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from custmgr.connector import RemoteRecord
from custmgr.contact import CUSTOMER, JOB_SEPARATOR, NO, VENDOR, YES, name_key, parent_name
from custmgr.errors import ConnectorError

from .front_records import EXTRA, RetMaker, read_body, text_element
from .front_words import (
    NO_MATCH,
    OK,
    Answer,
    Refusal,
    Status,
    bad_reference,
    from_store,
    invalid,
    not_found,
    partial,
)

if TYPE_CHECKING:
    from .front import QbxmlFront


def _maker(front: QbxmlFront, request: ET.Element, *, owners: bool = True) -> RetMaker:
    include = frozenset(e.text or "" for e in request.findall("IncludeRetElement")) or None
    owner_ids = tuple(e.text or "" for e in request.findall("OwnerID")) if owners else ()
    return RetMaker(front.store, front.store.custom_fields(), include, owner_ids)


# --- queries ------------------------------------------------------------------------------------------------


def query(front: QbxmlFront, request: ET.Element) -> Answer:
    """``CustomerQueryRq``, ``VendorQueryRq`` and ``EntityQueryRq`` (customers and vendors)."""
    kinds = {"CustomerQueryRq": (CUSTOMER,), "VendorQueryRq": (VENDOR,)}.get(request.tag, (CUSTOMER, VENDOR))
    for unsupported_filter in ("TotalBalanceFilter", "CurrencyFilter", "ClassFilter"):
        if request.find(unsupported_filter) is not None:
            raise invalid(unsupported_filter, "", "the sandbox company keeps no balances, currencies or classes")
    if request.get("iterator") == "Continue":
        return _continue(front, request)
    maker = _maker(front, request, owners=request.tag != "EntityQueryRq")
    ids = [e.text or "" for e in request.findall("ListID")]
    names = [e.text or "" for e in request.findall("FullName")]
    if ids or names:
        records, missing = _by_id(front, ids, kinds) if ids else _by_name(front, names, kinds)
        if missing and not records and ids:
            raise not_found(missing[0])
        status = partial(missing[0]) if missing else OK
        return _respond(request, status, [maker.ret(r) for r in records])
    records = _filtered(front, request, kinds)
    if request.get("iterator") == "Start":
        page = _page_size(request, len(records))
        iterator_id = front.start_iterator(request.tag, [r.remote_id for r in records[page:]], maker.include,
                                           maker.owners)
        answer = _respond(request, OK if records else NO_MATCH, [maker.ret(r) for r in records[:page]])
        answer.attributes.update(iteratorRemainingCount=str(max(0, len(records) - page)), iteratorID=iterator_id)
        return answer
    limit = request.findtext("MaxReturned")
    shown = records[:int(limit)] if limit else records
    return _respond(request, OK if shown else NO_MATCH, [maker.ret(r) for r in shown])


def _continue(front: QbxmlFront, request: ET.Element) -> Answer:
    iterator_id = request.get("iteratorID", "")
    iterator = front.iterators.get(iterator_id)
    if iterator is None or iterator.tag != request.tag:
        raise Refusal(Status(3000, f'The given object ID "{iterator_id}" in the field "iteratorID" is invalid.'))
    page = _page_size(request, len(iterator.remaining))
    taken, iterator.remaining = iterator.remaining[:page], iterator.remaining[page:]
    if not iterator.remaining:
        del front.iterators[iterator_id]
    maker = RetMaker(front.store, front.store.custom_fields(), iterator.include, iterator.owners)
    records = front.store.fetch(taken)  # a record deleted since the start is left out, as in QuickBooks
    answer = _respond(request, OK if records else NO_MATCH, [maker.ret(r) for r in records])
    answer.attributes.update(iteratorRemainingCount=str(len(iterator.remaining)), iteratorID=iterator_id)
    return answer


def _respond(request: ET.Element, status: Status, rets: list[ET.Element]) -> Answer:
    meta = request.get("metaData", "NoMetaData")
    answer = Answer(status, [] if meta == "MetaDataOnly" else rets)
    if meta != "NoMetaData":
        answer.attributes["retCount"] = str(len(rets))
    return answer


def _page_size(request: ET.Element, everything: int) -> int:
    text = request.findtext("MaxReturned")
    return max(1, int(text)) if text else max(1, everything)


def _by_id(front: QbxmlFront, ids: list[str], kinds: tuple[str, ...]) -> tuple[list[RemoteRecord], list[str]]:
    found = {r.remote_id: r for r in front.store.fetch(ids) if r.kind in kinds}
    return [found[i] for i in dict.fromkeys(ids) if i in found], [i for i in ids if i not in found]


def _by_name(front: QbxmlFront, names: list[str], kinds: tuple[str, ...]) -> tuple[list[RemoteRecord], list[str]]:
    records, missing = [], []
    for name in dict.fromkeys(names):
        record = front.store.find(name)
        (records.append(record) if record and record.kind in kinds else missing.append(name))
    return records, missing


def _filtered(front: QbxmlFront, request: ET.Element, kinds: tuple[str, ...]) -> list[RemoteRecord]:
    active = request.findtext("ActiveStatus") or "ActiveOnly"
    wanted = {"ActiveOnly": (YES,), "InactiveOnly": (NO,), "All": (YES, NO)}[active]
    records = [r for r in front.store.records(kinds) if r.values.get("active", YES) in wanted]
    since, until = _when(request.findtext("FromModifiedDate")), _when(request.findtext("ToModifiedDate"))
    if since or until:
        records = [r for r in records if _in_range(_when(front.store.timestamps(r.remote_id)[1]), since, until)]
    name_filter = request.find("NameFilter")
    if name_filter is not None:
        how, text = name_filter.findtext("MatchCriterion"), name_key(name_filter.findtext("Name") or "")
        test = {"StartsWith": str.startswith, "Contains": str.__contains__, "EndsWith": str.endswith}[how or ""]
        records = [r for r in records if test(name_key(r.values["name"]), text)]
    name_range = request.find("NameRangeFilter")
    if name_range is not None:
        low, high = (name_key(name_range.findtext(t) or "") for t in ("FromName", "ToName"))
        records = [r for r in records if low <= name_key(r.values["name"]) and (not high or
                                                                                  name_key(r.values["name"]) <= high)]
    return sorted(records, key=lambda r: (r.kind, r.values["name"].casefold().split(JOB_SEPARATOR)))


def _when(text: str | None) -> _dt.datetime | None:
    if not text:
        return None
    moment = _dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.astimezone()  # no offset: the company's (local) time


def _in_range(moment: _dt.datetime | None, since: _dt.datetime | None, until: _dt.datetime | None) -> bool:
    assert moment is not None
    return (since is None or moment >= since) and (until is None or moment <= until)


# --- writes -------------------------------------------------------------------------------------------------


def add(front: QbxmlFront, request: ET.Element) -> Answer:
    kind = request.tag[:-len("AddRq")]
    body = read_body(request[0])
    values = dict(body.values)
    values["name"] = _full_name(front, kind, body.leaf or "", body.parent, current_parent="")
    if EXTRA + "OpenBalance" in body.extras:  # QuickBooks turns the opening balance into the balance
        opening = ET.fromstring(body.extras[EXTRA + "OpenBalance"]).text or "0.00"
        body.extras |= {EXTRA + "Balance": f"<Balance>{opening}</Balance>",
                        EXTRA + "TotalBalance": f"<TotalBalance>{opening}</TotalBalance>"}
    try:
        record = front.store.add_record(kind, values)
    except ConnectorError as err:
        raise from_store(err, kind, values) from None
    if body.extras:
        front.store.set_annex(record.remote_id, body.extras)
    return Answer(OK, [_maker(front, request, owners=False).ret(record)])


def modify(front: QbxmlFront, request: ET.Element) -> Answer:
    kind = request.tag[:-len("ModRq")]
    body_element = request[0]
    list_id, edit_sequence = body_element.findtext("ListID") or "", body_element.findtext("EditSequence") or ""
    current = front.store.get(list_id)
    if current is None or current.kind != kind:
        raise not_found(list_id)
    body = read_body(body_element)
    values = dict(body.values)
    if body.leaf is not None or body.parent is not None:
        leaf = body.leaf if body.leaf is not None else current.values["name"].rpartition(JOB_SEPARATOR)[2]
        values["name"] = _full_name(front, kind, leaf, body.parent, parent_name(current.values["name"]))
    try:
        record = front.store.modify_record(list_id, edit_sequence, values, kind=kind)
    except ConnectorError as err:
        raise from_store(err, kind, {**current.values, **values}, ident=list_id,
                         edit_sequence=edit_sequence) from None
    if body.extras:
        front.store.set_annex(list_id, {**front.store.annex(list_id), **body.extras})
    return Answer(OK, [_maker(front, request, owners=False).ret(record)])


def _full_name(front: QbxmlFront, kind: str, leaf: str, parent: tuple[str, str] | None,
               current_parent: str) -> str:
    """``Parent:Leaf`` from a Name and a ParentRef (a job's parent must be a customer)."""
    if JOB_SEPARATOR in leaf:
        raise invalid("Name", leaf, "A name cannot contain ':'; name the customer a job belongs to in ParentRef.")
    if parent is None:
        return f"{current_parent}{JOB_SEPARATOR}{leaf}" if current_parent else leaf
    list_id, full_name = parent
    found = front.store.get(list_id) if list_id else front.store.find(full_name)
    if found is None or found.kind != CUSTOMER or kind != CUSTOMER:
        raise bad_reference("Customer", list_id or full_name, kind)
    return f"{found.values['name']}{JOB_SEPARATOR}{leaf}"


def list_delete(front: QbxmlFront, request: ET.Element) -> Answer:
    kind, list_id = request.findtext("ListDelType") or "", request.findtext("ListID") or ""
    if kind not in (CUSTOMER, VENDOR):
        raise Refusal(Status(1030, f"This request is not supported by this implementation. (The sandbox company "
                                   f"keeps no {kind} list.)"))
    current = front.store.get(list_id)
    if current is None or current.kind != kind:
        raise not_found(list_id)
    try:
        front.store.delete_record(list_id, kind=kind)
    except ConnectorError as err:
        raise invalid("ListID", list_id, str(err)) from None
    front.store.set_annex(list_id, {})
    deleted = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
    return Answer(OK, [text_element("ListDelType", kind), text_element("ListID", list_id),
                        text_element("TimeDeleted", deleted), text_element("FullName", current.values["name"])])


HANDLERS = {
    "CustomerQueryRq": query, "VendorQueryRq": query, "EntityQueryRq": query,
    "CustomerAddRq": add, "VendorAddRq": add, "CustomerModRq": modify, "VendorModRq": modify,
    "ListDelRq": list_delete,
}
