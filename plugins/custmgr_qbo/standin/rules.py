"""What QuickBooks Online accepts in a customer or vendor object: the properties, their lengths, their characters.

Lengths are Intuit's (entity reference): DisplayName 500, CompanyName 100, name parts 100 (Title and Suffix 16),
Notes 2000, phone numbers 30, email 100, address lines 500, city, state and country 255, postal code 30. The
DisplayName and the person's name parts cannot hold ``:``, tab or newline; no property holds a control character.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from . import faults
from .faults import StandInFault

KINDS = ("Customer", "Vendor")
NAME_PARTS = ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")
LIMITS = {"DisplayName": 500, "Title": 16, "GivenName": 100, "MiddleName": 100, "FamilyName": 100, "Suffix": 16,
          "CompanyName": 100, "PrintOnCheckName": 110, "Notes": 2000, "AcctNum": 100, "TaxIdentifier": 20}
PHONES = ("PrimaryPhone", "AlternatePhone", "Mobile", "Fax")
ADDRESS_LIMITS = {"Line1": 500, "Line2": 500, "Line3": 500, "Line4": 500, "Line5": 500, "City": 255,
                  "Country": 255, "CountrySubDivisionCode": 255, "PostalCode": 30}
_COMMON = {*NAME_PARTS, "DisplayName", "CompanyName", "PrintOnCheckName", "Active", *PHONES, "PrimaryEmailAddr",
           "WebAddr", "BillAddr", "CurrencyRef"}
WRITABLE = {"Customer": _COMMON | {"Notes", "Job", "ParentRef", "BillWithParent", "ShipAddr", "Taxable",
                                   "PreferredDeliveryMethod", "DefaultTaxCodeRef", "ResaleNum"},
            "Vendor": _COMMON | {"AcctNum", "TaxIdentifier", "Vendor1099", "TermRef", "OtherContactInfo"}}
READ_ONLY = {"Id", "SyncToken", "MetaData", "FullyQualifiedName", "Level", "Balance", "BalanceWithJobs", "domain",
             "sparse", "status", "time", "V4IDPseudonym", "IsProject"}
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def check_properties(kind: str, body: Mapping[str, Any]) -> None:
    """An unknown kind or property is refused (2010), as QuickBooks refuses ``"BadJson": true``."""
    if kind not in KINDS:
        raise faults.invalid_property(kind)
    for prop in body:
        if prop not in WRITABLE[kind] and prop not in READ_ONLY:
            raise faults.invalid_property(prop)


def check_record(record: Mapping[str, Any]) -> None:
    """Names without ``:``, tab or newline (6000); every text within its length (2050) and printable."""
    for prop in ("DisplayName", *NAME_PARTS, "PrintOnCheckName"):
        text = str(record.get(prop) or "")
        if any(ch in text for ch in ":\t\n"):
            raise faults.business(f"{prop} cannot contain a colon (:), tab or new line.", prop)
    for prop, limit in LIMITS.items():
        _check_text(prop, record.get(prop), limit)
    for prop in PHONES:
        _check_text(f"{prop}.FreeFormNumber", _inner(record, prop, "FreeFormNumber"), 30)
    _check_text("PrimaryEmailAddr.Address", _inner(record, "PrimaryEmailAddr", "Address"), 100)
    for holder in ("BillAddr", "ShipAddr"):
        for part, limit in ADDRESS_LIMITS.items():
            _check_text(f"{holder}.{part}", _inner(record, holder, part), limit)


def _inner(record: Mapping[str, Any], prop: str, inner: str) -> Any:
    value = record.get(prop)
    return value.get(inner) if isinstance(value, Mapping) else None


def _check_text(prop: str, value: Any, limit: int) -> None:
    if value is None:
        return
    text = str(value)
    if len(text) > limit:
        raise faults.too_long(prop, limit, len(text))
    if _BAD_CHARS.search(text):
        raise StandInFault(400, "2010", "Request has invalid or unsupported property",
                           f"{prop} contains a character that is not allowed", element=prop)
