"""Reading QuickBooks' answers safely, and turning its status codes into the product's error vocabulary.

An answer is parsed with defusedxml and no DTD allowed, so an entity bomb or an external entity is refused before
anything is expanded. Nothing is taken on trust: an element custmgr does not know, a status that is not a number,
a record without its ListID is a ``BadResponse`` that stops the sync before the workbook is touched.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from custmgr.connector import CustomFieldDef, RemoteRecord
from custmgr.contact import KINDS, NO, YES, custom_key, normalize_values
from custmgr.errors import ConnectorError, Invalid, NameInUse, NotFound, Retryable, StaleVersion, Unavailable

from .elements import ADDRESS_PARTS, ADDRESSES, FIELD_OF_TAG, OWNER_CUSTOM, SEQUENCES

_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_SEVERITIES = ("Info", "Warn", "Error")
_ADDRESS_KEY = {tag: part for part, tag in ADDRESS_PARTS}
_FIELD_IN_MESSAGE = re.compile(r'(?:in the field|The) "([A-Za-z0-9]+)"(?: field)?')
SUPPORT_HINT = ("Nothing was saved to the workbook. Run the sync again with --trace FOLDER and send the files to "
                "your support contact.")


class BadResponse(Unavailable):
    """QuickBooks' answer is not what qbXML 13 allows; nothing is done with any of it."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"QuickBooks sent an answer custmgr cannot trust ({problem}). {SUPPORT_HINT}",
                         detail=problem)


@dataclass(frozen=True)
class Response:
    """One ``...Rs`` element: its status and the ``...Ret`` elements it carries."""

    tag: str
    request_id: str
    code: int
    severity: str
    message: str
    rets: tuple[ET.Element, ...] = ()
    remaining: int | None = None
    iterator_id: str = ""
    ret_count: int | None = None

    @property
    def failed(self) -> bool:
        """An error stops a ``stopOnError`` message; 1 (no match) and 500-999 (warnings) do not."""
        return self.severity == "Error" or self.code >= 1000


#: Control characters XML 1.0 forbids, raw or as character references. QuickBooks Desktop lets a user type
#: some of them (a pasted bell or form feed in Notes) and sends them as they are.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]|&#(?:[xX]0*([0-9a-fA-F]{1,2})|0*([0-9]{1,2}));")
_SHELTER = 0xF0000  # a private-use plane QuickBooks (Latin-1 only) never sends: stands in for a forbidden character
_UNSHELTER = {_SHELTER + code: code for code in range(0x20)}


def _shelter(text: str) -> tuple[str, bool]:
    """``text`` with each forbidden character (or reference to one) replaced by its stand-in."""
    found = False

    def swap(match: re.Match[str]) -> str:
        nonlocal found
        token = match.group(0)
        code = ord(token) if not token.startswith("&") else int(match.group(1) or match.group(2),
                                                                 16 if match.group(1) else 10)
        if code in (0x09, 0x0A, 0x0D) or code > 0x1F:
            return token  # allowed in XML: leave it to the parser
        found = True
        return chr(_SHELTER + code)

    return _FORBIDDEN.sub(swap, text), found


def parse(text: str) -> list[Response]:
    """Every response of a ``QBXMLMsgsRs``, in order.

    Control characters XML forbids are taken as the characters they are (the engine then deals with them as
    with any value it cannot store), so one contact holding one does not stop the sync. Any other damage stops
    it, naming the record it is in."""
    if not isinstance(text, str) or not text.strip():
        raise BadResponse("an empty answer")
    body = _DECLARATION.sub("", text, count=1)
    sheltered = False
    try:
        root = fromstring(body, forbid_dtd=True)
    except DefusedXmlException as err:
        raise BadResponse(f"it holds a DTD or entities, which QuickBooks never sends: {type(err).__name__}") from None
    except ET.ParseError:
        body, sheltered = _shelter(body)
        try:
            root = fromstring(body, forbid_dtd=True)
        except ET.ParseError as err:
            raise BadResponse(f"malformed XML{_near(body, err)}: {err}") from None
    if sheltered:
        for element in root.iter():
            if element.text:
                element.text = element.text.translate(_UNSHELTER)
            for name, value in element.attrib.items():
                element.set(name, value.translate(_UNSHELTER))
    if root.tag != "QBXML":
        raise BadResponse(f"the root element is <{root.tag}>, not <QBXML>")
    messages = [child for child in root if child.tag != "SignonMsgsRs"]
    if len(messages) != 1 or messages[0].tag != "QBXMLMsgsRs":
        raise BadResponse("there is no single <QBXMLMsgsRs>")
    return [_response(rs) for rs in messages[0]]


