"""The sandbox front's ``ListMergeRq`` for customers and vendors (qbXML 13), on the sandbox company's merge.

The rules are the sandbox company's (``custmgr.company.merge``): both records of one list, both EditSequences
current, no jobs left behind; the ``MergeFrom`` record's transactions move to ``MergeTo`` and it disappears. The
answer carries ``MergedFrom`` (ListID, TimeDeleted, FullName) and ``MergedTo`` (ListID, TimeCreated,
TimeModified, EditSequence, FullName), in the schema's order.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from custmgr.company.merge import merge_records
from custmgr.contact import CUSTOMER, VENDOR
from custmgr.errors import ConnectorError

from .front_records import text_element
from .front_words import OK, Answer, Refusal, Status, from_store, not_found

if TYPE_CHECKING:
    from .front import QbxmlFront


def list_merge(front: QbxmlFront, request: ET.Element) -> Answer:
    kind = request.findtext("ListMergeType") or ""
    if kind not in (CUSTOMER, VENDOR):
        raise Refusal(Status(1030, f"This request is not supported by this implementation. (The sandbox company "
                                   f"keeps no {kind} list.)"))
    from_id, from_seq = request.findtext("MergeFrom/ListID") or "", request.findtext("MergeFrom/EditSequence") or ""
    to_id, to_seq = request.findtext("MergeTo/ListID") or "", request.findtext("MergeTo/EditSequence") or ""
    for list_id in (from_id, to_id):
        found = front.store.get(list_id)
        if found is None or found.kind != kind:
            raise not_found(list_id)
    try:
        stays, gone_name, deleted = merge_records(front.store, from_id, from_seq, to_id, to_seq, kind=kind)
    except ConnectorError as err:
        current = front.store.get(from_id)
        seq = from_seq if current is not None and current.version != from_seq else to_seq
        raise from_store(err, kind, {}, ident=from_id, edit_sequence=seq) from None
    front.store.set_annex(from_id, {})
    created, modified = front.store.timestamps(to_id)
    merged_from = ET.Element("MergedFrom")
    merged_from.extend([text_element("ListID", from_id), text_element("TimeDeleted", deleted),
                        text_element("FullName", gone_name)])
    merged_to = ET.Element("MergedTo")
    merged_to.extend([text_element("ListID", to_id), text_element("TimeCreated", created),
                      text_element("TimeModified", modified), text_element("EditSequence", stays.version),
                      text_element("FullName", stays.values["name"])])
    return Answer(OK, [text_element("ListMergeType", kind), merged_from, merged_to])


HANDLERS = {"ListMergeRq": list_merge}
