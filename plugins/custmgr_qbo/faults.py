"""QuickBooks Online faults, read from JSON or XML, in the product's one error vocabulary.

A fault is ``{"Fault": {"Error": [{"Message", "Detail", "code", "element"}], "type"}}``; sign-in failures spell the
keys in lower case (``fault``/``error``/``message``). Codes that matter to a sync: 5010 stale SyncToken, 6240
duplicate name, 610 not found, 2xxx and 6000 invalid values, 3001 throttled, 3200/401 sign-in, 3100 app no longer
connected. The message tells a bookkeeper what to do; QuickBooks' own text is kept in ``detail`` for the log.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from custmgr.errors import AuthRequired, ConnectorError, Invalid, NameInUse, NotFound, Retryable, StaleVersion

from . import intuit_xml

THROTTLED = "3001"
SIGN_IN_AGAIN = "Sign in again with `custmgr qbo login`, then sync again; nothing was changed by the failed call."

# Fault ``element`` values (QuickBooks' property names, any case, dotted for addresses) -> field keys.
_ELEMENTS = {
    "displayname": "name", "fullyqualifiedname": "name", "parentref": "name", "companyname": "company",
    "title": "salutation", "givenname": "first_name", "firstname": "first_name", "middlename": "middle_name",
    "familyname": "last_name", "lastname": "last_name", "notes": "notes", "primaryphone": "phone",
    "alternatephone": "alt_phone", "mobile": "mobile", "fax": "fax", "primaryemailaddr": "email", "email": "email",
    "active": "active",
}
_ADDRESS = {"line1": "line1", "line2": "line2", "line3": "line3", "line4": "line4", "line5": "line5",
            "city": "city", "countrysubdivisioncode": "state", "postalcode": "postal_code", "zipcode": "postal_code",
            "country": "country"}


@dataclass(frozen=True)
class FaultError:
    """One ``Error`` of a fault."""

    code: str
    message: str
    detail: str = ""
    element: str = ""


@dataclass(frozen=True)
class Fault:
    type: str
    errors: tuple[FaultError, ...]

    @property
    def code(self) -> str:
        return self.errors[0].code if self.errors else ""

    def describe(self) -> str:
        """QuickBooks' own words, for ``ConnectorError.detail`` and the log."""
        return "; ".join(f"{e.code} {e.message}" + (f" ({e.detail})" if e.detail else "") for e in self.errors)


def parse_body(content: bytes | str) -> dict[str, Any]:
    """An answer's body as a dict, whichever of JSON or XML it came in; {} when it is neither."""
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    stripped = text.lstrip()
    if not stripped:
        return {}
    try:
        if stripped.startswith("<"):
            return intuit_xml.parse(stripped.encode("utf-8"))
        loaded = json.loads(stripped)
    except Exception:  # an HTML error page from a proxy, a cut-off answer: no structure to read
        return {}
    return loaded if isinstance(loaded, dict) else {}


def find_fault(body: Mapping[str, Any]) -> Fault | None:
    """The fault in an answer (or a batch item), or None."""
    raw = _get(body, "Fault")
    if not isinstance(raw, Mapping):
        return None
    errors = _get(raw, "Error") or []
    if isinstance(errors, Mapping):
        errors = [errors]
    found = tuple(FaultError(str(_get(e, "code") or ""), str(_get(e, "Message") or ""), str(_get(e, "Detail") or ""),
                             str(_get(e, "element") or "")) for e in errors if isinstance(e, Mapping))
    return Fault(str(_get(raw, "type") or ""), found)


def _get(mapping: Mapping[str, Any], key: str) -> Any:
    if key in mapping:
        return mapping[key]
    low = key.lower()
    return next((v for k, v in mapping.items() if k.lower() == low), None)


def field_of(element: str) -> str:
    """The field key a fault's ``element`` names ('' when it names none we sync)."""
    text = element.strip().lower()
    if "." in text:
        holder, _, part = text.rpartition(".")
        prefix = "ship" if holder.startswith("shipaddr") else "bill"
        return f"{prefix}_{_ADDRESS[part]}" if part in _ADDRESS else ""
    if text in _ADDRESS:
        return f"bill_{_ADDRESS[text]}"
    return _ELEMENTS.get(text, "")


def to_error(fault: Fault, *, status: int = 0, name: str = "") -> ConnectorError:
    """The ``ConnectorError`` for a fault; ``name`` is the contact concerned, for the message."""
    code, detail = fault.code, fault.describe()
    first = fault.errors[0] if fault.errors else FaultError("", "")
    who = quoted(name) if name else "this contact"
    if code == "5010":
        return StaleVersion(f"{who} was changed in QuickBooks Online since it was read; it will be read again and "
                            "synced with the new values.", detail=detail)
    if code == "6240":
        return NameInUse(f"the name {who} is already used in QuickBooks Online by another customer, vendor or "
                         "employee (names are unique across those lists, ignoring case; an inactive one shows as "
                         "'NAME (deleted)' there). Rename one of them.", detail=detail)
    if code == "610":
        return NotFound(f"{who} is not in QuickBooks Online any more (deleted or merged there).", detail=detail)
    if code == THROTTLED or status == 429:
        return Retryable("QuickBooks Online is limiting requests (too many in a short time); wait a minute and "
                         "sync again.", detail=detail)
    if code in ("3200", "100") or status == 401 or fault.type.upper().startswith("AUTHENTICATION"):
        return AuthRequired(f"QuickBooks Online did not accept the sign-in. {SIGN_IN_AGAIN}", detail=detail)
    if code == "3100":
        return AuthRequired("This app is no longer connected to the QuickBooks Online company (it was disconnected "
                            f"there, or the company ID is wrong). {SIGN_IN_AGAIN}", detail=detail)
    if code.startswith("2") or code == "6000":
        field = field_of(first.element) or _field_from_text(first.detail) or "name"
        reason = first.detail or first.message or "refused by QuickBooks Online"
        return Invalid(field, f"QuickBooks Online refused the value: {reason}", detail=detail)
    return ConnectorError(f"QuickBooks Online refused the request ({first.message or 'error ' + code}).",
                          detail=detail)


def quoted(name: str) -> str:
    """A name in a message as the bookkeeper typed it, in double quotes and never escaped (``repr`` shows
    Amy's Bird Sanctuary with a backslash before the apostrophe when the name also holds a double quote)."""
    return f'"{name}"'


def _field_from_text(text: str) -> str:
    """A field named in a fault's detail text (``"... DisplayName:..."``), when the element is empty."""
    for word in text.replace(":", " ").replace(".", " ").split():
        key = _ELEMENTS.get(word.lower())
        if key:
            return key
    return ""
