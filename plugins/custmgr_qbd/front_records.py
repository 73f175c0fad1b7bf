"""Customers and vendors between qbXML and the sandbox store: ``CustomerRet``/``VendorRet`` out, Add/Mod bodies in.

The store keeps the contact model; whatever else a request carried (terms, credit limit, job status, ...) is kept
beside the record as given (the store's annex, as ``xml:Tag``) and returned in its place in the Ret. References
to lists the sandbox does not hold (terms, classes, sales reps) are kept unchecked: the sandbox stands for a
company that has them.
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from custmgr.company import SandboxCompany
from custmgr.connector import CustomFieldDef, RemoteRecord
from custmgr.contact import CUSTOMER, JOB_SEPARATOR, NO, VENDOR, YES, custom_key, parent_name

from .elements import ADDRESS_PARTS, ADDRESSES, FIELD_OF_TAG, MODELLED, OWNER_CUSTOM, SEQUENCES, address_tag

EXTRA = "xml:"
PRIVATE = "ext:"
_DEFAULTS = {CUSTOMER: {"Balance": "0.00", "TotalBalance": "0.00", "JobStatus": "None"},
             VENDOR: {"Balance": "0.00"}}


def text_element(tag: str, text: str) -> ET.Element:
    element = ET.Element(tag)
    element.text = text
    return element


def ref_element(tag: str, list_id: str, full_name: str) -> ET.Element:
    ref = ET.Element(tag)
    ref.append(text_element("ListID", list_id))
    ref.append(text_element("FullName", full_name))
    return ref


def data_ext_ret(owner: str, name: str, value: str, type_: str = "STR255TYPE") -> ET.Element:
    ret = ET.Element("DataExtRet")
    for tag, text in (("OwnerID", owner), ("DataExtName", name), ("DataExtType", type_), ("DataExtValue", value)):
        ret.append(text_element(tag, text))
    return ret


def private_key(owner: str, name: str) -> str:
    return f"{PRIVATE}{owner}:{name}"


@dataclass
class RetMaker:
    """Builds Rets for one request: only ``include``d elements (all when None), DataExt of ``owners``."""

    store: SandboxCompany
    defs: Collection[CustomFieldDef]
    include: frozenset[str] | None = None
    owners: tuple[str, ...] = ()
    _parents: dict[str, RemoteRecord | None] = field(default_factory=dict)

    def wants(self, tag: str) -> bool:
        return self.include is None or tag in self.include

    def ret(self, record: RemoteRecord) -> ET.Element:
        kind, values, wants = record.kind, record.values, self.wants
        parts: dict[str, list[ET.Element]] = {}

        def put(tag: str, *elements: ET.Element) -> None:
            parts.setdefault(tag, []).extend(elements)

        name = values["name"]
        if wants("ListID"):
            put("ListID", text_element("ListID", record.remote_id))
        if wants("TimeCreated") or wants("TimeModified"):
            created, modified = self.store.timestamps(record.remote_id)
            put("TimeCreated", text_element("TimeCreated", created))
            put("TimeModified", text_element("TimeModified", modified))
        if wants("EditSequence"):
            put("EditSequence", text_element("EditSequence", record.version))
        if wants("Name"):
            put("Name", text_element("Name", name.rpartition(JOB_SEPARATOR)[2]))
        if kind == CUSTOMER and wants("FullName"):
            put("FullName", text_element("FullName", name))
        if wants("IsActive"):
            put("IsActive", text_element("IsActive", "true" if values.get("active", YES) != NO else "false"))
        if kind == CUSTOMER and wants("ParentRef"):
            parent = self._parent(name)
            if parent is not None:
                put("ParentRef", ref_element("ParentRef", parent.remote_id, parent.values["name"]))
        if kind == CUSTOMER and wants("Sublevel"):
            put("Sublevel", text_element("Sublevel", str(name.count(JOB_SEPARATOR))))
        for tag, key in FIELD_OF_TAG.items():
            if values.get(key) and wants(tag):
                put(tag, text_element(tag, values[key]))
        for prefix in ("bill", "ship"):
            tag = address_tag(kind, prefix)
            if wants(tag):
                block = [text_element(line, values[f"{prefix}_{part}"]) for part, line in ADDRESS_PARTS
                         if values.get(f"{prefix}_{part}")]
                if block:
                    address = ET.Element(tag)
                    address.extend(block)
                    put(tag, address)
        if self._needs_annex(kind):
            annex = self.store.annex(record.remote_id)
            for tag, text in _DEFAULTS[kind].items():
                if wants(tag):
                    put(tag, *_fragments(annex[EXTRA + tag]) if EXTRA + tag in annex else [text_element(tag, text)])
            for key, text in annex.items():
                tag = key[len(EXTRA):]
                if key.startswith(EXTRA) and tag not in _DEFAULTS[kind] and wants(tag):
                    put(tag, *_fragments(text))
            if wants("DataExtRet"):
                put("DataExtRet", *self._data_ext(values, annex))
        ret = ET.Element(f"{kind}Ret")
        for tag in SEQUENCES[(kind, "Ret")]:
            if tag in parts:
                ret.extend(parts[tag])
        return ret

    def _needs_annex(self, kind: str) -> bool:
        return self.include is None or bool(self.include & _kept_beside(kind))

    def _parent(self, name: str) -> RemoteRecord | None:
        parent = parent_name(name)
        if not parent:
            return None
        if parent not in self._parents:
            self._parents[parent] = self.store.find(parent)
        return self._parents[parent]

    def _data_ext(self, values: Mapping[str, str], annex: Mapping[str, str]) -> list[ET.Element]:
        out = []
        for owner in self.owners:
            if owner == OWNER_CUSTOM:
                for d in self.defs:
                    value = values.get(custom_key(d.name))
                    if value:
                        out.append(data_ext_ret(owner, d.name, value, type_of(d)))
            else:
                prefix = f"{PRIVATE}{owner}:"
                out += [data_ext_ret(owner, key[len(prefix):], text) for key, text in annex.items()
                        if key.startswith(prefix)]
        return out


@functools.cache
def _kept_beside(kind: str) -> frozenset[str]:
    """The Ret elements that come from the annex (and DataExtRet, which private data extensions need)."""
    return frozenset({t for t in SEQUENCES[(kind, "Ret")] if t not in MODELLED} | {"DataExtRet"})


def type_of(definition: CustomFieldDef) -> str:
    return "STR1024TYPE" if definition.max_length > 255 else "STR255TYPE"


def _fragments(text: str) -> list[ET.Element]:
    return list(ET.fromstring(f"<kept>{text}</kept>"))


# --- reading Add and Mod bodies -----------------------------------------------------------------------------


@dataclass
class Body:
    """What a ``CustomerAdd``/``CustomerMod`` (or Vendor) carries."""

    values: dict[str, str] = field(default_factory=dict)
    leaf: str | None = None  # Name: the last part of the full name
    parent: tuple[str, str] | None = None  # ParentRef (ListID, FullName)
    extras: dict[str, str] = field(default_factory=dict)  # xml:Tag -> the elements as given


def read_body(body: ET.Element) -> Body:
    """Contact fields (an empty element clears its field; an address is taken whole) and the rest as given."""
    out = Body()
    for child in body:
        tag, text = child.tag, child.text or ""
        if tag in ("ListID", "EditSequence"):
            continue
        if tag == "Name":
            out.leaf = text
        elif tag == "IsActive":
            out.values["active"] = YES if text in ("true", "1") else NO
        elif tag == "ParentRef":
            out.parent = (child.findtext("ListID") or "", child.findtext("FullName") or "")
        elif tag in FIELD_OF_TAG:
            out.values[FIELD_OF_TAG[tag]] = text
        elif tag in ADDRESSES:
            prefix = "ship" if tag == "ShipAddress" else "bill"
            for part, line in ADDRESS_PARTS:
                out.values[f"{prefix}_{part}"] = child.findtext(line) or ""
        else:
            key = EXTRA + tag
            out.extras[key] = out.extras.get(key, "") + ET.tostring(child, encoding="unicode").strip()
    return out
