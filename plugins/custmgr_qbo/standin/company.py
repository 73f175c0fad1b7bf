"""A QuickBooks Online company in memory, with the rules a contact sync runs into.

Customers and vendors take Ids from one sequence. Every write bumps the SyncToken and the LastUpdatedTime and
is logged for Change Data Capture; a write carrying an old SyncToken is refused (5010). A *sparse* update changes
only what it sends; a *full* update clears every writable property it leaves out, as QuickBooks does. Full names
(``Parent:Job`` for a sub-customer, the DisplayName otherwise) are unique ignoring case across customers and
vendors (6240); DisplayName and the person's name parts cannot hold ``:``, tab or newline; lengths are Intuit's
(2050). Making a contact inactive renames it "NAME (deleted)" and, for a customer, makes its jobs inactive too;
making it active again takes the suffix off while the name is free. A parent's new name reaches its jobs' full
names without a new SyncToken of theirs.
"""

from __future__ import annotations

import copy
import datetime as _dt
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from . import faults, rules

PACIFIC = _dt.timezone(_dt.timedelta(hours=-7))
DELETED = re.compile(r" \(deleted(?:-\d+)?\)$", re.IGNORECASE)
MAX_LEVEL = 4  # Level 0 is a customer; sub-customers go four levels below it (five in all)


