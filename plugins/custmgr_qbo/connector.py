"""``QboConnector``: the connector contract on one QuickBooks Online company (the Company setting is its realm ID).

Reads come from the lists (``contactlist``): a listing is a full read or the changes since the last one, and
``fetch`` answers from what that read brought, asking QuickBooks only for records it does not hold or knows to be
out of date. Writes go in batch requests of up to 30: create, or a sparse update with Id and SyncToken; "delete" is
a sparse update ``Active: false``. Every change is checked against QuickBooks Online's rules first, and one that
would be refused is answered with its error without being sent. A job whose parent is added in the same call is
sent in a second batch, once the parent has an Id.
"""

from __future__ import annotations

import os
import time
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from custmgr.connector import Change, ChangeResult, Company, Connector, CustomFieldDef, Listed, RemoteRecord
from custmgr.contact import CUSTOMER, JOB_SEPARATOR, KINDS, YES, name_key
from custmgr.errors import ConnectorError, CustmgrError, Invalid

from . import query
from .auth import Authorizer
from .client import PATIENCE, QboClient
from .contactlist import ContactList, default_cache_dir, remote_id, split_id
from .endpoints import Endpoints, resolve
from .faults import find_fault, quoted, to_error
from .records import LIMITS, UNSUPPORTED, Entity, parent_id
from .tokens import TokenStore
from .trace import Trace
from .writes import AfterParent, batch_item

BATCH_SIZE = 30  # QuickBooks Online's most items per batch request
IDS_PER_QUERY = 200
CACHE_ENV = "CUSTMGR_QBO_CACHE_DIR"
_OFF = ("", "off", "none", "no")


