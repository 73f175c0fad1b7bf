"""``QbdConnector``: the connector contract in qbXML 13, over any transport (COM on Windows, or a sandbox company).

Round trips are what make QuickBooks Desktop slow, so every call packs its requests into as few messages as it
can: the listing asks customers and vendors together, ids and versions only, a page of ``page_size`` at a time;
a fetch reads up to the engine's chunk of records in one message; ``apply`` writes a whole batch in one message
(``custmgr_qbd.writes``). ``round_trips`` and ``requests_sent`` count what went over the wire.

The company's identity is a stamp Customer Manager keeps in the company file itself, as a private data
extension on the company (the way QuickBooks Web Connector keeps its FileID): it survives the file being moved,
renamed or restored from a backup, which a path would not. It is written once, the first time any workbook is
paired with the company.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from typing import Any, ClassVar

from custmgr.connector import Change, ChangeResult, Company, Connector, CustomFieldDef, Listed, RemoteRecord
from custmgr.contact import CUSTOMER, KINDS, VENDOR
from custmgr.errors import NameInUse

from . import messages as qb
from .elements import COMPANY_STAMP, LISTING_ELEMENTS, OWNER_CUSTMGR, OWNER_CUSTOM, RECORD_ELEMENTS
from .responses import BadResponse, Response, custom_field, error_of, parse, record
from .transport import VERSION_ERROR, RequestRejected, Transport
from .versions import OLDEST, Host, choose, text, too_old

PAGE_SIZE = 1000  # listing entries per iterator page: small rows, so big pages
_OLDEST_SAFE = frozenset({"CompanyQueryRq", "DataExtDefQueryRq"})  # read the same in every version we speak


class QbdConnector(Connector):
    """A QuickBooks Desktop company through ``transport``."""

    name: ClassVar[str] = "qbd"
    batch_size: ClassVar[int] = 100
    charset: ClassVar[str | None] = "latin-1"
    can_merge: ClassVar[bool] = True  # ListMergeRq, customers and vendors (custmgr_qbd.writes)

    def __init__(self, transport: Transport, *, page_size: int = PAGE_SIZE) -> None:
        self.transport = transport
        self.page_size = page_size
        self.round_trips = 0
        self.requests_sent = 0
        self.kinds: dict[str, str] = {}  # ListID -> Customer/Vendor, as far as seen
        self._company: Company | None = None
        self._fields: list[CustomFieldDef] | None = None
        self.host: Host | None = None  # the QuickBooks at the other end and the qbXML version spoken with it

    # --- one round trip -------------------------------------------------------------------------------------

    def exchange(self, message: qb.Message) -> list[Response]:
        """Send ``message``; QuickBooks' answers, one per request it reached, checked against the requests.

        The first message of a session also asks which qbXML versions QuickBooks speaks (``versions``)."""
        if self.host is None:
            return self._first(message)
        message.version = text(self.host.version)
        return self._send(message)

    def _send(self, message: qb.Message) -> list[Response]:
        self.round_trips += 1
        self.requests_sent += len(message.requests)
        return match(message, parse(self.transport.process(message.xml())))

    def _first(self, message: qb.Message) -> list[Response]:
        """``HostQueryRq`` ahead of ``message`` in one round trip when its requests read the same in the oldest
        version (the identity does), else in a message of its own first."""
        first = qb.Message("continueOnError", version=text(OLDEST))
        first.add(qb.host_query())
        together = message.on_error == "continueOnError" and all(r.tag in _OLDEST_SAFE for r in message.requests)
        if together:
            for request in message.requests:
                first.add(request)  # renumbered: the answers still line up with message.requests
        try:
            answers = self._send(first)
        except RequestRejected as err:
            if err.hresult == VERSION_ERROR:  # not even the oldest version: QuickBooks before 2009
                raise too_old("", None) from None
            raise
        host_rs = answers[0]
        if host_rs.failed:
            raise error_of(host_rs)
        ret = host_rs.rets[0] if host_rs.rets else None
        if ret is None or ret.tag != "HostRet":
            raise BadResponse("a HostQueryRs without its HostRet")
        self.host = choose(ret.findtext("ProductName") or "", [e.text or "" for e in ret.findall(
            "SupportedQBXMLVersion")])
        return answers[1:] if together else self.exchange(message)

    def record_elements(self, kind: str) -> tuple[str, ...]:
        """What a full read asks for (``IncludeRetElement``), in this session's qbXML version."""
        missing = self.host.missing_tags if self.host else frozenset()
        return tuple(tag for tag in RECORD_ELEMENTS[kind] if tag not in missing)

    def missing_fields(self) -> dict[str, str]:
        """Field key -> why it cannot be written, for the fields this session's qbXML version lacks."""
        host = self.host
        return {key: host.field_message(tag) for key, tag in host.missing_fields.items()} if host else {}

    @property  # type: ignore[override]
    def unsupported(self) -> Mapping[str, frozenset[str]]:
        """Before qbXML 12.0 (QuickBooks 2013) customers and vendors have no Job Title and no CC Email: the sync
        keeps those columns in the workbook only. Known once the session has started (``company()``)."""
        missing = frozenset(self.missing_fields())
        return {kind: missing for kind in KINDS} if missing else {}

    # --- the contract ---------------------------------------------------------------------------------------

    def company(self) -> Company:
        if self._company is None:
            self._company = self._identify()
        return self._company

    def _identify(self, stamping: bool = True) -> Company:
        message = qb.Message("continueOnError")
        message.add(qb.company_query([OWNER_CUSTMGR]))
        message.add(qb.data_ext_def_query([OWNER_CUSTOM, OWNER_CUSTMGR]))
        company_rs, definitions_rs = self.exchange(message)
        for rs in (company_rs, definitions_rs):
            if rs.failed:
                raise error_of(rs)
        if len(company_rs.rets) != 1 or company_rs.rets[0].tag != "CompanyRet":
            raise BadResponse("a CompanyQueryRs without its CompanyRet")
        ret = company_rs.rets[0]
        stamp = next((e.findtext("DataExtValue") or "" for e in ret.findall("DataExtRet")
                      if _ours(e) and e.findtext("DataExtName") == COMPANY_STAMP), "")
        definitions = list(definitions_rs.rets)
        self._fields = [f for f in (custom_field(d) for d in definitions) if f is not None]
        if not stamp:
            if not stamping:
                raise BadResponse("the company stamp was not kept")
            defined = any(_ours(d) and d.findtext("DataExtName") == COMPANY_STAMP for d in definitions)
            return self._stamp(defined, ret.findtext("CompanyName") or "")
        return Company(stamp, ret.findtext("CompanyName") or "")

    def _stamp(self, defined: bool, name: str) -> Company:
        """Give the company its id, once (the first time any workbook is paired with it)."""
        message = qb.Message("stopOnError")
        if not defined:
            message.add(qb.data_ext_def_add(OWNER_CUSTMGR, COMPANY_STAMP, ["Company"]))
        stamp = str(uuid.uuid4())
        message.add(qb.company_data_ext_add(OWNER_CUSTMGR, COMPANY_STAMP, stamp))
        for rs in self.exchange(message):
            if rs.failed:
                error = error_of(rs)
                if isinstance(error, NameInUse) or rs.code == 3180:  # stamped this very moment by another workbook
                    return self._identify(stamping=False)
                raise error
        return Company(stamp, name)

    def custom_fields(self) -> list[CustomFieldDef]:
        if self._fields is None:
            message = qb.Message("continueOnError")
            message.add(qb.data_ext_def_query([OWNER_CUSTOM]))
            (rs,) = self.exchange(message)
            if rs.failed:
                raise error_of(rs)
            self._fields = [f for f in (custom_field(d) for d in rs.rets) if f is not None]
        return list(self._fields)

    def listing(self, kinds: Collection[str]) -> list[Listed]:
        return self.changed_since("", kinds)

    def changed_since(self, since: str, kinds: Collection[str] = KINDS) -> list[Listed]:
        """Ids and versions of every record (modified since ``since``, an ISO date-time, when given), paged by
        iterators; customers and vendors travel in the same messages."""
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown kinds {sorted(unknown)}; expected {KINDS}")
        out: list[Listed] = []
        pages: dict[str, str] = {kind: "" for kind in KINDS if kind in kinds}  # kind -> iterator id
        while pages:
            message = qb.Message("continueOnError")
            for kind, iterator_id in pages.items():
                message.add(qb.query(kind, max_returned=self.page_size, modified_since=since,
                                     iterator="Continue" if iterator_id else "Start", iterator_id=iterator_id,
                                     include=LISTING_ELEMENTS[kind]))
            answers = self.exchange(message)
            following: dict[str, str] = {}
            for kind, rs in zip(list(pages), answers, strict=True):
                if rs.failed:
                    raise error_of(rs)
                out.extend(_listed(kind, ret) for ret in rs.rets)
                if rs.remaining:
                    if not rs.iterator_id:
                        raise BadResponse(f"{rs.tag} has iteratorRemainingCount without an iteratorID")
                    following[kind] = rs.iterator_id
            pages = following
        self.kinds.update((item.remote_id, item.kind) for item in out)
        return out

    def fetch(self, remote_ids: Sequence[str]) -> list[RemoteRecord]:
        """Full records, customers and vendors in one message; an id of unknown kind is asked of both lists."""
        wanted = list(dict.fromkeys(remote_ids))
        if not wanted:
            return []
        message = qb.Message("continueOnError")
        for kind, other in ((CUSTOMER, VENDOR), (VENDOR, CUSTOMER)):
            ids = [i for i in wanted if self.kinds.get(i) != other]
            if ids:
                message.add(qb.query(kind, ids=ids, include=self.record_elements(kind), owners=[OWNER_CUSTOM]))
        found: dict[str, RemoteRecord] = {}
        for request, rs in zip(message.requests, self.exchange(message), strict=True):
            if rs.failed and rs.code != 3120:  # 3120: none of these ids (any more); 500: some of them
                raise error_of(rs)
            got = [record(ret) for ret in rs.rets]
            if rs.code == 0 and {r.remote_id for r in got} != {e.text for e in request.findall("ListID")}:
                raise BadResponse(f"{rs.tag} says all were found but returned {len(got)} of the records asked")
            for rec in got:
                found[rec.remote_id] = rec
                self.kinds[rec.remote_id] = rec.kind
        return [found[i] for i in wanted if i in found]

    def apply(self, changes: Sequence[Change]) -> list[ChangeResult]:
        """One message per batch (more only for a refused change or a custom field that must be read first)."""
        if len(changes) > self.batch_size:
            raise ValueError(f"apply takes at most {self.batch_size} changes, got {len(changes)}; the engine "
                             "splits bigger sets into batches")
        from .writes import write

        return write(self, changes)

    def close(self) -> None:
        self.transport.close()