def stamp(moment: _dt.datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


class StandInCompany:
    """Customers and vendors of one company; every method is safe to call from several server threads."""

    def __init__(self, name: str, realm: str, clock: Callable[[], _dt.datetime] | None = None) -> None:
        self.name, self.realm = name, realm
        self.clock = clock or (lambda: _dt.datetime.now(PACIFIC))
        self.lock = threading.RLock()
        self.records: dict[tuple[str, str], dict[str, Any]] = {}
        self.changes: list[tuple[_dt.datetime, str, str, bool]] = []  # when, kind, Id, deleted
        self.next_id = 1
        self.created = self.now()
        self._owner: dict[str, tuple[str, str]] = {}  # full name, case folded -> (kind, Id): the uniqueness index

    def copy(self) -> StandInCompany:
        """The same company, data and history, as a separate object (a test can start from a snapshot)."""
        with self.lock:
            twin = StandInCompany(self.name, self.realm, self.clock)
            twin.records = copy.deepcopy(self.records)
            twin.changes = list(self.changes)
            twin.next_id, twin.created, twin._owner = self.next_id, self.created, dict(self._owner)
            return twin

    def now(self) -> _dt.datetime:
        return self.clock().astimezone(PACIFIC)

    # --- reading ---------------------------------------------------------------------------------------------

    def all(self, kind: str) -> list[dict[str, Any]]:
        with self.lock:
            return [r for (k, _), r in self.records.items() if k == kind]

    def get(self, kind: str, qbo_id: str) -> dict[str, Any]:
        with self.lock:
            found = self.records.get((kind, str(qbo_id)))
            if found is None:
                raise faults.not_found()
            return copy.deepcopy(found)

    def info(self) -> dict[str, Any]:
        created = stamp(self.created)
        return {"CompanyName": self.name, "LegalName": self.name, "Id": "1", "SyncToken": "0", "domain": "QBO",
                "sparse": False, "Country": "US", "MetaData": {"CreateTime": created, "LastUpdatedTime": created}}

    def find(self, name: str) -> tuple[str, str]:
        """(kind, Id) of the contact whose full name, or full name without "(deleted)", is ``name``."""
        wanted = name.casefold()
        with self.lock:
            for (kind, qbo_id), r in self.records.items():
                full = str(r.get("FullyQualifiedName") or r.get("DisplayName"))
                if wanted in (full.casefold(), DELETED.sub("", full).casefold()):
                    return kind, qbo_id
        raise KeyError(name)

    def cdc(self, kinds: Iterable[str], since: _dt.datetime, cap: int = 1000) -> dict[str, list[dict[str, Any]]]:
        """Objects of ``kinds`` changed at or after ``since`` (deleted ones as ``status: Deleted``), at most
        ``cap`` a kind, as QuickBooks cuts them off."""
        if self.now() - since > _dt.timedelta(days=30):
            raise faults.business(f"Operation cdc with changedSince date {stamp(since)} which is older than fixed "
                                  "days is not supported.")
        out: dict[str, list[dict[str, Any]]] = {}
        with self.lock:
            for kind in kinds:
                latest: dict[str, tuple[_dt.datetime, bool]] = {}
                for when, k, qbo_id, deleted in self.changes:
                    if k == kind and when >= since:
                        latest[qbo_id] = (when, deleted)
                found = []
                for qbo_id, (when, deleted) in sorted(latest.items(), key=lambda item: item[1][0]):
                    if deleted or (kind, qbo_id) not in self.records:
                        found.append({"domain": "QBO", "status": "Deleted", "Id": qbo_id,
                                      "MetaData": {"LastUpdatedTime": stamp(when)}})
                    else:
                        found.append(copy.deepcopy(self.records[(kind, qbo_id)]))
                out[kind] = found[:cap]
        return out

    # --- loading ---------------------------------------------------------------------------------------------

    def load(self, kind: str, entities: Iterable[Mapping[str, Any]]) -> None:
        """Take recorded objects as they are (Ids, SyncTokens, names), then fill in full names and levels."""
        with self.lock:
            for entity in entities:
                record = copy.deepcopy(dict(entity))
                self.records[(kind, str(record["Id"]))] = record
                self.next_id = max(self.next_id, int(record["Id"]) + 1)
            for (k, qbo_id), record in self.records.items():
                if k == "Customer":
                    record["FullyQualifiedName"] = self._full_name(record)
                self._owner[_full(k, record).casefold()] = (k, qbo_id)

    # --- writing ---------------------------------------------------------------------------------------------

    def create(self, kind: str, body: Mapping[str, Any]) -> dict[str, Any]:
        with self.lock:
            rules.check_properties(kind, body)
            now = stamp(self.now())
            record: dict[str, Any] = {"domain": "QBO", "sparse": False, "Id": str(self.next_id), "SyncToken": "0",
                                      "MetaData": {"CreateTime": now, "LastUpdatedTime": now}, "Active": True,
                                      "Balance": 0, "CurrencyRef": {"value": "USD", "name": "United States Dollar"}}
            if kind == "Customer":
                record.update(Taxable=True, Job=False, BillWithParent=False, BalanceWithJobs=0,
                              PreferredDeliveryMethod="Print")
            else:
                record["Vendor1099"] = False
            _merge(record, {k: v for k, v in body.items() if k in rules.WRITABLE[kind]})
            if not record.get("DisplayName"):
                record["DisplayName"] = " ".join(str(record[p]) for p in rules.NAME_PARTS if record.get(p))
                if not record["DisplayName"]:
                    raise faults.missing("DisplayName")
            record.setdefault("PrintOnCheckName", record["DisplayName"])
            if not _truthy(record.get("Active", True)):
                record["DisplayName"] = self._deleted_name(str(record["DisplayName"]), kind, record)
            self._place(kind, record)
            self._validate(kind, record)
            self.next_id += 1
            self._store(kind, record)
            return copy.deepcopy(record)

    def update(self, kind: str, body: Mapping[str, Any], *, check_token: bool = True) -> dict[str, Any]:
        with self.lock:
            rules.check_properties(kind, body)
            if not body.get("Id"):
                raise faults.missing("Id")
            if check_token and body.get("SyncToken") in (None, ""):
                raise faults.missing("SyncToken")
            current = self.records.get((kind, str(body["Id"])))
            if current is None:
                raise faults.not_found()
            if check_token and str(body["SyncToken"]) != current["SyncToken"]:
                raise faults.stale()
            record = copy.deepcopy(current)
            given = {k: v for k, v in body.items() if k in rules.WRITABLE[kind]}
            if not _truthy(body.get("sparse", False)):  # a full update: what is not sent is cleared
                for prop in rules.WRITABLE[kind] - set(given) - {"Active", "CurrencyRef", "Job", "ParentRef"}:
                    record.pop(prop, None)
                if "DisplayName" not in given:
                    raise faults.missing("DisplayName")
            was_active = _truthy(current.get("Active", True))
            _merge(record, given)
            if current.get("ParentRef") and "ParentRef" not in given:
                # QuickBooks Online leaves a sub-customer under its parent when an update sends "Job": false
                # without another ParentRef; so does the stand-in.
                record["ParentRef"], record["Job"] = current["ParentRef"], current.get("Job", True)
            now_active = _truthy(record.get("Active", True))
            if kind == "Customer" and was_active and not now_active and float(current.get("Balance") or 0):
                raise faults.business(f"{current.get('DisplayName')} has an open balance of "
                                      f"{float(current['Balance']):.2f} and cannot be made inactive. Settle the "
                                      "balance first.", "Active")
            self._suffix(kind, record, "DisplayName" in given, was_active, now_active)
            self._place(kind, record)
            self._validate(kind, record)
            self._store(kind, record, bump=True)
            if kind == "Customer":
                if was_active and not now_active:
                    self._deactivate_jobs(record["Id"])
                if record["FullyQualifiedName"] != current.get("FullyQualifiedName"):
                    self._rename_jobs(record["Id"])
            return copy.deepcopy(record)

    def _suffix(self, kind: str, record: dict[str, Any], renamed: bool, was_active: bool, now_active: bool) -> None:
        """"NAME (deleted)" when made inactive; the suffix comes off again when made active, while the name is
        free."""
        bare = DELETED.sub("", str(record["DisplayName"]))
        if not now_active and (was_active or renamed):
            record["DisplayName"] = self._deleted_name(bare, kind, record)
        elif now_active and not was_active and not renamed and not self._taken(
                self._name_with(kind, record, bare), kind, record["Id"]):
            record["DisplayName"] = bare

    def remove(self, kind: str, qbo_id: str) -> None:
        """Gone from the company, as after a merge in QuickBooks: CDC reports it ``Deleted``."""
        with self.lock:
            record = self.records.pop((kind, str(qbo_id)))
            self._owner.pop(_full(kind, record).casefold(), None)
            self.changes.append((self.now().replace(microsecond=0), kind, str(qbo_id), True))

    # --- rules -----------------------------------------------------------------------------------------------

    def _store(self, kind: str, record: dict[str, Any], bump: bool = False) -> None:
        now = self.now().replace(microsecond=0)
        if bump:
            record["SyncToken"] = str(int(record["SyncToken"]) + 1)
        record["MetaData"] = {**record.get("MetaData", {}), "LastUpdatedTime": stamp(now)}
        old = self.records.get((kind, record["Id"]))
        self.records[(kind, record["Id"])] = record
        self._reindex(kind, old, record)
        self.changes.append((now, kind, record["Id"], False))

    def _reindex(self, kind: str, old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> None:
        if old is not None and self._owner.get(_full(kind, old).casefold()) == (kind, new["Id"]):
            del self._owner[_full(kind, old).casefold()]
        self._owner[_full(kind, new).casefold()] = (kind, str(new["Id"]))

    def _place(self, kind: str, record: dict[str, Any]) -> None:
        """Level and full name from the parent (a sub-customer's parent must be an active customer)."""
        if kind != "Customer":
            return
        ref = record.get("ParentRef")
        pid = str(ref.get("value") if isinstance(ref, Mapping) else ref or "")
        if pid:
            parent = self.records.get(("Customer", pid))
            if parent is None or (not _truthy(parent.get("Active", True)) and _truthy(record.get("Active", True))):
                raise faults.invalid_reference("ParentRef")
            if pid == record["Id"] or record["Id"] in self._ancestors(pid):
                raise faults.business("A customer cannot be its own sub-customer.", "ParentRef")
            record["ParentRef"] = {"value": pid}
            record["Job"] = True
            record["Level"] = int(parent.get("Level", 0)) + 1
            if record["Level"] > MAX_LEVEL:
                raise faults.business("Sub-customers can be nested five levels deep at most.", "ParentRef")
        else:
            record["Job"] = False
            record.pop("Level", None)
        record["FullyQualifiedName"] = self._full_name(record)

    def _ancestors(self, qbo_id: str) -> list[str]:
        out: list[str] = []
        current = self.records.get(("Customer", qbo_id))
        while current is not None and isinstance(current.get("ParentRef"), Mapping) and len(out) < 10:
            out.append(str(current["ParentRef"]["value"]))
            current = self.records.get(("Customer", out[-1]))
        return out

    def _full_name(self, record: Mapping[str, Any]) -> str:
        names = [str(record["DisplayName"])]
        for pid in self._ancestors_of(record):
            parent = self.records.get(("Customer", pid))
            if parent is None:
                break
            names.append(str(parent["DisplayName"]))
        return ":".join(reversed(names))

    def _ancestors_of(self, record: Mapping[str, Any]) -> list[str]:
        ref = record.get("ParentRef")
        if not isinstance(ref, Mapping) or not ref.get("value"):
            return []
        return [str(ref["value"]), *self._ancestors(str(ref["value"]))]

    def _name_with(self, kind: str, record: Mapping[str, Any], display: str) -> str:
        """The full name ``record`` would have with DisplayName ``display``."""
        changed = {**record, "DisplayName": display}
        return self._full_name(changed) if kind == "Customer" else display

    def _taken(self, full: str, kind: str, qbo_id: str) -> bool:
        """Whether another customer or vendor has the full name ``full`` (ignoring case)."""
        owner = self._owner.get(full.casefold())
        return owner is not None and owner != (kind, str(qbo_id))

    def _deleted_name(self, name: str, kind: str, record: Mapping[str, Any]) -> str:
        candidate, n = f"{name} (deleted)", 0
        while self._taken(self._name_with(kind, record, candidate), kind, str(record["Id"])):
            n += 1
            candidate = f"{name} (deleted-{n})"
        return candidate

    def _validate(self, kind: str, record: dict[str, Any]) -> None:
        rules.check_record(record)
        if self._taken(_full(kind, record), kind, record["Id"]):
            raise faults.duplicate_name()

    def _deactivate_jobs(self, qbo_id: str) -> None:
        for (kind, _), job in list(self.records.items()):
            if kind == "Customer" and qbo_id in self._ancestors_of(job) and _truthy(job.get("Active", True)):
                job = copy.deepcopy(job)
                job["Active"] = False
                job["DisplayName"] = self._deleted_name(str(job["DisplayName"]), kind, job)
                job["FullyQualifiedName"] = self._full_name(job)
                self._store(kind, job, bump=True)

    def _rename_jobs(self, qbo_id: str) -> None:
        for (kind, _), job in self.records.items():
            if kind == "Customer" and qbo_id in self._ancestors_of(job):
                old = dict(job)
                job["FullyQualifiedName"] = self._full_name(job)
                self._reindex(kind, old, job)


def _full(kind: str, record: Mapping[str, Any]) -> str:
    return str(record.get("FullyQualifiedName") or record["DisplayName"]) if kind == "Customer" \
        else str(record["DisplayName"])


def _merge(record: dict[str, Any], given: Mapping[str, Any]) -> None:
    """Set what is given; '' (or an object of only empty parts) clears. An object is replaced whole."""
    for prop, value in given.items():
        if isinstance(value, Mapping):
            kept = {k: v for k, v in value.items() if v not in ("", None)}
            if kept:
                record[prop] = kept
            else:
                record.pop(prop, None)
        elif value in ("", None):
            record.pop(prop, None)
        else:
            record[prop] = value


def _truthy(value: Any) -> bool:
    return str(value).lower() == "true" if not isinstance(value, bool) else value
