"""``SandboxConnector``: the connector contract on a sandbox company file, plus fault injection for tests.

Engine tests need QuickBooks to fail on cue: a record refused in the middle of a batch, or the connection
dropped after some changes were committed. ``inject`` and ``inject_outage`` script those failures;
``round_trips`` counts calls so benchmarks can check that the engine batches its requests.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from custmgr.company import CHARSET, SandboxCompany
from custmgr.company.merge import merge_records
from custmgr.connector import Change, ChangeResult, Company, Connector, CustomFieldDef, Listed, RemoteRecord
from custmgr.contact import KINDS
from custmgr.errors import ConnectorError, Invalid, Unavailable


@dataclass(frozen=True)
class _Fault:
    first: int  # absolute change numbers, counted over the connector's lifetime
    last: int
    error: ConnectorError


class SandboxConnector(Connector):
    """A QuickBooks company kept in a local sandbox file (``custmgr sandbox new PATH --sample`` makes one).

    Fault injection, for tests. Changes are numbered 0, 1, 2, ... from the moment of the call, across all
    later ``apply`` calls, counting each change ``apply`` reaches:

    - ``inject(error, at=0, count=1)``: changes ``at`` .. ``at + count - 1`` are answered with ``error`` in
      their ``ChangeResult`` and not performed.
    - ``inject_outage(at)``: ``apply`` raises ``Unavailable`` when it reaches change ``at``, after committing
      the changes before it in that call (a connection dropped mid-batch). It fires once; the change it
      stopped at was not reached, so it is number ``at`` again in the next call.

    ``round_trips`` counts every call to ``company``, ``listing``, ``fetch``, ``custom_fields`` and ``apply``.
    ``store`` is the open ``SandboxCompany``, for editing "in QuickBooks" between syncs.

    Options (the factory's ``options``, from ``custmgr.sync.sync(connector_options=...)``):

    - ``"on_open"``: a callable given the new connector before the engine uses it, so a test can inject
      faults into (or keep a handle on) the connector a sync opens for itself.
    """

    name: ClassVar[str] = "sandbox"
    batch_size: ClassVar[int] = 50
    charset: ClassVar[str | None] = CHARSET
    can_merge: ClassVar[bool] = True  # as QuickBooks Desktop (custmgr.company.merge)

    def __init__(self, path: str | os.PathLike[str], options: dict[str, Any] | None = None) -> None:
        self.store = SandboxCompany(path)
        self.round_trips = 0
        self._reached = 0  # changes apply has reached so far
        self._faults: list[_Fault] = []
        self._outage: int | None = None
        on_open = (options or {}).get("on_open")
        if on_open is not None:
            on_open(self)

    # --- fault injection ------------------------------------------------------------------------------------

    def inject(self, error: ConnectorError, *, at: int = 0, count: int = 1) -> None:
        """Answer changes ``at`` .. ``at + count - 1`` (counted from now) with ``error``; do not do them."""
        if at < 0 or count < 1:
            raise ValueError("inject needs at >= 0 and count >= 1")
        first = self._reached + at
        self._faults.append(_Fault(first, first + count - 1, error))

    def inject_outage(self, at: int) -> None:
        """Make ``apply`` raise ``Unavailable`` on reaching change ``at`` (counted from now), once."""
        if at < 0:
            raise ValueError("inject_outage needs at >= 0")
        self._outage = self._reached + at

    def clear_faults(self) -> None:
        """Forget every injected error and outage not yet triggered."""
        self._faults.clear()
        self._outage = None

    # --- the contract ---------------------------------------------------------------------------------------

    def company(self) -> Company:
        self.round_trips += 1
        return self.store.identity()

    def listing(self, kinds: Collection[str]) -> list[Listed]:
        self.round_trips += 1
        _check_kinds(kinds)
        return self.store.listing(kinds)

    def fetch(self, remote_ids: Sequence[str]) -> list[RemoteRecord]:
        self.round_trips += 1
        return self.store.fetch(remote_ids)

    def custom_fields(self) -> list[CustomFieldDef]:
        self.round_trips += 1
        return self.store.custom_fields()

    def apply(self, changes: Sequence[Change]) -> list[ChangeResult]:
        """One result per change, in order. Each change is its own transaction: a failure stops no other."""
        self.round_trips += 1
        if len(changes) > self.batch_size:
            raise ValueError(f"apply takes at most {self.batch_size} changes, got {len(changes)}; "
                             "the engine splits bigger sets into batches")
        results = []
        for change in changes:
            if self._outage == self._reached:
                self._outage = None
                raise Unavailable("The connection to QuickBooks was lost in the middle of a request "
                                  f"(injected after {len(results)} of {len(changes)} changes).")
            fault = next((f for f in self._faults if f.first <= self._reached <= f.last), None)
            self._reached += 1
            if fault is not None:
                results.append(ChangeResult(change.ref, error=fault.error))
                continue
            try:
                results.append(ChangeResult(change.ref, record=self._perform(change)))  # None: deleted
            except Unavailable:
                raise
            except ConnectorError as err:
                results.append(ChangeResult(change.ref, error=err))
        self._faults = [f for f in self._faults if f.last >= self._reached]
        return results

    def close(self) -> None:
        self.store.close()

    def _perform(self, change: Change) -> RemoteRecord | None:
        if change.op == "add":
            return self.store.add_record(change.kind, change.values)
        if change.op not in ("update", "deactivate", "merge", "delete"):
            raise Invalid("op", f"unknown operation {change.op!r}; expected add, update, deactivate, merge or delete")
        if not change.remote_id:
            raise Invalid("remote_id", f"an {change.op} needs the record's ListID")
        if not change.version:
            raise Invalid("version", f"an {change.op} needs the record's EditSequence, as QuickBooks does")
        if change.op == "merge":
            if not change.into_id or not change.into_version:
                raise Invalid("into_id", "a merge needs the ListID and EditSequence of the record that stays")
            return merge_records(self.store, change.remote_id, change.version, change.into_id,
                                 change.into_version, kind=change.kind)[0]
        if change.op == "update":
            return self.store.modify_record(change.remote_id, change.version, change.values, kind=change.kind)
        if change.op == "delete":
            return self._delete(change.remote_id, change.version, change.kind)
        return self.store.deactivate_record(change.remote_id, change.version, kind=change.kind)

    def _delete(self, remote_id: str, version: str, kind: str) -> RemoteRecord | None:
        """Delete for good, guarded by the version. What QuickBooks will not delete (a name used in transactions,
        a customer with inactive jobs) is made inactive instead; a customer with active jobs is refused, since
        making it inactive would change them too."""
        if self.store.active_jobs(remote_id):
            raise Invalid("name", "it has active jobs, so it is neither deleted nor made inactive (that would "
                                  "change its jobs too); delete or move its jobs first")
        try:
            self.store.delete_record(remote_id, kind=kind, version=version)
        except Invalid:  # not StaleVersion or NotFound: those stand
            return self.store.deactivate_record(remote_id, version, kind=kind)
        return None


def _check_kinds(kinds: Collection[str]) -> None:
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown kinds {sorted(unknown)}; expected {KINDS}")