def _ours(element: Any) -> bool:
    """Whether a data extension (or its definition) is Customer Manager's: a GUID, compared ignoring case as
    QuickBooks does (it may answer in another case than it was given)."""
    return (element.findtext("OwnerID") or "").strip().upper() == OWNER_CUSTMGR.upper()


def _listed(kind: str, ret: Any) -> Listed:
    list_id, version, active = ret.findtext("ListID"), ret.findtext("EditSequence"), ret.findtext("IsActive")
    if ret.tag != f"{kind}Ret" or not list_id or not version or active not in ("true", "false", "1", "0", None):
        raise BadResponse(f"a listing entry <{ret.tag}> without a valid ListID, EditSequence or IsActive")
    return Listed(list_id, version, kind, active not in ("false", "0"))


def match(message: qb.Message, answers: list[Response]) -> list[Response]:
    """QuickBooks' answers lined up with ``message``'s requests: same order, same requestID, matching names.

    Fewer answers than requests is right only after a failed request in a ``stopOnError`` message.
    """
    if len(answers) > len(message.requests):
        raise BadResponse(f"{len(answers)} answers to {len(message.requests)} requests")
    for request, answer in zip(message.requests, answers, strict=False):
        expected = request.tag[:-2] + "Rs"
        if answer.tag != expected or answer.request_id != request.get("requestID"):
            raise BadResponse(f"<{answer.tag} requestID={answer.request_id!r}> where <{expected} "
                              f"requestID={request.get('requestID')!r}> was due")
    if len(answers) < len(message.requests):
        stopped = message.on_error == "stopOnError" and answers and answers[-1].failed
        if not stopped:
            raise BadResponse(f"only {len(answers)} answers to {len(message.requests)} requests")
    return answers