def _near(text: str, err: ET.ParseError) -> str:
    """Which record a parse error is in ("in the record of Customer "Oak" (ListID 80000001-...)"), if any."""
    line, column = getattr(err, "position", (0, 0))
    lines = text.split("\n")
    before = "\n".join(lines[:max(line - 1, 0)]) + "\n" + (lines[line - 1][:column] if 0 < line <= len(lines) else "")
    start = max(before.rfind("<CustomerRet>"), before.rfind("<VendorRet>"))
    if start < 0 or before.rfind("</CustomerRet>") > start or before.rfind("</VendorRet>") > start:
        return ""
    chunk = before[start:]
    kind = "Vendor" if chunk.startswith("<VendorRet>") else "Customer"
    list_id = re.search(r"<ListID>([^<]*)</ListID>", chunk)
    name = re.search(r"<(?:FullName|Name)>([^<]*)</(?:FullName|Name)>", chunk)
    named = f' "{name.group(1)}"' if name else ""
    return f" in the record of {kind}{named}" + (f" (ListID {list_id.group(1)})" if list_id else "")


def _response(rs: ET.Element) -> Response:
    if not rs.tag.endswith("Rs"):
        raise BadResponse(f"<{rs.tag}> is not a response")
    code, severity = rs.get("statusCode", ""), rs.get("statusSeverity", "")
    if not code.isdigit() or severity not in _SEVERITIES:
        raise BadResponse(f"<{rs.tag}> has no valid statusCode/statusSeverity")
    return Response(rs.tag, rs.get("requestID", ""), int(code), severity, rs.get("statusMessage", ""),
                    tuple(rs), _number(rs, "iteratorRemainingCount"), rs.get("iteratorID", ""),
                    _number(rs, "retCount"))


def _number(rs: ET.Element, attribute: str) -> int | None:
    text = rs.get(attribute)
    if text is None:
        return None
    if not text.isdigit():
        raise BadResponse(f"{attribute}={text!r} on <{rs.tag}> is not a number")
    return int(text)


# --- records ------------------------------------------------------------------------------------------------


def record(ret: ET.Element) -> RemoteRecord:
    """A ``CustomerRet`` or ``VendorRet`` as a record with normalized values (custom fields: owner 0 only)."""
    kind = ret.tag[:-3] if ret.tag.endswith("Ret") else ""
    if kind not in KINDS:
        raise BadResponse(f"<{ret.tag}> where a customer or vendor was expected")
    known = SEQUENCES[(kind, "Ret")]
    values: dict[str, str] = {"kind": kind}
    found: dict[str, str] = {}
    for child in ret:
        tag, text = child.tag, child.text or ""
        if tag not in known:
            raise BadResponse(f"an element custmgr does not know, <{tag}>, in a {ret.tag}")
        if tag in ("ListID", "EditSequence", "Name", "FullName"):
            found[tag] = text
        elif tag == "IsActive":
            values["active"] = _boolean(text, ret.tag)
        elif tag in FIELD_OF_TAG:
            values[FIELD_OF_TAG[tag]] = text
        elif tag in ADDRESSES:
            values.update(_address("ship" if tag == "ShipAddress" else "bill", child))
        elif tag == "DataExtRet":
            owner, name, value = (child.findtext(t) for t in ("OwnerID", "DataExtName", "DataExtValue"))
            if name and (owner or OWNER_CUSTOM) == OWNER_CUSTOM:
                values[custom_key(name)] = value or ""
    values["name"] = found.get("FullName") or found.get("Name", "")
    if not found.get("ListID") or not found.get("EditSequence") or not values["name"]:
        raise BadResponse(f"a {ret.tag} without its ListID, EditSequence or name")
    return RemoteRecord(found["ListID"], found["EditSequence"], normalize_values(values))


