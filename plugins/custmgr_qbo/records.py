"""QuickBooks Online Customer and Vendor objects <-> contact values (``custmgr.contact`` field keys).

The contact's ``name`` is the full name: ``Parent:Job`` for a job (a sub-customer, QuickBooks' FullyQualifiedName),
built here from the chain of parents so a renamed parent shows at once. QuickBooks renames a contact made inactive to
"NAME (deleted)"; an inactive contact is shown by its name without that suffix, so making a contact inactive is not
read back as a rename the sync would push again. Writes are *sparse* updates (only the fields sent change; a full
update clears every field it leaves out) carrying Id and SyncToken.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from typing import Any

from custmgr.contact import CUSTOMER, JOB_SEPARATOR, NO, VENDOR, YES, Values, normalize_values

Entity = dict[str, Any]

SCALARS = {"company": "CompanyName", "salutation": "Title", "first_name": "GivenName", "middle_name": "MiddleName",
           "last_name": "FamilyName", "notes": "Notes"}
PHONES = {"phone": "PrimaryPhone", "alt_phone": "AlternatePhone", "mobile": "Mobile", "fax": "Fax"}
ADDRESSES = {"bill": "BillAddr", "ship": "ShipAddr"}
ADDRESS_PARTS = {"line1": "Line1", "line2": "Line2", "line3": "Line3", "line4": "Line4", "line5": "Line5",
                 "city": "City", "state": "CountrySubDivisionCode", "postal_code": "PostalCode", "country": "Country"}

#: Intuit's length limits for these fields (Customer and Vendor entity reference).
LIMITS: dict[str, int] = {
    "name": 500, "company": 100, "salutation": 16, "first_name": 100, "middle_name": 100, "last_name": 100,
    "phone": 30, "alt_phone": 30, "mobile": 30, "fax": 30, "email": 100, "notes": 2000,
    **{f"{side}_{part}": (500 if part.startswith("line") else 30 if part == "postal_code" else 255)
       for side in ADDRESSES for part in ADDRESS_PARTS},
}
_SHIP = {f"ship_{part}" for part in ADDRESS_PARTS}
#: Contact fields QuickBooks Online has no place for, by kind.
UNSUPPORTED = {CUSTOMER: frozenset({"job_title", "cc_email"}),
               VENDOR: frozenset({"job_title", "cc_email", "notes", *_SHIP})}

# What is kept of an object: everything a contact is read from, and what a write needs back (Ids, SyncToken).
KEPT = ("Id", "SyncToken", "DisplayName", "FullyQualifiedName", "Active", "Job", "ParentRef", "PrimaryEmailAddr",
        "MetaData", *SCALARS.values(), *PHONES.values(), *ADDRESSES.values())

_DELETED = re.compile(r"\s*\(deleted(?:-\d+)?\)\s*$", re.IGNORECASE)


def trim(entity: Mapping[str, Any]) -> Entity:
    """Only the parts of a Customer/Vendor object a contact is made of (no balances, tax codes, ...)."""
    return {k: entity[k] for k in KEPT if k in entity}


def is_active(entity: Mapping[str, Any]) -> bool:
    return str(entity.get("Active", True)).lower() != "false"


def shown_name(entity: Mapping[str, Any]) -> str:
    """The DisplayName as the workbook shows it: without the "(deleted)" QuickBooks adds to an inactive one."""
    name = str(entity.get("DisplayName") or "")
    return _DELETED.sub("", name) if not is_active(entity) else name


def parent_id(entity: Mapping[str, Any]) -> str:
    ref = entity.get("ParentRef")
    if isinstance(ref, Mapping):
        return str(ref.get("value") or "")
    return str(ref or "")


def full_name(entity: Mapping[str, Any], parent_of: Callable[[str], Mapping[str, Any] | None]) -> str:
    """``Parent:Job`` from the chain of parents; QuickBooks' FullyQualifiedName where a parent is not at hand."""
    parts = [shown_name(entity)]
    current = entity
    for _ in range(8):  # QuickBooks allows five levels; the bound only guards against a cycle in bad data
        pid = parent_id(current)
        if not pid:
            return JOB_SEPARATOR.join(reversed(parts))
        parent = parent_of(pid)
        if parent is None:
            break
        parts.append(shown_name(parent))
        current = parent
    fqn = str(entity.get("FullyQualifiedName") or "")
    prefix = fqn.split(JOB_SEPARATOR)[:-1]
    if not is_active(entity):
        prefix = [_DELETED.sub("", p) for p in prefix]
    return JOB_SEPARATOR.join([*prefix, parts[0]]) if prefix else parts[0]


def values_of(entity: Mapping[str, Any], kind: str, name: str) -> Values:
    """The contact values of a QuickBooks Online object, normalized as the engine compares them."""
    raw: dict[str, Any] = {"kind": kind, "name": name, "active": YES if is_active(entity) else NO}
    for key, prop in SCALARS.items():
        if entity.get(prop):
            raw[key] = entity[prop]
    for key, prop in PHONES.items():
        if prop in entity:
            raw[key] = _inner(entity, prop, "FreeFormNumber")
    if "PrimaryEmailAddr" in entity:
        raw["email"] = _inner(entity, "PrimaryEmailAddr", "Address")
    for side, prop in ADDRESSES.items():
        address = entity.get(prop)
        if isinstance(address, Mapping):
            raw.update((f"{side}_{part}", address[inner]) for part, inner in ADDRESS_PARTS.items()
                       if address.get(inner))
    return normalize_values(raw)


def _inner(entity: Mapping[str, Any], prop: str, inner: str) -> Any:
    value = entity.get(prop)
    return value.get(inner) if isinstance(value, Mapping) else None


def fingerprint(name: str) -> str:
    return hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]


def version_of(entity: Mapping[str, Any], name: str) -> str:
    """SyncToken plus a fingerprint of the full name: a job's name changes with its parent's, without a new
    SyncToken of its own, and the engine reads a record again only when its version moves."""
    return f"{entity.get('SyncToken', '0')}.{fingerprint(name)}"


def token_of(version: str) -> str:
    """The SyncToken inside a version made by ``version_of``."""
    return version.split(".", 1)[0]


# --- writing ---------------------------------------------------------------------------------------------------


def fields_body(values: Mapping[str, str], current: Mapping[str, Any] | None = None) -> Entity:
    """The object properties for ``values`` (name and active excepted). An address is written whole, completed
    from ``current``, because QuickBooks replaces an address object as one; '' clears a field."""
    body: Entity = {}
    for key, prop in SCALARS.items():
        if key in values:
            body[prop] = values[key]
    for key, prop in PHONES.items():
        if key in values:
            body[prop] = {"FreeFormNumber": values[key]}
    if "email" in values:
        body["PrimaryEmailAddr"] = {"Address": values["email"]}
    for side, prop in ADDRESSES.items():
        changed = {part: values[f"{side}_{part}"] for part in ADDRESS_PARTS if f"{side}_{part}" in values}
        if not changed:
            continue
        old = current.get(prop) if current else None
        address = {inner: str(old[inner]) for inner in ("Id", *ADDRESS_PARTS.values())
                   if isinstance(old, Mapping) and old.get(inner)}
        for part, text in changed.items():
            address[ADDRESS_PARTS[part]] = text
        body[prop] = address
    return body