class QboConnector(Connector):
    """One QuickBooks Online company. Options (Settings' connector options, or ``connector_options``):

    ``environment``, ``base_url``, ``discovery_url``, ``token_url``, ``auth_url`` (see ``endpoints``);
    ``trace_dir`` (``--trace``); ``cache_dir`` (where the lists are kept between syncs; ``off`` for nowhere);
    ``throttle_patience`` (seconds of throttling waited out); ``page_size`` (records per query, at most 1,000).
    For tests: ``sleep``, ``clock``, ``transport`` (an httpx transport) and ``on_open`` (called with the new
    connector).
    """

    name: ClassVar[str] = "qbo"
    batch_size: ClassVar[int] = BATCH_SIZE
    limits: ClassVar[Mapping[str, int]] = LIMITS
    charset: ClassVar[str | None] = None
    unsupported: Mapping[str, frozenset[str]] = UNSUPPORTED

    def __init__(self, company: str, options: Mapping[str, Any] | None = None) -> None:
        opts = dict(options or {})
        realm = str(company or "").strip()
        if not realm.isdigit():
            raise CustmgrError(f"The Company setting for QuickBooks Online is the company's realm ID (digits only; "
                               f"`custmgr qbo login` shows it), not {company!r}.")
        self.realm = realm
        self.endpoints: Endpoints = resolve(opts)
        self.trace = Trace(opts["trace_dir"]) if opts.get("trace_dir") else None
        self.store = TokenStore(self.endpoints.host)
        self.auth = Authorizer(self.endpoints, realm, self.store, trace=self.trace,
                               clock=opts["clock"] if opts.get("clock") is not None else time.time)
        self.client = QboClient(self.endpoints, realm, self.auth, trace=self.trace,
                                sleep=opts["sleep"] if opts.get("sleep") is not None else time.sleep,
                                patience=_number(opts, "throttle_patience", PATIENCE, 0, 3600),
                                transport=opts.get("transport"))
        self.lists = ContactList(_cache_file(opts, self.endpoints, realm),
                                 int(_number(opts, "page_size", query.PAGE_SIZE, 1, query.PAGE_SIZE)))
        self._company: Company | None = None
        self._adding: set[str] = set()
        if callable(opts.get("on_open")):
            opts["on_open"](self)

    @property
    def round_trips(self) -> int:
        """HTTP requests made so far, to the API and the sign-in service."""
        return self.client.requests + self.auth.requests

    def close(self) -> None:
        self.client.close()

    # --- reading ---------------------------------------------------------------------------------------------

    def company(self) -> Company:
        if self._company is None:
            info = self.client.get("companyinfo", self.realm).get("CompanyInfo") or {}
            self._company = Company(self.realm, str(info.get("CompanyName") or info.get("LegalName") or self.realm))
            created = info.get("MetaData", {}).get("CreateTime", "") if isinstance(info.get("MetaData"), dict) else ""
            self.lists.stamp = str(created)  # a company made again under the same ID must not reuse old lists
        return self._company

    def listing(self, kinds: Collection[str]) -> list[Listed]:
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown kinds {sorted(unknown)}; expected {KINDS}")
        self.company()
        self.lists.refresh(self.client, kinds)
        return self.lists.listed(kinds)

    def fetch(self, remote_ids: Sequence[str]) -> list[RemoteRecord]:
        wanted = list(dict.fromkeys(remote_ids))
        held = self.lists.entities
        self._read([rid for rid in wanted if rid not in held or rid in self.lists.doubtful])
        self._read_parents([rid for rid in wanted if rid in held])
        return [self.lists.record(rid) for rid in wanted if rid in held]

    def custom_fields(self) -> list[CustomFieldDef]:
        """None: the Accounting API has no custom fields on customers and vendors."""
        return []

    def _read(self, rids: Sequence[str]) -> None:
        """Read the given records from QuickBooks into the lists; those it no longer has are dropped."""
        by_kind: dict[str, list[str]] = {}
        for rid in rids:
            ident = split_id(rid)
            if ident:
                by_kind.setdefault(ident[0], []).append(ident[1])
        for kind, ids in by_kind.items():
            for start in range(0, len(ids), IDS_PER_QUERY):
                chunk = ids[start:start + IDS_PER_QUERY]
                found = self.client.query(query.by_ids(kind, chunk)).get(kind) or []
                seen = {self.lists.put(kind, entity) for entity in found}
                for qbo_id in chunk:
                    if remote_id(kind, qbo_id) not in seen:
                        self.lists.drop(remote_id(kind, qbo_id))

    def _read_parents(self, rids: Sequence[str]) -> None:
        """Make sure every parent of these jobs is held, so their full names can be built."""
        frontier = list(rids)
        for _ in range(6):
            missing = {remote_id(CUSTOMER, pid) for rid in frontier
                       if (e := self.lists.entity(rid)) is not None and (pid := parent_id(e))
                       and self.lists.customer(pid) is None}
            if not missing:
                return
            self._read(sorted(missing))
            frontier = sorted(missing)

    # --- writing ---------------------------------------------------------------------------------------------

    def apply(self, changes: Sequence[Change]) -> list[ChangeResult]:
        """One result per change, in order; each change stands alone (a refusal stops no other)."""
        if len(changes) > self.batch_size:
            raise ValueError(f"apply takes at most {self.batch_size} changes, got {len(changes)}; the engine "
                             "splits bigger sets into batches")
        results: list[ChangeResult | None] = [None] * len(changes)
        todo = list(range(len(changes)))
        for _ in range(8):  # one wave per job level whose parent is added in this same call
            if not todo:
                break
            # Customers added or renamed in this call: a job naming one as its parent waits for the next wave.
            self._adding = {name_key(c.values.get("name", "")) for i, c in enumerate(changes)
                            if i in todo and c.kind == CUSTOMER and c.values.get("name")
                            and (c.op == "add" or (c.op == "update" and not self._named_so(c)))}
            wave: list[tuple[int, dict[str, Any]]] = []
            later: list[int] = []
            for i in todo:
                try:
                    self._check_no_jobs(changes[i])
                    item = batch_item(changes[i], self._current(changes[i]), self._parent_id)
                    wave.append((i, {**item, "bId": str(i)}))
                except AfterParent:
                    later.append(i)
                except ConnectorError as err:
                    results[i] = ChangeResult(changes[i].ref, error=err)
            if wave:
                self._send(changes, wave, results)
            todo = later
        self._adding = set()
        return [r or ChangeResult(c.ref, error=ConnectorError("QuickBooks Online did not take this change; sync "
                                                               "again to send it."))
                for c, r in zip(changes, results, strict=True)]

    def _send(self, changes: Sequence[Change], wave: list[tuple[int, dict[str, Any]]],
              results: list[ChangeResult | None]) -> None:
        answer = self.client.post("batch", body={"BatchItemRequest": [item for _, item in wave]})
        answered = {str(item.get("bId")): item for item in answer.get("BatchItemResponse") or []}
        for i, _item in wave:
            change = changes[i]
            reply = answered.get(str(i))
            fault = find_fault(reply) if reply else None
            entity = reply.get(change.kind) if reply else None
            if fault is not None:
                results[i] = ChangeResult(change.ref, error=to_error(fault, name=self._label(change)))
            elif isinstance(entity, dict) and entity.get("Id"):
                results[i] = ChangeResult(change.ref, record=self._settle(change, entity))
            else:
                results[i] = ChangeResult(change.ref, error=ConnectorError(
                    "QuickBooks Online did not answer this change; sync again to send it."))
            if isinstance(results[i].error, ConnectorError) and change.remote_id:  # type: ignore[union-attr]
                self.lists.doubtful.add(change.remote_id)

    def _named_so(self, change: Change) -> bool:
        """Whether QuickBooks already calls ``change``'s record by the name it sends (no rename)."""
        rid = change.remote_id or ""
        return rid in self.lists.entities and name_key(self.lists.full_name(rid)) == name_key(change.values["name"])

    def _check_no_jobs(self, change: Change) -> None:
        """A customer with active jobs is not "deleted": making it inactive would make them inactive too."""
        ident = split_id(change.remote_id or "")
        if change.op == "delete" and ident is not None and ident[0] == CUSTOMER and any(
                (self.lists.entity(rid) or {}).get("Active", True) for rid in self.lists.descendants(ident[1])):
            raise Invalid("name", "it has jobs in QuickBooks Online, so it is not made inactive (that would change "
                                  "its jobs too); make its jobs inactive or move them first")

    def _settle(self, change: Change, entity: Entity) -> RemoteRecord:
        """Hold what QuickBooks stored; jobs under a renamed or deactivated customer changed too."""
        rid = self.lists.put(change.kind, entity)
        if change.kind == CUSTOMER and (change.op in ("deactivate", "delete") or "name" in change.values
                                        or "active" in change.values):
            self.lists.doubtful.update(self.lists.descendants(str(entity["Id"])))
        return self.lists.record(rid)

    def _label(self, change: Change) -> str:
        if change.values.get("name"):
            return change.values["name"]
        return self.lists.full_name(change.remote_id) if change.remote_id in self.lists.entities else ""

    def _current(self, change: Change) -> Entity | None:
        """The record as held; read again first when it is being made active (its name is needed whole)."""
        rid = change.remote_id
        if not rid:
            return None
        if change.values.get("active") == YES and (rid not in self.lists.entities or rid in self.lists.doubtful):
            self._read([rid])
        return self.lists.entity(rid)

    def _parent_id(self, parent: str) -> str:
        if name_key(parent) in self._adding:
            raise AfterParent(parent)
        found = self.lists.customer_named(parent) or self._look_up_customer(parent)
        if found is None:
            raise Invalid("name", f"there is no customer {quoted(parent)} in QuickBooks Online to put this job "
                                  "under; add the customer first (Customer:Job)")
        return str(found[1]["Id"])

    def _look_up_customer(self, full: str) -> tuple[str, Entity] | None:
        """Ask QuickBooks for a customer not among the records read so far, by the last part of its name."""
        display = full.rpartition(JOB_SEPARATOR)[2]
        for entity in self.client.query(query.by_display_name(CUSTOMER, display)).get(CUSTOMER) or []:
            self.lists.put(CUSTOMER, entity)
        self._read_parents([rid for rid, (kind, _) in list(self.lists.entities.items()) if kind == CUSTOMER])
        return self.lists.customer_named(full)


def _number(options: Mapping[str, Any], key: str, default: float, low: float, high: float) -> float:
    """A numeric connector option (Settings hold text), or a message saying where to fix it."""
    raw = options.get(key)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = float("nan")
    if not low <= value <= high:
        raise CustmgrError(f"The connector option {key} must be a number from {low:g} to {high:g}, not {raw!r}; "
                           "fix it under Connector options on the Settings sheet.")
    return value


def _cache_file(options: Mapping[str, Any], endpoints: Endpoints, realm: str) -> Path | None:
    """Where the lists are kept between syncs: option cache_dir, else CUSTMGR_QBO_CACHE_DIR, else the user's
    cache folder; ``off`` for nowhere."""
    setting = options.get("cache_dir")
    if setting is None:
        setting = os.environ.get(CACHE_ENV)
    if setting is not None and str(setting).strip().lower() in _OFF:
        return None
    folder = Path(str(setting)) if setting else default_cache_dir()
    host = "".join(ch if ch.isalnum() or ch in ".-" else "_" for ch in endpoints.host)
    return folder / "qbo" / f"{host}-{realm}.json"