def _boolean(text: str, where: str) -> str:
    if text in ("true", "1"):
        return YES
    if text in ("false", "0"):
        return NO
    raise BadResponse(f"IsActive={text!r} in a {where}")


def _address(prefix: str, block: ET.Element) -> dict[str, str]:
    out = {}
    for line in block:
        if line.tag == "Note":
            continue
        if line.tag not in _ADDRESS_KEY:
            raise BadResponse(f"an element custmgr does not know, <{line.tag}>, in <{block.tag}>")
        out[f"{prefix}_{_ADDRESS_KEY[line.tag]}"] = line.text or ""
    return out


def custom_field(ret: ET.Element) -> CustomFieldDef | None:
    """A ``DataExtDefRet`` for customers and/or vendors as a custom field; None for anything else."""
    kinds = tuple(k for k in KINDS if k in {e.text for e in ret.findall("AssignToObject")})
    name, type_ = ret.findtext("DataExtName") or "", ret.findtext("DataExtType") or ""
    if (ret.findtext("OwnerID") or OWNER_CUSTOM) != OWNER_CUSTOM or not kinds or not name:
        return None
    if type_ not in ("STR255TYPE", "STR1024TYPE"):
        return None  # numbers, dates and amounts are not synced as text
    return CustomFieldDef(name, kinds, 1024 if type_ == "STR1024TYPE" else 255)


# --- errors -------------------------------------------------------------------------------------------------


#: Statuses that say the record or its list is in use by someone else: waiting and trying again works.
LOCK_CODES = frozenset({3175, 3176})
#: 3170 ("error when modifying") and 3180 ("error when saving") carry QuickBooks' own reason: a lock only when
#: that reason says another user has the list or record; otherwise (a custom field that already has a value, a
#: name QuickBooks will not take, ...) trying again cannot help.
_LOCK_WORDS = re.compile(r"modified by another user|in use by another|being used by another|another user is "
                         r"(?:editing|using|modifying)|could not be locked|cannot be locked|is locked", re.I)


def is_lock(code: int, message: str) -> bool:
    """Whether status ``code`` with ``message`` is a passing lock (retry) rather than a refusal (report)."""
    if code in LOCK_CODES:
        return True
    return code in (3170, 3180) and bool(_LOCK_WORDS.search(message))


def error_of(rs: Response, field: str = "name") -> ConnectorError:
    """QuickBooks' status as the product's error; ``field`` is the field key the request was about, for an
    invalid value whose message does not name a field custmgr knows."""
    code, message = rs.code, rs.message or f"status {rs.code}"
    detail = f"qbXML statusCode {code}: {message}"
    if code in (1, 3120):
        return NotFound(message, detail=detail)
    if code == 3100:
        return NameInUse(message, detail=detail)
    if code == 3200:
        return StaleVersion(message, detail=detail)
    if is_lock(code, message):
        return Retryable(f"{message} (QuickBooks is busy; the sync tries again, or sync again in a moment)",
                         detail=detail)
    if code in (3000, 3010, 3020, 3070, 3140, 3210):
        named = _FIELD_IN_MESSAGE.search(message)
        tag = named.group(1) if named else ""
        key = FIELD_OF_TAG.get(tag) or ("name" if tag in ("Name", "ParentRef") else field)
        return Invalid(key, message, detail=detail)
    if 3170 <= code <= 3180:  # a save QuickBooks refused for good: retrying would be refused the same way
        return ConnectorError(f"QuickBooks could not save this (status {code}): {message}", detail=detail)
    return ConnectorError(f"QuickBooks refused this (status {code}): {message}", detail=detail)

