"""The sandbox company's qbXML front: it answers qbXML requests from a sandbox company file as QuickBooks does.

Same file, same rules as the ``sandbox`` connector (``custmgr.company.store``): real ListID and EditSequence
forms, names unique across customers and vendors ignoring case, Latin-1 text. On top, what only qbXML shows:
a message is read whole and refused whole when it breaks the schema (HRESULT 0x80040400); ``stopOnError`` stops
at the first failing request and leaves the rest out of the answer, ``continueOnError`` answers every one;
queries see only active names unless asked (``ActiveStatus``), page through iterators (``iteratorRemainingCount``)
and return custom fields for ``OwnerID`` 0; status codes and messages are QuickBooks' own.

Tests can make it fail on cue: ``inject(code)`` answers the next matching requests with a lock (3170-3180), a
stale edit sequence (3200) or any other status, and ``before(tag, action)`` runs ``action(store)`` just before
a request, as if someone were working in QuickBooks at that moment.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Collection
from dataclasses import dataclass

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from custmgr.company import SandboxCompany
from custmgr.errors import ConnectorError, Unavailable

from . import front_dataext, front_host, front_lists, front_merge
from .front_grammar import GrammarError, check_message
from .front_words import Answer, Refusal, Status, locked, unsupported
from .transport import PARSE_ERROR, PARSE_MESSAGE, VERSION_ERROR, VERSION_MESSAGE, RequestRejected

_PI = re.compile(r"<\?qbxml\s+version\s*=\s*[\"'](\d+)\.(\d+)[\"']\s*\?>")
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
WRITES = ("CustomerAddRq", "CustomerModRq", "VendorAddRq", "VendorModRq", "DataExtAddRq", "DataExtModRq",
          "DataExtDelRq", "ListDelRq", "ListMergeRq")


@dataclass
class _Fault:
    code: int
    requests: Collection[str]
    count: int
    message: str = ""


@dataclass
class Iterator:
    """An open query iterator: the ids still to return, and how to return them."""

    tag: str
    remaining: list[str]
    include: frozenset[str] | None
    owners: tuple[str, ...]


Handler = Callable[["QbxmlFront", ET.Element], Answer]
HANDLERS: dict[str, Handler] = {**front_lists.HANDLERS, **front_dataext.HANDLERS, **front_host.HANDLERS,
                                **front_merge.HANDLERS}


class QbxmlFront:
    """Answers qbXML messages from one open ``SandboxCompany``."""

    def __init__(self, store: SandboxCompany) -> None:
        self.store = store
        self.iterators: dict[str, Iterator] = {}
        self.messages = 0
        self._faults: list[_Fault] = []
        self._before: list[tuple[str, Callable[[SandboxCompany], object]]] = []

    # --- on cue, for tests ----------------------------------------------------------------------------------

    def inject(self, code: int, *, requests: Collection[str] = WRITES, count: int = 1, message: str = "") -> None:
        """Answer the next ``count`` requests of the kinds ``requests`` with status ``code`` (QuickBooks'
        wording for 3170-3180 and 3200, or ``message``), without doing them."""
        self._faults.append(_Fault(code, tuple(requests), count, message))

    def before(self, tag: str, action: Callable[[SandboxCompany], object]) -> None:
        """Run ``action(store)`` once, just before the next ``tag`` request is answered."""
        self._before.append((tag, action))

    # --- messages -------------------------------------------------------------------------------------------

    def process(self, text: str) -> str:
        """One qbXML request message in, QuickBooks' answer out (``RequestRejected`` for a broken message)."""
        self.messages += 1
        root_at = text.find("<QBXML")
        version = _PI.search(text[:root_at] if root_at >= 0 else text)  # in the prolog, before the root
        if version is None:
            raise RequestRejected(PARSE_ERROR, PARSE_MESSAGE)
        spoken = (int(version.group(1)), int(version.group(2)))
        if f"{spoken[0]}.{spoken[1]}" not in front_host.claimed(self.store)[1] or spoken > (13, 0):
            raise RequestRejected(VERSION_ERROR, VERSION_MESSAGE)
        try:
            root = fromstring(_DECLARATION.sub("", text, count=1), forbid_dtd=True)
            on_error, requests = check_message(root)
            newer = front_host.too_new(requests, spoken)
            if newer:
                raise GrammarError(newer)
        except (DefusedXmlException, ET.ParseError, GrammarError) as err:
            rejected = RequestRejected(PARSE_ERROR, PARSE_MESSAGE)
            rejected.detail += f"; the sandbox found: {err or type(err).__name__}"
            raise rejected from None
        answers = ET.Element("QBXMLMsgsRs")
        for request in requests:
            rs = self._answer(request)
            answers.append(rs)
            if on_error != "continueOnError" and rs.get("statusSeverity") == "Error":
                break  # stopOnError (and rollbackOnError, which QuickBooks treats alike for lists)
        front_host.answer_in(answers, spoken)
        root = ET.Element("QBXML")
        root.append(answers)
        ET.indent(root)
        return '<?xml version="1.0" ?>\n' + ET.tostring(root, encoding="unicode") + "\n"

    def close(self) -> None:
        self.store.close()

    def _answer(self, request: ET.Element) -> ET.Element:
        tag = request.tag
        for pending in [b for b in self._before if b[0] == tag]:
            self._before.remove(pending)
            pending[1](self.store)
        try:
            answer = self._injected(request) or self._handle(request)
        except Refusal as refusal:
            answer = Answer(refusal.status)
        rs = ET.Element(tag[:-2] + "Rs")
        if request.get("requestID") is not None:
            rs.set("requestID", request.get("requestID", ""))
        rs.set("statusCode", str(answer.status.code))
        rs.set("statusSeverity", answer.status.level)
        rs.set("statusMessage", answer.status.message)
        for name, value in answer.attributes.items():
            rs.set(name, value)
        rs.extend(answer.rets)
        return rs

    def _handle(self, request: ET.Element) -> Answer:
        handler = HANDLERS.get(request.tag)
        if handler is None:
            raise unsupported(request.tag)
        try:
            return handler(self, request)
        except Unavailable:
            raise
        except ConnectorError as err:  # a store refusal no handler translated: a bug, answered plainly
            raise Refusal(Status(1000, "There has been an internal error when processing the request. "
                                       f"({err})")) from None

    def _injected(self, request: ET.Element) -> Answer | None:
        fault = next((f for f in self._faults if request.tag in f.requests), None)
        if fault is None:
            return None
        fault.count -= 1
        if fault.count <= 0:
            self._faults.remove(fault)
        if fault.message:
            return Answer(Status(fault.code, fault.message))
        name = request.findtext(".//Name") or request.findtext(".//ListID") or "?"
        kind = "Vendor" if request.tag.startswith("Vendor") else "Customer"
        if fault.code == 3200:
            return Answer(Status(3200, f'The provided edit sequence "{request.findtext(".//EditSequence") or ""}" '
                                       "is out-of-date. "))
        if 3170 <= fault.code <= 3180:
            return Answer(locked(fault.code, kind, name).status)
        return Answer(Status(fault.code, f"Injected status {fault.code}."))

    # --- iterators ------------------------------------------------------------------------------------------

    def start_iterator(self, tag: str, ids: list[str], include: frozenset[str] | None,
                       owners: tuple[str, ...]) -> str:
        iterator_id = "{" + str(uuid.uuid4()) + "}"
        self.iterators[iterator_id] = Iterator(tag, ids, include, owners)
        return iterator_id
